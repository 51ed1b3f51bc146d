"""Where watchkeeper keeps its files, from platformdirs (overridable for tests and bastions)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "watchkeeper"


def state_dir() -> Path:
    """Directory for the audit log and crash reports; WATCHKEEPER_STATE_DIR overrides the platform
    default. ConfigError (one sentence) when it cannot be created or written: without it no
    mutation could be audited, so the console must not start."""
    override = os.environ.get("WATCHKEEPER_STATE_DIR")
    path = Path(override) if override else Path(platformdirs.user_state_dir(APP_NAME))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"Cannot create the state directory {path} ({exc.strerror or exc}): "
                          "set WATCHKEEPER_STATE_DIR to a writable directory.") from exc
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(f"Cannot write to the state directory {path}: "
                          "set WATCHKEEPER_STATE_DIR to a writable directory.")
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


class ConfigError(Exception):
    """The config file, or a directory watchkeeper needs, cannot be used; the message is one
    sentence naming the file (line and field) or directory."""


def config_path() -> Path:
    return config_dir() / "config.yaml"
