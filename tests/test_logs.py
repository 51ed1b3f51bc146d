"""CloudWatch Logs: follow, de-duplicate, filter, bound the buffer, and render hostile lines inertly."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from actions.audit import AuditLog
from panels.model import LogTarget
from tests.conftest import TEST_REGION, session
from tests.pilot import screen_text, wait_for
from tui.app import WatchkeeperApp
from tui.cli import main
from tui.demo.server import DemoServer, plain_client
from tui.log_stream import LogBuffer, LogFollower, LogLine, live_tail, parse_since
from tui.log_viewer import LogViewer, render_line
from tui.session import AwsSession

GROUP = "/test/logs"


def writer(aws: AwsSession) -> Any:
    """Test data is written outside the console's session (which refuses mutations without an audit log)."""
    return plain_client(aws.endpoint_url or "", "logs", aws.region or TEST_REGION)


@pytest.fixture(scope="module")
def logs(server: DemoServer) -> AwsSession:
    aws = session(server, TEST_REGION)
    client = writer(aws)
    client.create_log_group(logGroupName=GROUP)
    for stream in ("app/a", "app/b"):
        client.create_log_stream(logGroupName=GROUP, logStreamName=stream)
    return aws


def put(aws: AwsSession, stream: str, *messages: str, at: int | None = None, group: str = GROUP) -> int:
    at = at or int(time.time() * 1000)
    writer(aws).put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
        {"timestamp": at + 2 * i, "message": m} for i, m in enumerate(messages)])
    return at


def test_follow_interleaves_streams_and_returns_each_event_once(logs: AwsSession) -> None:
    follower = LogFollower(logs, GROUP, prefix="app/", start=datetime.now(UTC) - timedelta(minutes=1))
    at = put(logs, "app/a", "a1", "a2")
    put(logs, "app/b", "b1", at=at + 1)
    assert [line.message for line in follower.poll()] == ["a1", "b1", "a2"]
    assert follower.poll() == []  # nothing new, nothing repeated
    put(logs, "app/b", "b2", at=at + 1)  # ingested late: older than the newest already seen
    assert [line.message for line in follower.poll()] == ["b2"]


def test_a_filter_pattern_is_applied_by_the_server(logs: AwsSession) -> None:
    put(logs, "app/a", "INFO fine", "ERROR broken", "INFO fine again")
    follower = LogFollower(logs, GROUP, pattern="ERROR", start=datetime.now(UTC) - timedelta(minutes=1))
    assert {line.message for line in follower.poll()} == {"ERROR broken"}


def test_the_buffer_stays_at_its_bound() -> None:
    buffer = LogBuffer(100)
    for batch in range(5):
        buffer.extend([LogLine(i, "s", f"{batch}-{i}") for i in range(50)])
    assert len(buffer) == 100 and buffer.dropped == 150
    assert next(iter(buffer)).message == "3-0"


def test_since_accepts_relative_and_absolute_times() -> None:
    now = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    assert parse_since("10m", now=now) == now - timedelta(minutes=10)
    assert parse_since("2d", now=now) == now - timedelta(days=2)
    assert parse_since("2026-11-22T01:00Z") == datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="use 10m, 1h, 2d"):
        parse_since("yesterday-ish")


def test_lines_are_flagged_and_json_is_recognised() -> None:
    assert LogLine(0, "s", "java.lang.OutOfMemoryError: Java heap space").is_error
    assert LogLine(0, "s", 'Traceback (most recent call last):').is_error
    assert not LogLine(0, "s", "INFO all good").is_error
    assert LogLine(0, "s", '{"level": "info", "n": 1}').json == {"level": "info", "n": 1}


