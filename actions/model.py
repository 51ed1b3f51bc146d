"""An action is declared once: what it calls, with which parameters from the selected row."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from panels.model import Row


@dataclass(frozen=True)
class Ask:
    """A value the user types in the confirmation, e.g. a desired count or a stop reason."""

    name: str
    label: str
    default: Callable[[Row], str] = lambda row: ""
    integer: bool = False
    required: bool = False  # e.g. a reason recorded with the change: no canned text stands in for it
    choices: tuple[str, ...] = ()  # the only values accepted (a typo must not widen a rule's scope)


@dataclass(frozen=True)
class Wait:
    """A botocore waiter to run after the call, e.g. ECS services_stable after a deployment."""

    service: str
    waiter: str
    params: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]  # from the call's params and response


@dataclass(frozen=True)
class Action:
    id: str
    title: str
    key: str
    kind: str  # the Source.kind whose rows this applies to
    service: str  # boto3 client name
    operation: str  # boto3 method name, snake_case
    params: Callable[[Row, Mapping[str, Any]], dict[str, Any]]
    mutates: bool = True
    destructive: bool = False  # the user must type the resource name to confirm
    applies: Callable[[Row], bool] = lambda row: True
    requires: str = ""  # what `applies` asks for, said when its key is pressed elsewhere ("a running task")
    asks: tuple[Ask, ...] = field(default=())
    blocked: Callable[[Row], str | None] = lambda row: None  # why it cannot run on this row now
    wait: Wait | None = None
    region_ask: str | None = None  # the ask naming the region to call (a copy to another region)

    def values(self, row: Row, typed: Mapping[str, str]) -> dict[str, Any]:
        """Typed answers, converted; raises ValueError with a sentence for bad input."""
        values: dict[str, Any] = {}
        for ask in self.asks:
            raw = typed.get(ask.name, ask.default(row)).strip()
            # Only zero-width or control characters (not printable) say nothing either.
            if ask.required and not any(c.isprintable() and not c.isspace() for c in raw):
                raise ValueError(f"{ask.label}: required (it is recorded with the change).")
            if ask.choices and raw not in ask.choices:
                raise ValueError(f"{ask.label}: one of {', '.join(ask.choices)}, not {raw!r}.")
            if ask.integer:
                if not raw.isdigit():
                    raise ValueError(f"{ask.label} must be a whole number, not {raw!r}.")
                values[ask.name] = int(raw)
            else:
                values[ask.name] = raw
        return values


@dataclass(frozen=True)
class PreparedCall:
    """The exact call a confirmation shows and the runner sends: bound to the resource, not a row
    position, so a refresh that reorders the table cannot retarget it."""

    action: Action
    target_name: str
    target_key: str
    params: dict[str, Any]
    region: str | None = None  # None: the session's region
    typed_account: str = ""  # a production account's alias or id, as typed in the confirmation
