"""The log view renders only the rows on screen: 100,000 lines in, a screen's worth rendered."""

from __future__ import annotations

from actions.audit import AuditLog
from panels.model import LogTarget
from tests.conftest import session
from tests.pilot import screen_text, wait_for
from tui.app import WatchkeeperApp
from tui.demo.server import DemoServer
from tui.log_stream import to_line
from tui.log_viewer import LogViewer


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
        await pilot.press("w")  # wrapped: the newest lines laid out, still only the screen rendered
        await wait_for(pilot, lambda: view.multirow)
        assert "line 99999" in screen_text(viewer)
