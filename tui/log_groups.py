"""`L`: pick any log group by prefix and follow all its streams.

The focus stays in the prefix box: typing narrows the list (a server-side prefix search, once
typing pauses), the arrow keys move in the list, enter opens the highlighted group."""

from __future__ import annotations

from datetime import UTC, datetime

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import DataTable, Input

from panels.model import LogTarget, paginate, when
from tui.errors import explain
from tui.log_viewer import LogViewer
from tui.safe_text import cell
from tui.session import AwsSession

MAX_GROUPS = 200
TYPING_PAUSE = 0.3  # seconds without a key before the prefix is searched: one call per pause, not per key


def group_name(group: dict) -> str:  # type: ignore[type-arg]
    """The group's name; every member of a LogGroup is optional, so from its ARN where it is missing."""
    if group.get("logGroupName"):
        return str(group["logGroupName"])
    arn = str(group.get("arn") or "")
    return arn.split(":log-group:", 1)[1].removesuffix(":*") if ":log-group:" in arn else ""


class LogGroupPicker(ModalScreen[None]):
    DEFAULT_CSS = """
    LogGroupPicker { align: center middle; }
    LogGroupPicker > Input { width: 90%; }
    LogGroupPicker > DataTable { width: 90%; height: 70%; }
    """
    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        # Screen bindings: they act while the prefix box has the focus (the list has its own).
        Binding("up", "move('cursor_up')", show=False),
        Binding("down", "move('cursor_down')", show=False),
        Binding("pageup", "move('page_up')", show=False),
        Binding("pagedown", "move('page_down')", show=False),
    ]

    def __init__(self, aws: AwsSession) -> None:
        super().__init__()
        self.aws = aws
        self.shown_prefix: str | None = None  # the prefix the list shows the groups of
        self.typing: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Input(placeholder="log group prefix, e.g. /ecs/ or /aws/lambda/ (↑↓ move, enter opens)")
        table: DataTable = DataTable(cursor_type="row")
        table.add_columns("Log group", "Stored", "Retention", "Created")
        yield table

    def on_mount(self) -> None:
        self.search("")

    @on(Input.Changed)
    def typed(self, event: Input.Changed) -> None:
        if self.typing is not None:
            self.typing.stop()
        prefix = event.value.strip()
        self.typing = self.set_timer(TYPING_PAUSE, lambda: self.search(prefix))

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        """Enter opens the highlighted group; where the list is not yet the typed prefix's, it
        searches now instead (a second enter opens)."""
        prefix, table = event.value.strip(), self.query_one(DataTable)
        if prefix == self.shown_prefix and table.row_count:
            self.open(str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or ""))
            return
        if self.typing is not None:
            self.typing.stop()
        self.search(prefix)

    def action_move(self, action: str) -> None:
        getattr(self.query_one(DataTable), f"action_{action}")()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def search(self, prefix: str) -> None:
        kwargs = {"logGroupNamePrefix": prefix} if prefix else {}
        try:
            groups = list(paginate(self.aws.client("logs"), "describe_log_groups", "logGroups", **kwargs,
                                   PaginationConfig={"MaxItems": MAX_GROUPS}))
        except Exception as exc:
            self.app.call_from_thread(self.app.notify, explain(exc, profile=self.aws.profile), severity="error")
            return
        self.app.call_from_thread(self.show, groups, prefix)

    def show(self, groups: list[dict], prefix: str | None = None) -> None:  # type: ignore[type-arg]
        self.shown_prefix = prefix
        table = self.query_one(DataTable)
        table.clear()
        for g in groups:
            name = group_name(g)
            if not name or name in table.rows:  # nothing to follow by, or already listed
                continue
            created = datetime.fromtimestamp(g["creationTime"] / 1000, UTC) if g.get("creationTime") else None
            table.add_row(cell(name), cell(f"{g['storedBytes']:,} B" if "storedBytes" in g else "?"),
                          cell(f"{g['retentionInDays']} d" if g.get("retentionInDays") else "never expires"),
                          cell(when(created)), key=name)

    @on(DataTable.RowSelected)
    def chosen(self, event: DataTable.RowSelected) -> None:
        self.open(event.row_key.value or "")

    def open(self, group: str) -> None:
        if not group:
            return
        self.dismiss(None)
        self.app.push_screen(LogViewer(self.aws, LogTarget(group, ""), since="10m"))
