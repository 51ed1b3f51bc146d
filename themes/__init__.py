"""watchkeeper's themes. Any built-in Textual theme works too (--theme NAME)."""

from __future__ import annotations

from textual.theme import Theme

WATCHKEEPER = Theme(
    name="watchkeeper",
    primary="#5fafff",
    secondary="#87afaf",
    accent="#ffaf00",
    warning="#ffaf00",
    error="#ff5f5f",
    success="#5fd75f",
    foreground="#d0d0d0",
    background="#121212",
    surface="#1c1c1c",
    panel="#262626",
    dark=True,
)

# High contrast on a light terminal, for daylight and projectors.
WATCHKEEPER_LIGHT = Theme(
    name="watchkeeper-light",
    primary="#005f87",
    secondary="#5f5f87",
    accent="#af5f00",
    warning="#af5f00",
    error="#d70000",
    success="#008700",
    foreground="#1c1c1c",
    background="#ffffff",
    surface="#eeeeee",
    panel="#dadada",
    dark=False,
)

THEMES = (WATCHKEEPER, WATCHKEEPER_LIGHT)
DEFAULT_THEME = WATCHKEEPER.name
