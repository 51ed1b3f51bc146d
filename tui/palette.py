"""Command palette (ctrl+p): panels, the actions that apply to the selection, and screens.

Command names carry resource names from AWS, so every prompt is built as a `Content` (which the
palette shows as is) from sanitised text: Textual parses a plain `str` prompt, and its own
`Matcher.highlight`, as markup, where a name like `adhoc [/]` would crash the app.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from actions.catalog import for_kind
from tui.safe_text import CELL_LIMIT, clean

if TYPE_CHECKING:
    from tui.app import WatchkeeperApp


def plain(text: str) -> Content:
    """`text` (already sanitised) as literal content: never parsed as markup."""
    return Content(text)


def highlighted(matcher: Matcher, candidate: str) -> Content:
    """What `Matcher.highlight` does, without parsing the candidate as markup."""
    content = plain(candidate)
    score, offsets = matcher.fuzzy_search.match(matcher.query, candidate)
    if score:
        for offset in offsets:
            if not candidate[offset].isspace():
                content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class WatchkeeperCommands(Provider):
    def commands(self) -> list[tuple[str, Callable[[], object], str]]:
        """(sanitised name, callback, help): names are plain text, safe to show literally."""
        app: WatchkeeperApp = self.app  # type: ignore[assignment]
        found: list[tuple[str, Callable[[], object], str]] = [
            (f"Go to {view.panel.title}", partial(app.action_show_panel, view.panel.id), f"key {view.panel.key}")
            for view in app.views
        ]
        view = app.current_view
        row = view.current_target()[0] if view else None  # as its source made it (not the scoped copy)
        if view and row:
            for action in for_kind(view.level.source.kind):
                if action.applies(row):
                    found.append((f"{action.title}: {clean(row.name, limit=CELL_LIMIT)}",
                                  partial(view.action_run_action, action.id), f"key {action.key}"))
            for runbook in app.runbooks_for_selection():
                found.append((f"Runbook {runbook.name}: {clean(row.name, limit=CELL_LIMIT)}",
                              partial(app.action_runbook, runbook.name),
                              clean(runbook.description, limit=CELL_LIMIT)
                              + (f" (key {runbook.key})" if runbook.key else "")))
        found += [("Switch profiles (accounts)", app.action_switch_profiles, "key a; several are aggregated"),
                  ("Switch regions", app.action_switch_regions, "key m; several are aggregated"),
                  ("Sign in again", app.action_sign_in, "key i: SSO device login, or the credential chain re-read"),
                  ("Raw JSON of the selected resource", app.action_raw, "key y"),
                  ("Copy the selected resource's ARN", app.action_copy_arn, "key k (OSC 52)"),
                  ("Copy the selected resource's console URL", app.action_copy_url, "key u (OSC 52)"),
                  ("Go to a panel or resource…", app.action_jump_to, "key :"),
                  ("Command log", app.action_command_log, "every AWS call this session"),
                  ("Help: keys", app.action_help, "key ?")]
        return found

    async def discover(self) -> Hits:
        for name, callback, help_text in self.commands():
            yield DiscoveryHit(plain(name), callback, text=name, help=plain(help_text))  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self.commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, highlighted(matcher, name), callback, text=name,
                          help=plain(help_text))  # type: ignore[arg-type]
