"""Runbooks from YAML files: parsed with line numbers, validated before anything runs.

Every problem is one `FILE:LINE: field: what is wrong` line. Runbooks come from the built-ins in
this package, the user's config directory (`runbooks/`) and any `--runbooks DIR`; a later one
replaces an earlier one of the same name, and a bad file never stops the others from loading.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from botocore import xform_name
from botocore.model import ServiceModel
from jmespath.exceptions import JMESPathError

from actions.operations import USES, find
from actions.runbooks.model import (
    COMPARISONS,
    END,
    INPUT_TYPES,
    STEP_KINDS,
    Condition,
    Input,
    LogTail,
    Option,
    Runbook,
    Step,
)
from actions.runbooks.templates import ROOTS, expressions, references

BUILTIN_DIR = Path(__file__).parent / "builtin"
NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
IDENT = re.compile(r"[a-z][a-z0-9_]*")
KEY = re.compile(r"((ctrl|alt|shift)\+)*([A-Za-z0-9]|f[0-9]{1,2})")
# Keys the console and every list already bind (tui/app.py, panels/view.py): a runbook cannot take them.
RESERVED_KEYS = {"q", "c", "L", "r", "s", "o", "l", "v", "e", "a", "m", "i", "y", "k", "u", ":"}

TOP_FIELDS = {"name", "description", "key", "applies_to", "dangerous", "inputs", "steps"}
INPUT_FIELDS = {"name", "type", "default", "required", "choices", "pattern", "description"}
COMMON = {"id", "kind", "title", "on_failure", "timeout", "when", "next"}
CONDITION = {"select", *COMPARISONS}
CALL = {"call", "params"}
KIND_FIELDS: dict[str, set[str]] = {
    "check": COMMON | CALL | CONDITION | {"for_each"},
    "show": COMMON | CALL | {"for_each", "select", "text", "log"},
    "action": COMMON | CALL | {"for_each"},
    "wait": COMMON | CALL | CONDITION | {"waiter", "interval"},
    "choice": COMMON | {"prompt", "options", "default"},
    "confirm": COMMON | {"prompt"},
    "note": COMMON | {"text"},
}
LOG_FIELDS = {"group", "stream_prefix", "lines", "since", "filter"}
OPTION_FIELDS = {"label", "goto", "when"}


@dataclass(frozen=True)
class RunbookError:
    path: Path | str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.message}"


Path_ = tuple[str | int, ...]


def dotted(path: Path_) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(file)"


def line_map(node: yaml.Node) -> dict[Path_, int]:
    """The line (1-based) of every field and list item, from yaml's node marks."""
    lines: dict[Path_, int] = {}

    def walk(node: yaml.Node, path: Path_) -> None:
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                here = (*path, str(key.value))
                lines[here] = key.start_mark.line + 1
                walk(value, here)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*path, index))

    walk(node, ())
    return lines


@cache
def service_model(service: str) -> ServiceModel:
    from tui.session import shared_loader

    return ServiceModel(shared_loader().load_service_model(service, "service-2"), service)


@cache
def waiters(service: str) -> dict[str, dict[str, Any]]:
    """A service's botocore waiters by snake_case name ({} when it has none)."""
    from botocore.exceptions import DataNotFoundError

    from tui.session import shared_loader

    try:
        found = shared_loader().load_service_model(service, "waiters-2")["waiters"]
    except DataNotFoundError:
        return {}
    return {xform_name(name): spec for name, spec in found.items()}


def waiter_operation(waiter: str) -> str:
    """"ecs:services_stable" -> "ecs:DescribeServices" (the operation the waiter polls)."""
    service, _, name = waiter.partition(":")
    return f"{service}:{waiters(service)[name]['operation']}"


def known_kinds() -> set[str]:
    """The Source kinds rows come from (the panel levels declared in actions/operations.py)."""
    return {user.removeprefix("view:") for user in USES if user.startswith("view:")}


