"""Logs under latency and in pipes: every event once and in order whatever a call costs, Live Tail
kept to the group asked for, and `watchkeeper logs` safe to pipe into grep or head."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import tui.log_stream
import tui.log_viewer
from actions.audit import AuditLog
from panels.model import LogTarget
from tests.conftest import TEST_REGION, session
from tests.pilot import wait_for
from tui.app import WatchkeeperApp
from tui.demo.server import DemoServer, plain_client
from tui.log_stream import LATE_MS, LogFollower, live_tail
from tui.log_viewer import LogViewer
from tui.session import AwsSession

GROUP = "/test/latency"
PIPED = "/test/piped"
ROOT = Path(__file__).resolve().parent.parent
HOSTILE = "\x1b[31mred\x1b[0m \x1b]0;pwned-title\x07 txt.\u202eexe \u200bzero"


@pytest.fixture(scope="module")
def writer(server: DemoServer) -> Any:
    """Test data goes in outside the console's session."""
    client: Any = plain_client(server.endpoint_url, "logs", TEST_REGION)
    for group, stream in ((GROUP, "app/a"), (GROUP, "app/b"), (PIPED, "app/a"), (PIPED, "app/b")):
        if not client.describe_log_groups(logGroupNamePrefix=group)["logGroups"]:
            client.create_log_group(logGroupName=group)
        client.create_log_stream(logGroupName=group, logStreamName=stream)
    return client


def put(writer: Any, stream: str, messages: list[str], group: str = GROUP) -> None:
    at = int(time.time() * 1000)
    writer.put_log_events(logGroupName=group, logStreamName=stream,
                          logEvents=[{"timestamp": at + i, "message": m} for i, m in enumerate(messages)])


class SlowCalls:
    """A delay on every FilterLogEvents of one session, counting how many run at once."""

    def __init__(self, aws: AwsSession, seconds: float) -> None:
        self.seconds, self.running, self.most, self.calls = seconds, 0, 0, 0
        self.lock = threading.Lock()
        aws.client("logs").meta.events.register("before-call.logs.FilterLogEvents", self.before)
        aws.client("logs").meta.events.register("after-call.logs.FilterLogEvents", self.after)

    def before(self, **_: Any) -> None:
        with self.lock:
            self.running += 1
            self.calls += 1
            self.most = max(self.most, self.running)
        time.sleep(self.seconds)

    def after(self, **_: Any) -> None:
        with self.lock:
            self.running -= 1


def count_polls_per_follower(monkeypatch: pytest.MonkeyPatch) -> dict[int, int]:
    """The most polls of each follower (by id) that ran at once."""
    running: dict[int, int] = {}
    most: dict[int, int] = {}
    lock = threading.Lock()
    poll = LogFollower.poll

    def counted(follower: LogFollower) -> list[Any]:
        with lock:
            running[id(follower)] = running.get(id(follower), 0) + 1
            most[id(follower)] = max(most.get(id(follower), 0), running[id(follower)])
        try:
            return poll(follower)
        finally:
            with lock:
                running[id(follower)] -= 1

    monkeypatch.setattr(LogFollower, "poll", counted)
    return most


async def test_slow_polls_never_overlap_and_show_each_event_once_in_order(
    server: DemoServer, writer: Any, audit: AuditLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tui.log_viewer, "POLL_SECONDS", 0.05)  # the timer fires 8 times per poll
    monkeypatch.setattr(tui.log_stream, "LATE_MS", 300)  # the events below span many late windows
    aws = session(server, TEST_REGION)
    slow = SlowCalls(aws, 0.4)
    per_follower = count_polls_per_follower(monkeypatch)
    expected = [f"event {n:03d}" for n in range(120)]
    put(writer, "app/a", expected[:20])  # history
    app = WatchkeeperApp(aws, audit=audit, panels=[])
    async with app.run_test(size=(100, 30)) as pilot:
        viewer = LogViewer(aws, LogTarget(GROUP, ""), since="10m")
        app.push_screen(viewer)
        await wait_for(pilot, lambda: viewer.mode == "polling")
        for batch in range(20, 120, 10):
            await pilot.pause(0.15)
            put(writer, "app/a" if batch % 20 else "app/b", expected[batch:batch + 10])
        await wait_for(pilot, lambda: len(viewer.buffer) >= 120)
        await pilot.pause(1.0)  # polls still running would have added their repeats by now
        assert [line.message for line in viewer.buffer] == expected
        assert slow.most == 1 and slow.calls >= 5

        # A new filter while a poll of the old one is in flight: only the new follower's lines.
        await wait_for(pilot, lambda: viewer.polling)
        old = viewer.follower
        await pilot.press("f", *'"event 11"', "enter")
        assert viewer.follower is not old
        await wait_for(pilot, lambda: len(viewer.buffer) >= 10)
        await pilot.pause(1.0)
        assert [line.message for line in viewer.buffer] == expected[110:]
        # The old follower's last poll may still be running beside the new one's first read.
        assert len(per_follower) == 2 and set(per_follower.values()) == {1}


