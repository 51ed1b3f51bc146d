"""The log view renders only the rows on screen: 100,000 lines in, a screen's worth rendered. It keeps
following through bursts, and a reader's place and search matches survive the ring buffer dropping lines."""

from __future__ import annotations

from rich.text import Text

from actions.audit import AuditLog
from panels.model import LogTarget
from tests.conftest import session
from tests.pilot import screen_text, wait_for
from tui.app import WatchkeeperApp
from tui.demo.server import DemoServer
from tui.log_stream import LogLine, to_line
from tui.log_viewer import LogViewer


def lines(first: int, count: int, text: str = "line") -> list[LogLine]:
    return [LogLine(first + i, "s/1", f"{text} {first + i}") for i in range(count)]


async def test_a_hundred_thousand_lines_render_one_screen(server: DemoServer, audit: AuditLog) -> None:
    aws = session(server)
    app = WatchkeeperApp(aws, audit=audit, panels=[])
    async with app.run_test(size=(80, 24)) as pilot:
        viewer = LogViewer(aws, LogTarget("/nowhere", "x"))
        await app.push_screen(viewer)
        for start in range(0, 100_000, 10_000):
            viewer.arrived(viewer.follower, [to_line({"timestamp": start + i, "logStreamName": "s/1",
                                                      "message": f"line {start + i} \x1b]0;t\x07[b]x[/b]"})
                                             for i in range(10_000)])  # as the follower makes them
            await pilot.pause()
        view = viewer.log_widget
        await wait_for(pilot, lambda: view.virtual_size.height == 100_000 and view.at_end)
        assert len(view._rows) < 1_000  # rendered: the screens painted between batches, not what arrived
        last = view.render_line(view.size.height - 1).text
        assert "line 99999" in last and "[b]x[/b]" in last and "\x1b" not in last  # literal, sanitised
        # Counted: a full buffer taking 10,000 more lines renders one screen's rows, not the batch.
        rendered: list[LogLine] = []
        render = view.render

        def counted(line: LogLine) -> Text:
            rendered.append(line)
            return render(line)

        view.render = counted
        viewer.arrived(viewer.follower, lines(100_000, 10_000))
        await pilot.pause()
        assert 0 < len(rendered) <= view.size.height and len(viewer.buffer) == 100_000
        assert "line 109999" in screen_text(viewer)
        await pilot.press("w")  # wrapped: the newest lines laid out, still only the screen rendered
        await wait_for(pilot, lambda: view.multirow)
        assert "line 109999" in screen_text(viewer)


async def test_following_survives_bursts_and_a_wide_line(server: DemoServer, audit: AuditLog) -> None:
    """Batches arriving before a paint, and a horizontal scrollbar appearing (which moves the end by a
    row), leave the view following; a reader who scrolls up stops it."""
    aws = session(server)
    app = WatchkeeperApp(aws, audit=audit, panels=[])
    async with app.run_test(size=(80, 24)) as pilot:
        viewer = LogViewer(aws, LogTarget("/nowhere", "x"))
        await app.push_screen(viewer)
        await pilot.pause()
        view = viewer.log_widget
        for first in range(0, 300, 100):  # no paint between them
            viewer.arrived(viewer.follower, lines(first, 100))
        await pilot.pause()
        assert view.follow and view.at_end
        viewer.arrived(viewer.follower, [LogLine(1, "s/1", "wide " + "x" * 300)])
        await pilot.pause()
        viewer.arrived(viewer.follower, lines(300, 5))
        await pilot.pause()
        assert view.follow and view.at_end and "line 304" in screen_text(viewer)
        await pilot.press("pageup")
        viewer.arrived(viewer.follower, lines(305, 5))
        await pilot.pause()
        on_screen = "\n".join(view.render_line(y).text for y in range(view.size.height))
        assert not view.follow and "line 309" not in on_screen and "line 304" not in on_screen
        await pilot.press("end")
        viewer.arrived(viewer.follower, lines(310, 5))
        await pilot.pause()
        assert view.follow and "line 314" in screen_text(viewer)


async def test_a_paused_reader_keeps_their_lines_and_matches_while_old_ones_drop(
    server: DemoServer, audit: AuditLog
) -> None:
    aws = session(server)
    app = WatchkeeperApp(aws, audit=audit, panels=[])
    async with app.run_test(size=(80, 24)) as pilot:
        viewer = LogViewer(aws, LogTarget("/nowhere", "x"), buffer_size=1_000)
        await app.push_screen(viewer)
        viewer.arrived(viewer.follower, lines(0, 1_000))
        await pilot.pause()
        await pilot.press("slash", *"needle", "enter")  # nothing matches yet
        viewer.arrived(viewer.follower, [*lines(1_000, 10, "needle"), *lines(1_010, 200)])  # 210 drop off
        await pilot.press("slash", *"needle", "enter")
        view = viewer.log_widget
        assert viewer.paused and viewer.matches and "needle 1000" in screen_text(viewer)
        top = view.render_line(0).text
        viewer.arrived(viewer.follower, lines(1_210, 300))  # the buffer is full: 300 more drop off
        await pilot.pause()
        assert view.render_line(0).text == top  # the same line at the top: not carried away
        await pilot.press("n")
        assert viewer.current_line() == LogLine(1_001, "s/1", "needle 1001")
        assert "needle 1001" in screen_text(viewer)
        viewer.arrived(viewer.follower, lines(1_510, 800))  # the needles are gone from the buffer
        viewer.update_status()
        await pilot.pause()
        assert "0 matches" in str(viewer.query_one("#status").render())  # the count forgets them at once
        assert viewer.current_line() is None  # `y` says the match has gone, rather than copy another line
        await pilot.press("n")
        assert viewer.matches == [] and viewer.current_line() == LogLine(2_309, "s/1", "line 2309")


async def test_toggles_keep_the_sideways_scroll_and_wrapping_follows_the_width(
    server: DemoServer, audit: AuditLog
) -> None:
    aws = session(server)
    app = WatchkeeperApp(aws, audit=audit, panels=[])
    async with app.run_test(size=(100, 24)) as pilot:
        viewer = LogViewer(aws, LogTarget("/nowhere", "x"))
        await app.push_screen(viewer)
        viewer.arrived(viewer.follower, [LogLine(i, "s/1", f"long {i} " + "y" * 250 + " end") for i in range(40)])
        await pilot.pause()
        view = viewer.log_widget
        wide = view.virtual_size.width
        assert wide > 250
        await pilot.press("z")  # local time: drawn again, as wide as before
        await pilot.pause()
        assert view.virtual_size.width == wide
        await pilot.press("w")
        await pilot.pause()
        rows = view.virtual_size.height
        await pilot.resize_terminal(60, 24)
        await wait_for(pilot, lambda: view.virtual_size.width == view.size.width)
        assert view.virtual_size.height > rows  # narrower: more rows per line, laid out again
        assert "long 39" in screen_text(viewer) and screen_text(viewer).rstrip().endswith("end")
