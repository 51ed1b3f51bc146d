"""Where watchkeeper keeps its files, from platformdirs (overridable for tests and bastions)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "watchkeeper"


def state_dir() -> Path:
    """Directory for the audit log; WATCHKEEPER_STATE_DIR overrides the platform default."""
    override = os.environ.get("WATCHKEEPER_STATE_DIR")
    path = Path(override) if override else Path(platformdirs.user_state_dir(APP_NAME))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    """Directory for config and runbooks; WATCHKEEPER_CONFIG_DIR overrides the platform default."""
    override = os.environ.get("WATCHKEEPER_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME))


def export_dir() -> Path:
    """Where exports go: WATCHKEEPER_EXPORT_DIR, else the current directory."""
    path = Path(os.environ.get("WATCHKEEPER_EXPORT_DIR", "."))
    path.mkdir(parents=True, exist_ok=True)
    return path


def audit_log_path() -> Path:
    return state_dir() / "audit.jsonl"