class Parser:
    def __init__(self, path: Path | str, data: Any, lines: dict[Path_, int]) -> None:
        self.path, self.data, self.lines = path, data, lines
        self.errors: list[RunbookError] = []

    def error(self, path: Path_, message: str) -> None:
        at = path
        while at and at not in self.lines:
            at = at[:-1]
        self.errors.append(RunbookError(self.path, self.lines.get(at, 1), dotted(path), message))

    # -- typed fields --------------------------------------------------------------------------
    def text(self, data: dict[str, Any], name: str, path: Path_, *, required: bool = False) -> str:
        value = data.get(name)
        if value is None:
            if required:
                self.error(path, f"missing required field `{name}`")
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.error((*path, name), f"must be text, not {type(value).__name__}")
            return ""
        return str(value)

    def number(self, data: dict[str, Any], name: str, path: Path_) -> float | None:
        value = data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            self.error((*path, name), f"must be a positive number of seconds, not {value!r}")
            return None
        return float(value)

    def unknown(self, data: dict[str, Any], allowed: set[str], path: Path_, what: str) -> None:
        for name in data:
            if name not in allowed:
                self.error((*path, str(name)),
                           f"unknown field for {what} (expected one of: {', '.join(sorted(allowed))})")

    def expression(self, text: str, path: Path_, roots: set[str] | None, scope: dict[str, Any]) -> None:
        """A JMESPath expression: its syntax, and (over the context) what it refers to."""
        try:
            found = references(text)
        except JMESPathError as exc:
            detail = getattr(exc, "msg", "") or str(exc).splitlines()[0]
            where = getattr(exc, "lex_position", None)
            at = f" at character {where + 1}" if isinstance(where, int) else ""
            self.error(path, f"not a valid JMESPath expression {text!r}: {detail}{at}")
            return
        if roots is None:  # over a response: any field may be there
            return
        for chain in found:
            root = chain[0]
            if root not in roots:
                allowed = " or ".join(f"`{r}`" for r in sorted(roots))
                self.error(path, f"unknown reference `{'.'.join(chain)}` in {text!r}: start with {allowed}")
            elif root == "steps" and len(chain) > 1 and chain[1] not in scope["steps"]:
                earlier = ", ".join(scope["steps"]) or "none"
                self.error(path, f"unknown reference `{'.'.join(chain[:2])}`: not an earlier step (earlier: {earlier})")
            elif root == "inputs" and len(chain) > 1 and chain[1] not in scope["inputs"]:
                known = ", ".join(scope["inputs"]) or "none"
                self.error(path, f"unknown reference `{'.'.join(chain[:2])}`: not an input (inputs: {known})")

    def templates(self, value: Any, path: Path_, roots: set[str], scope: dict[str, Any]) -> None:
        for text in expressions(value):
            self.expression(text, path, roots, scope)

    # -- the runbook ---------------------------------------------------------------------------
    def runbook(self) -> Runbook | None:
        data = self.data
        if not isinstance(data, dict):
            self.error((), f"expected a runbook (a mapping with name, description, steps), found {type(data).__name__}")
            return None
        self.unknown(data, TOP_FIELDS, (), "a runbook")
        name = self.text(data, "name", (), required=True)
        if name and not NAME.fullmatch(name):
            self.error(("name",), f"{name!r}: use lower-case letters, digits and dashes")
        description = self.text(data, "description", (), required=True)
        key = self.text(data, "key", ())
        if key and not KEY.fullmatch(key):
            self.error(("key",), f"{key!r} is not a key: use one letter or digit, f1…f12, with ctrl+/alt+/shift+")
        applies = data.get("applies_to")
        kinds: tuple[str, ...] = ()
        if applies is None:
            self.error((), "missing required field `applies_to` (a list of row kinds, e.g. [ecs.service])")
        elif not isinstance(applies, list) or not applies or not all(isinstance(k, str) for k in applies):
            self.error(("applies_to",), "must be a non-empty list of row kinds, e.g. [ecs.service]")
        else:
            kinds = tuple(applies)
            for index, kind in enumerate(kinds):
                if kind not in known_kinds():
                    self.error(("applies_to", index),
                               f"unknown row kind {kind!r} (known: {', '.join(sorted(known_kinds()))})")
        if key in RESERVED_KEYS:
            self.error(("key",), f"{key!r} is already a key of the console "
                       f"(reserved: {', '.join(sorted(RESERVED_KEYS))})")
        elif key and kinds:
            self.key_clash(key, kinds)
        dangerous = data.get("dangerous", False)
        if not isinstance(dangerous, bool):
            self.error(("dangerous",), f"must be true or false, not {dangerous!r}")
            dangerous = False
        inputs = self.inputs(data.get("inputs") or [])
        steps = self.steps(data.get("steps"), {i.name for i in inputs})
        if self.errors:
            return None
        return Runbook(name, description, kinds, steps, inputs, key, dangerous,
                       self.path if isinstance(self.path, Path) else None)

    def key_clash(self, key: str, kinds: tuple[str, ...]) -> None:
        from actions.catalog import for_kind

        for kind in kinds:
            taken = [a.title for a in for_kind(kind) if a.key == key]
            if taken:
                self.error(("key",), f"{key!r} is already {taken[0]!r} on {kind} rows")

    def inputs(self, raw: Any) -> tuple[Input, ...]:
        if not isinstance(raw, list):
            self.error(("inputs",), "must be a list of inputs (name, type, default…)")
            return ()
        found: list[Input] = []
        for index, item in enumerate(raw):
            path: Path_ = ("inputs", index)
            if not isinstance(item, dict):
                self.error(path, "each input must be a mapping with at least `name`")
                continue
            self.unknown(item, INPUT_FIELDS, path, "an input")
            name = self.text(item, "name", path, required=True)
            if name and not IDENT.fullmatch(name):
                self.error((*path, "name"), f"{name!r}: use lower-case letters, digits and underscores")
            if name in {i.name for i in found}:
                self.error((*path, "name"), f"input {name!r} is declared twice")
            kind = self.text(item, "type", path) or "string"
            if kind not in INPUT_TYPES:
                self.error((*path, "type"), f"unknown type {kind!r} (expected one of: {', '.join(INPUT_TYPES)})")
            choices = item.get("choices") or []
            if kind == "choice" and (not isinstance(choices, list) or not choices):
                self.error((*path, "choices"), "a choice input needs a non-empty list of choices")
                choices = []
            pattern = self.text(item, "pattern", path)
            if pattern:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    self.error((*path, "pattern"), f"not a regular expression: {exc}")
            required = item.get("required", True)
            if not isinstance(required, bool):
                self.error((*path, "required"), f"must be true or false, not {required!r}")
            default = item.get("default")
            self.templates(default, (*path, "default"), {"row"}, {})
            found.append(Input(name, kind, default, bool(required), tuple(str(c) for c in choices), pattern,
                               self.text(item, "description", path)))
        return tuple(found)

    def steps(self, raw: Any, inputs: set[str]) -> tuple[Step, ...]:
        if raw is None:
            self.error((), "missing required field `steps`")
            return ()
        if not isinstance(raw, list) or not raw:
            self.error(("steps",), "must be a non-empty list of steps")
            return ()
        ids = [item.get("id") for item in raw if isinstance(item, dict)]
        found: list[Step] = []
        seen: list[str] = []
        for index, item in enumerate(raw):
            step = self.step(item, ("steps", index), {"steps": list(seen), "inputs": inputs}, ids)
            step_id = step.id if step is not None else (item.get("id") if isinstance(item, dict) else None)
            if step_id in seen:
                self.error(("steps", index, "id"), f"step id {step_id!r} is used twice")
            if isinstance(step_id, str):
                seen.append(step_id)  # even when the step is wrong: later references to it are not errors too
            if step is not None:
                found.append(step)
        return tuple(found)

    def target(self, value: Any, path: Path_, ids: list[Any], *, gotos: bool) -> str | None:
        """A step to go to: a step id, `end`, or (on_failure) abort / continue / goto:ID."""
        if value is None:
            return None
        text = str(value)
        name = text.removeprefix("goto:") if gotos else text
        if gotos and text in ("abort", "continue"):
            return text
        if gotos and not text.startswith("goto:"):
            self.error(path, f"{text!r}: expected abort, continue or goto:STEP")
        elif name != END and name not in ids:
            self.error(path, f"unknown step {name!r} (steps: {', '.join(str(i) for i in ids)}, or {END})")
        return text

    def step(self, item: Any, path: Path_, scope: dict[str, Any], ids: list[Any]) -> Step | None:
        if not isinstance(item, dict):
            self.error(path, "each step must be a mapping with `id` and `kind`")
            return None
        errors = len(self.errors)
        step_id = self.text(item, "id", path, required=True)
        if step_id and not IDENT.fullmatch(step_id):
            self.error((*path, "id"), f"{step_id!r}: use lower-case letters, digits and underscores")
        kind = self.text(item, "kind", path, required=True)
        if kind and kind not in STEP_KINDS:
            self.error((*path, "kind"), f"unknown step kind {kind!r} (expected one of: {', '.join(STEP_KINDS)})")
            return None
        if not kind:
            return None
        self.unknown(item, KIND_FIELDS[kind], path, f"a {kind} step")
        context = set(ROOTS) - {"item"}
        on_failure = self.target(item.get("on_failure", "abort"), (*path, "on_failure"), ids, gotos=True) or "abort"
        next_step = self.target(item.get("next"), (*path, "next"), ids, gotos=False)
        when = self.text(item, "when", path) or None
        if when:
            self.expression(when, (*path, "when"), context, scope)
        call = self.call(item, path, kind)
        for_each = self.text(item, "for_each", path) or None
        roots = context | ({"item"} if for_each else set())
        if for_each:
            self.templates(for_each, (*path, "for_each"), context, scope)
            if not call:
                self.error((*path, "for_each"), "for_each repeats a call: this step has no `call`")
        params = item.get("params") or {}
        if not isinstance(params, dict):
            self.error((*path, "params"), "must be a mapping of parameter names to values")
            params = {}
        if params and "call" not in item and "waiter" not in item:
            self.error((*path, "params"), "params without a `call` (or `waiter`)")
        self.templates(params, (*path, "params"), roots, scope)
        if call:
            self.check_params(call, params, (*path, "params"))
        condition = self.condition(item, path, kind, call, roots, scope)
        step = Step(
            id=step_id, kind=kind, line=self.lines.get(path, 0), title=self.text(item, "title", path),
            on_failure=on_failure, timeout=self.number(item, "timeout", path), when=when, next=next_step,
            call=call, params=params, for_each=for_each, condition=condition,
            text=self.text(item, "prompt" if kind in ("choice", "confirm") else "text", path),
            select=self.text(item, "select", path) if kind == "show" else "",
            log=self.log(item, path, roots, scope) if kind == "show" else None,
            waiter=self.waiter(item, path) if kind == "wait" else "",
            interval=self.number(item, "interval", path),
            options=self.options(item, path, ids, scope) if kind == "choice" else (),
            default=self.text(item, "default", path) or None,
        )
        self.templates(step.text, (*path, "text"), roots, scope)
        self.templates(step.default, (*path, "default"), context, scope)
        if step.select and kind == "show":
            self.expression(step.select, (*path, "select"), None, scope)
        self.required(step, item, path)
        return step if len(self.errors) == errors else None

    def call(self, item: dict[str, Any], path: Path_, kind: str) -> str:
        call = self.text(item, "call", path)
        if not call:
            return ""
        service, _, name = call.partition(":")
        operation = find(service, name)
        if operation is None:
            self.error((*path, "call"), f"{call} is not declared in actions/operations.py: a runbook may only "
                       "call declared operations (service:Operation, e.g. ecs:DescribeServices)")
            return ""
        if kind == "action" and not operation.mutates:
            self.error((*path, "call"), f"{call} only reads: an action step is for a call that changes something "
                       "(use a check or show step)")
        elif kind != "action" and operation.mutates:
            self.error((*path, "call"), f"{call} changes something: a {kind} step may only read "
                       "(use an action step, which asks for confirmation)")
        return call

    def check_params(self, call: str, params: dict[str, Any], path: Path_) -> None:
        service, _, name = call.partition(":")
        shape = service_model(service).operation_model(name).input_shape
        members = set(shape.members) if shape is not None else set()
        for param in params:
            if param not in members:
                self.error((*path, str(param)), f"{call} has no parameter {param!r} "
                           f"(it takes: {', '.join(sorted(members)) or 'none'})")
        missing = [m for m in (shape.required_members if shape is not None else []) if m not in params]
        if missing:
            self.error(path, f"{call} needs {', '.join(missing)}")

    def condition(self, item: dict[str, Any], path: Path_, kind: str, call: str, roots: set[str],
                  scope: dict[str, Any]) -> Condition | None:
        if kind not in ("check", "wait"):
            return None
        chosen = [c for c in COMPARISONS if c in item]
        select = self.text(item, "select", path)
        if kind == "wait" and "waiter" in item:
            if chosen or select or call:
                self.error(path, "a wait step uses either `waiter` or `call` + `select` + a comparison, not both")
            return None
        if not select:
            self.error(path, f"a {kind} step needs `select` (JMESPath) and one comparison "
                       f"({', '.join(COMPARISONS)})")
            return None
        if len(chosen) != 1:
            self.error(path, f"a {kind} step needs exactly one comparison of: {', '.join(COMPARISONS)}"
                       + (f" (found {', '.join(chosen)})" if chosen else ""))
            return None
        # Over the call's response; a check without a call looks at the context itself.
        self.expression(select, (*path, "select"), None if call else roots, scope)
        if kind == "wait" and not call:
            self.error(path, "a polled wait needs a `call` to poll")
        expected = item[chosen[0]]
        self.templates(expected, (*path, chosen[0]), roots, scope)
        return Condition(select, chosen[0], expected)

    def waiter(self, item: dict[str, Any], path: Path_) -> str:
        waiter = self.text(item, "waiter", path)
        if not waiter:
            if "call" not in item:
                self.error(path, "a wait step needs `waiter` (e.g. ecs:services_stable) or `call` + `select`")
            return ""
        service, _, name = waiter.partition(":")
        if name not in waiters(service):
            known = ", ".join(f"{service}:{w}" for w in sorted(waiters(service))) or "none"
            self.error((*path, "waiter"), f"unknown waiter {waiter!r} (known: {known})")
            return ""
        polled = waiter_operation(waiter)
        operation = find(*polled.split(":"))
        if operation is None or operation.mutates:
            self.error((*path, "waiter"), f"{waiter} polls {polled}, which is not declared in "
                       "actions/operations.py as a read")
            return ""
        self.check_params(polled, item.get("params") or {}, (*path, "params"))
        return waiter

    def log(self, item: dict[str, Any], path: Path_, roots: set[str], scope: dict[str, Any]) -> LogTail | None:
        raw = item.get("log")
        if raw is None:
            return None
        here = (*path, "log")
        if not isinstance(raw, dict):
            self.error(here, "must be a mapping with `group` (and stream_prefix, lines, since, filter)")
            return None
        self.unknown(raw, LOG_FIELDS, here, "a log tail")
        group = self.text(raw, "group", here, required=True)
        lines = raw.get("lines", 20)
        if isinstance(lines, bool) or not isinstance(lines, int) or lines <= 0:
            self.error((*here, "lines"), f"must be a positive whole number, not {lines!r}")
            lines = 20
        since = self.text(raw, "since", here) or "1h"
        from tui.log_stream import parse_since

        try:
            parse_since(since)
        except ValueError as exc:
            self.error((*here, "since"), str(exc))
        tail = LogTail(group, self.text(raw, "stream_prefix", here), lines, since, self.text(raw, "filter", here))
        for name in ("group", "stream_prefix", "filter"):
            self.templates(getattr(tail, name), (*here, name), roots, scope)
        return tail

    def options(self, item: dict[str, Any], path: Path_, ids: list[Any], scope: dict[str, Any]) -> tuple[Option, ...]:
        raw = item.get("options")
        here = (*path, "options")
        if not isinstance(raw, list) or not raw:
            self.error(here if raw is not None else path, "a choice step needs `options`: a list of {label, goto}")
            return ()
        found = []
        for index, option in enumerate(raw):
            at = (*here, index)
            if isinstance(option, str):
                option = {"label": option}
            if not isinstance(option, dict):
                self.error(at, "each option is a label or a mapping {label, goto, when}")
                continue
            self.unknown(option, OPTION_FIELDS, at, "an option")
            label = self.text(option, "label", at, required=True)
            when = self.text(option, "when", at) or None
            if when:
                self.expression(when, (*at, "when"), set(ROOTS) - {"item"}, scope)
            found.append(Option(label, self.target(option.get("goto"), (*at, "goto"), ids, gotos=False), when))
        return tuple(found)

    def required(self, step: Step, item: dict[str, Any], path: Path_) -> None:
        if step.kind == "action" and "call" not in item:
            self.error(path, "an action step needs `call` (a mutating operation, e.g. ecs:UpdateService)")
        if step.kind == "show" and sum(bool(x) for x in ("call" in item, "text" in item, "log" in item)) != 1:
            self.error(path, "a show step needs exactly one of `text`, `call` (+ `select`) or `log`")
        if step.kind == "confirm" and not step.text:
            self.error(path, "a confirm step needs `prompt`")
        if step.kind == "note" and not step.text:
            self.error(path, "a note step needs `text`")


