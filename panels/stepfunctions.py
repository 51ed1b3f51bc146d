"""Step Functions: state machines with recent failure counts -> executions with error and cause."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from rich.text import Text

from panels.model import LogTarget, Panel, Problem, Row, Severity, Source, age, duration, now, paginate, utc, when
from tui.session import AwsSession

WINDOW = timedelta(hours=24)
BAD = ("FAILED", "TIMED_OUT", "ABORTED")
RECENT_EXECUTIONS = 50


def pretty(text: str | None) -> str:
    """Causes and inputs are often JSON: indent them; anything else is shown as it came."""
    if not text:
        return "-"
    try:
        return json.dumps(json.loads(text), indent=2)
    except ValueError:
        return text


HISTORY_PAGE = 1000  # GetExecutionHistory's largest page: the newest 1,000 events, read backwards
FAILURE_EVENTS = ("ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted")


def history(aws: AwsSession, execution_arn: str, limit: int = HISTORY_PAGE) -> tuple[list[dict[str, Any]], bool]:
    """The newest `limit` events, oldest first, and whether older ones were left unread: a
    25,000-event history costs one call, not 25."""
    page = aws.client("stepfunctions").get_execution_history(executionArn=execution_arn, reverseOrder=True,
                                                             maxResults=limit)
    events = sorted(page.get("events", []), key=lambda e: e["id"])
    return events, bool(page.get("nextToken"))


def state_name(event: dict[str, Any]) -> str:
    for key in ("stateEnteredEventDetails", "stateExitedEventDetails"):
        if key in event:
            return event[key].get("name", "")
    return ""


def failure(events: list[dict[str, Any]]) -> tuple[str, bool, str, str]:
    """(state that failed, whether it was a Fail state, error, cause) from a history."""
    entered = [e for e in events if e["type"].endswith("StateEntered")]
    last = entered[-1] if entered else {}
    details = next((e[k] for e in reversed(events) for k in e
                    if k.endswith("FailedEventDetails") or k.endswith("TimedOutEventDetails")), {})
    return (state_name(last), last.get("type") == "FailStateEntered", details.get("error", ""),
            details.get("cause", ""))


def event_summary(event: dict[str, Any]) -> str:
    details = next((v for k, v in event.items() if k.endswith("EventDetails") and isinstance(v, dict)), {})
    if "error" in details or "cause" in details:
        return f"{details.get('error', '')} {details.get('cause', '')}".strip()
    return details.get("resource", "") or details.get("output", "") or details.get("input", "")


LONG_RUNNING_FACTOR = 3  # a run this many times longer than the usual one is worth a look
LONG_RUNNING_FLOOR = timedelta(minutes=5)


def long_running(machine: dict[str, Any], executions: list[dict[str, Any]]) -> list[Problem]:
    """RUNNING executions far longer than the machine's usual (median) successful run."""
    took = sorted(utc(e["stopDate"]) - utc(e["startDate"]) for e in executions  # type: ignore[operator]
                  if e["status"] == "SUCCEEDED" and e.get("stopDate"))
    if len(took) < 2:
        return []
    usual = took[len(took) // 2]
    limit = max(usual * LONG_RUNNING_FACTOR, LONG_RUNNING_FLOOR)
    return [
        Problem(
            panel="stepfunctions", service="Step Functions", resource=f"{machine['name']}/{e['name']}",
            status="LONG RUNNING", reason=f"running for {age(utc(e['startDate']))}; it usually takes "
                                          f"{age(now() - usual)}",
            severity=Severity.MEDIUM, since=utc(e["startDate"]),
            path=(machine["stateMachineArn"], e["executionArn"]), arn=e["executionArn"],
        )
        for e in executions
        if e["status"] == "RUNNING" and now() - utc(e["startDate"]) > limit  # type: ignore[operator]
    ]


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


class StepFunctionsPanel(Panel):
    id, key, title, service, kind = "stepfunctions", "3", "Step Functions", "Step Functions", "sfn.machine"
    columns = ("State machine", "Type", "Running", "Failed", "Timed out", "Aborted")

    def rows(self, aws: AwsSession) -> list[Row]:
        sfn = aws.client("stepfunctions")
        rows = []
        for machine in paginate(sfn, "list_state_machines", "stateMachines"):
            arn = machine["stateMachineArn"]
            executions = recent(aws, arn)
            since = now() - WINDOW
            counts = {s: sum(1 for e in executions if e["status"] == s and
                             (s == "RUNNING" or (utc(e.get("stopDate")) or now()) >= since))
                      for s in ("RUNNING", *BAD)}
            failing = counts["FAILED"] + counts["TIMED_OUT"] + counts["ABORTED"]
            rows.append(Row(
                key=arn, name=machine["name"], status="FAILED" if failing else "OK",
                cells=(machine["name"], machine.get("type", "-"), counts["RUNNING"], counts["FAILED"],
                       counts["TIMED_OUT"], counts["ABORTED"]),
                detail=(("ARN", arn), ("Type", machine.get("type", "-")),
                        *(triggers(aws, arn) or [("Triggers", "no EventBridge rule targets this machine")]),
                        *((("History", "express: executions are not kept by Step Functions; their history "
                                       "is in CloudWatch Logs (l opens the log group)"),)
                          if machine.get("type") == "EXPRESS" else ()),
                        ("Created", when(machine.get("creationDate"))),
                        ("Window", f"failure counts cover the last {WINDOW} of the newest "
                                   f"{RECENT_EXECUTIONS} executions")),
                data={"machine": arn},
            ))
        return rows

    def drill(self, row: Row) -> Source:
        return Executions(row.data["machine"], row.name)

    def log_target(self, row: Row, aws: AwsSession) -> LogTarget | None:
        """The machine's CloudWatch Logs group (where an express machine's history lives)."""
        found = aws.client("stepfunctions").describe_state_machine(stateMachineArn=row.key)
        for destination in found.get("loggingConfiguration", {}).get("destinations", []):
            arn = destination.get("cloudWatchLogsLogGroup", {}).get("logGroupArn", "")
            if ":log-group:" in arn:
                return LogTarget(arn.split(":log-group:", 1)[1].removesuffix(":*"), "")
        return None

    def problems(self, aws: AwsSession) -> list[Problem]:
        sfn = aws.client("stepfunctions")
        problems = []
        since = now() - WINDOW
        for machine in paginate(sfn, "list_state_machines", "stateMachines"):
            for status in BAD:
                for e in recent(aws, machine["stateMachineArn"], status, limit=10):
                    if (utc(e.get("stopDate")) or now()) < since:
                        continue
                    found = sfn.describe_execution(executionArn=e["executionArn"])
                    state, fail_state, _, _ = failure(history(aws, e["executionArn"], limit=25)[0])
                    reason = " ".join(x for x in (found.get("error"), found.get("cause")) if x)
                    if fail_state:
                        reason = f"reached Fail state {state}: {reason}"
                    elif state:
                        reason = f"in state {state}: {reason}"
                    problems.append(Problem(
                        panel="stepfunctions", service="Step Functions",
                        resource=f"{machine['name']}/{e['name']}", status=status,
                        reason=reason or status.lower().replace("_", " "),
                        severity=Severity.HIGH, since=utc(e.get("stopDate")),
                        path=(machine["stateMachineArn"], e["executionArn"]), arn=e["executionArn"],
                    ))
            problems += long_running(machine, recent(aws, machine["stateMachineArn"]))
        return problems


class Executions(Source):
    title, kind = "executions", "sfn.execution"
    columns = ("Execution", "Status", "Started", "Duration", "Error")

    def __init__(self, machine: str, machine_name: str) -> None:
        self.machine, self.machine_name = machine, machine_name

    @property
    def label(self) -> str:
        return f"{self.machine_name} › executions"

    def rows(self, aws: AwsSession) -> list[Row]:
        sfn = aws.client("stepfunctions")
        rows = []
        for e in recent(aws, self.machine):
            # Failed and succeeded ones need the describe call: it carries error, cause and output.
            found = sfn.describe_execution(executionArn=e["executionArn"]) if e["status"] != "RUNNING" else e
            rows.append(Row(
                key=e["executionArn"], name=e["name"], status=e["status"],
                cells=(e["name"], e["status"], when(e.get("startDate")),
                       duration(utc(e.get("startDate")), utc(e.get("stopDate"))), found.get("error", "")),
                detail=(("ARN", e["executionArn"]), ("Error", found.get("error", "-")),
                        ("Cause", pretty(found.get("cause"))), ("Input", pretty(found.get("input"))),
                        ("Output", pretty(found.get("output")))),
                data={"execution": e["executionArn"], "machine": self.machine,
                      "running": e["status"] == "RUNNING", "input": found.get("input")},
            ))
        return rows

    def drill(self, row: Row) -> Source:
        return ExecutionHistory(row.data["execution"], row.name)


class ExecutionHistory(Source):
    """One execution's events as a timeline, the failed state marked in the machine's states."""

    title, kind = "history", "sfn.event"
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
        definition = aws.client("stepfunctions").describe_state_machine_for_execution(
            executionArn=self.execution).get("definition", "{}")
        try:
            self.states = list(json.loads(definition).get("States", {}))
        except ValueError:
            self.states = []
        self.failed_state = failure(events)[0] if any(e["type"] in FAILURE_EVENTS for e in events) else ""
        start = utc(events[0]["timestamp"]) if events else None
        rows = []
        current = ""
        for e in events:
            current = state_name(e) or current
            failed = e["type"].endswith(("Failed", "TimedOut", "Aborted"))
            at = utc(e["timestamp"])
            details = {k: v for k, v in e.items() if k.endswith("EventDetails")}
            rows.append(Row(
                key=f"{self.execution}#{e['id']}", name=e["type"], status="FAILED" if failed else "",
                cells=(e["id"], when(at), f"{(at - start).total_seconds():.1f}" if at and start else "-",
                       e["type"], current, event_summary(e)),
                detail=(("Event", f"{e['id']} {e['type']} (after {e.get('previousEventId', '-')})"),
                        *((k, pretty(json.dumps(v))) for k, v in details.items())),
                data={"execution": self.execution},
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
