"""The log viewer: follow a resource's CloudWatch Logs live, search, filter, pause, save.

Log text is untrusted: lines are sanitised when they arrive (tui.log_stream) and written to the
screen as rich Text, never as markup.
"""

from __future__ import annotations

import json
import zlib
from bisect import bisect_left
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from rich.text import Span, Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.events import Key, Resize
from textual.screen import Screen
from textual.widgets import Footer, Input, Static
from textual.worker import get_current_worker

from panels.model import LogTarget
from tui.config import export_dir
from tui.errors import explain
from tui.keys import type_ahead
from tui.log_stream import DEFAULT_BUFFER, RELATIVE, LogBuffer, LogFollower, LogLine, live_tail, parse_since
from tui.log_view import LogView
from tui.safe_text import JsonTooComplex, clean, load_json
from tui.session import AwsSession

POLL_SECONDS = 2.0
GROUP_SINCE, STREAM_SINCE = "1h", "24h"
JSON_SHOWN = 20_000  # characters of expanded JSON shown for one line
# What each prompt asks (shown before the box) and an example (inside it).
PROMPTS = {
    "search": ("search:", "text in the lines loaded (enter; n/N next/previous)"),
    "filter": ("filter pattern:", "CloudWatch filter pattern, sent to the server (empty: none)"),
    "since": ("start time (5m, 1h, 24h or ISO):", "e.g. 2h, or 2026-11-22T03:00Z"),
}
STREAM_COLOURS = ("cyan", "magenta", "green", "yellow", "blue", "bright_cyan", "bright_magenta", "bright_green")


def stream_colour(stream: str) -> str:
    return STREAM_COLOURS[zlib.crc32(stream.encode()) % len(STREAM_COLOURS)]


@lru_cache(maxsize=1024)
def stream_label(stream: str) -> tuple[str, str]:
    """The last part of the stream name, 12 columns wide, and its colour."""
    return clean(stream.rsplit("/", 1)[-1], limit=12).ljust(12)[:12], stream_colour(stream)


def render_line(line: LogLine, *, local: bool = False, expand_json: bool = False, search: str = "") -> Text:
    """One line as `HH:MM:SS stream-label message`, built as one string with styled spans: at
    thousands of lines a second, each Text.append costs more than the rest of the line."""
    label, colour = stream_label(line.stream)
    message = expanded(line.message) if expand_json else line.message
    plain = f"{line.time(local=local)} {label} {message}"
    spans = [Span(0, 8, "dim"), Span(9, 21, colour)]
    if line.is_error:
        spans.append(Span(22, len(plain), "bold red"))
    text = Text(plain, spans=spans, no_wrap=False)
    if search:
        text.highlight_words([search], style="reverse", case_sensitive=False)
    return text


def find(buffer: LogBuffer, text: str) -> list[int]:
    """The lines holding `text` (any case, in the stream name or the message), numbered from the
    first line the buffer ever held (buffer.dropped + position)."""
    needle = text.lower()
    if not needle:
        return []
    first = buffer.dropped
    return [first + i for i, line in enumerate(buffer) if needle in f"{line.stream} {line.message}".lower()]


def since_text(since: str) -> str:
    """'10m' as '10m ago'; an ISO time as it is."""
    return f"{since} ago" if RELATIVE.match(since.strip()) else since


def fit_where(group: str, stream: str, room: int) -> str:
    """Group and stream in `room` columns: the stream name is what tells one task's log from
    another's, so the group is shortened (from the left) first, then dropped, then the stream."""
    stream = clean(stream or "(all streams)", limit=200)
    group = clean(group, limit=200)
    if len(group) + 3 + len(stream) <= room:
        return f"{group} › {stream}"
    left = room - 3 - len(stream)
    if left >= 8:
        return f"…{group[-(left - 1):]} › {stream}"
    if len(stream) <= room:
        return stream
    return "…" + stream[-(room - 1):] if room > 1 else stream


def expanded(message: str) -> str:
    """A JSON object message indented; anything else as it is. JSON too large or too deep to
    indent stays one line, with a marker saying why it was not expanded."""
    if not message.lstrip().startswith("{"):
        return message
    try:
        data = load_json(message)
    except JsonTooComplex as exc:
        return f"{message}  ⟨JSON not expanded: {exc}⟩"
    except ValueError:
        return message
    if not isinstance(data, dict):
        return message
    return clean(json.dumps(data, indent=2), multiline=True, limit=JSON_SHOWN)


