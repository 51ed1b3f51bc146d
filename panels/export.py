"""Write a panel's rows (as shown: filtered and sorted) to CSV and JSON.

Cells come from AWS, so both files hold sanitised text (no escape sequences for whoever `cat`s
them), and a CSV cell that a spreadsheet would run as a formula is prefixed with `'`.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from panels.model import Row
from tui.config import export_dir
from tui.safe_text import clean

FORMULA_START = ("=", "+", "-", "@")
ALWAYS_ESCAPED_START = ("\t", "\r")  # spreadsheets strip these, then read what follows as a formula
EXPORT_LIMIT = 100_000  # characters of one exported value: whole messages, but bounded
# A plain number ("-1", "+2.5", "-1,234", "1e-3"): a spreadsheet reads it as a number, not a formula.
PLAIN_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d*)?(?:[eE][+-]?\d+)?%?|\.\d+(?:[eE][+-]?\d+)?%?")


def csv_cell(value: object) -> object:
    """Untrusted text must not become a spreadsheet formula when the CSV is opened. Only text that
    starts a formula is changed: a lone "-" (the placeholder for no value) and negative numbers
    stay as they are."""
    if not isinstance(value, str):
        return value
    if value.startswith(ALWAYS_ESCAPED_START):
        return "'" + value
    if value.startswith(FORMULA_START):
        rest = value[1:]
        if rest and not PLAIN_NUMBER.fullmatch(rest):
            return "'" + value
    return value


def exported(value: Any) -> Any:
    """A value as written: numbers and booleans as they are, everything else sanitised text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    return clean(value, limit=EXPORT_LIMIT, multiline=True)


def record(row: Row, columns: Sequence[str]) -> dict[str, Any]:
    """One row for JSON: the columns as shown and the detail kept apart, so a detail field named
    like a column cannot overwrite it; a repeated detail label gets a " (2)" suffix."""
    detail: dict[str, Any] = {}
    for label, value in row.detail:
        name, n = clean(label, limit=200), 1
        while name in detail:
            n += 1
            name = f"{clean(label, limit=200)} ({n})"
        detail[name] = exported(value)
    return {"key": exported(row.key), "name": exported(row.name), "status": exported(row.status),
            "columns": {clean(c, limit=200): exported(v) for c, v in zip(columns, row.cells, strict=False)},
            "detail": detail}


def export_rows(name: str, columns: Sequence[str], rows: Sequence[Row]) -> tuple[Path, Path]:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = export_dir() / f"watchkeeper-{name.replace('.', '-')}-{stamp}"
    csv_path, json_path = base.with_suffix(".csv"), base.with_suffix(".json")
    with csv_path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["key", *(clean(c, limit=200) for c in columns)])
        writer.writerows([csv_cell(exported(v)) for v in (r.key, *r.cells)] for r in rows)
    json_path.write_text(json.dumps([record(r, columns) for r in rows], indent=2, default=str))
    return csv_path, json_path
