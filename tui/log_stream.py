"""Following CloudWatch Logs without a screen: poll, de-duplicate, interleave, keep a bounded buffer.

`FilterLogEvents` is polled with a moving start time that trails the newest event seen by a few
seconds, because CloudWatch can ingest an event after newer ones; the ids seen in that window are
remembered (and forgotten once they fall out of it), so each event is returned once.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tui.safe_text import clean, load_json
from tui.session import AwsSession

DEFAULT_BUFFER = 100_000
DISPLAY_LIMIT = 4_000  # characters of one line shown; the rest is cut with a marker
MAX_STREAM_NAMES = 100  # FilterLogEvents accepts at most 100 logStreamNames
LATE_MS = 10_000  # how far behind the newest event a late one may arrive and still be shown
ERROR_WORDS = re.compile(r"\b(ERROR|Exception|Traceback|FATAL|panic|OutOfMemory\w*)\b")
RELATIVE = re.compile(r"^(\d+)\s*([smhd])$")


def parse_since(text: str, *, now: datetime | None = None) -> datetime:
    """'10m', '1h', '24h', '2d', or an ISO 8601 time; a clear ValueError otherwise."""
    now = now or datetime.now(UTC)
    text = text.strip()
    match = RELATIVE.match(text)
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        return now - timedelta(**{{"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[unit]: amount})
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not a time: use 10m, 1h, 2d or 2026-11-22T03:00Z.") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class LogLine:
    timestamp: int  # ms since the epoch
    stream: str
    message: str  # sanitised, cut to DISPLAY_LIMIT

    @property
    def is_error(self) -> bool:
        return bool(ERROR_WORDS.search(self.message))

    @property
    def json(self) -> Any | None:
        """The message as JSON, when it is a JSON object; None also when it is too large or too
        deeply nested to expand (tui.safe_text.load_json)."""
        text = self.message.strip()
        if not text.startswith("{"):
            return None
        try:
            return load_json(text)
        except ValueError:
            return None

    def time(self, *, local: bool = False) -> str:
        moment = datetime.fromtimestamp(self.timestamp / 1000, UTC)
        return (moment.astimezone() if local else moment).strftime("%H:%M:%S")


def event_key(event: dict[str, Any]) -> str:
    """Identity of an event across FilterLogEvents and Live Tail (which has no event ids)."""
    return f"{event.get('timestamp', 0)}:{event.get('logStreamName', '')}:{event.get('message', '')}"


def to_line(event: dict[str, Any], *, sanitise: bool = True) -> LogLine:
    message = event.get("message", "").rstrip("\n")
    return LogLine(event.get("timestamp", 0), event.get("logStreamName", ""),
                   clean(message, limit=DISPLAY_LIMIT) if sanitise else message)


@dataclass
class LogFollower:
    """Polls a log group (optionally some streams, or a stream-name prefix) from a start time.

    Safe to share between threads (a slow poll, a Live Tail session): each event is returned
    once, and never one older than the late window behind the newest already returned.
    """

    aws: AwsSession
    group: str
    region: str | None = None
    streams: tuple[str, ...] = ()
    prefix: str = ""
    pattern: str = ""
    start: datetime = field(default_factory=lambda: datetime.now(UTC) - timedelta(minutes=10))
    sanitise: bool = True  # False for `watchkeeper logs`: it prints whole messages, sanitised there unless --raw
    _newest: int = 0
    _seen: dict[str, int] = field(default_factory=dict)  # event key -> timestamp, for the late window
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._newest = int(self.start.timestamp() * 1000)
        self._floor = self._newest  # never read before the start the user asked for

    @property
    def floor(self) -> int:
        """The start time, in ms since the epoch: nothing older is returned."""
        return self._floor

    def request(self) -> dict[str, Any]:
        with self._lock:
            start = max(self._floor, self._newest - LATE_MS)
        params: dict[str, Any] = {"logGroupName": self.group, "startTime": start}
        if self.streams:
            params["logStreamNames"] = list(self.streams[:MAX_STREAM_NAMES])
        elif self.prefix:
            params["logStreamNamePrefix"] = self.prefix
        if self.pattern:
            params["filterPattern"] = self.pattern
        return params

    def poll(self) -> list[LogLine]:
        """New events since the last poll, oldest first, each exactly once."""
        logs = self.aws.client("logs", self.region)
        params = self.request()
        events: list[dict[str, Any]] = []
        for page in logs.get_paginator("filter_log_events").paginate(**params):
            events += page.get("events", [])
        return self.accept(events)

    def accept(self, events: list[dict[str, Any]]) -> list[LogLine]:
        """The events not returned before, oldest first (from a poll or a Live Tail update).

        Two answers can overlap (polls that ran concurrently, a poll and Live Tail): an event is
        new when its key is unseen and it is inside the late window behind the newest event
        returned so far. The window's keys are all remembered, so an unseen event inside it is
        really new; one behind it is a repeat whose key was forgotten, or far too late to show
        without putting it out of order."""
        events = sorted(events, key=lambda e: e.get("timestamp", 0))
        with self._lock:
            horizon = self._newest - LATE_MS
            fresh = []
            for e in events:
                key, stamp = event_key(e), e.get("timestamp", 0)
                if stamp >= horizon and key not in self._seen:
                    self._seen[key] = stamp
                    fresh.append(e)
            if fresh:
                self._newest = max(self._newest, fresh[-1].get("timestamp", 0))
                horizon = self._newest - LATE_MS
                self._seen = {k: ts for k, ts in self._seen.items() if ts >= horizon}
        return [to_line(e, sanitise=self.sanitise) for e in fresh]


def tail_events(follower: LogFollower, names: set[str], events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Live Tail events for this follower: from its group (`names`: the group's name and
    ARNs) and not before its start. Live Tail ignores the start time, and an endpoint has been
    seen answering with other groups' events; events without a group identifier are kept (only
    one group was asked for)."""
    return [e for e in events
            if e.get("logGroupIdentifier", follower.group) in names and e.get("timestamp", 0) >= follower.floor]


