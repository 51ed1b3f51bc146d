"""EMR: clusters (active and recently failed) -> steps with failure details."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from panels.model import (
    Check,
    Memo,
    Panel,
    Problem,
    Row,
    Severity,
    Source,
    duration,
    in_view,
    newest_first,
    now,
    paginate,
    tolerate,
    utc,
    when,
)
from tui.session import AwsSession

ACTIVE = ["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING", "TERMINATING"]
ENDED = ("TERMINATED", "TERMINATED_WITH_ERRORS")
UP = ("RUNNING", "WAITING")  # groups short of capacity while starting or terminating are expected
WINDOW = timedelta(hours=24)
UNKNOWN = "?"  # a part that could not be read, not an empty one


# -- tolerant accessors: the botocore model marks no member of EMR's outputs as required ----------
def cluster_id(cluster: dict[str, Any]) -> str:
    return cluster.get("Id") or ""


def cluster_name(cluster: dict[str, Any]) -> str:
    return cluster.get("Name") or cluster.get("Id") or cluster.get("ClusterArn") or "?"


def state(cluster: dict[str, Any]) -> tuple[str, str, str]:
    status = cluster.get("Status") or {}
    reason = status.get("StateChangeReason") or {}
    return status.get("State", ""), reason.get("Code", ""), reason.get("Message", "")


def timeline(item: dict[str, Any]) -> dict[str, Any]:
    return (item.get("Status") or {}).get("Timeline") or {}


def group_name(group: dict[str, Any]) -> str:
    return group.get("Name") or group.get("Id") or group.get("InstanceGroupType") or "?"


def count(value: object) -> int:
    """An instance count; anything that is not a number counts as none."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def describe(aws: AwsSession, cluster: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The cluster's full description and its instance groups or fleets (two calls)."""
    full = aws.client("emr").describe_cluster(ClusterId=cluster).get("Cluster") or {}
    return full, capacity(aws, cluster, full.get("InstanceCollectionType", "INSTANCE_GROUP"))


def capacity(aws: AwsSession, cluster: str, collection: str) -> list[dict[str, Any]]:
    """Instance groups, or instance fleets in the same shape (capacity units for counts)."""
    emr = aws.client("emr")
    if collection != "INSTANCE_FLEET":
        return list(paginate(emr, "list_instance_groups", "InstanceGroups", ClusterId=cluster))
    return [
        {"Id": f.get("Id", ""), "Name": f.get("Name") or f.get("Id", ""),
         "InstanceGroupType": f.get("InstanceFleetType", ""), "Market": "fleet",
         "InstanceType": ", ".join(sorted({s.get("InstanceType", "")
                                           for s in f.get("InstanceTypeSpecifications") or []})),
         "RequestedInstanceCount": count(f.get("TargetOnDemandCapacity")) + count(f.get("TargetSpotCapacity")),
         "RunningInstanceCount": count(f.get("ProvisionedOnDemandCapacity")) + count(f.get("ProvisionedSpotCapacity")),
         "Status": f.get("Status") or {}, "fleet": True}
        for f in paginate(emr, "list_instance_fleets", "InstanceFleets", ClusterId=cluster)
    ]