def test_concurrent_answers_give_each_event_once_and_nothing_behind_the_late_window() -> None:
    follower = LogFollower(None, GROUP, start=datetime.fromtimestamp(0, UTC))  # type: ignore[arg-type]
    base = 1_000_000_000_000
    events = [{"timestamp": base + i * 10, "logStreamName": "s", "message": f"m{i}"} for i in range(2_000)]
    returned: list[str] = []
    lock = threading.Lock()

    def answer(part: list[dict[str, Any]]) -> None:
        lines = follower.accept(part)
        with lock:
            returned.extend(line.message for line in lines)

    # Eight overlapping answers (as from concurrent polls), each a window of the same events.
    threads = [threading.Thread(target=answer, args=(events[k * 200:k * 200 + 600],)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(returned) == len(set(returned))  # no duplicate, however the answers interleaved
    newest = max(int(m[1:]) for m in returned)
    # an event just inside the late window is still shown; one behind it is dropped
    inside = {"timestamp": base + newest * 10 - LATE_MS + 5, "logStreamName": "s", "message": "late but shown"}
    behind = {"timestamp": base + newest * 10 - LATE_MS - 5, "logStreamName": "s", "message": "too late"}
    assert [line.message for line in follower.accept([behind, inside])] == ["late but shown"]
    assert follower.accept([inside]) == []


class TailStub:
    """A logs client whose Live Tail answers with events from other groups and before the start."""

    arn = f"arn:aws:logs:us-west-2:123456789012:log-group:{GROUP}"

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.events = events

    def client(self, service: str, region: str | None = None) -> TailStub:
        return self

    def describe_log_groups(self, **_: Any) -> dict[str, Any]:
        return {"logGroups": [{"logGroupName": f"{GROUP}-other", "arn": f"{self.arn}-other:*"},
                              {"logGroupName": GROUP, "arn": f"{self.arn}:*"}]}

    def start_live_tail(self, **params: Any) -> dict[str, Any]:
        assert params["logGroupIdentifiers"] == [self.arn]
        return {"responseStream": [{"sessionStart": {}}, {"sessionUpdate": {"sessionResults": self.events}}]}


def test_live_tail_keeps_only_the_group_asked_for_and_nothing_before_the_start() -> None:
    start = datetime.now(UTC) - timedelta(minutes=5)
    now = int(time.time() * 1000)
    before = int((start - timedelta(seconds=1)).timestamp() * 1000)

    def event(message: str, group: str | None, at: int = now) -> dict[str, Any]:
        found = {"timestamp": at, "logStreamName": "s", "message": message}
        return found if group is None else {**found, "logGroupIdentifier": group}

    stub = TailStub([
        event("by arn", TailStub.arn), event("by arn:*", f"{TailStub.arn}:*"), event("by name", GROUP),
        event("no identifier", None), event("other group", f"{TailStub.arn}-other"),
        event("other name", "/another/group"), event("before the start", GROUP, before),
    ])
    follower = LogFollower(stub, GROUP, start=start)  # type: ignore[arg-type]
    messages = [line.message for batch in live_tail(follower) for line in batch]
    assert messages == ["by arn", "by arn:*", "by name", "no identifier"]


def run_logs_command(*args: str, first_line_only: bool = False, tmp: Path) -> tuple[int, bytes, str]:
    """`python -m tui.cli logs ...` with stdout a pipe; optionally a reader that stops after one line."""
    stderr_path = tmp / "stderr.txt"
    with stderr_path.open("wb") as stderr:
        proc = subprocess.Popen([sys.executable, "-m", "tui.cli", "logs", *args], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=stderr)
        assert proc.stdout is not None
        if first_line_only:
            out = proc.stdout.readline()
            proc.stdout.close()  # as `| head -1` does
        else:
            out = proc.stdout.read()
        code = proc.wait(120)
    return code, out, stderr_path.read_text()


def test_piped_output_is_sanitised_unless_raw(server: DemoServer, writer: Any, tmp_path: Path) -> None:
    put(writer, "app/a", [HOSTILE, "line two"], group=PIPED)
    where = ("--endpoint-url", server.endpoint_url, "--region", TEST_REGION, "--since", "10m")
    code, out, err = run_logs_command(PIPED, *where, tmp=tmp_path)
    assert code == 0, err
    text = out.decode()
    assert b"\x1b" not in out and b"\x07" not in out and "pwned-title" not in text and "\u202e" not in text
    assert "red" in text and "txt.⟨U+202E⟩exe ⟨U+200B⟩zero" in text and "line two" in text
    code, out, err = run_logs_command(PIPED, *where, "--raw", tmp=tmp_path)
    assert code == 0, err
    assert HOSTILE.encode() in out  # --raw: the bytes as stored


def test_a_reader_that_stops_early_ends_the_command_quietly(
    server: DemoServer, writer: Any, tmp_path: Path
) -> None:
    # Far more than a pipe buffer holds, so the command is still writing when the reader goes.
    for chunk in range(4):
        put(writer, "app/b", [f"bulk {chunk}-{n} " + "x" * 100 for n in range(2_500)], group=PIPED)
    code, first, err = run_logs_command(PIPED, "--endpoint-url", server.endpoint_url, "--region", TEST_REGION,
                                        "--since", "10m", first_line_only=True, tmp=tmp_path)
    assert first and code == 0 and "Traceback" not in err and "Error" not in err, err


def test_logs_of_the_demo_piped_into_head(tmp_path: Path) -> None:
    code, first, err = run_logs_command("/ecs/checkout-api", "--demo", "--since", "1h",
                                        first_line_only=True, tmp=tmp_path)
    assert b"Starting checkout-api" in first
    assert code == 0 and "Traceback" not in err, err
