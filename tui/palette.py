"""Command palette (ctrl+p): panels, the actions that apply to the selection, and screens."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from actions.catalog import for_kind

if TYPE_CHECKING:
    from tui.app import WatchkeeperApp


class WatchkeeperCommands(Provider):
    def commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app: WatchkeeperApp = self.app  # type: ignore[assignment]
        found: list[tuple[str, Callable[[], object], str]] = [
            (f"Go to {view.panel.title}", partial(app.action_show_panel, view.panel.id), f"key {view.panel.key}")
            for view in app.views
        ]
        view = app.current_view
        row = view.current_row() if view else None
        if view and row:
            for action in for_kind(view.level.source.kind):
                if action.applies(row):
                    found.append((f"{action.title}: {row.name}", partial(view.action_run_action, action.id),
                                  f"key {action.key}"))
        found += [("Command log", app.action_command_log, "every AWS call this session"),
                  ("Help: keys", app.action_help, "key ?")]
        return found

    async def discover(self) -> Hits:
        for name, callback, help_text in self.commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self.commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
