"""The profile and region switchers: a multi-select list (space toggles, enter applies, esc
keeps what was there). Several chosen means every panel aggregates them, with Account and Region
columns. Names come from ~/.aws/config and the keyring: shown as plain text, never markup."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, SelectionList

from tui.safe_text import clean


class SwitcherScreen(ModalScreen[list[str] | None]):
    DEFAULT_CSS = """
    SwitcherScreen { align: center middle; }
    SwitcherScreen > Vertical { width: 60; max-width: 95%; height: auto; max-height: 90%;
                                border: thick $primary; background: $surface; padding: 0 1; }
    SwitcherScreen SelectionList { height: auto; max-height: 16; }
    SwitcherScreen #problem { color: $error; }
    """
    BINDINGS = [
        Binding("escape", "dismiss_none", "Cancel"),
        Binding("enter", "apply", "Apply", priority=True),  # the list's own enter would only toggle
    ]

    def __init__(self, title: str, names: list[str], chosen: list[str]) -> None:
        super().__init__()
        self.title_text, self.chosen = title, set(chosen)
        self.names = sorted(names, key=lambda name: name not in self.chosen)  # the current ones first

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text, style="bold"))
            yield Label(Text("space selects · enter applies · esc cancels", style="dim"))
            yield SelectionList[str](*((Text(clean(name, limit=60)), name, name in self.chosen) for name in self.names))
            yield Label(id="problem")

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_apply(self) -> None:
        selected = list(self.query_one(SelectionList).selected)
        if not selected:
            highlighted = self.query_one(SelectionList).highlighted
            if highlighted is None:
                self.query_one("#problem", Label).update("Choose at least one (space).")
                return
            selected = [self.names[highlighted]]  # enter on one line without toggling: that one
        self.dismiss([name for name in self.names if name in selected])

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
