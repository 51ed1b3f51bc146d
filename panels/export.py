"""Write a panel's rows (as shown: filtered and sorted) to CSV and JSON."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from panels.model import Row
from tui.config import export_dir

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """Untrusted text must not become a spreadsheet formula when the CSV is opened."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def export_rows(name: str, columns: Sequence[str], rows: Sequence[Row]) -> tuple[Path, Path]:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = export_dir() / f"watchkeeper-{name.replace('.', '-')}-{stamp}"
    records = [{"key": r.key, **{c: v for c, v in zip(columns, r.cells, strict=False)},
                **{label: value for label, value in r.detail}} for r in rows]
    csv_path, json_path = base.with_suffix(".csv"), base.with_suffix(".json")
    with csv_path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["key", *columns])
        writer.writerows([csv_cell(v) for v in (r.key, *r.cells)] for r in rows)
    json_path.write_text(json.dumps(records, indent=2, default=str))
    return csv_path, json_path
