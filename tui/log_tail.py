"""The last lines of a resource's CloudWatch Logs stream (the live viewer is a later step).

Log text is untrusted: every line goes through safe_text before it reaches the screen.
"""

from __future__ import annotations

from datetime import UTC, datetime

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Log, Static

from panels.model import LogTarget
from tui.errors import explain
from tui.safe_text import clean
from tui.session import AwsSession

TAIL_LINES = 500
LINE_LIMIT = 2_000


def tail(aws: AwsSession, target: LogTarget, limit: int = TAIL_LINES) -> list[str]:
    """The newest `limit` events of the stream, oldest first, as sanitised lines."""
    logs = aws.client("logs", target.region)
    events = logs.get_log_events(logGroupName=target.group, logStreamName=target.stream, limit=limit,
                                 startFromHead=False)["events"]
    return [
        f"{datetime.fromtimestamp(e['timestamp'] / 1000, UTC):%H:%M:%S} {clean(e.get('message', ''), limit=LINE_LIMIT)}"
        for e in events
    ]


class LogTailScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    LogTailScreen { align: center middle; }
    LogTailScreen > Static { width: 100%; height: 1; background: $boost; padding: 0 1; }
    LogTailScreen > Log { width: 100%; height: 1fr; }
    """
    BINDINGS = [Binding("escape,q", "dismiss", "Close"), Binding("r", "reload", "Reload")]

    def __init__(self, aws: AwsSession, target: LogTarget) -> None:
        super().__init__()
        self.aws, self.target = aws, target

    def compose(self) -> ComposeResult:
        yield Static(clean(f"{self.target.group} › {self.target.stream}", limit=200), markup=False)
        yield Log(max_lines=TAIL_LINES, auto_scroll=True)

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self.query_one(Log).clear()
        self.load()

    @work(thread=True, exit_on_error=False, exclusive=True)
    def load(self) -> None:
        try:
            lines = tail(self.aws, self.target) or ["(the stream has no events)"]
        except Exception as exc:
            lines = [f"Cannot read {self.target.group} {self.target.stream}: {explain(exc)}"]
        self.app.call_from_thread(self.query_one(Log).write_lines, lines)
