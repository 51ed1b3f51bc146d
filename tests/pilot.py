"""Helpers for driving the real app with Textual's pilot."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.pilot import Pilot

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


def view_of(app: WatchkeeperApp, panel_id: str) -> PanelView:
    return next(v for v in app.views if v.panel.id == panel_id)


async def select(pilot: Pilot, view: PanelView, name: str) -> None:
    """Put the cursor on the row called `name`, as the arrow keys would."""
    key = next(k for k, r in view.shown.items() if r.name == name)
    view.table.move_cursor(row=view.table.get_row_index(key))
    await pilot.pause()