def short_groups(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Groups running fewer instances than requested: lost or decommissioned nodes."""
    return [g for g in groups if count(g.get("RunningInstanceCount")) < count(g.get("RequestedInstanceCount"))]


def nodes(groups: list[dict[str, Any]], cluster_state: str = "") -> str:
    """running/requested; an ended cluster runs nothing, whatever its groups still say."""
    requested = sum(count(g.get("RequestedInstanceCount")) for g in groups)
    running = 0 if cluster_state in ENDED else sum(count(g.get("RunningInstanceCount")) for g in groups)
    return f"{running}/{requested}"


def applications(full: dict[str, Any]) -> str:
    return ", ".join(f"{a.get('Name') or '?'} {a.get('Version') or ''}".strip()
                     for a in full.get("Applications") or []) or "-"


def list_clusters(aws: AwsSession, *, include_terminated: bool = False) -> list[dict[str, Any]]:
    """Active clusters and those that failed, created in the last 7 days (and ended ones if asked)."""
    states = [*ACTIVE, "TERMINATED_WITH_ERRORS", *(["TERMINATED"] if include_terminated else [])]
    return list(paginate(aws.client("emr"), "list_clusters", "Clusters", ClusterStates=states,
                         CreatedAfter=now() - timedelta(days=7)))


def recent_clusters(aws: AwsSession, memo: Memo) -> list[dict[str, Any]]:
    return memo.get("emr.clusters", lambda: list_clusters(aws))


# -- checks --------------------------------------------------------------------------------------
def check_clusters(aws: AwsSession, memo: Memo) -> list[Problem]:
    """Clusters that ended with errors in the window, from the list alone."""
    problems = []
    for c in recent_clusters(aws, memo):
        current, code, message = state(c)
        ended = utc(timeline(c).get("EndDateTime"))
        if current != "TERMINATED_WITH_ERRORS" or (ended and ended < now() - WINDOW):
            continue
        key = cluster_id(c) or cluster_name(c)
        problems.append(Problem(
            panel="emr", service="EMR", resource=cluster_name(c), status=current,
            reason=(f"{code}: {message}" if code else message) or "terminated with errors",
            severity=Severity.HIGH, since=ended, path=(key,), arn=c.get("ClusterArn") or key,
        ))
    return problems


def check_steps(aws: AwsSession, memo: Memo) -> list[Problem]:
    """Failed steps of the clusters still up (a failed cluster is its own problem)."""
    emr, problems = aws.client("emr"), []
    for c in recent_clusters(aws, memo):
        cid, name = cluster_id(c), cluster_name(c)
        if not cid or state(c)[0] in ENDED:
            continue
        steps = tolerate(aws, f"failed steps of {name}", lambda cid=cid: list(
            paginate(emr, "list_steps", "Steps", ClusterId=cid, StepStates=["FAILED"])), [])
        for step in steps:
            status = step.get("Status") or {}
            failure = status.get("FailureDetails") or {}
            step_id = step.get("Id") or ""
            problems.append(Problem(
                panel="emr", service="EMR", resource=f"{name}/{step.get('Name') or step_id or '?'}",
                status="FAILED", reason=failure.get("Reason") or failure.get("Message") or "step failed",
                severity=Severity.HIGH, since=utc((status.get("Timeline") or {}).get("EndDateTime")),
                path=(cid, step_id) if step_id else (cid,), arn=step_id or cid,
            ))
    return problems


def check_nodes(aws: AwsSession, memo: Memo) -> list[Problem]:
    """Instance groups (or fleets) of running clusters short of what they requested."""
    problems = []
    for c in recent_clusters(aws, memo):
        cid, name = cluster_id(c), cluster_name(c)
        if not cid or state(c)[0] not in UP:
            continue
        groups = tolerate(aws, f"instance groups of {name}", lambda cid=cid: describe(aws, cid)[1], [])
        for group in short_groups(groups):
            problems.append(Problem(
                panel="emr", service="EMR", resource=f"{name}/{group_name(group)}", status="NODES LOST",
                reason=f"{group.get('InstanceGroupType', '')} {group.get('Market', '')} group running "
                       f"{count(group.get('RunningInstanceCount'))} of {count(group.get('RequestedInstanceCount'))}"
                       f" requested",
                severity=Severity.MEDIUM, arn=group.get("Id") or cid,
                path=(cid, in_view(EmrInstanceGroups.kind), *([group["Id"]] if group.get("Id") else [])),
            ))
    return problems


class EmrPanel(Panel):
    id, key, title, service, kind = "emr", "5", "EMR", "EMR", "emr.cluster"
    columns = ("Cluster", "State", "Nodes", "Reason", "Release", "Up", "Id")
    wide_column = 3  # the reason takes the width the others leave

    def __init__(self, include_terminated: bool = False) -> None:
        self.include_terminated = include_terminated

    @property
    def label(self) -> str:
        return "EMR (with terminated, 7 days)" if self.include_terminated else "EMR"

    def alternatives(self) -> tuple[Source, ...]:
        return (EmrPanel(False), EmrPanel(True))

    def rows(self, aws: AwsSession) -> list[Row]:
        clusters = newest_first(list_clusters(aws, include_terminated=self.include_terminated),
                                lambda c: timeline(c).get("CreationDateTime"))
        return [self.row(aws, c) for c in clusters]

    def row(self, aws: AwsSession, c: dict[str, Any]) -> Row:
        """One cluster from its summary; the description and groups are tolerated extras ("?")."""
        cid, name = cluster_id(c), cluster_name(c)
        current, code, message = state(c)
        times = timeline(c)
        full: dict[str, Any] | None = None
        groups: list[dict[str, Any]] | None = None
        if cid:
            full = tolerate(aws, f"release and applications of {name}",
                            lambda: aws.client("emr").describe_cluster(ClusterId=cid).get("Cluster") or {}, None)
        if full is not None:  # without the description, which collection to list is unknown
            groups = tolerate(aws, f"instance groups of {name}", lambda: capacity(
                aws, cid, full.get("InstanceCollectionType", "INSTANCE_GROUP")), None)
        release = full.get("ReleaseLabel", "-") if full is not None else UNKNOWN
        apps = applications(full) if full is not None else UNKNOWN
        protected = bool(full.get("TerminationProtected")) if full is not None else None
        group_lines = [
            (f"group {group_name(g)}",
             f"{g.get('InstanceGroupType', '')} {g.get('Market', '')} {g.get('InstanceType', '')} "
             f"running {count(g.get('RunningInstanceCount'))}/{count(g.get('RequestedInstanceCount'))} "
             f"{(g.get('Status') or {}).get('State', '')}")
            for g in groups or []
        ]
        return Row(
            key=cid or c.get("ClusterArn") or name, name=name, status=current,
            cells=(name, current, nodes(groups, current) if groups is not None else UNKNOWN, code or message,
                   release, duration(utc(times.get("CreationDateTime")), utc(times.get("EndDateTime"))), cid or "-"),
            detail=(("Id", cid or "-"), ("ARN", c.get("ClusterArn", "-")), ("State", current),
                    ("Reason code", code or "-"), ("Reason", message or "-"),
                    ("Release / apps", f"{release} · {apps}"),
                    ("Instance hours", c.get("NormalizedInstanceHours", "-")),
                    ("Termination protection", UNKNOWN if protected is None else "on" if protected else "off"),
                    *group_lines,
                    ("Created", when(times.get("CreationDateTime"))),
                    ("Views", "enter: steps; v there: instance groups")),
            # protected None (unknown): toggling turns it on, and EMR itself refuses to terminate a protected one
            data={"cluster": cid, "protected": protected, "state": current},
        )

    def drill(self, row: Row) -> Source | None:
        return EmrSteps(row.data["cluster"], row.name) if row.data.get("cluster") else None

    def checks(self) -> tuple[Check, ...]:
        return (Check("emr.clusters", "EMR clusters terminated with errors", check_clusters),
                Check("emr.steps", "EMR failed steps", check_steps),
                Check("emr.nodes", "EMR instance groups short of nodes", check_nodes))


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
            status = s.get("Status") or {}
            times, failure = status.get("Timeline") or {}, status.get("FailureDetails") or {}
            step_id = s.get("Id") or ""
            name = s.get("Name") or step_id or "?"
            args = " ".join(str(a) for a in (s.get("Config") or {}).get("Args") or [])
            rows.append(Row(
                key=step_id or name, name=name, status=status.get("State", ""),
                cells=(name, status.get("State", ""), s.get("ActionOnFailure", "-"),
                       when(times.get("StartDateTime")),
                       duration(utc(times.get("StartDateTime")), utc(times.get("EndDateTime")))
                       if utc(times.get("StartDateTime")) else "-",
                       failure.get("Reason", "")),
                detail=(("Step", step_id or "-"), ("Command", args or "-"),
                        ("Failure reason", failure.get("Reason", "-")),
                        ("Failure message", failure.get("Message", "-")),
                        ("Log file", failure.get("LogFile", "-"))),
                data={"cluster": self.cluster, "step": step_id, "state": status.get("State", "")},
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
        # Without the description, most clusters have instance groups (fleets are the option).
        full = tolerate(aws, f"instance collection type of {self.cluster_name}",
                        lambda: aws.client("emr").describe_cluster(ClusterId=self.cluster).get("Cluster") or {}, {})
        rows = []
        for g in capacity(aws, self.cluster, full.get("InstanceCollectionType", "INSTANCE_GROUP")):
            running, requested = count(g.get("RunningInstanceCount")), count(g.get("RequestedInstanceCount"))
            status = g.get("Status") or {}
            group_id, name = g.get("Id") or "", group_name(g)
            rows.append(Row(
                key=group_id or name, name=name,
                status="DEGRADED" if running < requested else status.get("State", ""),
                cells=(name, g.get("InstanceGroupType", ""), g.get("Market", ""),
                       g.get("InstanceType", ""), running, requested, status.get("State", "")),
                detail=(("Group", group_id or "-"), ("State", status.get("State", "")),
                        ("State reason", (status.get("StateChangeReason") or {}).get("Message") or "-"),
                        ("Bid price", g.get("BidPrice", "-"))),
                data={"cluster": self.cluster, "group": group_id, "requested": requested,
                      "role": g.get("InstanceGroupType", ""), "fleet": g.get("fleet", False)},
            ))
        return rows
