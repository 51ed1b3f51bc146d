"""A runbook as parsed from YAML: inputs and steps, each step of one kind."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STEP_KINDS = ("check", "show", "action", "wait", "choice", "confirm", "note")
INPUT_TYPES = ("string", "int", "choice", "bool")
COMPARISONS = ("equals", "not_equals", "greater_than", "less_than", "contains", "empty", "not_empty")
END = "end"  # a goto/next target: finish the run here, successfully


@dataclass(frozen=True)
class Input:
    name: str
    type: str = "string"
    default: Any = None  # may be a template over the row
    required: bool = True
    choices: tuple[str, ...] = ()
    pattern: str = ""
    description: str = ""


@dataclass(frozen=True)
class Condition:
    """`select` (JMESPath over a response, or over the context when there is no call) compared
    with an expected value."""

    select: str
    comparison: str
    expected: Any = None  # may be a template; unused by empty / not_empty

    def describe(self, expected: Any) -> str:
        words = {"equals": "=", "not_equals": "≠", "greater_than": ">", "less_than": "<", "contains": "contains"}
        if self.comparison in ("empty", "not_empty"):
            return f"{self.select} is {self.comparison.replace('_', ' ')}"
        return f"{self.select} {words[self.comparison]} {expected!r}"


def compare(comparison: str, value: Any, expected: Any) -> bool:
    """JMESPath-style: a missing value is empty, and numbers only compare with numbers."""
    if comparison == "empty":
        return value in (None, "", [], {})
    if comparison == "not_empty":
        return value not in (None, "", [], {})
    if comparison == "equals":
        return bool(value == expected)
    if comparison == "not_equals":
        return bool(value != expected)
    if comparison == "contains":
        return isinstance(value, str | list | dict) and expected in value
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (value, expected))
    if not numbers:
        return False
    return bool(value > expected) if comparison == "greater_than" else bool(value < expected)


@dataclass(frozen=True)
class Option:
    label: str
    goto: str | None = None  # a step id or END; None: the next step
    when: str | None = None  # JMESPath over the context: offered only when true


@dataclass(frozen=True)
class LogTail:
    group: str
    stream_prefix: str = ""
    lines: int = 20
    since: str = "1h"
    filter: str = ""


@dataclass(frozen=True)
class Step:
    id: str
    kind: str
    line: int = 0
    title: str = ""
    on_failure: str = "abort"  # abort | continue | goto:STEP
    timeout: float | None = None  # seconds: how long a wait may take
    when: str | None = None  # JMESPath over the context: the step runs only when true
    next: str | None = None  # where to go after this step (a step id or END)
    call: str = ""  # "service:Operation"
    params: dict[str, Any] = field(default_factory=dict)
    for_each: str | None = None  # a template giving a list: the call is made once per `item`
    condition: Condition | None = None
    text: str = ""  # note and show text; choice and confirm prompt
    select: str = ""  # show: JMESPath over the call's result
    log: LogTail | None = None
    waiter: str = ""  # "service:waiter_name"
    interval: float | None = None  # seconds between polls of a wait
    options: tuple[Option, ...] = ()
    default: str | None = None  # choice: the option chosen without asking (a template)

    @property
    def service(self) -> str:
        return (self.call or self.waiter).split(":", 1)[0]

    @property
    def operation(self) -> str:
        return self.call.split(":", 1)[1] if self.call else ""

    @property
    def label(self) -> str:
        return self.title or self.id


@dataclass(frozen=True)
class Runbook:
    name: str
    description: str
    applies_to: tuple[str, ...]
    steps: tuple[Step, ...]
    inputs: tuple[Input, ...] = ()
    key: str = ""
    dangerous: bool = False
    path: Path | None = None
    builtin: bool = False

    def index(self, step_id: str) -> int:
        return next(i for i, s in enumerate(self.steps) if s.id == step_id)

    def operations(self) -> set[str]:
        """Every "service:Operation" the runbook may send (waiters by the operation they poll)."""
        from actions.runbooks.loader import waiter_operation

        found = {s.call for s in self.steps if s.call}
        found |= {waiter_operation(s.waiter) for s in self.steps if s.waiter}
        if any(s.log for s in self.steps):
            found.add("logs:FilterLogEvents")
        return found
