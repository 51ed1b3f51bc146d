"""The console at 3 a.m.: the log viewer says what it asks and what an empty screen means, and the
command log can be narrowed, collapses repeated polls and shows watchkeeper's own failures."""

from __future__ import annotations

import time
from typing import Any

import pytest
from textual.widgets import DataTable, Input, Static

from actions.audit import AuditLog
from panels.model import LogTarget
from tests.conftest import TEST_REGION, session
from tests.pilot import screen_text, wait_for
from tui.app import WatchkeeperApp
from tui.demo.server import DemoServer, plain_client
from tui.log_groups import LogGroupPicker
from tui.log_viewer import LogViewer, fit_where
from tui.screens import CommandLogScreen, collapse
from tui.session import AwsSession, CallRecord

GROUP = "/test/viewer/quiet"
STREAM = "ecs/checkout-api/0123456789abcdef0123456789abcdef"
SIZE = (80, 24)


@pytest.fixture(scope="module")
def quiet(server: DemoServer) -> AwsSession:
    """A group whose only event is 30 minutes old: empty from 10 minutes back, not from 1 hour."""
    aws = session(server, TEST_REGION)
    logs = plain_client(server.endpoint_url, "logs", TEST_REGION)
    for group in (GROUP, f"{GROUP}-b", f"{GROUP}-c"):
        logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=GROUP, logStreamName=STREAM)
    logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM, logEvents=[
        {"timestamp": int((time.time() - 30 * 60) * 1000), "message": "half an hour ago"}])
    return aws


def shown(widget: Static) -> str:
    return str(widget.content)


def status_line(app: WatchkeeperApp) -> str:
    """The status line as drawn on the screen (cut to the terminal's width)."""
    return app.screen.query_one("#status", Static).render_line(0).text


async def test_each_prompt_says_what_it_asks(quiet: AwsSession, audit: AuditLog) -> None:
    app = WatchkeeperApp(quiet, audit=audit, panels=[])
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(LogViewer(quiet, LogTarget(GROUP, STREAM)))
        await wait_for(pilot, lambda: isinstance(app.screen, LogViewer) and "half an hour" in screen_text(app.screen))
        viewer = app.screen
        label = viewer.query_one("#prompt-label", Static)
        for key, asked, value in (("t", "start time (5m, 1h, 24h or ISO):", "24h"),
                                  ("f", "filter pattern:", ""), ("slash", "search:", "")):
            await pilot.press(key)
            assert viewer.query_one("#prompt-bar").display and viewer.query_one("#prompt", Input).has_focus
            assert shown(label) == asked and viewer.query_one("#prompt", Input).value == value
            assert asked in app.export_screenshot().replace("&#160;", " ")
            await pilot.press("escape")  # closes the prompt, not the viewer
            assert not viewer.query_one("#prompt-bar").display and app.screen is viewer


async def test_the_stream_name_stays_visible_at_80_columns(quiet: AwsSession, audit: AuditLog) -> None:
    app = WatchkeeperApp(quiet, audit=audit, panels=[])
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(LogViewer(quiet, LogTarget(GROUP, STREAM)))
        await wait_for(pilot, lambda: isinstance(app.screen, LogViewer) and "half an hour" in screen_text(app.screen))
        await pilot.pause()
        line = status_line(app).strip()
        assert line.startswith("following (") and STREAM in line, line
    # Narrower still: the group goes first, then the stream's start; its end (the task id) stays.
    assert fit_where(GROUP, STREAM, 80) == f"{GROUP} › {STREAM}"
    assert fit_where(GROUP, STREAM, 60).endswith(f"/quiet › {STREAM}")
    assert fit_where(GROUP, STREAM, 50) == STREAM
    assert fit_where(GROUP, STREAM, 20) == "…" + STREAM[-19:]


async def test_an_empty_group_says_so_and_t_looks_further_back(quiet: AwsSession, audit: AuditLog) -> None:
    app = WatchkeeperApp(quiet, audit=audit, panels=[])
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(LogViewer(quiet, LogTarget(GROUP, ""), since="10m"))
        await wait_for(pilot, lambda: isinstance(app.screen, LogViewer) and app.screen.history_read)
        viewer = app.screen
        empty = viewer.query_one("#empty", Static)
        await wait_for(pilot, lambda: "no events" in shown(empty))
        assert shown(empty) == f"no events since 10m ago in {GROUP} — t to look further back"
        assert empty.display and screen_text(viewer).strip() == ""
        # A new start time restarts every source from it: the 30-minute-old event now shows.
        await pilot.press("t", "ctrl+u", *"1h", "enter")
        await wait_for(pilot, lambda: "half an hour ago" in screen_text(viewer))
        assert viewer.since == "1h" and not empty.display
        assert viewer.follower.floor < (time.time() - 30 * 60) * 1000
        # A filter that matches nothing says so too, and how to change it.
        await pilot.press("f", *"nothing-matches", "enter")
        await wait_for(pilot, lambda: "no events matching" in shown(empty))
        assert "f to change the filter" in shown(empty) and empty.display


def record(service: str, operation: str, at: float, *, ok: bool = True, error: str = "",
           params: dict[str, Any] | None = None) -> CallRecord:
    return CallRecord(at=at, service=service, operation=operation, params=params or {}, duration_ms=3.0,
                      ok=ok, request_id="req", error=error)


