"""The audit log: write-ahead JSON lines, appended, flushed and synced to disk.

Every mutating call gets an `intent` line before the request leaves the process (the session
refuses to send it otherwise) and a `result` line with the request id after it returns, paired
by `id`: an intent without a result is a call whose outcome is unknown (a crash, kill -9, a lost
connection). Parameters are logged as sent, except that values under secret-looking names are
redacted; credentials never reach this module.
"""

from __future__ import annotations

import json
import os
import re
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SECRET_NAME = re.compile(r"secret|password|token|credential|private", re.IGNORECASE)


def redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "***" if SECRET_NAME.search(str(k)) else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, entry: dict[str, Any]) -> None:
        record = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"), **redact(entry)}
        line = json.dumps(record, default=str, sort_keys=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode())
                os.fsync(fd)
            finally:
                os.close(fd)

    def intent(self, entry: dict[str, Any]) -> str:
        """Record a call about to be sent; returns the id its result line will carry."""
        call_id = uuid.uuid4().hex
        self.append({"event": "intent", "id": call_id, **entry})
        return call_id

    def result(self, call_id: str, *, ok: bool, request_id: str = "", error: str = "") -> None:
        self.append({"event": "result", "id": call_id, "result": "ok" if ok else "error",
                     "request_id": request_id, **({"error": error} if error else {})})

    def entries(self) -> list[dict[str, Any]]:
        """Every line that parses (a line cut short by a crash is skipped)."""
        if not self.path.exists():
            return []
        found = []
        for line in self.path.read_text(errors="replace").splitlines():
            try:
                found.append(json.loads(line))
            except ValueError:
                continue
        return found

    def calls(self) -> list[dict[str, Any]]:
        """Intents paired with their results: each intent with `result` (ok, error, or None when no
        result was ever written), `request_id` and `error` merged in."""
        results = {e["id"]: e for e in self.entries() if e.get("event") == "result" and "id" in e}
        paired = []
        for entry in self.entries():
            if entry.get("event") != "intent":
                continue
            outcome = results.get(entry.get("id", ""), {})
            paired.append({**entry, "result": outcome.get("result"), "request_id": outcome.get("request_id", ""),
                           "error": outcome.get("error", ""), "finished": outcome.get("time")})
        return paired
