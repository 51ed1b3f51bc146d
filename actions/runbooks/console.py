"""The runbook UI of `watchkeeper runbooks run`: prints each step, asks y/N on a terminal, and
refuses actions without --yes anywhere else."""

from __future__ import annotations

from actions.runbooks.engine import DONE, Refused, RunbookUI, StepRecord
from actions.runbooks.model import Step
from tui.safe_text import clean
from tui.session import AwsSession

NOT_CONFIRMED = ("standard input is not a terminal, so nobody can confirm it: pass --yes to approve the "
                 "runbook's actions (or --dry-run to see them)")


class ConsoleUI(RunbookUI):
    """Prints each step as it runs; asks y/N on a terminal, refuses without --yes elsewhere."""

    def __init__(self, *, yes: bool, dry_run: bool, interactive: bool, account: str = "") -> None:
        self.yes, self.dry_run, self.interactive, self.account = yes, dry_run, interactive, account

    @staticmethod
    def say(text: str, indent: str = "") -> None:
        for line in clean(text, limit=20_000, multiline=True).splitlines() or [""]:
            print(f"{indent}{line}", flush=True)

    def approve(self, what: str) -> bool:
        if self.yes:
            return True
        if not self.interactive:
            raise Refused(f"Refused {what}: {NOT_CONFIRMED}.")
        try:
            return input(f"{what}? [y/N] ").strip().lower() in ("y", "yes")
        except EOFError:
            return False

    def confirm_action(self, step: Step, python: str, cli: str) -> bool:
        self.say(f"{step.label}:", "  ")
        self.say(python, "    ")
        self.say(f"$ {cli}", "    ")
        return self.approve(f"{step.call} (step {step.id})")

    def type_account(self, step: Step, aws: AwsSession) -> str:
        """--account on the command line, else typed at the terminal; --yes alone is not enough."""
        if self.account:
            return self.account
        if not self.interactive:
            raise Refused(f"Refused {step.call} (step {step.id}): the account is production: pass --account with "
                          "its alias or id.")
        try:
            return input("Production account: type its alias or id to confirm: ").strip()
        except EOFError:
            return ""

    def confirm(self, step: Step, text: str) -> bool:
        self.say(text, "  ")
        return self.approve(f"step {step.id}")

    def ask(self, step: Step, options: list[str], default: str | None = None) -> str:
        if not self.interactive or self.yes:
            return default if default is not None else options[0]
        self.say(f"{step.text or step.label} ({' / '.join(options)})", "  ")
        try:
            answer = input(f"[{default or options[0]}] ").strip()
        except EOFError:
            answer = ""
        return answer or default or options[0]

    def progress(self, step: Step, text: str) -> None:
        self.say(f"… {text}", "  ")

    def show(self, step: Step, text: str) -> None:
        self.say(f"{step.label}:", "  ")
        self.say(text, "    ")

    def calling(self, step: Step, python: str, cli: str, *, sent: bool) -> None:
        if self.dry_run:
            self.say(f"{'call' if sent else 'would send'}: {python}", "  ")
            self.say(f"$ {cli}", "    ")

    def finished(self, record: StepRecord) -> None:
        step = record.step
        plain = record.outcome == DONE and step.kind in ("show", "note")
        self.say(f"[{record.outcome}] {step.id}" + ("" if plain else f": {record.text}"))