def live_tail(follower: LogFollower) -> Iterator[list[LogLine]]:
    """A StartLiveTail session for the follower's group, streams and pattern: batches of new
    events about once a second, until the session ends (after 3 hours on AWS). Raises where the
    endpoint has no Live Tail or the role may not use it; the caller then polls instead."""
    logs = follower.aws.client("logs", follower.region)
    groups = logs.describe_log_groups(logGroupNamePrefix=follower.group)["logGroups"]
    arn = next(g["arn"] for g in groups if g["logGroupName"] == follower.group).removesuffix(":*")
    names = {follower.group, arn, f"{arn}:*"}
    params: dict[str, Any] = {"logGroupIdentifiers": [arn]}
    if follower.streams:
        params["logStreamNames"] = list(follower.streams[:MAX_STREAM_NAMES])
    elif follower.prefix:
        params["logStreamNamePrefixes"] = [follower.prefix]
    if follower.pattern:
        params["logEventFilterPattern"] = follower.pattern
    for event in logs.start_live_tail(**params)["responseStream"]:
        update = event.get("sessionUpdate")
        if update is not None:
            yield follower.accept(tail_events(follower, names, update.get("sessionResults", [])))


class LogBuffer:
    """The newest `size` lines; older ones fall off, so hours of following stay bounded."""

    def __init__(self, size: int = DEFAULT_BUFFER) -> None:
        self.lines: deque[LogLine] = deque(maxlen=size)
        self.dropped = 0

    def extend(self, lines: list[LogLine]) -> None:
        overflow = len(self.lines) + len(lines) - (self.lines.maxlen or 0)
        if overflow > 0:
            self.dropped += overflow
        self.lines.extend(lines)

    def __len__(self) -> int:
        return len(self.lines)

    def __iter__(self) -> Iterator[LogLine]:
        return iter(self.lines)
