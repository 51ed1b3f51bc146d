"""Render attacker-controllable text (log lines, causes, status reasons, tags) literally.

Everything shown on screen that came from AWS goes through here: terminal control sequences
are removed, other control characters are shown escaped, and long text is cut with a marker.
The result is wrapped in a rich Text, which never interprets markup.
"""

from __future__ import annotations

import re

from rich.text import Text

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), other two-byte ESC sequences, and the 8-bit
# C1 forms of CSI/OSC. Order matters: the specific forms before the bare-ESC catch-all.
_ESCAPE_SEQUENCE = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]            # CSI
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)? # OSC, ended by BEL or ST (or unterminated)
    | \x9b[0-?]*[ -/]*[@-~]            # 8-bit CSI
    | \x9d[^\x07\x9c]*[\x07\x9c]?       # 8-bit OSC
    | \x1b[@-_]?                        # any other ESC sequence, or a bare ESC
    """,
    re.VERBOSE,
)
# Remaining C0/C1 controls and DEL (tab and newline are handled by the callers).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

CELL_LIMIT = 80
DETAIL_LIMIT = 4_000


def _escape_control(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def clean(value: object, *, limit: int = DETAIL_LIMIT, multiline: bool = False) -> str:
    """Plain, printable text: escapes stripped, controls shown as \\xNN, cut at `limit` chars."""
    text = "" if value is None else str(value)
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = text.replace("\r\n", "\n").replace("\t", "    ")
    if not multiline:
        text = text.replace("\n", " ⏎ ")
    text = _CONTROL.sub(_escape_control, text)
    if len(text) > limit:
        cut = len(text) - limit
        text = f"{text[:limit]}… [+{cut:,} chars]"
    return text


def safe(value: object, *, style: str = "", limit: int = DETAIL_LIMIT, multiline: bool = False) -> Text:
    """A rich Text of `value` that is displayed exactly as sanitised, never as markup."""
    return Text(clean(value, limit=limit, multiline=multiline), style=style, no_wrap=not multiline)


def cell(value: object, *, style: str = "") -> Text:
    """A table cell: one line, short."""
    return safe(value, style=style, limit=CELL_LIMIT)
