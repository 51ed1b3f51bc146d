"""Step Functions: state machines with recent failure counts -> executions with error and cause."""

from __future__ import annotations

import json
import reprlib
from datetime import timedelta
from typing import Any

from rich.text import Text

from panels.model import (
    Check,
    LogTarget,
    Memo,
    Panel,
    Problem,
    Row,
    Severity,
    Source,
    age,
    duration,
    newest_first,
    now,
    paginate,
    tolerate,
    utc,
    when,
)
from tui.safe_text import JsonTooComplex, load_json
from tui.session import AwsSession

WINDOW_HOURS = 24
WINDOW = timedelta(hours=WINDOW_HOURS)
BAD = ("FAILED", "TIMED_OUT", "ABORTED")
RECENT_EXECUTIONS = 50
PRETTY_LIMIT = 100_000  # larger texts are not parsed (Step Functions allows 256 KB payloads)
RAW_LIMIT = 4_000  # what is shown of a text that is not pretty-printed
SHOWN_LIMIT = 200_000  # what is shown of a pretty-printed one
REASON_LIMIT = 500  # of a cause, in a problem's reason
PRETTY_DEPTH = 200  # deeper documents are shown raw (json recurses once per level)
TOO_DEEP = "not pretty-printed: too deep or too large"


def cut(text: str, limit: int = RAW_LIMIT, why: str = "") -> str:
    """`text`, or its first `limit` characters and how many more there were."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [+{len(text) - limit:,} chars{', ' + why if why else ''}]"


def pretty(text: str | None) -> str:
    """Causes and inputs are often JSON: indent them; anything else is shown as it came, cut.
    Never raises: a 10,000-deep or a 256 KB document is shown raw and cut, not parsed."""
    if not text:
        return "-"
    text = str(text)
    try:
        return cut(json.dumps(load_json(text, limit=PRETTY_LIMIT, depth=PRETTY_DEPTH), indent=2), SHOWN_LIMIT)
    except JsonTooComplex:
        return cut(text, why=TOO_DEEP)
    except ValueError:
        return cut(text, why="not JSON")


def pretty_value(value: Any) -> str:
    """A parsed structure (an event's details) as indented JSON; a bounded repr if it cannot be."""
    try:
        return pretty(json.dumps(value, default=str))
    except (RecursionError, ValueError, TypeError):
        return reprlib.repr(value)


def state_names(definition: str) -> list[str]:
    """The states of an Amazon States Language definition, in order; empty if it cannot be read."""
    try:
        parsed = json.loads(definition) if definition else {}  # at most 1 MB (a service limit)
    except (RecursionError, ValueError):
        return []
    states = parsed.get("States") if isinstance(parsed, dict) else None
    return [str(name) for name in states] if isinstance(states, dict) else []


HISTORY_PAGE = 1000  # GetExecutionHistory's largest page: the newest 1,000 events, read backwards
FAILURE_EVENTS = ("ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted")


def history(aws: AwsSession, execution_arn: str, limit: int = HISTORY_PAGE) -> tuple[list[dict[str, Any]], bool]:
    """The newest `limit` events, oldest first, and whether older ones were left unread: a
    25,000-event history costs one call, not 25."""
    page = aws.client("stepfunctions").get_execution_history(executionArn=execution_arn, reverseOrder=True,
                                                             maxResults=limit)
    events = sorted(page.get("events", []), key=lambda e: e.get("id") or 0)
    return events, bool(page.get("nextToken"))


def state_name(event: dict[str, Any]) -> str:
    for key in ("stateEnteredEventDetails", "stateExitedEventDetails"):
        details = event.get(key)
        if isinstance(details, dict):
            return str(details.get("name", ""))
    return ""


def failure(events: list[dict[str, Any]]) -> tuple[str, bool, str, str]:
    """(state that failed, whether it was a Fail state, error, cause) from a history."""
    entered = [e for e in events if str(e.get("type", "")).endswith("StateEntered")]
    last = entered[-1] if entered else {}
    details = next((v for e in reversed(events) for k, v in e.items() if isinstance(v, dict)
                    and (k.endswith("FailedEventDetails") or k.endswith("TimedOutEventDetails"))), {})
    return (state_name(last), last.get("type") == "FailStateEntered", str(details.get("error") or ""),
            str(details.get("cause") or ""))


def event_summary(event: dict[str, Any]) -> str:
    details = next((v for k, v in event.items() if k.endswith("EventDetails") and isinstance(v, dict)), {})
    if "error" in details or "cause" in details:
        found = f"{details.get('error') or ''} {details.get('cause') or ''}".strip()
    else:
        found = str(details.get("resource") or details.get("output") or details.get("input") or "")
    return cut(found, RAW_LIMIT)


LONG_RUNNING_FACTOR = 3  # a run this many times longer than the usual one is worth a look
LONG_RUNNING_FLOOR = timedelta(minutes=5)


def long_running(machine: dict[str, Any], executions: list[dict[str, Any]]) -> list[Problem]:
    """RUNNING executions far longer than the machine's usual (median) successful run."""
    took = sorted(stop - start for e in executions if e.get("status") == "SUCCEEDED"
                  and (start := utc(e.get("startDate"))) is not None
                  and (stop := utc(e.get("stopDate"))) is not None)
    if len(took) < 2:
        return []
    usual = took[len(took) // 2]
    limit = max(usual * LONG_RUNNING_FACTOR, LONG_RUNNING_FLOOR)
    problems = []
    for e in executions:
        started = utc(e.get("startDate"))
        if e.get("status") != "RUNNING" or started is None or now() - started <= limit:
            continue
        arn = e.get("executionArn", "")
        problems.append(Problem(
            panel="stepfunctions", service="Step Functions",
            resource=f"{machine_name(machine)}/{execution_name(e)}",
            status="LONG RUNNING", reason=f"running for {age(started)}; it usually takes {age(now() - usual)}",
            severity=Severity.MEDIUM, since=started,
            path=(machine.get("stateMachineArn", ""), arn), arn=arn,
        ))
    return problems


def machine_name(machine: dict[str, Any]) -> str:
    return str(machine.get("name") or machine.get("stateMachineArn", "?").rsplit(":", 1)[-1])


def execution_name(execution: dict[str, Any]) -> str:
    return str(execution.get("name") or execution.get("executionArn", "?").rsplit(":", 1)[-1])


def keeps_executions(machine: dict[str, Any]) -> bool:
    """Express machines keep no executions: ListExecutions refuses them (StateMachineTypeNotSupported)."""
    return machine.get("type") != "EXPRESS"


def triggers(aws: AwsSession, machine_arn: str) -> list[tuple[str, str]]:
    """EventBridge rules that target the machine, with their state: is the automation armed?"""
    events = aws.client("events")
    found = []
    for name in paginate(events, "list_rule_names_by_target", "RuleNames", TargetArn=machine_arn):
        rule = events.describe_rule(Name=name)
        found.append((f"trigger {name}", f"{rule.get('State', '?')} "
                                         f"{rule.get('ScheduleExpression') or rule.get('EventPattern') or ''}"))
    return found


def recent(
    aws: AwsSession, machine_arn: str, status: str | None = None, limit: int = RECENT_EXECUTIONS
) -> list[dict[str, Any]]:
    """Newest executions first (the API's order), stopping at `limit`."""
    sfn = aws.client("stepfunctions")
    kwargs: dict[str, Any] = {"stateMachineArn": machine_arn}
    if status:
        kwargs["statusFilter"] = status
    return list(paginate(sfn, "list_executions", "executions", **kwargs,
                         PaginationConfig={"MaxItems": limit, "PageSize": min(limit, 100)}))


def in_window(execution: dict[str, Any]) -> bool:
    """Running, or stopped within WINDOW (an execution without a stop time counts as recent)."""
    stopped = utc(execution.get("stopDate"))
    return stopped is None or stopped >= now() - WINDOW


# -- checks --------------------------------------------------------------------------------------
def machines(aws: AwsSession, memo: Memo) -> list[dict[str, Any]]:
    return memo.get("stepfunctions.machines",
                    lambda: list(paginate(aws.client("stepfunctions"), "list_state_machines", "stateMachines")))


def failed_execution(aws: AwsSession, machine: dict[str, Any], execution: dict[str, Any], status: str,
                     explain: bool = True) -> Problem:
    """The failed execution, its error and cause (DescribeExecution) and the state it failed in
    (its history): both only sharpen the reason, so the execution is reported without them.
    Only the newest failure of a machine is explained (`explain`): two calls, not two per failure."""
    arn, name = execution.get("executionArn", ""), f"{machine_name(machine)}/{execution_name(execution)}"
    found = tolerate(aws, f"error and cause of {name}", lambda: aws.client("stepfunctions")
                     .describe_execution(executionArn=arn), {}) if explain else {}
    events = tolerate(aws, f"failed state of {name}", lambda: history(aws, arn, limit=25)[0], []) if explain else []
    state, fail_state, error, cause = failure(events)
    reason = " ".join(cut(str(x), REASON_LIMIT) for x in (found.get("error") or error, found.get("cause") or cause)
                      if x) or status.lower().replace("_", " ")
    if fail_state:
        reason = f"reached Fail state {state}: {reason}"
    elif state:
        reason = f"in state {state}: {reason}"
    return Problem(
        panel="stepfunctions", service="Step Functions", resource=name, status=status,
        reason=reason, severity=Severity.HIGH, since=utc(execution.get("stopDate")),
        path=(machine.get("stateMachineArn", ""), arn), arn=arn,
    )


FAILED_PER_STATUS = 10  # newest failures listed per machine and status: one page, whatever the history holds
USUAL_SAMPLE = 20  # successful runs the usual duration is the median of


def check_failed(aws: AwsSession, memo: Memo) -> list[Problem]:
    """The server filters by status (statusFilter), so the cost is one page per machine and bad
    status, however many executions succeeded; only the newest failure is described."""
    problems = []
    for machine in machines(aws, memo):
        if not keeps_executions(machine):
            continue
        arn = machine["stateMachineArn"]
        failures: list[tuple[dict[str, Any], str]] = []
        for status in BAD:
            found = tolerate(aws, f"{status.lower()} executions of {machine.get('name', arn)}",
                             lambda arn=arn, status=status: recent(aws, arn, status, limit=FAILED_PER_STATUS), [])
            failures += [(e, status) for e in found if in_window(e)]
        failures = newest_first(failures, lambda item: utc(item[0].get("stopDate")) or utc(item[0].get("startDate")))
        problems += [failed_execution(aws, machine, e, status, explain=index == 0)
                     for index, (e, status) in enumerate(failures)]
    return problems


def check_long_running(aws: AwsSession, memo: Memo) -> list[Problem]:
    """RUNNING executions only (statusFilter); the usual duration is read only for a machine with
    one running longer than the floor, from its newest successful runs."""
    problems = []
    for machine in machines(aws, memo):
        if not keeps_executions(machine):
            continue
        arn = machine["stateMachineArn"]
        name = machine.get("name", arn)
        running = tolerate(aws, f"running executions of {name}",
                           lambda arn=arn: recent(aws, arn, "RUNNING", 100), [])
        if not any((started := utc(e.get("startDate"))) is not None and now() - started > LONG_RUNNING_FLOOR
                   for e in running):
            continue
        succeeded = tolerate(aws, f"usual duration of {name}",
                             lambda arn=arn: recent(aws, arn, "SUCCEEDED", USUAL_SAMPLE), [])
        problems += long_running(machine, running + succeeded)
    return problems


class StepFunctionsPanel(Panel):
    id, key, title, service, kind = "stepfunctions", "3", "Step Functions", "Step Functions", "sfn.machine"
    columns = ("State machine", "Type", "Running", "Failed", "Timed out", "Aborted")

    def rows(self, aws: AwsSession) -> list[Row]:
        sfn = aws.client("stepfunctions")
        rows = []
        for machine in paginate(sfn, "list_state_machines", "stateMachines"):
            arn, name = machine["stateMachineArn"], machine_name(machine)
            express = not keeps_executions(machine)
            executions = None if express else tolerate(aws, f"execution counts of {name}",
                                                       lambda arn=arn: recent(aws, arn), None)
            counts: dict[str, Any] = {s: "-" if express else "?" for s in ("RUNNING", *BAD)}
            if executions is not None:
                counts = {s: sum(1 for e in executions if e.get("status") == s and (s == "RUNNING" or in_window(e)))
                          for s in ("RUNNING", *BAD)}
            failing = executions is not None and any(counts[s] for s in BAD)
            armed = tolerate(aws, f"triggers of {name}", lambda arn=arn: triggers(aws, arn), None)
            rows.append(Row(
                key=arn, name=name, status="FAILED" if failing else ("" if executions is None and not express
                                                                      else "OK"),
                cells=(name, machine.get("type", "-"), counts["RUNNING"], counts["FAILED"],
                       counts["TIMED_OUT"], counts["ABORTED"]),
                detail=(("ARN", arn), ("Type", machine.get("type", "-")),
                        *(armed or [("Triggers", "?" if armed is None else
                                     "no EventBridge rule targets this machine")]),
                        *((("History", "express: executions are not kept by Step Functions; their history "
                                       "is in CloudWatch Logs (l opens the log group)"),)
                          if express else ()),
                        ("Created", when(machine.get("creationDate"))),
                        ("Window", f"failure counts cover the last {WINDOW_HOURS} h of the newest "
                                   f"{RECENT_EXECUTIONS} executions")),
                data={"machine": arn},
            ))
        return rows

    def drill(self, row: Row) -> Source:
        return Executions(row.data["machine"], row.name)

    def log_target(self, row: Row, aws: AwsSession) -> LogTarget | None:
        """The machine's CloudWatch Logs group (where an express machine's history lives)."""
        found = aws.client("stepfunctions").describe_state_machine(stateMachineArn=row.key)
        for destination in (found.get("loggingConfiguration") or {}).get("destinations", []):
            arn = (destination.get("cloudWatchLogsLogGroup") or {}).get("logGroupArn", "")
            if ":log-group:" in arn:
                return LogTarget(arn.split(":log-group:", 1)[1].removesuffix(":*"), "")
        return None

    def checks(self) -> tuple[Check, ...]:
        # failed first: its problems are the ones an engineer opens first
        return (
            Check("stepfunctions.failed", "Failed, timed out and aborted Step Functions executions", check_failed),
            Check("stepfunctions.long-running", "Step Functions executions running far longer than usual",
                  check_long_running),
        )


class Executions(Source):
    title, kind = "executions", "sfn.execution"
    columns = ("Execution", "Status", "Started", "Duration", "Error")

    def __init__(self, machine: str, machine_name: str) -> None:
        self.machine, self.machine_name = machine, machine_name
        self.stopped: dict[str, dict[str, Any]] = {}  # DescribeExecution answers of stopped executions, by ARN

    @property
    def label(self) -> str:
        return f"{self.machine_name} › executions"

    def rows(self, aws: AwsSession) -> list[Row]:
        sfn = aws.client("stepfunctions")
        rows = []
        described: dict[str, dict[str, Any]] = {}
        for e in recent(aws, self.machine):
            arn, name, status = e.get("executionArn", ""), execution_name(e), e.get("status", "?")
            # Failed and succeeded ones need the describe call: it carries error, cause and output.
            # One that cannot be described is still listed, with "?" where those would be. A stopped
            # execution never changes: described once per visit, not on every refresh.
            found = e if status == "RUNNING" else self.stopped.get(arn) or tolerate(
                aws, f"error and cause of {name}", lambda arn=arn: sfn.describe_execution(executionArn=arn), None)
            if found is not None and status != "RUNNING" and arn:
                described[arn] = found
            known = found is not None
            found = found or {}
            unknown = "-" if known else "?"
            rows.append(Row(
                key=arn or name, name=name, status=status,
                cells=(name, status, when(e.get("startDate")),
                       duration(utc(e.get("startDate")), utc(e.get("stopDate"))),
                       found.get("error", "") if known else "?"),
                detail=(("ARN", arn), ("Error", found.get("error") or unknown),
                        ("Cause", pretty(found.get("cause")) if known else "?"),
                        ("Input", pretty(found.get("input")) if known else "?"),
                        ("Output", pretty(found.get("output")) if known else "?")),
                data={"execution": arn, "machine": self.machine,
                      "running": status == "RUNNING", "input": found.get("input")},
            ))
        self.stopped = described  # only the ones still listed
        return rows

    def summary(self, rows: list[Row]) -> Text | None:
        """A full list says so: a filter finding nothing here may still match an older execution."""
        if len(rows) < RECENT_EXECUTIONS:
            return None
        return Text(f"the newest {RECENT_EXECUTIONS} executions (older ones: the console or "
                    "aws stepfunctions list-executions)", style="dim")

    def drill(self, row: Row) -> Source:
        return ExecutionHistory(row.data["execution"], row.name)


class ExecutionHistory(Source):
    """One execution's events as a timeline, the failed state marked in the machine's states."""

    title, kind = "history", "sfn.event"
    keeps_order = True  # events in time
    columns = ("#", "At", "+s", "Event", "State", "Detail")

    def __init__(self, execution: str, name: str) -> None:
        self.execution, self.name = execution, name
        self.states: list[str] = []
        self.failed_state = ""
        self.truncated = False

    @property
    def label(self) -> str:
        return f"{self.name} › history"

    def rows(self, aws: AwsSession) -> list[Row]:
        events, self.truncated = history(aws, self.execution)
        # The machine's states only mark where the execution failed: the timeline stands without them.
        definition = tolerate(aws, f"state names of {self.name}", lambda: aws.client("stepfunctions")
                              .describe_state_machine_for_execution(executionArn=self.execution)
                              .get("definition", ""), "")
        self.states = state_names(definition)
        failed_run = any(e.get("type") in FAILURE_EVENTS for e in events)
        self.failed_state = failure(events)[0] if failed_run else ""
        start = utc(events[0].get("timestamp")) if events else None
        rows = []
        current = ""
        for index, e in enumerate(events):
            current = state_name(e) or current
            kind = str(e.get("type", "?"))
            number = e.get("id", index)
            failed = kind.endswith(("Failed", "TimedOut", "Aborted"))
            at = utc(e.get("timestamp"))
            details = {k: v for k, v in e.items() if k.endswith("EventDetails")}
            rows.append(Row(
                key=f"{self.execution}#{number}", name=kind, status="FAILED" if failed else "",
                cells=(number, when(at), f"{(at - start).total_seconds():.1f}" if at and start else "-",
                       kind, current, event_summary(e)),
                detail=(("Event", f"{number} {kind} (after {e.get('previousEventId', '-')})"),
                        *((k, pretty_value(v)) for k, v in details.items())),
                data={"execution": self.execution, "raw": e},  # `y`: the event as AWS returned it
            ))
        return rows

    def summary(self, rows: list[Row]) -> Text | None:
        if not self.states:
            return None
        text = Text("states: ", style="dim")
        for name in self.states:
            text.append(f"{name} ✗" if name == self.failed_state else name,
                        style="bold red" if name == self.failed_state else "")
            text.append(" → " if name != self.states[-1] else "", style="dim")
        if self.truncated:
            text.append("  (newest 1,000 events shown)", style="dim")
        return text
