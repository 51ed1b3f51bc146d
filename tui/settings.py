"""The config file (config.yaml at the platformdirs config path), checked key by key.

A wrong key or value is reported as `FILE:LINE: key: what is wrong` and replaced by its default,
so a typo never keeps the console from starting at 3 a.m. Only a file that is not YAML at all
is refused as a whole (and then every default applies).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.config import config_dir, config_path

EXAMPLE = """\
# ~/.config/watchkeeper/config.yaml (watchkeeper --help shows where yours is)
profiles: [ops-staging, ops-prod]     # default --profile (several: aggregated, with Account/Region columns)
regions: [us-east-1, eu-west-1]       # default --region
org_role: null                        # e.g. OnCallReadOnly: assume it in every active account of the organisation
production:
  accounts: ["123456789012"]          # account ids (or aliases) that are production
  profiles: [ops-prod]                # profiles that are production
refresh:
  seconds: 15                         # how often the panel on screen refreshes
  hidden_seconds: 0                   # panels not on screen: 0 = only when shown
snapshots:
  max_age_hours: 24                   # the newest good copy of a volume or database may be this old
theme: watchkeeper                    # watchkeeper, watchkeeper-light, ansi-dark or a Textual theme
keys:                                 # override a key: an action id, a runbook name or a console command
  ecs.force-deployment: D
  profiles: a
runbook_dirs: [~/src/team-runbooks]   # also load runbooks from these directories
"""


@dataclass
class Settings:
    profiles: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    org_role: str | None = None
    production_accounts: list[str] = field(default_factory=list)
    production_profiles: list[str] = field(default_factory=list)
    refresh_seconds: float = 15.0
    hidden_refresh_seconds: float = 0.0
    snapshot_max_age_hours: float = 24.0
    theme: str | None = None
    keys: dict[str, str] = field(default_factory=dict)
    runbook_dirs: list[Path] = field(default_factory=list)
    path: Path | None = None
    problems: list[str] = field(default_factory=list)  # `FILE:LINE: key: what is wrong`, defaults used

    def is_production(self, *, profile: str | None, account: str | None, alias: str | None = None) -> bool:
        marked = set(self.production_accounts)
        return bool((profile and profile in self.production_profiles) or (account and account in marked)
                    or (alias and alias in marked))


TEN_YEARS_HOURS = 10 * 365 * 24  # a longer snapshot policy is none (and past what a date can count back)


# -- value checks: each returns the value or raises ValueError(what is wrong) --------------------
def _names(value: Any) -> list[str]:
    """A list of names, or one name, or `a,b` (as on the command line)."""
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",")]
    if not isinstance(value, list) or not all(isinstance(v, str | int) and not isinstance(v, bool) for v in value):
        raise ValueError("must be a name or a list of names")
    return [str(v) for v in value if str(v)]


def _number(value: Any) -> float | None:
    """A finite number, or None (YAML reads .nan and .inf as floats; a bool is not a number here)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _positive(value: Any) -> float:
    if (number := _number(value)) is None or number <= 0:
        raise ValueError(f"must be a positive number, not {value!r}")
    return number


def _not_negative(value: Any) -> float:
    if (number := _number(value)) is None or number < 0:
        raise ValueError(f"must be a number of seconds (0 or more), not {value!r}")
    return number


def _hours(value: Any) -> float:
    if (number := _number(value)) is None or not 0 < number <= TEN_YEARS_HOURS:
        raise ValueError(f"must be a positive number of hours (ten years at most: {TEN_YEARS_HOURS:,}), not {value!r}")
    return number


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be text, not {value!r}")
    return value.strip()


def _keys(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValueError("must map names to keys (`ecs.scale: S`)")
    return {str(k): str(v) for k, v in value.items()}


def _dirs(value: Any) -> list[Path]:
    return [Path(name).expanduser() for name in _names(value)]


# key path -> (Settings field, check)
FIELDS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "profiles": ("profiles", _names),
    "regions": ("regions", _names),
    "org_role": ("org_role", _text),
    "production.accounts": ("production_accounts", _names),
    "production.profiles": ("production_profiles", _names),
    "refresh.seconds": ("refresh_seconds", _positive),
    "refresh.hidden_seconds": ("hidden_refresh_seconds", _not_negative),
    "snapshots.max_age_hours": ("snapshot_max_age_hours", _hours),
    "theme": ("theme", _text),
    "keys": ("keys", _keys),
    "runbook_dirs": ("runbook_dirs", _dirs),
}
SECTIONS = {name.split(".")[0] for name in FIELDS if "." in name}


def load(path: Path | None = None) -> Settings:
    """The settings, with a sentence per problem in `problems` (the defaults apply there); never
    raises: an unreadable file is a problem too, and the console still starts."""
    import yaml

    path = path or config_path()
    settings = Settings(path=path)
    try:
        if not path.is_file():
            return settings
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        settings.problems.append(f"Cannot read the config file {path} ({reason}); using the defaults: fix it, "
                                 "or set WATCHKEEPER_CONFIG_DIR to another directory.")
        return settings
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        settings.problems.append(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)}); using the defaults.")
        return settings
    if root is None:
        return settings
    if not isinstance(root, yaml.MappingNode):
        settings.problems.append(f"{path}:{root.start_mark.line + 1}: expected `name: value` lines; "
                                 "using the defaults.")
        return settings
    for key, node, name in _entries(root, ""):
        line = f"{path}:{key.start_mark.line + 1}"
        if name in SECTIONS:
            if not isinstance(node, yaml.MappingNode):
                settings.problems.append(f"{line}: {name}: must be a section of `name: value` lines")
                continue
            entries = list(_entries(node, f"{name}."))
        else:
            entries = [(key, node, name)]
        for key, node, name in entries:
            line = f"{path}:{key.start_mark.line + 1}"
            if name not in FIELDS:
                settings.problems.append(f"{line}: {name}: unknown setting (known: {', '.join(sorted(FIELDS))})")
                continue
            attribute, check = FIELDS[name]
            try:
                setattr(settings, attribute, check(yaml.SafeLoader(text).construct_object(node, deep=True)))
            except (ValueError, yaml.YAMLError) as exc:
                settings.problems.append(f"{line}: {name}: {exc}; using the default")
    return settings


def _entries(node: Any, prefix: str) -> list[tuple[Any, Any, str]]:
    return [(key, value, f"{prefix}{key.value}") for key, value in node.value]


# -- the last profiles and regions chosen in the console ------------------------------------------
def last_choice_path() -> Path:
    """Kept beside config.yaml, not in it: rewriting the user's file would lose its comments."""
    return config_dir() / "last-choice.yaml"


def load_last_choice() -> tuple[list[str], list[str]]:
    import yaml

    try:
        data = yaml.safe_load(last_choice_path().read_text()) or {}
        return _names(data.get("profiles") or []), _names(data.get("regions") or [])
    except (OSError, ValueError, AttributeError, yaml.YAMLError):
        return [], []


def save_last_choice(profiles: list[str], regions: list[str]) -> None:
    import yaml

    path = last_choice_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump({"profiles": profiles, "regions": regions}))
    except OSError:
        pass  # remembering is a convenience; failing to is not worth interrupting the user
