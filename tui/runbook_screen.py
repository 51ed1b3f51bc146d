"""The runbook screen: every step with its outcome and duration, what the run shows, and its
questions (the exact call before each action, yes/no, choices) as dialogs.

The engine (actions.runbooks.engine) runs in a worker thread, one step per `enter` (step by step
is the default; `g` runs on, still pausing at every action's confirmation). Its questions block
that thread until the dialog is answered; `x` abandons the run at any step.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Input, Label, RichLog, Static

from actions.runbooks.engine import (
    CANCELLED,
    DECLINED,
    DONE,
    FAILED,
    PASSED,
    REFUSED,
    SKIPPED,
    InputError,
    Refused,
    RunbookRun,
    RunbookUI,
    StepRecord,
    input_defaults,
    resolve_inputs,
)
from actions.runbooks.model import Runbook, Step
from tui.safe_text import clean
from tui.session import AwsSession

MARKS = {PASSED: ("✓", "green"), DONE: ("✓", "green"), FAILED: ("✗", "bold red"), REFUSED: ("⊘", "yellow"),
         DECLINED: ("–", "yellow"), CANCELLED: ("–", "yellow"), SKIPPED: ("·", "dim")}


class Question(ModalScreen[str | None]):
    """One question of a run: its options as buttons (the first is focused); esc answers None."""

    DEFAULT_CSS = """
    Question { align: center middle; }
    Question > VerticalScroll { width: 90%; max-width: 110; height: auto; max-height: 95%;
                                border: thick $warning; background: $surface; padding: 0 1; }
    Question .call { background: $boost; }
    Question Horizontal { height: auto; align: right middle; }
    """
    BINDINGS = [Binding("escape", "dismiss_none", "Cancel")]

    def __init__(self, title: str, body: Text, options: list[str]) -> None:
        super().__init__()
        self.title_text, self.body, self.options = title, body, options

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Label(Text(clean(self.title_text), style="bold"))
            yield Static(self.body, classes="call")
            with Horizontal():
                for index, option in enumerate(self.options):
                    yield Button(Text(clean(option, limit=40)), id=f"option-{index}",
                                 variant="error" if index == 0 else "default")

    def on_mount(self) -> None:
        self.query_one("#option-0", Button).focus()

    @on(Button.Pressed)
    def chosen(self, event: Button.Pressed) -> None:
        self.dismiss(self.options[int((event.button.id or "option-0").rsplit("-", 1)[1])])

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class TypedAnswer(ModalScreen[str | None]):
    """A question answered by typing (enter sends it, esc answers None)."""

    DEFAULT_CSS = """
    TypedAnswer { align: center middle; }
    TypedAnswer > VerticalScroll { width: 90%; max-width: 100; height: auto; border: thick $error;
                                   background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape", "dismiss_none", "Cancel")]

    def __init__(self, title: str, body: Text) -> None:
        super().__init__()
        self.title_text, self.body = title, body

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Label(Text(clean(self.title_text), style="bold"))
            yield Static(self.body)
            yield Input(placeholder="type the account alias or id to confirm", id="typed")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class InputsForm(ModalScreen[dict[str, Any] | None]):
    """The runbook's inputs, defaults taken from the selected row; checked before the run starts."""

    DEFAULT_CSS = """
    InputsForm { align: center middle; }
    InputsForm > VerticalScroll { width: 90%; max-width: 100; height: auto; max-height: 95%;
                                  border: thick $primary; background: $surface; padding: 0 1; }
    InputsForm #problem { color: $error; }
    """
    BINDINGS = [Binding("escape", "dismiss_none", "Cancel")]
    AUTO_FOCUS = None  # on_mount focuses the first input; keys typed ahead wait for it (tui/app.py)

    def __init__(self, runbook: Runbook, row: dict[str, Any]) -> None:
        super().__init__()
        self.runbook, self.row = runbook, row

    def compose(self) -> ComposeResult:
        defaults = input_defaults(self.runbook, self.row)
        with VerticalScroll():
            yield Label(Text(f"{clean(self.runbook.name)}: inputs (enter starts, esc cancels)", style="bold"))
            for spec in self.runbook.inputs:
                hint = f" ({' / '.join(spec.choices)})" if spec.choices else f" ({spec.type})"
                yield Label(Text(clean(f"{spec.name}{hint}: {spec.description}".rstrip(": "))))
                default = defaults.get(spec.name)
                yield Input("" if default is None else clean(default), id=f"input-{spec.name}")
            yield Static(id="problem")

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    def values(self) -> dict[str, str]:
        return {spec.name: self.query_one(f"#input-{spec.name}", Input).value for spec in self.runbook.inputs}

    @on(Input.Submitted)
    def submitted(self) -> None:
        try:
            values = resolve_inputs(self.runbook, self.row, self.values())
        except InputError as exc:
            self.query_one("#problem", Static).update(Text(clean(str(exc))))
            return
        self.dismiss(values)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class ScreenUI(RunbookUI):
    """The engine's side of the screen: runs in the worker thread, hands everything to the UI
    thread, and waits there for the dialogs' answers."""

    def __init__(self, screen: RunbookScreen) -> None:
        self.screen = screen
        self.cancel = threading.Event()

    def later(self, callback: Callable[..., Any], *args: Any) -> None:
        self.screen.app.call_from_thread(callback, *args)

    def answer(self, title: str, body: Text, options: list[str]) -> str | None:
        """Ask in a dialog and wait for the answer (None: dismissed, or the run was abandoned)."""
        return self.wait_for(Question(title, body, options))

    def wait_for(self, dialog: ModalScreen[str | None]) -> str | None:
        found: list[str | None] = []
        done = threading.Event()

        def answered(value: str | None) -> None:
            found.append(value)
            done.set()

        self.later(self.screen.app.push_screen, dialog, answered)
        while not done.wait(0.1):
            if self.cancel.is_set():
                return None
        return found[0]

    def confirm_action(self, step: Step, python: str, cli: str) -> bool:
        aws = self.screen.aws
        identity = aws.known_identity
        body = Text.assemble(
            ("Target   ", "bold"), clean(self.screen.target), "\n",
            ("Account  ", "bold"), clean(identity.account if identity else "(unknown)"), "   ",
            ("Region  ", "bold"), clean(aws.region or "-"), "\n",
            (clean(python), "bold"), "\n", "$ ", clean(cli))
        return self.answer(f"{step.label}: run this call?", body, ["Run", "Don't run"]) == "Run"

    def type_account(self, step: Step, aws: AwsSession) -> str:
        from actions.confirm import production_name

        return self.wait_for(TypedAnswer(f"{step.label}: production account", Text.assemble(
            ("PRODUCTION", "bold reverse red"), " account: type its alias or id (",
            (clean(production_name(aws)), "bold"), ") to send this call."))) or ""

    def confirm(self, step: Step, text: str) -> bool:
        return self.answer(step.label, Text(clean(text, multiline=True)), ["Yes", "No"]) == "Yes"

    def ask(self, step: Step, options: list[str], default: str | None = None) -> str:
        ordered = [default, *[o for o in options if o != default]] if default in options else options
        found = self.answer(step.label, Text(clean(step.text or "Choose one:", multiline=True)), ordered)
        if found is None:
            raise Refused(f"Step {step.id}: no option was chosen.")
        return found

    def progress(self, step: Step, text: str) -> None:
        self.later(self.screen.set_status, f"{step.label}: {text} (x abandons)")

    def cancelled(self) -> bool:
        return self.cancel.is_set()

    def show(self, step: Step, text: str) -> None:
        self.later(self.screen.write, Text(f"{step.label}:", style="bold"), Text(clean(text, multiline=True)))

    def calling(self, step: Step, python: str, cli: str, *, sent: bool) -> None:
        self.later(self.screen.write, Text(f"→ {clean(python)}", style="dim"))

    def finished(self, record: StepRecord) -> None:
        self.later(self.screen.step_done, record)


class RunbookScreen(Screen[None]):
    DEFAULT_CSS = """
    RunbookScreen #title { height: 2; background: $boost; padding: 0 1; }
    RunbookScreen #steps { height: auto; max-height: 45%; }
    RunbookScreen #out { height: 1fr; border-top: solid $primary; padding: 0 1; }
    RunbookScreen #status { height: 1; padding: 0 1; background: $boost; }
    """
    BINDINGS = [
        Binding("enter", "next_step", "Next step", priority=True),  # before the step table takes it
        Binding("g", "run_on", "Run on"),
        Binding("x", "abandon", "Abandon"),
        Binding("escape", "close", "Close"),
    ]

    def __init__(self, aws: AwsSession, runbook: Runbook, row: dict[str, Any]) -> None:
        super().__init__()
        self.aws, self.runbook, self.row = aws, runbook, row
        self.target = str(row.get("key") or row.get("name") or "")
        self.ui = ScreenUI(self)
        self.run: RunbookRun | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Static(Text.assemble(("Runbook ", "bold"), (clean(self.runbook.name), "bold"), " on ",
                                   clean(self.target, limit=60), "\n", (clean(self.runbook.description), "dim")),
                     id="title")
        yield DataTable(cursor_type="row", id="steps")
        yield RichLog(markup=False, highlight=False, wrap=True, id="out")
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#steps", DataTable)
        table.add_columns("", "Step", "Kind", "Outcome", "s")
        for step in self.runbook.steps:
            table.add_row(" ", Text(clean(step.label, limit=50)), step.kind, "", "", key=step.id)
        if self.runbook.inputs:
            self.app.push_screen(InputsForm(self.runbook, self.row), self.start)
        else:
            self.start({})

    def start(self, inputs: dict[str, Any] | None) -> None:
        if inputs is None:
            self.dismiss()
            return
        try:
            self.run = RunbookRun(self.aws, self.runbook, self.row, self.ui, inputs, target=self.target)
        except (Refused, InputError) as exc:
            self.set_status(str(exc))
            self.write(Text(clean(str(exc)), style="bold red"))
            return
        self.show_current()

    # -- what the engine reports ----------------------------------------------------------------
    def write(self, *lines: Text) -> None:
        log = self.query_one("#out", RichLog)
        for line in lines:
            log.write(line)

    def set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(Text(clean(text)))

    def step_done(self, record: StepRecord) -> None:
        mark, style = MARKS.get(record.outcome, ("?", ""))
        table = self.query_one("#steps", DataTable)
        table.update_cell(record.step.id, table.ordered_columns[0].key, Text(mark, style=style))
        table.update_cell(record.step.id, table.ordered_columns[3].key, Text(record.outcome, style=style))
        table.update_cell(record.step.id, table.ordered_columns[4].key, f"{record.seconds:.1f}")
        if record.text and record.step.kind not in ("show", "note"):
            self.write(Text(f"[{record.outcome}] {clean(record.step.label)}: {clean(record.text)}", style=style))

    def show_current(self) -> None:
        run = self.run
        if run is None:
            return
        if run.finished:
            self.set_status(f"Run {run.result}; esc closes. The audit log has its record.")
            return
        step = run.current
        if step is not None:
            table = self.query_one("#steps", DataTable)
            table.move_cursor(row=table.get_row_index(step.id))
            pause = " (an action: its call is shown before it is sent)" if step.kind == "action" else ""
            self.set_status(f"Next: {step.label} ({step.kind}){pause}. enter runs it, g runs on, x abandons.")

    # -- keys -----------------------------------------------------------------------------------
    def action_next_step(self) -> None:
        self.advance(run_on=False)

    def action_run_on(self) -> None:
        self.advance(run_on=True)

    def advance(self, *, run_on: bool) -> None:
        if self.run is None or self.run.finished or self.busy:
            return
        self.busy = True
        self.set_status("Running… (x abandons)")
        self.steps(run_on)

    @work(thread=True, exclusive=True, group="runbook", exit_on_error=False)
    def steps(self, run_on: bool) -> None:
        run = self.run
        assert run is not None
        try:
            while not run.finished:
                run.step()
                if not run_on:
                    break
        finally:
            self.app.call_from_thread(self.stepped)

    def stepped(self) -> None:
        self.busy = False
        if self.ui.cancel.is_set() and self.run is not None:
            self.run.abandon()
        self.show_current()

    def action_abandon(self) -> None:
        run = self.run
        if run is None or run.finished:
            return
        self.ui.cancel.set()  # a wait or a question in the worker ends; the engine stops at the next step
        if not self.busy:
            run.abandon()
            self.show_current()

    def action_close(self) -> None:
        self.action_abandon()
        self.dismiss()