def test_repeated_calls_collapse_into_runs() -> None:
    polls = [record("logs", "FilterLogEvents", 100.0 + i) for i in range(5)]
    failed = record("logs", "FilterLogEvents", 200.0, ok=False, error="Throttling: slow down")
    runs = collapse([*polls, failed, record("logs", "FilterLogEvents", 201.0)])
    assert [(r.call, r.count) for r in runs] == [("logs.FilterLogEvents", 5), ("logs.FilterLogEvents", 1),
                                                 ("logs.FilterLogEvents", 1)]
    assert runs[0].first.at == 100.0 and runs[0].last.at == 104.0


def rows(table: DataTable) -> list[list[str]]:  # type: ignore[type-arg]
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_the_command_log_filters_collapses_and_shows_client_side_failures(
    server: DemoServer, audit: AuditLog
) -> None:
    aws = session(server)
    app = WatchkeeperApp(aws, audit=audit, panels=[])
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: aws.known_identity is not None)
        base = time.time()
        for i in range(37):
            aws.calls.append(record("logs", "FilterLogEvents", base + i,
                                    params={"logGroupName": "/ecs/checkout-api", "startTime": i}))
        aws.note_failure("refresh of ECS › prod", "unexpected response: TypeError: 'NoneType' is not iterable")
        await pilot.press("at")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandLogScreen))
        screen = app.screen
        table = screen.query_one(DataTable)
        assert screen.query_one("#calls-filter", Input).has_focus  # type to narrow
        everything = rows(table)
        # newest first: the client-side failure, then the 37 polls as one line with the newest time
        failure, polls = everything[0], everything[1]
        assert failure[1] == "watchkeeper.refresh of ECS › prod" and failure[3].startswith("✗ unexpected response")
        assert failure[4] == "-"  # no AWS call took time
        assert polls[1:3] == ["logs.FilterLogEvents", "×37"]
        assert polls[0] == time.strftime("%H:%M:%S", time.localtime(base + 36))
        assert '"startTime"' not in polls[6] and "startTime=36" in polls[6]  # the newest call's parameters
        assert any(row[1] == "sts.GetCallerIdentity" for row in everything)
        detail = screen.query_one("#call-detail", Static)
        assert "failed in watchkeeper itself" in shown(detail) and "TypeError" in shown(detail)
        # the arrows move in the list while the filter box has the focus; the detail follows
        await pilot.press("down")
        assert table.cursor_row == 1 and "×37" in shown(detail) and 'logGroupName="/ecs/checkout-api"' in shown(detail)
        # the filter narrows by service, operation or result
        await pilot.press(*"logs filterlog")
        await wait_for(pilot, lambda: table.row_count == 1)
        assert rows(table)[0][1:3] == ["logs.FilterLogEvents", "×37"]
        await pilot.press("ctrl+u", *"failed")
        await wait_for(pilot, lambda: table.row_count == 1 and rows(table)[0][1].startswith("watchkeeper."))
        await pilot.press("escape")  # clears the filter first
        assert table.row_count == len(everything) and app.screen is screen
        await pilot.press("at")  # `@` closes it as it opened it, though the filter box has the focus
        assert not isinstance(app.screen, CommandLogScreen)


async def test_the_group_picker_moves_from_the_prefix_box(quiet: AwsSession, audit: AuditLog) -> None:
    app = WatchkeeperApp(quiet, audit=audit, panels=[])
    async with app.run_test(size=(100, 30)) as pilot:
        picker = LogGroupPicker(quiet)
        app.push_screen(picker)
        await wait_for(pilot, lambda: bool(picker.query(DataTable)) and GROUP in picker.query_one(DataTable).rows)
        table, box = picker.query_one(DataTable), picker.query_one(Input)
        assert box.has_focus
        await pilot.press(*GROUP)  # typing narrows the list (once typing pauses)
        await wait_for(pilot, lambda: picker.shown_prefix == GROUP and table.row_count == 3)
        await pilot.press("down", "down", "up")
        assert box.has_focus and table.cursor_row == 1
        highlighted = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        await pilot.press("enter")  # opens the highlighted group
        await wait_for(pilot, lambda: isinstance(app.screen, LogViewer))
        assert app.screen.target == LogTarget(str(highlighted), "") and highlighted == f"{GROUP}-b"


async def test_a_burst_after_a_prompt_key_is_typed_into_the_prompt(quiet: AwsSession, audit: AuditLog) -> None:
    """`/sql` typed fast must search for sql, not save (s) and close the viewer (q)."""
    from textual import events

    app = WatchkeeperApp(quiet, audit=audit)
    async with app.run_test(size=(80, 24)) as pilot:
        viewer = LogViewer(quiet, LogTarget(GROUP, STREAM))
        app.push_screen(viewer)
        await wait_for(pilot, lambda: app.screen is viewer)
        await pilot.pause(0.3)
        for key, character in [("slash", "/"), ("s", "s"), ("q", "q"), ("l", "l"), ("enter", None)]:
            app.post_message(events.Key(key, character))
        await pilot.pause(0.5)
        assert app.screen is viewer and viewer.search == "sql" and not viewer.prompting
        for key, character in [("t", "t"), ("1", "1"), ("m", "m"), ("enter", None)]:
            app.post_message(events.Key(key, character))
        await pilot.pause(0.5)
        assert app.screen is viewer and viewer.since == "1m"