async def test_viewer_follows_new_lines_and_renders_hostile_ones_literally(
    logs: AwsSession, audit: AuditLog
) -> None:
    put(logs, "app/a", "first line")
    app = WatchkeeperApp(logs, audit=audit)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(LogViewer(logs, LogTarget(GROUP, "app/a")))
        await wait_for(pilot, lambda: isinstance(app.screen, LogViewer) and "first line" in screen_text(app.screen))
        put(logs, "app/a", "[bold]x[/] \x1b]0;pwned-title\x07\x1b[2Jcleared? " + "B" * 200_000, "after")
        await wait_for(pilot, lambda: "after" in screen_text(app.screen))  # followed, no key pressed
        text = screen_text(app.screen)
        assert "[bold]x[/]" in text and "cleared?" in text
        assert "\x1b" not in text and "pwned-title" not in text and "\x07" not in text
        assert "… [+" in text  # the 200 KB line is cut, with a marker
        assert max(len(line) for line in text.splitlines()) < 5_000
        shot = app.export_screenshot()
        assert "[bold]x[/]" in shot and "pwned-title" not in shot
        # search what is loaded, then a server-side filter
        await pilot.press("slash", *"first", "enter")
        assert app.screen.matches and app.screen.paused
        await pilot.press("f", *"after", "enter")
        await wait_for(pilot, lambda: screen_text(app.screen).strip().endswith("after")
                       and "first line" not in screen_text(app.screen))


def test_logs_command_prints_and_filters(logs: AwsSession, server: DemoServer,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    put(logs, "app/b", "INFO via the command", "ERROR via the command")
    args = ["logs", GROUP, "--endpoint-url", server.endpoint_url, "--region", TEST_REGION, "--since", "5m"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "INFO via the command" in out and "ERROR via the command" in out and " app/b " in out
    assert main([*args, "--filter", "ERROR"]) == 0
    out = capsys.readouterr().out
    assert "ERROR via the command" in out and "INFO via the command" not in out


def test_live_tail_streams_new_events_and_skips_those_already_read(logs: AwsSession) -> None:
    follower = LogFollower(logs, GROUP, streams=("app/a",), start=datetime.now(UTC) - timedelta(minutes=1))
    put(logs, "app/a", "read before the session")
    assert "read before the session" in [line.message for line in follower.poll()]
    put(logs, "app/a", "arrived during the session")
    messages = [line.message for batch in live_tail(follower) for line in batch]
    assert "arrived during the session" in messages
    assert "read before the session" not in messages  # the same event is shown once


DEEP = '{"a":' + "[" * 4_000 + "]" * 4_000 + "}"


def test_deep_json_is_shown_as_text_with_a_marker() -> None:
    for message in (DEEP, '{"a":' * 4_000 + "1" + "}" * 4_000, "{" + '"k":1,' * 300_000 + '"z":1}'):
        line = LogLine(0, "s", message)
        assert line.json is None
        text = render_line(line, expand_json=True).plain
        assert message[:100] in text and "JSON not expanded" in text
    shallow = render_line(LogLine(0, "s", '{"level": "info"}'), expand_json=True).plain
    assert '\n  "level": "info"\n' in shallow


async def test_expanding_a_deeply_nested_json_line_keeps_the_viewer_alive(logs: AwsSession, audit: AuditLog) -> None:
    put(logs, "app/a", DEEP, '{"level": "info", "msg": "shallow"}')
    app = WatchkeeperApp(logs, audit=audit, panels=[])
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(LogViewer(logs, LogTarget(GROUP, "app/a")))
        await wait_for(pilot, lambda: isinstance(app.screen, LogViewer) and "shallow" in screen_text(app.screen))
        await pilot.press("j")
        await wait_for(pilot, lambda: '"msg": "shallow"' in screen_text(app.screen))
        assert app.is_running and app.screen.expand_json


async def test_the_group_picker_tolerates_groups_with_only_an_arn(logs: AwsSession, audit: AuditLog) -> None:
    from textual.widgets import DataTable

    from tui.log_groups import LogGroupPicker

    app = WatchkeeperApp(logs, audit=audit, panels=[])
    async with app.run_test(size=(100, 30)) as pilot:
        picker = LogGroupPicker(logs)
        app.push_screen(picker)
        await wait_for(pilot, lambda: bool(picker.query(DataTable)) and GROUP in picker.query_one(DataTable).rows)
        table = picker.query_one(DataTable)
        picker.show([{"arn": "arn:aws:logs:us-west-2:123456789012:log-group:/only/arn:*"}, {}])
        assert list(table.rows) == ["/only/arn"]
        assert [c.plain for c in table.get_row("/only/arn")] == ["/only/arn", "?", "never expires", "-"]
