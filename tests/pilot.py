"""Helpers for driving the real app with Textual's pilot."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import Input

from actions.audit import AuditLog
from actions.confirm import ConfirmScreen
from panels.view import PanelView
from tui.app import WatchkeeperApp


async def wait_for(pilot: Pilot, condition: Callable[[], object], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            app = pilot.app
            views = [(v.panel.id, [lv.source.label for lv in v.stack], v.busy, v.error, len(v.shown))
                     for v in getattr(app, "views", [])]
            raise AssertionError(f"timed out waiting for the app; screen {app.screen!r}; views {views}")
        await pilot.pause(0.05)


async def loaded(pilot: Pilot, view: PanelView, label: str | None = None) -> None:
    """Wait until the view's current level has data (and, if given, is the level `label`)."""
    await wait_for(pilot, lambda: view.level.loaded_at is not None and not view.busy
                   and (label is None or view.level.source.label == label))


def finished(audit: AuditLog) -> list[dict]:
    """The audited calls whose result has been written (intent and result paired)."""
    return [c for c in audit.calls() if c["result"]]


def view_of(app: WatchkeeperApp, panel_id: str) -> PanelView:
    return next(v for v in app.views if v.panel.id == panel_id)


async def select(pilot: Pilot, view: PanelView, name: str) -> None:
    """Put the cursor on the row called `name`, as the arrow keys would."""
    key = next(k for k, r in view.shown.items() if r.name == name)
    view.table.move_cursor(row=view.table.get_row_index(key))
    await pilot.pause()


async def open_path(pilot: Pilot, app: WatchkeeperApp, panel_id: str, *names: str) -> PanelView:
    """Show a panel by its key, then open each named row in turn; the cursor ends on the last."""
    view = view_of(app, panel_id)
    await pilot.press(view.panel.key)
    await loaded(pilot, view)
    for index, name in enumerate(names):
        await select(pilot, view, name)
        if index < len(names) - 1:
            depth = len(view.stack)
            await pilot.press("enter")
            await wait_for(pilot, lambda depth=depth: len(view.stack) == depth + 1)  # type: ignore[misc]
            await loaded(pilot, view)
    return view


async def open_confirmation(pilot: Pilot, app: WatchkeeperApp, key: str) -> ConfirmScreen:
    """Press an action's key and wait for its confirmation."""
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
    return app.screen  # type: ignore[return-value]


async def confirm(pilot: Pilot, app: WatchkeeperApp, key: str, **typed: str) -> None:
    """Press an action's key, fill the named inputs, and run it."""
    await open_confirmation(pilot, app, key)
    for name, value in typed.items():
        app.screen.query_one(f"#{name}", Input).value = value
    await pilot.press("enter")  # the one run key of every confirmation
    await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen))


def screen_text(screen: object) -> str:
    """The text a log viewer shows, line by line ("" until it is mounted)."""
    widgets = screen.query("#log")  # type: ignore[attr-defined]
    return "\n".join(widgets.first().plain_lines()) if widgets else ""


async def jump_from_triage(pilot: Pilot, app: WatchkeeperApp, resource: str, panel_id: str, name: str) -> PanelView:
    """Enter on the triage row for `resource`; returns the panel it opened, cursor on `name`."""
    triage = view_of(app, "triage")
    await loaded(pilot, triage)
    await select(pilot, triage, resource)
    await pilot.press("enter")
    view = view_of(app, panel_id)
    assert app.current_view is view
    await wait_for(pilot, lambda: view.current_row() is not None and view.current_row().name == name)
    return view


async def refused(pilot: Pilot, app: WatchkeeperApp, *keys: str) -> None:
    """Each action key is refused: no confirmation opens (read-only mode, or a blocked action)."""
    for key in keys:
        await pilot.press(key)
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ConfirmScreen)
