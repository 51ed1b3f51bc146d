"""Where watchkeeper keeps its files, from platformdirs (overridable for tests and bastions)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

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


def load_settings(path: Path | None = None) -> dict[str, Any]:
    """Settings from config.yaml; an absent file means the defaults."""
    path = path or config_path()
    try:
        if not path.is_file():
            return {}
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ConfigError(f"Cannot read the config file {path} ({reason}): fix it, or set WATCHKEEPER_CONFIG_DIR "
                          "to another directory.") from exc
    import yaml  # only when there is a file to read

    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ConfigError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)}).") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected settings as `name: value` lines, found {type(data).__name__}.")
    return data


def snapshot_max_age_hours(settings: dict[str, Any], path: Path | None = None) -> float:
    """snapshots.max_age_hours: how old the newest good copy of a volume or database may be."""
    value = (settings.get("snapshots") or {}).get("max_age_hours", 24)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"{path or config_path()}: snapshots.max_age_hours must be a positive number of hours, "
                          f"not {value!r}.")
    return float(value)
