"""Filtering and sorting of rows, kept apart from the widget so it can be tested on its own."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from panels.model import Row

FAILING_WORDS = ("FAIL", "ERROR", "CRITICAL", "STOPPED", "CRASH", "DEGRADED", "TERMINATED_WITH",
                 "TIMED_OUT", "ABORTED", "STALE", "STUCK", "HIGH", "INCOMPLETE")
BUSY_WORDS = ("RUNNING", "PROGRESS", "PENDING", "RUNNABLE", "STARTING", "WAITING", "MEDIUM", "SUBMITTED")
GOOD_WORDS = ("SUCCEEDED", "COMPLETED", "ACTIVE", "OK", "VALID", "ENABLED", "HEALTHY")


def status_style(status: str) -> str:
    """Colour by meaning. Named ANSI colours, so 16-colour terminals show them too."""
    upper = status.upper()
    if any(word in upper for word in FAILING_WORDS):
        return "bold red"
    if any(word in upper for word in BUSY_WORDS):
        return "yellow"
    if any(word in upper for word in GOOD_WORDS):
        return "green"
    return ""


def is_failing(status: str) -> bool:
    upper = status.upper()
    return any(word in upper for word in FAILING_WORDS)


def matches(row: Row, text: str) -> bool:
    """Case-insensitive match of every word of the filter against the row's text."""
    haystack = row.text().lower()
    return all(word in haystack for word in text.lower().split())


AGE = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
UNIT_SECONDS = (86_400, 3_600, 60, 1)


def seconds(text: str) -> int | None:
    """'25m', '1d', '2h5m' as seconds; None for anything else."""
    match = AGE.match(text) if text else None
    if not match or not any(match.groups()):
        return None
    return sum(int(part or 0) * unit for part, unit in zip(match.groups(), UNIT_SECONDS, strict=True))


def sort_value(value: Any) -> tuple[int, Any]:
    """Numbers before text, numbers numerically, ages and durations (45s, 25m, 1d) as durations."""
    if isinstance(value, bool):
        return (1, str(value).lower())
    if isinstance(value, int | float):
        return (0, value)
    duration = seconds(str(value))
    if duration is not None:
        return (0, duration)
    return (1, str(value).lower())


def arrange(rows: Sequence[Row], *, text: str = "", column: int | None = None, reverse: bool = False,
            failing_first: bool = True) -> list[Row]:
    """The rows to show, in the order to show them: filtered, then sorted by `column` if set,
    otherwise failing rows first (unless the source keeps its order), each group in the source's order."""
    shown = [r for r in rows if matches(r, text)] if text.strip() else list(rows)
    if column is None and failing_first:
        shown.sort(key=lambda r: not is_failing(r.status))  # stable: the source's order within
    elif column is not None:
        shown.sort(key=lambda r: sort_value(r.cells[column]) if column < len(r.cells) else (2, ""),
                   reverse=reverse)
    return shown
