"""Help and command-log screens."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Static

from actions.catalog import ACTIONS
from tui.errors import Failure
from tui.safe_text import cell, clean
from tui.session import CLIENT_SIDE, CallRecord

if TYPE_CHECKING:
    from actions.runbooks.model import Runbook
    from panels.model import Row
    from panels.view import PanelView

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
    ("a / m", "switch profiles / regions (several: aggregated, with Account and Region columns)"),
    ("i", "sign in again (SSO device login, or credentials re-read)"),
    ("y", "the selected resource's raw JSON (its describe call)"),
    ("k / u", "copy the selected resource's ARN / AWS console URL (OSC 52: works over SSH)"),
    (":", "go to a panel or a resource by name"),
    ("c", "cancel the wait that follows an action"),
    ("@", "command log: every AWS call this session made"),
    ("ctrl+p", "command palette: panels and actions"),
    ("?", "this help"),
    ("q", "quit"),
]


def level_keys(view: PanelView) -> list[tuple[str, str]]:
    """The panel keys that do something on the level and row on screen (enter, v, l)."""
    source, row = view.level.source, view.current_row()
    keys: list[tuple[str, str]] = []
    below = source.drill(row) if row is not None else None
    if below is not None:
        keys.append(("enter", f"open {clean(below.label, limit=60)}"))
    elif row is not None and source.kind == "triage.problem":
        keys.append(("enter", "go to the resource in its panel (esc comes back here)"))
    if source.alternatives():
        keys.append(("v", "next view: " + ", ".join(clean(a.label, limit=40) for a in source.alternatives())))
    if view.check_action("logs", ()):
        keys.append(("l", "logs of the selected row"))
    return keys


def here_text(title: str, kind: str, row: Row | None, runbooks: Iterable[Runbook] = (),
              keys: Iterable[tuple[str, str]] = ()) -> Text:
    """The keys of the panel level on screen and its selected row: what help shows first."""
    text = Text()
    text.append(f"Here: {clean(title, limit=60)}\n", style="bold")
    for action in (a for a in ACTIONS if a.kind == kind):
        applies = row is not None and action.applies(row)
        try:
            blocked = action.blocked(row) if applies and row is not None else None
        except (KeyError, TypeError):  # a row without what the check reads: the key says so when pressed
            blocked = None
        text.append(f"{action.key:>14}  ", style="bold" if applies and not blocked else "dim")
        text.append(f"{action.title}", style="" if applies and not blocked else "dim")
        if blocked:
            text.append(f" (not now: {clean(blocked, limit=100)})\n", style="dim")
        else:
            text.append("\n" if applies else f" (needs {action.requires or 'another row'})\n", style="dim")
    for runbook in runbooks:
        text.append(f"{runbook.key or '-':>14}  ", style="bold")
        text.append(f"runbook {clean(runbook.name, limit=40)}: {clean(runbook.description, limit=80)}\n")
    if text.plain.count("\n") == 1:
        text.append(f"{'':>14}  (no actions on these rows)\n", style="dim")
    for key, what in keys:
        text.append(f"{key:>14}  ", style="bold")
        text.append(f"{what}\n")
    return text


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


KEY_WIDTH = 16  # "{key:>14}  " in the help texts


class Hanging:
    """Help lines of "{key:>14}  {what}" whose wrapped description continues under itself, not
    under the key column (at 80 columns most of them wrap). str() is the plain text."""

    def __init__(self, text: Text) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text.plain

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(KEY_WIDTH + 10, options.max_width)
        for line in self.text.split("\n"):
            plain = line.plain
            keyed = len(plain) > KEY_WIDTH and plain[KEY_WIDTH - 2:KEY_WIDTH] == "  " and (
                plain[:KEY_WIDTH].isspace() or plain[KEY_WIDTH - 3] != " ")
            if not keyed:
                yield line
                continue
            head, pad = line[:KEY_WIDTH], Text(" " * KEY_WIDTH)
            for index, part in enumerate(line[KEY_WIDTH:].wrap(console, width - KEY_WIDTH)):
                yield Text.assemble(head if index == 0 else pad, part)


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 100; height: 90%; border: thick $primary;
                                  background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, here: Text | None = None) -> None:
        super().__init__()
        self.here = here

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            if self.here is not None:  # the focused panel's keys first
                yield Static(Hanging(self.here))
            yield Static(Text("watchkeeper keys", style="bold"))
            yield Static(Hanging(keymap_text()))


class RawScreen(ModalScreen[None]):
    """`y`: the selected resource as AWS describes it, as JSON; sanitised like every other text."""

    DEFAULT_CSS = """
    RawScreen { align: center middle; }
    RawScreen > VerticalScroll { width: 95%; height: 90%; border: thick $primary; background: $surface;
                                 padding: 0 1; }
    """
    BINDINGS = [Binding("escape,q,y", "dismiss", "Close")]
    LIMIT = 200_000  # characters shown; a describe output is rarely a tenth of it

    def __init__(self, title: str, source: str, value: Any) -> None:
        super().__init__()
        self.title_text, self.source = title, source
        try:
            self.body = json.dumps(value, indent=2, default=str, ensure_ascii=False)
        except (ValueError, RecursionError):
            self.body = "(too deeply nested to show)"

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text.assemble((clean(self.title_text, limit=120), "bold"), "  ",
                                       (clean(self.source, limit=120), "dim")))
            yield Static(Text(clean(self.body, limit=self.LIMIT, multiline=True)))


class JumpScreen(ModalScreen[str | None]):
    """`:`: a panel or a resource by name, completed as it is typed (enter goes, esc cancels)."""

    DEFAULT_CSS = """
    JumpScreen { align: center top; }
    JumpScreen > Vertical { width: 80%; height: auto; margin-top: 2; border: thick $primary;
                            background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape", "dismiss_none", "Cancel")]

    def __init__(self, names: list[str]) -> None:
        super().__init__()
        self.names = names

    def compose(self) -> ComposeResult:
        from textual.suggester import SuggestFromList

        with Vertical():
            yield Static(Text("Go to a panel (ecs, batch…) or a resource by name", style="bold"))
            yield Input(placeholder=": name", suggester=SuggestFromList(self.names, case_sensitive=False))

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


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


def call_result(record: CallRecord) -> str:
    return "ok" if record.ok else record.error or "failed"


@dataclass(frozen=True)
class CallRun:
    """Consecutive calls of one service and operation with one result (a poll repeated every few
    seconds): one line of the command log, showing the newest of them."""

    first: CallRecord
    last: CallRecord
    count: int = 1

    @property
    def call(self) -> str:
        return f"{self.last.service}.{self.last.operation}"

    @property
    def client_side(self) -> bool:
        return self.last.service == CLIENT_SIDE


def collapse(records: Iterable[CallRecord]) -> list[CallRun]:
    """Records (oldest first) as runs of identical service, operation and result, oldest first."""
    runs: list[CallRun] = []
    for record in records:
        previous = runs[-1].last if runs else None
        if (previous is not None and (previous.service, previous.operation, call_result(previous))
                == (record.service, record.operation, call_result(record))):
            runs[-1] = CallRun(runs[-1].first, record, runs[-1].count + 1)
        else:
            runs.append(CallRun(record, record))
    return runs


def call_matches(record: CallRecord, words: list[str]) -> bool:
    """Every word is in the service, operation or result (`failed` also finds every failure)."""
    text = f"{record.service}.{record.operation} {record.service}:{record.operation} "
    text += "ok" if record.ok else f"failed {record.error}"
    text = text.lower()
    return all(word in text for word in words)


def params_text(params: dict[str, Any], *, limit: int) -> str:
    """`name=value` pairs, values as JSON, sanitised and cut at `limit` characters."""
    return clean(", ".join(f"{name}={json.dumps(value, default=str)}" for name, value in params.items()),
                 limit=limit)


class CommandLogScreen(ModalScreen[None]):
    """Every AWS call this session made, newest first: trust comes from visibility. Repeated polls
    are one line with a count; failures of watchkeeper itself (a response it could not parse) are
    listed as failures too."""

    DEFAULT_CSS = """
    CommandLogScreen { align: center middle; }
    CommandLogScreen > Vertical { width: 95%; height: 90%; border: thick $primary; background: $surface; }
    CommandLogScreen #calls-bar { height: 1; }
    CommandLogScreen #calls-label { width: auto; padding: 0 1; }
    CommandLogScreen #calls-filter { height: 1; border: none; padding: 0; width: 1fr; }
    CommandLogScreen DataTable { height: 1fr; }
    CommandLogScreen #call-detail { height: auto; max-height: 6; background: $boost; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("at", "dismiss", "Close", show=False, priority=True),  # `@` toggles, even while typing
        # The filter box has the focus: the arrows still move in the list.
        Binding("up", "move('cursor_up')", show=False),
        Binding("down", "move('cursor_down')", show=False),
        Binding("pageup", "move('page_up')", show=False),
        Binding("pagedown", "move('page_down')", show=False),
    ]
    PARAMS_SHOWN = 60  # characters of parameters in the cell; the detail line has them all

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[CallRun] = []

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Command log: AWS calls this session, newest first (esc closes)"
            with Horizontal(id="calls-bar"):
                yield Static("filter:", id="calls-label")
                yield Input(placeholder="service, operation or result (e.g. logs, failed, Throttling)",
                            id="calls-filter")
            yield DataTable(cursor_type="row", zebra_stripes=True)
            yield Static(id="call-detail")

    def on_mount(self) -> None:
        self.fill()
        self.query_one("#calls-filter", Input).focus()

    @on(Input.Changed, "#calls-filter")
    def filter_changed(self) -> None:
        self.fill()  # also brings in the calls made since the screen opened

    def fill(self) -> None:
        words = self.query_one("#calls-filter", Input).value.lower().split()
        records = [r for r in list(self.app.aws.calls) if call_matches(r, words)]  # type: ignore[attr-defined]
        self.shown = collapse(records)[::-1]
        table = self.query_one(DataTable)
        table.clear(columns=True)  # the columns' widths then fit the calls shown, not every call
        table.add_columns("Time", "Call", "×", "Result", "ms", "Request id", "Parameters")
        for index, run in enumerate(self.shown):
            last = run.last
            failed = "" if last.ok else "red"
            table.add_row(
                cell(datetime.fromtimestamp(last.at).strftime("%H:%M:%S")),
                cell(run.call, style="bold" if last.mutating else failed),
                cell(f"×{run.count}" if run.count > 1 else ""),
                cell(("ok" if last.ok else f"✗ {call_result(last)}"), style=failed),
                cell("-" if run.client_side else f"{last.duration_ms:.0f}"),
                cell(last.request_id),
                cell(params_text(last.params, limit=self.PARAMS_SHOWN)),
                key=str(index),
            )
        self.show_detail(0 if self.shown else None)

    @on(DataTable.RowHighlighted)
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail(event.cursor_row)

    def show_detail(self, index: int | None) -> None:
        detail = self.query_one("#call-detail", Static)
        if index is None or not 0 <= index < len(self.shown):
            detail.update(Text("no calls match the filter" if self.query_one("#calls-filter", Input).value
                               else "no calls yet", style="dim"))
            return
        run = self.shown[index]
        last, text = run.last, Text()
        text.append(clean(run.call), style="bold")
        if run.count > 1:
            first = datetime.fromtimestamp(run.first.at).strftime("%H:%M:%S")
            text.append(f" ×{run.count}, {first}–{datetime.fromtimestamp(last.at):%H:%M:%S}")
        text.append("  ok" if last.ok else "  failed", style="green" if last.ok else "bold red")
        if run.client_side:
            text.append(" in watchkeeper itself, after the AWS calls succeeded", style="red")
        if not last.ok:
            text.append(f": {clean(last.error, limit=500)}")
        text.append(f"\nparameters: {params_text(last.params, limit=2_000) or '(none)'}")
        detail.update(text)

    def action_move(self, action: str) -> None:
        getattr(self.query_one(DataTable), f"action_{action}")()

    def action_close(self) -> None:
        box = self.query_one("#calls-filter", Input)
        if box.value:  # esc clears the filter first, as in the panels
            box.value = ""
        else:
            self.dismiss(None)
