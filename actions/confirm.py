"""The confirmation shown before every mutating call: the exact call, its CLI equivalent, who and
where it runs as, and the target. Destructive actions also need the resource name typed.
One key runs in every dialog: `enter` (from an input, or on the Run button, which has the focus
where there is nothing to type); `esc` cancels. No letter runs anything, so a letter typed into an
input is only ever typed.
Every text shown is a rich Text of sanitised parts: names and ids come from AWS, never markup."""

from __future__ import annotations

import time
from contextlib import suppress
from dataclasses import replace

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from actions.model import Action, PreparedCall
from actions.runner import ActionRunner
from panels.model import Row
from tui.safe_text import clean
from tui.session import AwsSession


def production_name(aws: AwsSession) -> str:
    identity = aws.known_identity
    return " or ".join(name for name in (aws.alias, identity.account if identity else "") if name) or "unknown"


class ConfirmScreen(ModalScreen[PreparedCall | None]):
    """Returns the call to send, or None when cancelled."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > VerticalScroll {
        width: 90%; max-width: 110; height: auto; max-height: 95%;
        border: thick $error; background: $surface; padding: 0 1;
    }
    ConfirmScreen .title { text-style: bold; color: $error; }
    ConfirmScreen .call { color: $text; background: $boost; }
    ConfirmScreen #problem { color: $error; }
    ConfirmScreen Horizontal { height: auto; align: right middle; }
    ConfirmScreen Input { margin: 0; }
    """
    RUN_KEY = "enter"  # the one key that runs, in every dialog; the Run button names it
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding(RUN_KEY, "confirm", "Run", show=True),  # when nothing focused takes enter itself
    ]
    # An enter sooner than anyone can read the call was typed ahead of the dialog (`D` and enter
    # in one burst over SSH), or is a held key repeating: it rings the bell instead of running, and
    # the next enter must come as long after it (a key held down never runs the dialog).
    READ_FIRST_SECONDS = 0.3
    AUTO_FOCUS = None  # on_mount focuses what enter should reach; keys typed ahead wait for it (tui/app.py)
    TYPE_PROMPT = "type the name above to confirm"  # must not look like a value already typed
    ACCOUNT_PROMPT = "type the account alias or id to confirm"

    def __init__(self, runner: ActionRunner, action: Action, row: Row) -> None:
        super().__init__()
        self.runner, self.action, self.row = runner, action, row
        self.shown_at = time.monotonic()  # again when mounted, and by each enter too soon after it
        self.call: PreparedCall | None = None  # until the values asked for are valid (update_call)
        with suppress(ValueError):  # a required value not typed yet: update_call says which
            self.call = runner.prepare(action, row)

    def compose(self) -> ComposeResult:
        aws = self.runner.aws
        identity = aws.known_identity
        with VerticalScroll():
            yield Label(Text(f"{self.action.title}?", style="bold"), classes="title")
            yield Static(Text.assemble(
                ("Target   ", "bold"), clean(self.row.name), "\n",
                ("ARN/id   ", "bold"), clean(self.row.key), "\n",
                ("Account  ", "bold"), clean(identity.account) if identity else "(unknown)", "   ",
                ("Region  ", "bold"), clean((self.call.region if self.call else None) or aws.region or "-"), "\n",
                ("Identity ", "bold"), clean(identity.arn) if identity else "(unknown)",
            ))
            for ask in self.action.asks:
                yield Label(Text(clean(ask.label)))
                yield Input(ask.default(self.row), id=f"ask-{ask.name}", type="integer" if ask.integer else "text",
                            placeholder="required" if ask.required else "")
            if self.action.destructive:
                yield Label(Text.assemble("Destructive: type ", (clean(self.row.name), "bold"), " to confirm"))
                yield Input(placeholder=self.TYPE_PROMPT, id="typed-name")
            if aws.production:
                yield Label(Text.assemble(("PRODUCTION", "bold reverse red"), " account: type its alias or id (",
                                          (clean(production_name(aws)), "bold"), ") to confirm"))
                yield Input(placeholder=self.ACCOUNT_PROMPT, id="typed-account")
            yield Static(id="python", classes="call")
            yield Static(id="cli", classes="call")
            yield Static(id="problem")
            with Horizontal():
                yield Button("Cancel (esc)", id="cancel")
                yield Button(Text(f"Run ({self.RUN_KEY})"), id="run", variant="error")

    def on_mount(self) -> None:
        self.shown_at = time.monotonic()
        self.update_call()
        # Nothing to type: Run has the focus, so enter runs here as it does from an input.
        inputs, run = self.query(Input), self.query_one("#run", Button)
        (inputs.first() if inputs else run if not run.disabled else self.query_one("#cancel", Button)).focus()

    def typed(self) -> dict[str, str]:
        return {ask.name: self.query_one(f"#ask-{ask.name}", Input).value for ask in self.action.asks}

    @on(Input.Changed)
    def update_call(self) -> None:
        problem = ""
        try:
            self.call = self.runner.prepare(self.action, self.row, self.typed())
        except ValueError as exc:
            self.call, problem = None, str(exc)
        if self.call is not None:
            python, cli = self.runner.describe(self.call)
            self.query_one("#python", Static).update(Text(clean(python), style="bold"))
            self.query_one("#cli", Static).update(Text("$ " + clean(cli)))
        else:  # never the last valid call: it is not what would be sent
            self.query_one("#python", Static).update(Text("(no call: correct the value above)", style="dim"))
            self.query_one("#cli", Static).update(Text())
        if not problem and self.action.destructive and not self.name_typed():
            problem = f"Type {clean(self.row.name)} to enable Run."
        if not problem and not self.account_typed():
            problem = f"Type the production account ({clean(production_name(self.runner.aws))}) to enable Run."
        self.query_one("#problem", Static).update(Text(clean(problem)))
        self.query_one("#run", Button).disabled = bool(problem)

    def name_typed(self) -> bool:
        return self.query_one("#typed-name", Input).value.strip() == self.row.name

    def account_typed(self) -> bool:
        """Outside production, nothing to type; there, the alias or id (the session checks it too)."""
        aws = self.runner.aws
        return not aws.production or aws.accepts_account(self.query_one("#typed-account", Input).value)

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_confirm()

    @on(Button.Pressed, "#run")
    def action_confirm(self) -> None:
        if (now := time.monotonic()) - self.shown_at < self.READ_FIRST_SECONDS:
            self.shown_at = now
            self.app.bell()
            return
        if self.call is None or (self.action.destructive and not self.name_typed()) or not self.account_typed():
            self.app.bell()
            return
        typed = self.query_one("#typed-account", Input).value.strip() if self.runner.aws.production else ""
        self.dismiss(replace(self.call, typed_account=typed))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