def parse(text: str, path: Path | str = "<text>") -> tuple[Runbook | None, list[RunbookError]]:
    """One runbook from YAML text, or the list of what is wrong with it."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        line = mark.line + 1 if mark is not None else 1
        return None, [RunbookError(path, line, "(yaml)", f"not valid YAML: {problem}")]
    if node is None:
        return None, [RunbookError(path, 1, "(file)", "empty file: expected a runbook")]
    parser = Parser(path, data, line_map(node))
    runbook = parser.runbook()
    return runbook, sorted(parser.errors, key=lambda e: e.line)


def load_file(path: Path, *, builtin: bool = False) -> tuple[Runbook | None, list[RunbookError]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        return None, [RunbookError(path, 1, "(file)", f"cannot read it ({reason})")]
    runbook, errors = parse(text, path)
    if runbook is not None and builtin:
        runbook = replace(runbook, builtin=True)
    return runbook, errors


def runbook_files(directory: Path) -> list[Path]:
    if directory.is_file():
        return [directory]
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def default_dirs(extra: Iterable[Path] = ()) -> list[Path]:
    """Built-ins, then the user's config directory, then each --runbooks DIR: later ones win."""
    from tui.config import config_dir

    return [BUILTIN_DIR, config_dir() / "runbooks", *extra]


