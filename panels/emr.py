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


def describe(aws: AwsSession, cluster_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The cluster's full description and its instance groups or fleets (two calls)."""
    emr = aws.client("emr")
    cluster = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
    return cluster, capacity(aws, cluster_id, cluster.get("InstanceCollectionType", "INSTANCE_GROUP"))


def capacity(aws: AwsSession, cluster_id: str, collection: str) -> list[dict[str, Any]]:
    """Instance groups, or instance fleets in the same shape (capacity units for counts)."""
    emr = aws.client("emr")
    if collection != "INSTANCE_FLEET":
        return list(paginate(emr, "list_instance_groups", "InstanceGroups", ClusterId=cluster_id))
    return [
        {"Id": f["Id"], "Name": f.get("Name", f["Id"]), "InstanceGroupType": f.get("InstanceFleetType", ""),
         "Market": "fleet", "InstanceType": ", ".join(sorted({s.get("InstanceType", "") for s in
                                                               f.get("InstanceTypeSpecifications", [])})),
         "RequestedInstanceCount": f.get("TargetOnDemandCapacity", 0) + f.get("TargetSpotCapacity", 0),
         "RunningInstanceCount": f.get("ProvisionedOnDemandCapacity", 0) + f.get("ProvisionedSpotCapacity", 0),
         "Status": f.get("Status", {}), "fleet": True}
        for f in paginate(emr, "list_instance_fleets", "InstanceFleets", ClusterId=cluster_id)
    ]


def short_groups(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Groups running fewer instances than requested: lost or decommissioned nodes."""
    return [g for g in groups if g.get("RunningInstanceCount", 0) < g.get("RequestedInstanceCount", 0)]


def nodes(groups: list[dict[str, Any]]) -> str:
    running = sum(g.get("RunningInstanceCount", 0) for g in groups)
    requested = sum(g.get("RequestedInstanceCount", 0) for g in groups)
    return f"{running}/{requested}"


class EmrPanel(Panel):
    id, key, title, service, kind = "emr", "5", "EMR", "EMR", "emr.cluster"
    columns = ("Cluster", "State", "Nodes", "Reason", "Release", "Up", "Id")

    def __init__(self, include_terminated: bool = False) -> None:
        self.include_terminated = include_terminated

    @property
    def label(self) -> str:
        return "EMR (with terminated, 7 days)" if self.include_terminated else "EMR"

    def alternatives(self) -> tuple[Source, ...]:
        return (EmrPanel(False), EmrPanel(True))

    def clusters(self, aws: AwsSession, *, include_terminated: bool = False) -> list[dict[str, Any]]:
        states = [*ACTIVE, "TERMINATED_WITH_ERRORS", *(["TERMINATED"] if include_terminated else [])]
        return list(paginate(aws.client("emr"), "list_clusters", "Clusters", ClusterStates=states,
                             CreatedAfter=now() - timedelta(days=7)))

    def rows(self, aws: AwsSession) -> list[Row]:
        rows = []
        for c in self.clusters(aws, include_terminated=self.include_terminated):
            current, code, message = state(c)
            timeline = c.get("Status", {}).get("Timeline", {})
            full, groups = describe(aws, c["Id"])
            apps = ", ".join(f"{a['Name']} {a.get('Version', '')}".strip() for a in full.get("Applications", []))
            protected = bool(full.get("TerminationProtected"))
            group_lines = [
                (f"group {g.get('Name', g['Id'])}",
                 f"{g.get('InstanceGroupType', '')} {g.get('Market', '')} {g.get('InstanceType', '')} "
                 f"running {g.get('RunningInstanceCount', 0)}/{g.get('RequestedInstanceCount', 0)} "
                 f"{g.get('Status', {}).get('State', '')}")
                for g in groups
            ]
            rows.append(Row(
                key=c["Id"], name=c["Name"], status=current,
                cells=(c["Name"], current, nodes(groups), code or message, full.get("ReleaseLabel", "-"),
                       duration(utc(timeline.get("CreationDateTime")), utc(timeline.get("EndDateTime"))), c["Id"]),
                detail=(("Id", c["Id"]), ("ARN", c.get("ClusterArn", "-")), ("State", current),
                        ("Reason code", code or "-"), ("Reason", message or "-"),
                        ("Release / apps", f"{full.get('ReleaseLabel', '-')} · {apps or '-'}"),
                        ("Instance hours", c.get("NormalizedInstanceHours", 0)),
                        ("Termination protection", "on" if protected else "off"),
                        *group_lines,
                        ("Created", when(timeline.get("CreationDateTime"))),
                        ("Views", "enter: steps; v there: instance groups")),
                data={"cluster": c["Id"], "protected": protected, "state": current},
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
            for group in short_groups(describe(aws, c["Id"])[1]):
                problems.append(Problem(
                    panel="emr", service="EMR", resource=f"{c['Name']}/{group.get('Name', group['Id'])}",
                    status="NODES LOST",
                    reason=f"{group.get('InstanceGroupType', '')} {group.get('Market', '')} group running "
                           f"{group.get('RunningInstanceCount', 0)} of {group.get('RequestedInstanceCount', 0)}"
                           f" requested",
                    severity=Severity.MEDIUM, path=(c["Id"],), arn=group["Id"],
                ))
        return problems


def cluster_views(cluster: str, name: str) -> tuple[Source, ...]:
    """What `v` cycles through below a cluster: its steps, then its instance groups or fleets."""
    return (EmrSteps(cluster, name), EmrInstanceGroups(cluster, name))


class EmrSteps(Source):
    title, kind = "steps", "emr.step"
    columns = ("Step", "State", "On failure", "Started", "Duration", "Failure")

    def __init__(self, cluster: str, cluster_name: str) -> None:
        self.cluster, self.cluster_name = cluster, cluster_name

    @property
    def label(self) -> str:
        return f"{self.cluster_name} › steps"

    def alternatives(self) -> tuple[Source, ...]:
        return cluster_views(self.cluster, self.cluster_name)

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


class EmrInstanceGroups(Source):
    title, kind = "instance groups", "emr.instance-group"
    columns = ("Group", "Role", "Market", "Type", "Running", "Requested", "State")

    def __init__(self, cluster: str, cluster_name: str) -> None:
        self.cluster, self.cluster_name = cluster, cluster_name

    @property
    def label(self) -> str:
        return f"{self.cluster_name} › instance groups"

    def alternatives(self) -> tuple[Source, ...]:
        return cluster_views(self.cluster, self.cluster_name)

    def rows(self, aws: AwsSession) -> list[Row]:
        rows = []
        for g in describe(aws, self.cluster)[1]:
            running, requested = g.get("RunningInstanceCount", 0), g.get("RequestedInstanceCount", 0)
            status = g.get("Status", {})
            rows.append(Row(
                key=g["Id"], name=g.get("Name", g["Id"]),
                status="DEGRADED" if running < requested else status.get("State", ""),
                cells=(g.get("Name", g["Id"]), g.get("InstanceGroupType", ""), g.get("Market", ""),
                       g.get("InstanceType", ""), running, requested, status.get("State", "")),
                detail=(("Group", g["Id"]), ("State", status.get("State", "")),
                        ("State reason", status.get("StateChangeReason", {}).get("Message") or "-"),
                        ("Bid price", g.get("BidPrice", "-"))),
                data={"cluster": self.cluster, "group": g["Id"], "requested": requested,
                      "role": g.get("InstanceGroupType", ""), "fleet": g.get("fleet", False)},
            ))
        return rows