class LogViewer(Screen[None]):
    DEFAULT_CSS = """
    LogViewer #status { height: 1; background: $boost; padding: 0 1; }
    LogViewer #prompt-bar { height: 1; display: none; }
    LogViewer #prompt-bar.shown { display: block; }
    LogViewer #prompt-label { width: auto; padding: 0 1; text-style: bold; }
    LogViewer #prompt { height: 1; border: none; padding: 0; width: 1fr; }
    LogViewer #empty { height: auto; padding: 1 2; color: $text-muted; display: none; }
    LogViewer #empty.shown { display: block; }
    LogViewer LogView { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "Close"),
        Binding("p", "pause", "Pause"),
        Binding("end", "follow", "Follow", priority=True),
        Binding("slash", "prompt('search')", "Search"),
        Binding("n", "next_match(1)", "Next", show=False),
        Binding("N", "next_match(-1)", "Prev", show=False),
        Binding("f", "prompt('filter')", "Filter"),
        Binding("t", "prompt('since')", "Since"),
        Binding("w", "toggle('wrap')", "Wrap", show=False),
        Binding("z", "toggle('local')", "UTC/local", show=False),
        Binding("j", "toggle('expand_json')", "JSON", show=False),
        Binding("y", "copy", "Copy", show=False),
        Binding("s", "save", "Save"),
    ]

    def __init__(self, aws: AwsSession, target: LogTarget, *, since: str | None = None,
                 buffer_size: int = DEFAULT_BUFFER) -> None:
        """Follows target.stream, or every stream of the group where target.stream is empty.
        By default from 1 hour back for a group, 24 hours for one stream: a stream is one task's,
        job's or build's, and the failed build someone opens may have ended two hours ago."""
        super().__init__()
        since = since or (STREAM_SINCE if target.stream else GROUP_SINCE)
        self.aws, self.target = aws, target
        self.buffer = LogBuffer(buffer_size)
        self.follower = LogFollower(aws, target.group, target.region,
                                    streams=(target.stream,) if target.stream else (), start=parse_since(since))
        self.since = since
        self.paused = False
        self.pending: list[LogLine] = []  # arrived while paused
        self.wrap = self.local = self.expand_json = False
        self.search = ""
        self.matches: list[int] = []  # numbered from the first line ever buffered (see find)
        self.match_index = -1
        self.prompting = ""
        self.fresh_prompt = False  # a prompt just opened by a key: typed-ahead text replaces its value
        self.error = ""
        self.mode = "reading"  # then "live tail" or "polling"
        self.history_read = False  # the first answer for this follower has arrived (or failed)
        # At most one poll in flight: under latency, overlapping polls would all read the same
        # window. Set on the UI thread when a poll starts, cleared by its worker when it ends.
        self.polling = False

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        with Horizontal(id="prompt-bar"):
            yield Static(id="prompt-label")
            yield Input(id="prompt")
        yield Static(id="empty")
        yield LogView(self.buffer, self.row_text, id="log")
        yield Footer()

    @property
    def log_widget(self) -> LogView:
        return self.query_one("#log", LogView)

    def row_text(self, line: LogLine) -> Text:
        """One line as the view draws it, with the viewer's current options."""
        return render_line(line, local=self.local, expand_json=self.expand_json, search=self.search)

    def on_mount(self) -> None:
        self.log_widget.focus()
        self.update_status()
        self.follow()
        self.set_interval(POLL_SECONDS, self.tick)

    # -- following -----------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="follow", exit_on_error=False)
    def follow(self) -> None:
        """History first, then Live Tail; where Live Tail is unavailable or ends, the timer polls."""
        follower, worker = self.follower, get_current_worker()
        self.fetch(follower)
        try:
            for lines in live_tail(follower):
                if worker.is_cancelled or follower is not self.follower:
                    return
                self.app.call_from_thread(self.set_mode, follower, "live tail")
                self.app.call_from_thread(self.arrived, follower, lines)
        except Exception:  # no Live Tail here (or not allowed): polling it is
            pass
        self.app.call_from_thread(self.set_mode, follower, "polling")

    def set_mode(self, follower: LogFollower, mode: str) -> None:
        """On the UI thread, so a follower replaced meanwhile cannot set the new one's mode."""
        if follower is self.follower:
            self.mode = mode

    def tick(self) -> None:
        """The poll timer: a tick while a poll is still running (slow network) does nothing."""
        if self.mode == "polling" and not self.polling:
            self.polling = True
            self.poll(self.follower)

    @work(thread=True, group="poll", exit_on_error=False)
    def poll(self, follower: LogFollower) -> None:
        try:
            self.fetch(follower)
        finally:
            self.polling = False  # after fetch: call_from_thread returned, the lines are shown

    def fetch(self, follower: LogFollower) -> None:
        try:
            lines = follower.poll()
        except Exception as exc:
            self.app.call_from_thread(self.failed, follower, explain(exc, profile=self.aws.profile))
            return
        self.app.call_from_thread(self.arrived, follower, lines)

    def arrived(self, follower: LogFollower, lines: list[LogLine]) -> None:
        if follower is not self.follower:  # the filter or start time changed meanwhile
            return
        self.error = ""
        self.history_read = True
        self.buffer.extend(lines)
        if self.paused:
            self.pending += lines  # counted in the status line; shown where they belong, not followed
        self.write(lines)
        self.update_status()

    def failed(self, follower: LogFollower, message: str) -> None:
        if follower is not self.follower:  # a poll for a filter or start time no longer shown
            return
        self.error = message
        self.history_read = True
        self.update_status()

    def write(self, lines: list[LogLine]) -> None:
        """The lines are in the buffer already; the view only learns its new size (it renders what
        is on screen when it is drawn). Someone reading history (scrolled up: the view stops
        following) is not dragged down; `end` follows again."""
        if not lines:
            return
        widget = self.log_widget
        # At the end again (a reader scrolled back down) follows; a page-up still sliding away does not.
        moving = self.app.animator.is_being_animated(widget, "scroll_y")
        first = len(self.buffer) == len(lines)
        widget.follow = not self.paused and (widget.follow or (widget.at_end and not moving) or first)
        widget.appended(lines)

    def rebuild(self) -> None:
        """Draw again from the buffer (after a toggle or a new search)."""
        widget = self.log_widget
        widget.wrap = self.wrap
        self.pending = []
        widget.reset(self.buffer, multirow=self.wrap or self.expand_json)

    def restart(self, *, pattern: str | None = None, start: datetime | None = None) -> None:
        """A new filter pattern or start time: a new follower reads again from the start (history,
        polls and Live Tail all begin there); answers still coming for the old one are dropped."""
        old = self.follower
        self.follower = LogFollower(self.aws, old.group, old.region, streams=old.streams, prefix=old.prefix,
                                    pattern=old.pattern if pattern is None else pattern,
                                    start=old.start if start is None else start)
        self.history_read = False
        self.buffer = LogBuffer(self.buffer.lines.maxlen or DEFAULT_BUFFER)
        self.search, self.matches, self.pending = "", [], []
        self.log_widget.reset(self.buffer, multirow=self.wrap or self.expand_json)
        self.action_follow()  # new lines are what the user asked for: show them as they come
        self.mode = "reading"  # no timer poll of the new follower until its history is read
        self.follow()

    def update_status(self) -> None:
        """State first (it changes), then where, kept visible at 80 columns (the group is
        shortened first), then the rest, which the width may cut."""
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("PAUSED" if self.paused else f"following ({self.mode})",
                    style="bold yellow" if self.paused else "green")
        if self.pending:
            text.append(f" +{len(self.pending):,} new", style="yellow")
        if self.error:
            text.append(" ⚠", style="bold red")
        width = self.query_one("#status", Static).size.width or self.app.size.width
        room = max(12, width - 2 - len(text.plain) - 2)  # the padding, then the separator
        text.append(f"  {fit_where(self.target.group, self.target.stream, room)}", style="bold")
        text.append(f"  since {clean(self.since, limit=30)}")
        if self.follower.pattern:
            text.append(f"  filter {clean(self.follower.pattern, limit=30)}", style="italic")
        text.append(f"  {len(self.buffer):,} lines")
        if self.buffer.dropped:
            text.append(f" ({self.buffer.dropped:,} older dropped)", style="dim")
        if self.search:
            held = len(self.matches) - bisect_left(self.matches, self.buffer.dropped)  # not those dropped since
            text.append(f"  /{clean(self.search, limit=20)} {held} matches", style="yellow")
        if self.error:
            text.append(f"  {clean(self.error, limit=100)}", style="bold red")
        self.query_one("#status", Static).update(text)
        self.update_empty()

    def update_empty(self) -> None:
        """Say what an empty screen means instead of leaving it blank: still reading, nothing in
        the time asked for (and how to look further back), or why nothing could be read."""
        box = self.query_one("#empty", Static)
        if len(self.buffer):
            box.remove_class("shown")
            return
        where = clean(self.target.group) + (f" › {clean(self.target.stream)}" if self.target.stream else "")
        since = clean(since_text(self.since), limit=40)
        pattern = clean(self.follower.pattern, limit=60)
        if self.error:
            text = Text(f"⚠ could not read {where}: {clean(self.error, limit=500)}", style="bold red")
        elif not self.history_read:
            text = Text(f"reading events since {since} in {where}…")
        elif pattern:
            text = Text(f"no events matching {pattern} since {since} in {where} — "
                        "f to change the filter, t to look further back")
        else:
            text = Text(f"no events since {since} in {where} — t to look further back")
        box.update(text)
        box.add_class("shown")

    def on_resize(self, event: Resize) -> None:
        self.update_status()

    # -- keys ----------------------------------------------------------------------------------
    def action_close(self) -> None:
        if self.prompting:
            self.close_prompt()
        else:
            self.dismiss(None)

    def action_pause(self) -> None:
        if self.paused:
            self.action_follow()
        else:
            self.paused = True
            self.log_widget.follow = False
            self.update_status()

    def action_follow(self) -> None:
        self.paused, self.pending = False, []
        self.log_widget.follow = True
        self.log_widget.scroll_end(animate=False)
        self.update_status()

    def action_toggle(self, name: str) -> None:
        setattr(self, name, not getattr(self, name))
        self.rebuild()

    def action_prompt(self, kind: str) -> None:
        box = self.query_one("#prompt", Input)
        self.prompting = kind
        label, box.placeholder = PROMPTS[kind]
        self.query_one("#prompt-label", Static).update(label)
        box.value = {"search": self.search, "filter": self.follower.pattern, "since": self.since}[kind]
        self.query_one("#prompt-bar").add_class("shown")
        box.focus()

    PROMPT_KEYS = {"/": "search", "f": "filter", "t": "since"}

    def on_key(self, event: Key) -> None:
        """A prompt's key and what is typed after it in a burst (tui/keys.py), in key order."""
        box = self.query_one("#prompt", Input)
        if box.has_focus:
            return
        if not self.prompting and event.character in self.PROMPT_KEYS:
            self.action_prompt(self.PROMPT_KEYS[event.character])
            self.fresh_prompt = True
        elif self.prompting:
            if self.fresh_prompt and event.is_printable:  # as focus would select the old value: replace it
                box.value, self.fresh_prompt = "", False
            if not type_ahead(box, event):
                return
        else:
            return
        event.stop()
        event.prevent_default()

    def close_prompt(self) -> None:
        self.prompting = ""
        self.query_one("#prompt-bar").remove_class("shown")
        self.log_widget.focus()

    @on(Input.Submitted, "#prompt")
    def prompted(self, event: Input.Submitted) -> None:
        kind, value = self.prompting, event.value.strip()
        self.close_prompt()
        if kind == "search":
            self.search = value
            self.matches = find(self.buffer, value)
            self.match_index = -1
            self.rebuild()
            if self.matches:
                self.paused = True
                self.log_widget.follow = False
                self.action_next_match(1)
        elif kind == "filter":
            self.restart(pattern=value)
        elif kind == "since":
            try:
                start = parse_since(value)
            except ValueError as exc:
                self.app.notify(str(exc), severity="error")
                return
            self.since = value
            self.restart(start=start)
        self.update_status()

    def action_next_match(self, step: int) -> None:
        """Matches are numbered from the first line ever buffered, so they stay right while the full
        buffer drops its oldest lines; those that were dropped are forgotten here."""
        gone = bisect_left(self.matches, self.buffer.dropped)
        if gone:
            current_gone = self.match_index < gone
            del self.matches[:gone]
            self.match_index = (-1 if step > 0 else 0) if current_gone else self.match_index - gone
        if not self.matches:
            self.update_status()
            return
        self.match_index = (self.match_index + step) % len(self.matches)
        self.log_widget.scroll_to_line(self.matches[self.match_index] - self.buffer.dropped)
        self.update_status()

    def current_line(self) -> LogLine | None:
        """The current match, None when it has left the buffer; without one, the newest line."""
        lines = self.buffer.lines
        if self.matches and self.match_index >= 0:
            position = self.matches[self.match_index] - self.buffer.dropped
            return lines[position] if 0 <= position < len(lines) else None
        return lines[-1] if lines else None

    def action_copy(self) -> None:
        """Copy the current match (or the newest line) through the terminal: OSC 52 works over SSH."""
        line = self.current_line()
        if line is None and self.buffer.lines:
            self.app.notify("The current match has left the buffer (its oldest lines are dropped): n goes to the next.",
                            timeout=4)
        elif line is not None:
            self.app.copy_to_clipboard(line.message)
            self.app.notify("Copied the line to the clipboard.", timeout=2)

    def action_save(self) -> None:
        name = "".join(c if c.isalnum() or c in "-_" else "-" for c in self.target.group.strip("/"))
        path = export_dir() / f"watchkeeper-logs-{name}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.log"
        save_lines(path, self.buffer)
        self.app.notify(f"{len(self.buffer):,} lines saved to {path}", title="Saved", timeout=8)


def save_lines(path: Path, lines: LogBuffer) -> None:
    with path.open("w") as out:
        for line in lines:
            stamp = datetime.fromtimestamp(line.timestamp / 1000, UTC).isoformat(timespec="milliseconds")
            out.write(f"{stamp} {line.stream} {line.message}\n")
