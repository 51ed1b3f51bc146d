"""Render attacker-controllable text (log lines, causes, status reasons, tags) literally.

Everything shown on screen that came from AWS goes through here: terminal control sequences
are removed, other control characters are shown escaped, characters that reorder or hide text
(bidi overrides, zero-width characters) are shown as visible `⟨U+202E⟩` markers, and long text
is cut with a marker. The result is wrapped in a rich Text, which never interprets markup.
"""

from __future__ import annotations

import json
import re
from typing import Any

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
# One class for everything shown escaped, so a plain line costs one scan: the remaining C0/C1
# controls and DEL (tab and newline are handled before), then the characters that make text
# read differently from what it is — bidi embeddings/overrides/isolates and marks (a filename
# "exe.txt" that is really "txt.exe"), zero-width characters (two "identical" names that differ),
# line/paragraph separators (a line break in one-line text), and lone surrogates (which cannot be
# encoded for a terminal or pipe at all).
_SHOWN_ESCAPED = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"
    "\u061c\u200b-\u200f\u2028-\u202e\u2060\u2066-\u2069\ufeff"
    "\ud800-\udfff]"
)

CELL_LIMIT = 80
DETAIL_LIMIT = 4_000
JSON_CHARS = 1_000_000  # json.loads of a longer message costs more than it could be worth on screen
JSON_DEPTH = 64  # deeper than this is shown as text: indenting it helps nobody, and recursion has a limit


def _shown_escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0xA0 else f"⟨U+{code:04X}⟩"


def clean(value: object, *, limit: int = DETAIL_LIMIT, multiline: bool = False) -> str:
    """Plain, printable text: escapes stripped, controls shown as \\xNN, bidi and zero-width
    characters as ⟨U+XXXX⟩, newlines as ⏎ unless multiline, cut at `limit` chars."""
    text = "" if value is None else str(value)
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = text.replace("\r\n", "\n").replace("\t", "    ")
    if not multiline:
        text = text.replace("\n", " ⏎ ")
    text = _SHOWN_ESCAPED.sub(_shown_escaped, text)
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


class JsonTooComplex(ValueError):
    """JSON too large or too deeply nested to expand: show it as text."""


def _depth(value: Any) -> int:
    """Nesting depth, without recursion (a structure can be deeper than Python's stack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            stack += [(child, level + 1) for child in (item.values() if isinstance(item, dict) else item)]
    return deepest


def load_json(text: str, *, limit: int = JSON_CHARS, depth: int = JSON_DEPTH) -> Any:
    """`text` parsed as JSON. ValueError when it is not JSON; JsonTooComplex (a ValueError too)
    past `limit` characters or `depth` levels, where json itself would raise RecursionError."""
    if len(text) > limit:
        raise JsonTooComplex(f"{len(text):,} characters")
    try:
        value = json.loads(text)
    except RecursionError:
        raise JsonTooComplex("nested too deep") from None
    if _depth(value) > depth:
        raise JsonTooComplex("nested too deep")
    return value


def pretty_json(text: str, limit: int = JSON_CHARS, *, depth: int = JSON_DEPTH) -> str | None:
    """`text` as indented JSON; None when it is not JSON, or too large or too deep to expand.
    Not sanitised: pass the result through clean(..., multiline=True) before showing it."""
    try:
        return json.dumps(load_json(text, limit=limit, depth=depth), indent=2)
    except (ValueError, RecursionError):
        return None


def clean_text(text: Text, *, limit: int = DETAIL_LIMIT) -> Text:
    """A styled Text (a summary line built by a source) with every styled piece sanitised:
    sources may put AWS names into styled text; they reach the screen only through here."""
    cuts = sorted({span.start for span in text.spans} | {span.end for span in text.spans} | {len(text.plain)})
    result = Text(style=text.style, no_wrap=text.no_wrap, overflow=text.overflow)
    for piece in text.divide(cuts):
        part = Text(clean(piece.plain, limit=limit))
        for span in piece.spans:
            part.stylize(span.style)
        result.append_text(part)
    return result
