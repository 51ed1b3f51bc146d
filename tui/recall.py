"""Slow-changing answers kept on disk between launches, per account and region (a cache: a file
that is missing, unreadable or from another shape is simply not recalled).

A relaunch at 3 a.m. (the SSH link dropped) should not pay again for what the last run learned
minutes ago: the newest snapshot of each volume took reading every snapshot of the account."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from tui.config import ConfigError, state_dir
from tui.session import AwsSession

VERSION = 1


def place(aws: AwsSession, key: str) -> Path | None:
    """The file for `key` in this session's account, region and endpoint; None until the account
    is known (the console reads it at start for its header; a check does not call for it)."""
    account = aws.known_identity.account if aws.known_identity else ""
    if account in ("", "?"):
        return None
    # The endpoint without its port: the demo's in-process server takes a new port each launch.
    endpoint = aws.endpoint.rsplit(":", 1)[0] if aws.endpoint.count(":") > 1 else aws.endpoint
    name = hashlib.sha256(f"{endpoint}|{account}|{aws.region}|{key}".encode()).hexdigest()[:24]
    try:
        return state_dir() / "recall" / f"{name}.json"
    except ConfigError:
        return None


def recall(aws: AwsSession, key: str) -> Any:
    """What keep() last wrote for `key` here, or None."""
    path = place(aws, key)
    try:
        kept = json.loads(path.read_text()) if path else None
    except (OSError, ValueError):
        return None
    return kept.get("value") if isinstance(kept, dict) and kept.get("version") == VERSION else None


def keep(aws: AwsSession, key: str, value: Any) -> None:
    """Write `value` (JSON) for `key`, atomically and readable only by the user; a failure to write
    loses only the shortcut."""
    path = place(aws, key)
    if path is None:
        return
    try:
        path.parent.mkdir(mode=0o700, exist_ok=True)
        text = json.dumps({"version": VERSION, "value": value})
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as out:
            out.write(text)
        try:
            os.replace(out.name, path)
        except OSError:
            os.unlink(out.name)  # e.g. a directory where the file should be: no leftovers
            raise
    except (OSError, TypeError, ValueError):
        return
