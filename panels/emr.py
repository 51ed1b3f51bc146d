"""EMR: clusters (active and recently failed) -> steps with failure details."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from panels.model import Panel, Problem, Row, Severity, Source, duration, now, paginate, utc, when
from tui.session import AwsSession

ACTIVE = ["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING", "TERMINATING"]
WINDOW = timedelta(hours=24)


def state(cluster: dict[str, Any]) -> tuple[str, str, str]:
    status = cluster.get("Status", {})
    reason = status.get("StateChangeReason", {})
    return status.get("State", ""), reason.get("Code", ""), reason.get("Message", "")


class EmrPanel(Panel):
    id, key, title, service, kind = "emr", "5", "EMR", "EMR", "emr.cluster"
    columns = ("Cluster", "Id", "State", "Reason", "Hours", "Up")

    def clusters(self, aws: AwsSession) -> list[dict[str, Any]]:
        emr = aws.client("emr")
        return list(paginate(emr, "list_clusters", "Clusters",
                             ClusterStates=[*ACTIVE, "TERMINATED_WITH_ERRORS"],
                             CreatedAfter=now() - timedelta(days=7)))

    def rows(self, aws: AwsSession) -> list[Row]:
        rows = []
        for c in self.clusters(aws):
            current, code, message = state(c)
            timeline = c.get("Status", {}).get("Timeline", {})
            rows.append(Row(
                key=c["Id"], name=c["Name"], status=current,
                cells=(c["Name"], c["Id"], current, code or message, c.get("NormalizedInstanceHours", 0),
                       duration(utc(timeline.get("CreationDateTime")), utc(timeline.get("EndDateTime")))),
                detail=(("Id", c["Id"]), ("ARN", c.get("ClusterArn", "-")), ("State", current),
                        ("Reason code", code or "-"), ("Reason", message or "-"),
                        ("Created", when(timeline.get("CreationDateTime")))),
                data={"cluster": c["Id"]},
            ))
        return rows

    def drill(self, row: Row) -> Source:
        return EmrSteps(row.data["cluster"], row.name)

    def problems(self, aws: AwsSession) -> list[Problem]:
        emr = aws.client("emr")
        problems = []
        for c in self.clusters(aws):
            current, code, message = state(c)
            ended = utc(c.get("Status", {}).get("Timeline", {}).get("EndDateTime"))
            if current == "TERMINATED_WITH_ERRORS":
                if ended and ended < now() - WINDOW:
                    continue
                problems.append(Problem(
                    panel="emr", service="EMR", resource=c["Name"], status=current,
                    reason=f"{code}: {message}" if code else message, severity=Severity.HIGH,
                    since=ended, path=(c["Id"],), arn=c.get("ClusterArn", c["Id"]),
                ))
                continue
            for step in paginate(emr, "list_steps", "Steps", ClusterId=c["Id"], StepStates=["FAILED"]):
                failure = step.get("Status", {}).get("FailureDetails", {})
                problems.append(Problem(
                    panel="emr", service="EMR", resource=f"{c['Name']}/{step['Name']}", status="FAILED",
                    reason=failure.get("Reason") or failure.get("Message") or "step failed",
                    severity=Severity.HIGH,
                    since=utc(step.get("Status", {}).get("Timeline", {}).get("EndDateTime")),
                    path=(c["Id"], step["Id"]), arn=step["Id"],
                ))
        return problems


class EmrSteps(Source):
    title, kind = "steps", "emr.step"
    columns = ("Step", "State", "On failure", "Started", "Duration", "Failure")

    def __init__(self, cluster: str, cluster_name: str) -> None:
        self.cluster, self.cluster_name = cluster, cluster_name

    @property
    def label(self) -> str:
        return f"{self.cluster_name} › steps"

    def rows(self, aws: AwsSession) -> list[Row]:
        rows = []
        for s in paginate(aws.client("emr"), "list_steps", "Steps", ClusterId=self.cluster):
            status = s.get("Status", {})
            timeline, failure = status.get("Timeline", {}), status.get("FailureDetails", {})
            args = " ".join(s.get("Config", {}).get("Args", []))
            rows.append(Row(
                key=s["Id"], name=s["Name"], status=status.get("State", ""),
                cells=(s["Name"], status.get("State", ""), s.get("ActionOnFailure", "-"),
                       when(timeline.get("StartDateTime")),
                       duration(utc(timeline.get("StartDateTime")), utc(timeline.get("EndDateTime")))
                       if timeline.get("StartDateTime") else "-",
                       failure.get("Reason", "")),
                detail=(("Step", s["Id"]), ("Command", args or "-"),
                        ("Failure reason", failure.get("Reason", "-")),
                        ("Failure message", failure.get("Message", "-")),
                        ("Log file", failure.get("LogFile", "-"))),
                data={"cluster": self.cluster, "step": s["Id"], "state": status.get("State", "")},
            ))
        return rows
