"""Runs a runbook step by step through a RunbookUI (the TUI screen, the CLI, a test).

Reads go through the session like every panel's; an action is shown as its exact call and AWS CLI
equivalent, confirmed by the UI, refused in read-only mode, and sent inside `aws.intent(...)` so
the session writes its write-ahead audit lines; waits run one attempt at a time with progress and
cancel. Each run appends one `runbook` record to the audit log with every step's outcome.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore import xform_name
from botocore.exceptions import BotoCoreError, ClientError, WaiterError
from jmespath.exceptions import JMESPathError

from actions.cli_equivalent import cli_command, python_call
from actions.operations import find, iam_action
from actions.runbooks.model import END, Input, Runbook, Step, compare
from actions.runbooks.templates import as_text, expressions, references, render, search, truthy
from tui.errors import ReadOnlyRefused, failure_of
from tui.session import AuditUnavailable, AwsSession, last_call

PASSED, FAILED, SKIPPED, DONE, REFUSED, DECLINED, CANCELLED = (
    "passed", "failed", "skipped", "done", "refused", "declined", "cancelled")
COMPLETED, ABANDONED = "completed", "abandoned"  # run results, with FAILED and REFUSED
DEFAULT_WAIT = 600.0  # seconds a wait may take when the step gives no timeout
DEFAULT_POLL = 10.0  # seconds between polls of a polled wait
TICK = 0.2  # how often a sleeping wait looks for a cancel
MAX_STEPS = 200  # steps one run may execute: a goto loop ends instead of spinning


class Refused(Exception):
    """A step that must not run here (read-only, nobody to confirm it): the message is a sentence."""


class RunbookUI:
    """What a run needs from whoever is watching it. The defaults suit an unattended run: no
    action and no confirm is approved, and a choice takes its default."""

    def confirm_action(self, step: Step, python: str, cli: str) -> bool:
        raise Refused(f"Refused {step.call} (step {step.id}): nobody is here to confirm it.")

    def confirm(self, step: Step, text: str) -> bool:
        raise Refused(f"Refused step {step.id}: nobody is here to answer {text!r}.")

    def type_account(self, step: Step, aws: AwsSession) -> str:
        """A production account's alias or id, typed by a human (the session refuses otherwise)."""
        raise Refused(f"Refused {step.call} (step {step.id}): the account is production and nobody is here to "
                      "type it.")

    def ask(self, step: Step, options: list[str], default: str | None = None) -> str:
        return default if default in options else options[0]

    def progress(self, step: Step, text: str) -> None:
        """A wait's progress (attempt, elapsed time)."""

    def cancelled(self) -> bool:
        return False

    def show(self, step: Step, text: str) -> None:
        """Text for the human: a note, a show step's output."""

    def calling(self, step: Step, python: str, cli: str, *, sent: bool) -> None:
        """Every call the run makes (sent) or, in a dry run, would make (not sent)."""

    def finished(self, record: StepRecord) -> None:
        """A step's outcome, as soon as it is known."""


@dataclass
class StepRecord:
    step: Step
    outcome: str
    seconds: float
    text: str = ""  # the pass/fail line, the refusal sentence, what was shown

    def as_json(self) -> dict[str, Any]:
        return {"id": self.step.id, "kind": self.step.kind, "outcome": self.outcome,
                "seconds": round(self.seconds, 3)}


class InputError(ValueError):
    """An input that is missing or not of its type: the message is a sentence."""


def convert(spec: Input, raw: Any) -> Any:
    if spec.type == "int":
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        text = str(raw).strip()
        if not re.fullmatch(r"-?\d+", text):
            raise InputError(f"Input {spec.name} must be a whole number, not {text!r}.")
        return int(text)
    if spec.type == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text not in ("true", "yes", "1", "false", "no", "0"):
            raise InputError(f"Input {spec.name} must be true or false, not {raw!r}.")
        return text in ("true", "yes", "1")
    text = as_text(raw) if not isinstance(raw, str) else raw
    if spec.type == "choice" and text not in spec.choices:
        raise InputError(f"Input {spec.name} must be one of {', '.join(spec.choices)}, not {text!r}.")
    if spec.pattern and not re.fullmatch(spec.pattern, text):
        raise InputError(f"Input {spec.name} {text!r} does not match {spec.pattern}.")
    return text


def input_defaults(runbook: Runbook, row: Mapping[str, Any]) -> dict[str, Any]:
    """Each input's default, rendered over the row (what a form shows before the user types)."""
    return {i.name: render(i.default, {"row": dict(row)}) for i in runbook.inputs}