@dataclass
class Catalog:
    runbooks: dict[str, Runbook] = field(default_factory=dict)
    errors: list[RunbookError] = field(default_factory=list)
    overridden: list[tuple[Runbook, Runbook]] = field(default_factory=list)  # (replaced, by)

    def get(self, name: str) -> Runbook | None:
        return self.runbooks.get(name)

    def for_kind(self, kind: str, *, read_only: bool = False) -> list[Runbook]:
        """The runbooks offered on a row of `kind`; dangerous ones are hidden in read-only mode."""
        return [r for r in self.runbooks.values() if kind in r.applies_to and not (read_only and r.dangerous)]


def load_all(dirs: Sequence[Path] | None = None, *, extra: Iterable[Path] = ()) -> Catalog:
    """Every runbook from `dirs` (default: built-ins, config dir, then `extra`)."""
    catalog = Catalog()
    for directory in (dirs if dirs is not None else default_dirs(extra)):
        builtin = directory == BUILTIN_DIR
        for path in runbook_files(directory):
            runbook, errors = load_file(path, builtin=builtin)
            catalog.errors += errors
            if runbook is None:
                continue
            replaced = catalog.runbooks.pop(runbook.name, None)
            if replaced is not None:
                catalog.overridden.append((replaced, runbook))
            clash = next((r for r in catalog.runbooks.values() if runbook.key and r.key == runbook.key
                          and set(r.applies_to) & set(runbook.applies_to)), None)
            if clash is not None:
                line = 1 + next((i for i, text in enumerate(path.read_text().splitlines())
                                 if text.startswith("key:")), 0)
                catalog.errors.append(RunbookError(path, line, "key", f"{runbook.key!r} is already the key of "
                                                   f"runbook {clash.name!r} on the same rows"))
                continue
            catalog.runbooks[runbook.name] = runbook
    return catalog
