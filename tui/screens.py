"""Help and command-log screens."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from actions.catalog import ACTIONS
from tui.errors import Failure
from tui.safe_text import cell, clean

KEYS = [
    ("1 … 8", "Triage, Pipelines, Step Functions, ECS, EMR, Batch, Inspector, Snapshots"),
    ("↑ ↓ pgup pgdn", "move"),
    ("enter", "open the row (triage: jump to the resource in its panel)"),
    ("esc", "close the filter, then go back up a level"),
    ("/", "filter rows (all words must match)"),
    ("s / o", "sort by the next column / reverse the order"),
    ("r", "refresh now (panels also refresh every 15 s, backing off on errors)"),
    ("l / L", "logs of the selected task or job / pick any log group"),
    ("v", "next view of the same thing (EMR instance groups, Inspector by CVE, RDS snapshots…)"),
    ("e", "export the rows as shown to CSV and JSON"),
    ("c", "cancel the wait that follows an action"),
    ("@", "command log: every AWS call this session made"),
    ("ctrl+p", "command palette: panels and actions"),
    ("?", "this help"),
    ("q", "quit"),
]


def keymap_text() -> Text:
    text = Text()
    for key, what in KEYS:
        text.append(f"{key:>14}  ", style="bold")
        text.append(f"{what}\n")
    text.append("\nActions (shown in the footer where they apply; each asks for confirmation)\n", style="bold")
    for action in ACTIONS:
        flag = " destructive" if action.destructive else ""
        text.append(f"{action.key:>14}  ", style="bold")
        text.append(f"{action.title} ({action.kind}){flag}\n")
    text.append("\n--read-only refuses every mutating call, whatever the key.\n", style="italic")
    return text


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 100; height: 90%; border: thick $primary;
                                  background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text("watchkeeper keys", style="bold"))
            yield Static(keymap_text())


class FailuresScreen(ModalScreen[None]):
    """What a panel level could not read, in full: the part, IAM action, kind, advice, message."""

    DEFAULT_CSS = """
    FailuresScreen { align: center middle; }
    FailuresScreen > VerticalScroll { width: 90%; max-width: 110; height: auto; max-height: 90%;
                                      border: thick $error; background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,q,exclamation_mark", "dismiss", "Close")]

    def __init__(self, failures: list[Failure]) -> None:
        super().__init__()
        self.failures = failures

    def compose(self) -> ComposeResult:
        text = Text()
        for failure in self.failures:
            text.append(f"{clean(failure.what)}\n", style="bold red")
            for label, value in (("IAM action", failure.action or "-"), ("Kind", failure.kind),
                                 ("What to do", failure.advice), ("Message", failure.message or "-")):
                text.append(f"  {label}: ", style="bold")
                text.append(f"{clean(value, multiline=True)}\n")
        with VerticalScroll():
            yield Static(Text("Could not read (esc closes)", style="bold"))
            yield Static(text)


class CommandLogScreen(ModalScreen[None]):
    """Every AWS call this session made, newest first: trust comes from visibility."""

    DEFAULT_CSS = """
    CommandLogScreen { align: center middle; }
    CommandLogScreen > DataTable { width: 95%; height: 90%; border: thick $primary; }
    """
    BINDINGS = [Binding("escape,q,at", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        table: DataTable = DataTable(cursor_type="row", zebra_stripes=True)
        table.border_title = "Command log: AWS calls this session (esc closes)"
        yield table

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Time", "Call", "Result", "ms", "Request id", "Parameters")
        for record in reversed(self.app.aws.calls):  # type: ignore[attr-defined]
            style = "bold" if record.mutating else ""
            table.add_row(
                cell(datetime.fromtimestamp(record.at).strftime("%H:%M:%S")),
                cell(f"{record.service}.{record.operation}", style=style),
                cell("ok" if record.ok else record.error, style="" if record.ok else "red"),
                cell(f"{record.duration_ms:.0f}"),
                cell(record.request_id),
                cell(record.params),
            )
        table.focus()