def resolve_inputs(runbook: Runbook, row: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    known = {i.name for i in runbook.inputs}
    unknown = sorted(set(given) - known)
    if unknown:
        raise InputError(f"{runbook.name} has no input {unknown[0]!r} (inputs: {', '.join(sorted(known)) or 'none'}).")
    defaults = input_defaults(runbook, row)
    values: dict[str, Any] = {}
    for spec in runbook.inputs:
        raw = given.get(spec.name, defaults[spec.name])
        if raw is None or raw == "":
            if spec.required:
                raise InputError(f"Input {spec.name} is required" + (f" ({spec.description})." if spec.description
                                                                    else "."))
            values[spec.name] = None if spec.type != "string" else ""
            continue
        values[spec.name] = convert(spec, raw)
    return values


def formatted(value: Any) -> str:
    """A selection as lines: one per list item, a mapping as `key: value` pairs."""
    if value is None or value in ([], {}):
        return "(nothing)"
    if isinstance(value, list):
        return "\n".join(formatted(item) for item in value)
    if isinstance(value, dict):
        return " · ".join(f"{k}: {as_text(v)}" for k, v in value.items())
    return as_text(value)


def without_metadata(response: Any) -> Any:
    if isinstance(response, dict):
        return {k: v for k, v in response.items() if k != "ResponseMetadata"}
    return response


def step_references(step: Step) -> set[str]:
    """The ids of the earlier steps whose results this step reads."""
    texts = list(expressions([step.params, step.text, step.for_each, step.default,
                              step.condition.expected if step.condition else None,
                              *((step.log.group, step.log.stream_prefix, step.log.filter) if step.log else ())]))
    texts += [t for t in (step.when, *(o.when for o in step.options)) if t]
    if step.condition is not None and not step.call:
        texts.append(step.condition.select)
    return {chain[1] for text in texts for chain in references(text) if chain[0] == "steps" and len(chain) > 1}


class StepFailed(Exception):
    """A step that could not do its work; the message is a sentence."""


class RunbookRun:
    """One run of a runbook on one row: `step()` runs the next step, `run()` all of them,
    `abandon()` stops it; `records` holds each step's outcome, `result` the run's once finished."""

    def __init__(self, aws: AwsSession, runbook: Runbook, row: Mapping[str, Any], ui: RunbookUI | None = None,
                 inputs: Mapping[str, Any] | None = None, *, dry_run: bool = False, target: str = "") -> None:
        if runbook.dangerous and aws.read_only:
            raise Refused(f"Refused runbook {runbook.name}: it is marked dangerous and watchkeeper is running "
                          "with --read-only.")
        self.aws, self.runbook, self.ui, self.dry_run = aws, runbook, ui or RunbookUI(), dry_run
        self.row = dict(row)
        self.target = target or str(self.row.get("key") or self.row.get("arn") or self.row.get("name") or "")
        self.inputs = resolve_inputs(runbook, self.row, inputs or {})
        self.context: dict[str, Any] = {"row": self.row, "inputs": self.inputs, "steps": {}}
        self.position: int | None = 0
        self.records: list[StepRecord] = []
        self.result: str | None = None
        self._jump: str | None = None
        self._unsent: set[str] = set()  # dry run: steps not sent, and the steps that read their results

    # -- progress through the steps ------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.result is not None

    @property
    def current(self) -> Step | None:
        """The step `step()` would run next."""
        if self.finished or self.position is None:
            return None
        return self.runbook.steps[self.position]

    def run(self) -> str:
        while not self.finished:
            self.step()
        return self.result or ""

    def step(self) -> StepRecord | None:
        step = self.current
        if step is None:
            return None
        if len(self.records) >= MAX_STEPS:
            self._finish(FAILED)
            return None
        if self.ui.cancelled():
            self.abandon()
            return None
        started = time.monotonic()
        self._jump = None
        follow_next = True
        try:
            depends = self.dry_run and step_references(step) & self._unsent
            if depends:
                self._unsent.add(step.id)
                outcome, text = SKIPPED, f"dry run: reads the result of {', '.join(sorted(depends))}, not sent"
            elif step.when and not truthy(search(step.when, self.context)):
                outcome, text, follow_next = SKIPPED, f"skipped: {step.when} is false", False
            else:
                outcome, text = self._execute(step)
        except Refused as exc:
            outcome, text = REFUSED, str(exc)
        except (ReadOnlyRefused, AuditUnavailable) as exc:  # the session's own guards
            outcome, text = REFUSED, str(exc)
        except StepFailed as exc:
            outcome, text = FAILED, str(exc)
        except (ClientError, BotoCoreError) as exc:
            call = (step.service, step.operation) if step.operation else last_call()
            outcome, text = FAILED, failure_of(exc, f"step {step.id}", call=call).sentence()
        except (JMESPathError, TypeError, ValueError) as exc:
            outcome, text = FAILED, f"Step {step.id} could not be prepared: {exc}."
        record = StepRecord(step, outcome, time.monotonic() - started, text)
        self.records.append(record)
        self.ui.finished(record)
        self._advance(step, outcome, follow_next)
        return record

    def abandon(self, reason: str = "abandoned by the operator") -> None:
        """Stop here: the current step and the rest are not run."""
        if not self.finished:
            self._finish(ABANDONED, reason)

    def _advance(self, step: Step, outcome: str, follow_next: bool) -> None:
        if outcome == CANCELLED:
            self._finish(ABANDONED, "cancelled")
            return
        target: str | None
        if outcome in (PASSED, DONE, SKIPPED):
            target = self._jump or (step.next if follow_next else None)
        elif step.on_failure == "continue":
            target = None
        elif step.on_failure.startswith("goto:"):
            target = step.on_failure.removeprefix("goto:")
        else:
            self._finish({REFUSED: REFUSED, DECLINED: ABANDONED}.get(outcome, FAILED))
            return
        if target == END:
            self._finish(COMPLETED)
            return
        index = self.runbook.index(target) if target else (self.position or 0) + 1
        if index >= len(self.runbook.steps):
            self._finish(COMPLETED)
        else:
            self.position = index

    def summary(self) -> list[dict[str, Any]]:
        """Every step's outcome in the order run; steps never reached are listed as skipped."""
        ran = [r.as_json() for r in self.records]
        reached = {r.step.id for r in self.records}
        return ran + [{"id": s.id, "kind": s.kind, "outcome": SKIPPED, "seconds": 0}
                      for s in self.runbook.steps if s.id not in reached]

    def _finish(self, result: str, reason: str = "") -> None:
        self.result = result
        self.position = None
        if self.aws.audit is not None:
            entry = {"event": "runbook", "name": self.runbook.name, "target": self.target,
                     "steps": self.summary(), "result": result}
            if self.dry_run:
                entry["dry_run"] = True
            if reason:
                entry["reason"] = reason
            try:
                self.aws.audit.append(entry)
            except OSError as exc:  # the calls themselves were audited; say that the summary is missing
                self.ui.show(self.runbook.steps[-1], f"The run's audit record could not be written: {exc}.")

    # -- the kinds of step ---------------------------------------------------------------------
    def _execute(self, step: Step) -> tuple[str, str]:
        handler = getattr(self, f"_{step.kind}")
        return handler(step)  # type: ignore[no-any-return]

    def _note(self, step: Step) -> tuple[str, str]:
        text = as_text(render(step.text, self.context))
        self.ui.show(step, text)
        self.context["steps"][step.id] = text
        return DONE, text

    def _show(self, step: Step) -> tuple[str, str]:
        if step.log is not None:
            text = self._log_tail(step)
        elif step.call:
            response = self._read(step)
            text = formatted(search(step.select, response) if step.select else response)
            self.context["steps"][step.id] = response
        else:
            text = as_text(render(step.text, self.context))
            self.context["steps"][step.id] = text
        self.ui.show(step, text)
        return DONE, text

    def _check(self, step: Step) -> tuple[str, str]:
        condition = step.condition
        assert condition is not None  # the loader requires one
        if step.call:
            response = self._read(step)
            value = search(condition.select, response)
            self.context["steps"][step.id] = response
        else:
            value = search(condition.select, self.context)
            self.context["steps"][step.id] = value
        expected = render(condition.expected, self.context)
        ok = compare(condition.comparison, value, expected)
        line = f"{'✓' if ok else '✗'} {step.label}: {condition.describe(expected)} (found {as_text(value)})"
        return (PASSED if ok else FAILED), line

    def _action(self, step: Step) -> tuple[str, str]:
        if step.for_each is None:
            outcome, text, response = self._act(step, self.context)
            self.context["steps"][step.id] = response
            return outcome, text
        items = render(step.for_each, self.context)
        if not isinstance(items, list):
            raise StepFailed(f"Step {step.id}: for_each {step.for_each!r} is not a list (found {as_text(items)}).")
        responses, lines = [], []
        for item in items:  # each item's call is shown and confirmed on its own
            outcome, text, response = self._act(step, {**self.context, "item": item})
            lines.append(text)
            if outcome not in (DONE, SKIPPED):
                self.context["steps"][step.id] = responses
                return outcome, "; ".join(lines)
            responses.append(response)
        self.context["steps"][step.id] = responses
        return (SKIPPED if self.dry_run else DONE), "; ".join(lines) or "nothing to do: the list is empty"

    def _act(self, step: Step, context: dict[str, Any]) -> tuple[str, str, Any]:
        """One mutating call: (outcome, text, response)."""
        params = self._params(step, context, allow_missing=self.dry_run)
        python, cli = self._describe(step, params)
        if self.dry_run:
            self.ui.calling(step, python, cli, sent=False)
            self._unsent.add(step.id)
            return SKIPPED, f"dry run: not sent: {python}", None
        if self.aws.read_only:
            raise Refused(f"Refused {iam_action(step.service, step.operation)} (step {step.id}): watchkeeper is "
                          "running with --read-only.")
        if not self.ui.confirm_action(step, python, cli):
            return DECLINED, f"{step.call} not confirmed: nothing was sent.", None
        typed = self.ui.type_account(step, self.aws) if self.aws.production else ""
        self.ui.calling(step, python, cli, sent=True)
        with self.aws.intent(runbook=self.runbook.name, step=step.id, target=self.target, typed_account=typed):
            response = getattr(self.aws.client(step.service), xform_name(step.operation))(**params)
        return DONE, f"sent {python}", without_metadata(response)

    def _choice(self, step: Step) -> tuple[str, str]:
        offered = [o for o in step.options if not o.when or truthy(search(o.when, self.context))]
        labels = [o.label for o in offered]
        if not labels:
            raise StepFailed(f"Step {step.id}: none of its options applies here.")
        default = render(step.default, self.context) if step.default else None
        answer = self.ui.ask(step, labels, as_text(default) if default is not None else None)
        chosen = next((o for o in offered if o.label == answer), None)
        if chosen is None:
            raise StepFailed(f"{answer!r} is not an option of step {step.id} here (options: {', '.join(labels)}).")
        self.context["steps"][step.id] = answer
        self._jump = chosen.goto
        return DONE, f"chose {answer}"

    def _confirm(self, step: Step) -> tuple[str, str]:
        text = as_text(render(step.text, self.context))
        if self.dry_run:  # nothing is sent either way: show the whole path
            self.context["steps"][step.id] = True
            return DONE, f"dry run: assumed yes to {text!r}"
        yes = self.ui.confirm(step, text)
        self.context["steps"][step.id] = yes
        return (DONE, f"yes: {text}") if yes else (DECLINED, f"no: {text}")

    def _wait(self, step: Step) -> tuple[str, str]:
        timeout = step.timeout or DEFAULT_WAIT
        if step.waiter:
            params = self._params(step, self.context, allow_missing=self.dry_run)
            what = f"{step.waiter}({', '.join(f'{k}={v!r}' for k, v in params.items())})"
        else:
            what = f"{step.call} until {step.condition.describe(None) if step.condition else '?'}"
        if self.dry_run:
            self._unsent.add(step.id)
            return SKIPPED, f"dry run: would wait up to {timeout:.0f} s for {what}"
        started = time.monotonic()
        if step.waiter:
            return self._waiter(step, params, started, timeout)
        return self._poll(step, started, timeout)

    def _waiter(self, step: Step, params: dict[str, Any], started: float, timeout: float) -> tuple[str, str]:
        service, _, name = step.waiter.partition(":")
        waiter = self.aws.client(service).get_waiter(name)
        operation = waiter.config.operation
        polled = (python_call(service, xform_name(operation), params),
                  cli_command(service, xform_name(operation), params, region=self.aws.region,
                              profile=self.aws.profile, endpoint_url=self.aws.endpoint or None))
        delay = step.interval or waiter.config.delay
        attempt = 0
        while True:
            attempt += 1
            if self.ui.cancelled():
                return CANCELLED, f"cancelled after {attempt - 1} attempts"
            self.ui.progress(step, f"{step.label}: attempt {attempt}, {time.monotonic() - started:.0f} s "
                             f"of {timeout:.0f} s")
            self.ui.calling(step, *polled, sent=True)
            try:
                waiter.wait(**params, WaiterConfig={"Delay": 0, "MaxAttempts": 1})
                self.context["steps"][step.id] = True
                return DONE, f"{step.waiter} reached after {attempt} attempt{'s' if attempt > 1 else ''}"
            except WaiterError as exc:
                if "Max attempts exceeded" not in str(exc):  # a failure state: it will not succeed
                    raise StepFailed(f"Step {step.id}: {step.waiter} cannot succeed: {exc}.") from None
            if not self._sleep(delay, started, timeout):
                return self._stopped(step, started, timeout)

    def _poll(self, step: Step, started: float, timeout: float) -> tuple[str, str]:
        condition = step.condition
        assert condition is not None
        delay = step.interval or DEFAULT_POLL
        attempt = 0
        while True:
            attempt += 1
            if self.ui.cancelled():
                return CANCELLED, f"cancelled after {attempt - 1} polls"
            response = self._read(step)
            value = search(condition.select, response)
            expected = render(condition.expected, self.context)
            self.context["steps"][step.id] = response
            if compare(condition.comparison, value, expected):
                return DONE, f"{step.label}: {condition.describe(expected)} (found {as_text(value)})"
            self.ui.progress(step, f"{step.label}: {condition.select} is {as_text(value)}, "
                             f"{time.monotonic() - started:.0f} s of {timeout:.0f} s")
            if not self._sleep(delay, started, timeout):
                return self._stopped(step, started, timeout)

    def _stopped(self, step: Step, started: float, timeout: float) -> tuple[str, str]:
        if self.ui.cancelled():
            return CANCELLED, "cancelled"
        raise StepFailed(f"Step {step.id} timed out after {time.monotonic() - started:.0f} s "
                         f"(its timeout is {timeout:.0f} s).")

    def _sleep(self, delay: float, started: float, timeout: float) -> bool:
        """Sleep `delay` (less near the deadline); False when cancelled or out of time."""
        deadline = min(time.monotonic() + delay, started + timeout)
        while time.monotonic() < deadline:
            if self.ui.cancelled():
                return False
            time.sleep(min(TICK, max(0.0, deadline - time.monotonic())))
        return time.monotonic() < started + timeout and not self.ui.cancelled()

    # -- calls ---------------------------------------------------------------------------------
    def _params(self, step: Step, context: dict[str, Any], *, allow_missing: bool = False) -> dict[str, Any]:
        params = render(step.params, context)
        missing = [name for name, value in params.items() if value is None]
        if missing and not allow_missing:
            raise StepFailed(f"Step {step.id}: parameter {missing[0]} has no value "
                             f"({step.params[missing[0]]!r} found nothing).")
        return params  # type: ignore[no-any-return]

    def _describe(self, step: Step, params: dict[str, Any]) -> tuple[str, str]:
        method = xform_name(step.operation)
        return (python_call(step.service, method, params),
                cli_command(step.service, method, params, region=self.aws.region, profile=self.aws.profile,
                            endpoint_url=self.aws.endpoint or None))

    def _read(self, step: Step) -> Any:
        """The step's read call (once per item with for_each); never a mutation."""
        declared = find(step.service, step.operation)
        if declared is None or declared.mutates:  # the loader refuses these; never send one from a read step
            raise Refused(f"Refused {step.call} (step {step.id}): not declared as a read.")
        method = getattr(self.aws.client(step.service), xform_name(step.operation))
        if step.for_each is None:
            params = self._params(step, self.context)
            self.ui.calling(step, *self._describe(step, params), sent=True)
            return without_metadata(method(**params))
        items = render(step.for_each, self.context)
        if not isinstance(items, list):
            raise StepFailed(f"Step {step.id}: for_each {step.for_each!r} is not a list (found {as_text(items)}).")
        responses = []
        for item in items:
            params = self._params(step, {**self.context, "item": item})
            self.ui.calling(step, *self._describe(step, params), sent=True)
            responses.append(without_metadata(method(**params)))
        return responses

    def _log_tail(self, step: Step) -> str:
        from tui.log_stream import LogFollower, parse_since

        tail = step.log
        assert tail is not None
        group = as_text(render(tail.group, self.context))
        prefix = as_text(render(tail.stream_prefix, self.context)) if tail.stream_prefix else ""
        pattern = as_text(render(tail.filter, self.context)) if tail.filter else ""
        follower = LogFollower(self.aws, group, prefix=prefix, pattern=pattern, start=parse_since(tail.since))
        self.ui.calling(step, python_call("logs", "filter_log_events", follower.request()),
                        cli_command("logs", "filter_log_events", follower.request(), region=self.aws.region,
                                    profile=self.aws.profile, endpoint_url=self.aws.endpoint or None), sent=True)
        lines = follower.poll()[-tail.lines:]
        self.context["steps"][step.id] = [line.message for line in lines]
        if not lines:
            return f"(no events in {group} since {tail.since})"
        return "\n".join(f"{line.time()} {line.stream.rsplit('/', 1)[-1][:12]} {line.message}" for line in lines)
