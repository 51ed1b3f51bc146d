"""Step Functions: state machines with recent failure counts -> executions with error and cause."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from panels.model import LogTarget, Panel, Problem, Row, Severity, Source, duration, now, paginate, utc, when
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
                    reason = " ".join(x for x in (found.get("error"), found.get("cause")) if x)
                    problems.append(Problem(
                        panel="stepfunctions", service="Step Functions",
                        resource=f"{machine['name']}/{e['name']}", status=status,
                        reason=reason or status.lower().replace("_", " "),
                        severity=Severity.HIGH, since=utc(e.get("stopDate")),
                        path=(machine["stateMachineArn"], e["executionArn"]), arn=e["executionArn"],
                    ))
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
            # Only failed executions need the describe call: it carries error and cause.
            found = sfn.describe_execution(executionArn=e["executionArn"]) if e["status"] in BAD else e
            rows.append(Row(
                key=e["executionArn"], name=e["name"], status=e["status"],
                cells=(e["name"], e["status"], when(e.get("startDate")),
                       duration(utc(e.get("startDate")), utc(e.get("stopDate"))), found.get("error", "")),
                detail=(("ARN", e["executionArn"]), ("Error", found.get("error", "-")),
                        ("Cause", pretty(found.get("cause"))), ("Input", pretty(found.get("input")))),
                data={"execution": e["executionArn"], "machine": self.machine,
                      "running": e["status"] == "RUNNING", "input": found.get("input")},
            ))
        return rows
