"""The table at 20,000 rows: mechanisms, not timings (benchmarks/run.py has those).

Loading and filtering that many rows leaves the event loop free, a burst of filter keys settles
once at the final text on its own level, the cursor keeps its row through a refresh, a sort and a
filter, and hostile cell text is drawn literally.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from actions.audit import AuditLog
from panels.model import Panel, Row, Source
from panels.ordering import matches
from panels.view import PanelView
from tests.pilot import wait_for
from tui.app import WatchkeeperApp
from tui.session import AwsSession
from tui.table import VirtualTable

COUNT = 20_000
HOSTILE = ("[bold red]markup[/]", "\x1b[31mred\x1b[0m\x1b]0;title\x07", "txt\u202eexe.sh", "$(touch /tmp/x)")


class Children(Source):
    """What a synthetic row drills into."""

    kind = "bench.child"
    columns = ("Name", "Status")

    def __init__(self, parent: str) -> None:
        self.parent = parent

    @property
    def label(self) -> str:
        return f"{self.parent} › children"

    def rows(self, aws: AwsSession) -> list[Row]:
        return [Row(key=f"{self.parent}/{i}", name=f"child-{i}", cells=(f"child-{i}", "OK")) for i in range(3)]


class Synthetic(Panel):
    """`COUNT` rows, one in seven FAILED; each refresh changes some counts (new Row objects,
    the same keys), as a real refresh does."""

    id, key, title, kind = "triage", "1", "Synthetic", "bench"
    columns = ("Name", "Status", "Count", "Reason")

    def __init__(self, count: int = COUNT, hostile: bool = False) -> None:
        self.count, self.hostile, self.generation = count, hostile, 0

    def rows(self, aws: AwsSession) -> list[Row]:
        self.generation += 1
        rows = [Row(key=f"arn:aws:bench:{i}", name=f"resource-{i:05d}", status="FAILED" if i % 7 == 0 else "OK",
                    cells=(f"resource-{i:05d}", "FAILED" if i % 7 == 0 else "OK", i + self.generation,
                           f"reason {i % 97}"))
                for i in range(self.count)]
        if self.hostile:
            rows.append(Row(key="hostile", name=HOSTILE[0], status="FAILED",
                            cells=(HOSTILE[0], "FAILED", HOSTILE[3], " ".join(HOSTILE[1:3]))))
        return rows

    def drill(self, row: Row) -> Source | None:
        return Children(row.name)


def synthetic_app(audit: AuditLog, panel: Synthetic) -> WatchkeeperApp:
    app = WatchkeeperApp(None, audit=audit, panels=[])
    app.views[0].panel = panel
    app.views[0].stack[0].source = panel
    return app


async def start(pilot: Pilot, app: WatchkeeperApp, rows: int) -> PanelView:
    view = app.views[0]
    app.aws = AwsSession(region="us-east-1", endpoint_url="http://127.0.0.1:9",  # type: ignore[attr-defined]
                         credentials={"aws_access_key_id": "x", "aws_secret_access_key": "x"})
    view.refresh_now()
    await wait_for(pilot, lambda: view.table.row_count == rows and not view.busy, timeout=60)
    view.next_due = float("inf")  # refreshes only when a test asks
    view.table.focus()
    await pilot.pause()
    return view


def expected(view: PanelView, text: str) -> int:
    return sum(1 for row in view.level.rows if matches(row, text))


def post(app: WatchkeeperApp, keys: str) -> None:
    """Keys as a terminal sends them in a burst: all queued before the first is handled."""
    names = {"/": "slash", " ": "space"}
    for character in keys:
        app.post_message(events.Key(names.get(character, character), character))


class LoopWatch:
    """The longest time the event loop could not wake a short sleep."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.task = asyncio.get_running_loop().create_task(self.watch())

    async def watch(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(0.005)
            self.longest = max(self.longest, time.perf_counter() - before - 0.005)

    def stop(self) -> float:
        self.task.cancel()
        return self.longest


def screen_text(view: PanelView) -> str:
    table = view.table
    return "\n".join(table.render_line(y).text for y in range(table.size.height))


async def test_20000_rows_load_and_filter_without_freezing_the_app(audit: AuditLog) -> None:
    """The old table removed rows one call at a time, each rebuilding its index: a key that
    halved 20,000 rows froze the app for minutes. Now a key that halves the list leaves the loop
    free (a generous bound: a freeze, not a timing), and the result is what the filter says."""
    app = synthetic_app(audit, Synthetic())
    async with app.run_test(size=(120, 36)) as pilot:
        view = await start(pilot, app, COUNT)
        watch = LoopWatch()
        post(app, "/resource-1")  # 10000-19999: half the rows go
        await wait_for(pilot, lambda: view.table.row_count == expected(view, "resource-1") == COUNT // 2)
        assert watch.stop() < 1.0
        assert all("resource-1" in row.name for row in view.shown.values())
        assert len(view.shown) == COUNT // 2


async def test_new_rows_are_measured_lowercased_and_ordered_in_the_worker(
        audit: AuditLog, monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-row work of new rows (cell widths, the filter's lower-case text, the sort) is done in
    the refresh's worker thread: at 20,000 rows it held the UI for 0.4 s."""
    import panels.view

    threads: list[str] = []
    measure_rows, arrange = panels.view.measure_rows, panels.view.arrange

    def counted(function):  # type: ignore[no-untyped-def]
        def call(*args, **kwargs):  # type: ignore[no-untyped-def]
            threads.append(threading.current_thread().name)
            return function(*args, **kwargs)
        return call

    monkeypatch.setattr(panels.view, "measure_rows", counted(measure_rows))
    monkeypatch.setattr(panels.view, "arrange", counted(arrange))
    app = synthetic_app(audit, Synthetic(count=5_000))
    async with app.run_test(size=(120, 36)) as pilot:
        view = await start(pilot, app, 5_000)
        texts = view.level.haystacks()
        view.refresh_now()  # new Row objects for every key
        await wait_for(pilot, lambda: not view.busy and view.level.haystacks() is not texts)
        assert threads and threading.main_thread().name not in threads
        view.action_sort()  # a sort the user asks for is done where it is asked (once)
        await pilot.pause()
        assert threads[-1] == threading.main_thread().name


def test_the_width_cache_holds_only_the_current_rows() -> None:
    """Each row's widths are kept for the next refresh, with the cells they were measured for; a
    refresh's old rows (equal, not the same objects) and rows gone are not kept alive by it."""
    from panels.view import measure_rows

    source, measured = Synthetic(), {}
    old = [Row(key=f"k{i}", name=f"r{i}", cells=(f"resource-{i}", "OK", i, "reason")) for i in range(3)]
    widest = measure_rows(source, old, measured)
    new = [Row(key=r.key, name=r.name, cells=tuple(list(r.cells))) for r in old[1:]]
    assert measure_rows(source, new, measured) == widest
    assert set(measured) == {row.key for row in new}
    assert all(measured[row.key][0] is row.cells for row in new)


async def test_a_burst_of_filter_keys_settles_once_at_the_final_text(audit: AuditLog) -> None:
    """A paste or keys over SSH: each key is handled once, nothing writes older text back into
    the box, and the filter belongs to this level only."""
    app = synthetic_app(audit, Synthetic())
    async with app.run_test(size=(120, 36)) as pilot:
        view = await start(pilot, app, COUNT)
        box = view.query_one("#filter", Input)
        texts: list[str] = []
        box.watch(box, "value", lambda value: texts.append(value), init=False)  # type: ignore[arg-type]
        text = "failed 1"
        post(app, "/" + text)
        await wait_for(pilot, lambda: view.level.filter == text and view.table.row_count == expected(view, text))
        settled = len(texts)
        for _ in range(20):  # it stays settled: no older text comes back, nothing loops
            await pilot.pause(0.025)
            assert box.value == view.level.filter == text
            assert view.table.row_count == expected(view, text)
        assert len(texts) == settled <= len(text)
        assert texts == [text[:i + 1] for i in range(len(text))][-len(texts):]  # in order, once each
        assert all(row.status == "FAILED" and "1" in row.text() for row in view.shown.values())

        # The filter is this level's: the next level opens unfiltered, and going back finds it.
        await pilot.press("enter")  # the box has focus: enter closes it onto the table
        await wait_for(pilot, lambda: view.table.has_focus)
        parent = view.current_row()
        assert parent is not None
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(view.stack) == 2 and view.table.row_count == 3)
        assert view.level.filter == "" and box.value == "" and len(view.shown) == 3
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(view.stack) == 1)
        assert view.level.filter == text and box.value == text
        await wait_for(pilot, lambda: view.table.row_count == expected(view, text))


async def test_the_cursor_keeps_its_row_through_refresh_sort_and_filter(audit: AuditLog) -> None:
    app = synthetic_app(audit, Synthetic(count=2_000))
    async with app.run_test(size=(120, 36)) as pilot:
        view = await start(pilot, app, 2_000)
        for _ in range(25):
            await pilot.press("down")
        chosen = view.current_row()
        assert chosen is not None and view.table.cursor_row == 25

        def on_chosen() -> bool:
            row = view.current_row()
            return row is not None and row.key == chosen.key  # type: ignore[union-attr]

        before = view.level.rows
        view.refresh_now()  # new Row objects, changed counts, the same keys
        await wait_for(pilot, lambda: view.level.rows is not before and not view.busy)
        view.next_due = float("inf")
        await wait_for(pilot, on_chosen)
        await pilot.press("s")  # by Name
        await wait_for(pilot, lambda: view.level.sort_column == 0)
        await wait_for(pilot, on_chosen)
        await pilot.press("o")  # reversed: the row moves, the cursor with it
        await wait_for(pilot, lambda: view.level.sort_reverse and view.table.row_count == 2_000)
        await wait_for(pilot, on_chosen)
        assert view.table.cursor_row != 25
        word = chosen.name  # a filter that keeps it
        await pilot.press("slash", *word)
        await wait_for(pilot, lambda: view.level.filter == word and view.table.row_count == 1)
        await wait_for(pilot, on_chosen)
        await pilot.press("escape")  # the filter closes: every row back, the cursor still on it
        await wait_for(pilot, lambda: view.level.filter == "" and view.table.row_count == 2_000)
        await wait_for(pilot, on_chosen)


async def test_hostile_cell_text_is_drawn_literally(audit: AuditLog) -> None:
    app = synthetic_app(audit, Synthetic(count=5, hostile=True))
    async with app.run_test(size=(160, 20)) as pilot:
        view = await start(pilot, app, 6)
        await pilot.pause(0.2)
        shown = screen_text(view)
        assert "[bold red]markup[/]" in shown  # markup is text, not style
        assert "$(touch /tmp/x)" in shown
        assert "\x1b" not in shown and "\x07" not in shown  # no escape sequence reaches the terminal
        assert "⟨U+202E⟩" in shown  # the bidi override is shown, not obeyed
        assert "red txt⟨U+202E⟩exe.sh" in shown and "title" not in shown  # the OSC (a title change) is dropped


async def test_an_error_showing_a_filter_result_reaches_the_app(audit: AuditLog) -> None:
    """The filter thread's result arrives as a message: what its handler raises is the app's error
    (a crash report), not a line in asyncio's log nobody reads."""
    app = synthetic_app(audit, Synthetic(count=5_000))
    with pytest.raises(RuntimeError, match="boom"):
        async with app.run_test(size=(120, 36)) as pilot:
            view = await start(pilot, app, 5_000)

            def boom(rows: list[Row]) -> None:
                raise RuntimeError("boom")

            view.show_rows = boom  # type: ignore[method-assign]
            post(app, "/resource-1")
            await pilot.pause(0.5)


def cursor_on_screen(table: VirtualTable) -> bool:
    """The cursor's row is drawn: below the header, above a sideways scrollbar."""
    top = int(table.scroll_offset.y)
    return top <= table.cursor_row < top + table.scrollable_content_region.height - 1


async def test_the_cursor_row_is_always_on_screen(audit: AuditLog) -> None:
    """A long list has a vertical scrollbar: the columns are laid out beside it (not under it, which
    overflowed into a sideways scrollbar covering the last row), and End, PageDown and a row chosen
    below the screen are drawn where they can be seen."""
    app = synthetic_app(audit, Synthetic(count=2_000))
    async with app.run_test(size=(80, 24)) as pilot:
        view = await start(pilot, app, 2_000)
        table = view.table
        assert table.virtual_size.width <= table.scrollable_content_region.width  # no sideways scrollbar
        for key in ("end", "home", "pagedown", "pagedown"):
            await pilot.press(key)
            assert cursor_on_screen(table), key


class Arriving(Synthetic):
    """Each refresh adds a worse row above the others, as triage's checks finish."""

    def rows(self, aws: AwsSession) -> list[Row]:
        self.generation += 1
        failing = range(self.count - self.generation, self.count)  # failing first: the newest on top
        return [Row(key=f"k{i}", name=f"r{i}", status="FAILED" if i in failing else "OK",
                    cells=(f"r{i}", "FAILED" if i in failing else "OK", i, "")) for i in range(self.count)]


async def test_the_cursor_stays_on_top_until_moved_then_follows_its_row(audit: AuditLog) -> None:
    app = synthetic_app(audit, Arriving(count=60))
    async with app.run_test(size=(80, 24)) as pilot:
        view = await start(pilot, app, 60)
        assert view.current_row() is not None and view.current_row().key == "k59"
        view.refresh_now()  # k58 fails too and is listed above k59
        await wait_for(pilot, lambda: not view.busy and view.level.rows[58].status == "FAILED")
        assert view.table.cursor_row == 0 and view.current_row().key == "k58"  # the top row, not k59
        await pilot.press("end")  # the user chose a row: it stays chosen and in view
        chosen = view.current_row()
        view.refresh_now()
        await wait_for(pilot, lambda: not view.busy and view.level.rows[57].status == "FAILED")
        assert view.current_row() is not None and chosen is not None and view.current_row().key == chosen.key
        assert cursor_on_screen(view.table)


async def test_a_sort_arrow_is_never_cut_off(audit: AuditLog) -> None:
    app = synthetic_app(audit, Synthetic(count=50))
    async with app.run_test(size=(120, 24)) as pilot:
        view = await start(pilot, app, 50)
        for _ in range(3):
            await pilot.press("s")
            marked = [i for i, label in enumerate(view.table.labels) if "▲" in label.plain]
            assert marked and all(view.table.widths[i] >= view.table.labels[i].cell_len for i in marked)
