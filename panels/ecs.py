"""ECS / Fargate: clusters -> services -> tasks, with crash loops and short services as problems."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

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
    chunks,
    describe_failures,
    newest,
    now,
    paginate,
    streamed,
    tolerate,
    utc,
    when,
)
from tui.session import AwsSession

DESCRIBE_SERVICES_MAX = 10
DESCRIBE_TASKS_MAX = 100
DESCRIBE_CLUSTERS_MAX = 100
CRASH_LOOP_STOPS = 2  # non-zero exits of one service in ECS's stopped-task window


def short_name(arn: str) -> str:
    """The name at the end of an ECS ARN (cluster/…/name), or the ARN itself."""
    return arn.rsplit("/", 1)[-1]


def describe_services(aws: AwsSession, cluster: str) -> list[dict[str, Any]]:
    ecs = aws.client("ecs")
    arns = list(paginate(ecs, "list_services", "serviceArns", cluster=cluster))
    found: list[dict[str, Any]] = []
    for batch in chunks(arns, DESCRIBE_SERVICES_MAX):
        answer = ecs.describe_services(cluster=cluster, services=list(batch))
        found += answer.get("services", [])
        describe_failures(f"services of {short_name(cluster)}", "ecs:DescribeServices", answer.get("failures", []))
    return found


def describe_tasks(aws: AwsSession, cluster: str, statuses: tuple[str, ...] = ("RUNNING", "STOPPED"),
                   **filters: Any) -> list[dict[str, Any]]:
    """Tasks by desired status (ECS keeps stopped ones about an hour), 100 per describe call."""
    ecs = aws.client("ecs")
    arns: list[str] = []
    for status in statuses:
        arns += paginate(ecs, "list_tasks", "taskArns", cluster=cluster, desiredStatus=status, **filters)
    tasks: list[dict[str, Any]] = []
    for batch in chunks(list(dict.fromkeys(arns)), DESCRIBE_TASKS_MAX):
        answer = ecs.describe_tasks(cluster=cluster, tasks=list(batch))
        tasks += answer.get("tasks", [])
        describe_failures(f"tasks of {short_name(cluster)}", "ecs:DescribeTasks", answer.get("failures", []))
    return tasks


def previous_revision(task_definition_arn: str) -> str:
    """family:N-1 for a task definition ARN ending in family:N; empty for revision 1."""
    family, _, revision = task_definition_arn.rpartition(":")
    return f"{family}:{int(revision) - 1}" if revision.isdigit() and int(revision) > 1 else ""


def private_ip(task: dict[str, Any]) -> str:
    for attachment in task.get("attachments", []):
        for detail in attachment.get("details", []):
            if detail.get("name") == "privateIPv4Address":
                return detail.get("value", "")
    return ""


def exit_codes(task: dict[str, Any]) -> str:
    codes = [str(c["exitCode"]) for c in task.get("containers", []) if c.get("exitCode") is not None]
    return ",".join(codes) or "-"


def crashed(task: dict[str, Any]) -> bool:
    return task.get("lastStatus") == "STOPPED" and any(
        c.get("exitCode") not in (None, 0) for c in task.get("containers", [])
    )


def container_reason(task: dict[str, Any]) -> str:
    return next((c["reason"] for c in task.get("containers", []) if c.get("reason")), "")


def cluster_arns(aws: AwsSession, memo: Memo) -> list[str]:
    return memo.get("ecs.clusters", lambda: list(paginate(aws.client("ecs"), "list_clusters", "clusterArns")))


RECENT_START = timedelta(minutes=15)  # a service that started tasks this recently may be replacing crashed ones


def looks_unhealthy(svc: dict[str, Any]) -> bool:
    """Whether the service's own description (counts, deployments, events: all in DescribeServices)
    gives a reason to read its stopped tasks. A healthy service costs no task call at all."""
    if svc.get("runningCount", 0) < svc.get("desiredCount", 0) or svc.get("pendingCount", 0):
        return True
    deployments = svc.get("deployments") or []
    if len(deployments) > 1 or any(d.get("rolloutState") not in (None, "COMPLETED") or d.get("failedTasks")
                                   for d in deployments):
        return True
    # A crash loop between two looks: running is back to desired, but ECS keeps starting tasks.
    recent = [e for e in svc.get("events") or [] if "has started" in str(e.get("message", ""))
              and (at := utc(e.get("createdAt"))) is not None and now() - at < RECENT_START]
    return len(recent) >= CRASH_LOOP_STOPS


def check_services(aws: AwsSession, memo: Memo) -> list[Problem]:
    """Short services and failed rollouts from the service descriptions; crash loops from the
    stopped tasks (STOPPED only: ECS keeps them about an hour, so their number follows the churn,
    not the fleet), read only in clusters with a service that looks unhealthy. Without them the
    counts still tell."""
    problems: list[Problem] = []
    for arn in cluster_arns(aws, memo):
        # One cluster that cannot be read (deleted mid-scan, denied by a resource policy) must
        # not hide the problems of the others.
        services = tolerate(aws, f"services of cluster {short_name(arn)}", lambda arn=arn: describe_services(aws, arn),
                            [])
        if not services:
            continue
        stopped: list[dict[str, Any]] | None = []
        if any(looks_unhealthy(svc) for svc in services):
            stopped = tolerate(aws, f"crash loops in {short_name(arn)} (stopped tasks)",
                               lambda arn=arn: [t for t in describe_tasks(aws, arn, ("STOPPED",)) if crashed(t)],
                               None)
        problems += [p for svc in services if (p := service_problem(arn, svc, stopped))]
    return problems


class EcsPanel(Panel):
    id, key, title, service, kind = "ecs", "4", "ECS", "ECS", "ecs.cluster"
    columns = ("Cluster", "Status", "Services", "Running", "Pending", "Capacity")

    def rows(self, aws: AwsSession) -> list[Row]:
        ecs = aws.client("ecs")
        arns = list(paginate(ecs, "list_clusters", "clusterArns"))

        def describe() -> dict[str, dict[str, Any]]:
            found: dict[str, dict[str, Any]] = {}
            for batch in chunks(arns, DESCRIBE_CLUSTERS_MAX):
                found |= {c.get("clusterArn", ""): c for c in ecs.describe_clusters(clusters=list(batch))
                          .get("clusters", [])}
            return found

        described = tolerate(aws, "cluster counts", describe, {})
        rows = []
        for arn in arns:
            c = described.get(arn, {})
            unknown = "?" if not described else 0  # counts not read, not zero
            name = c.get("clusterName") or short_name(arn)
            providers = ",".join(c.get("capacityProviders", [])) or "-"
            rows.append(Row(
                key=arn, name=name, status=c.get("status", ""),
                cells=(name, c.get("status", "?" if not described else ""), c.get("activeServicesCount", unknown),
                       c.get("runningTasksCount", unknown), c.get("pendingTasksCount", unknown), providers),
                detail=(("ARN", arn), ("Capacity providers", providers)),
                data={"cluster": arn},
            ))
        return rows

    def drill(self, row: Row) -> Source:
        return EcsServices(row.data["cluster"], row.name)

    def checks(self) -> tuple[Check, ...]:
        return (Check("ecs.services", "ECS service counts and crash loops", check_services),)


def service_problem(
    cluster_arn: str, svc: dict[str, Any], crashed_tasks: list[dict[str, Any]] | None
) -> Problem | None:
    """One problem per unhealthy service, with every symptom in its reason. `crashed_tasks` is
    None when the stopped tasks could not be read: the counts and rollout still tell."""
    desired, running = svc.get("desiredCount", 0), svc.get("runningCount", 0)
    name = svc.get("serviceName") or short_name(svc.get("serviceArn", "?"))
    mine = [t for t in crashed_tasks or [] if t.get("group") == f"service:{name}"]
    failed_rollout = any(d.get("rolloutState") == "FAILED" for d in svc.get("deployments", []))
    symptoms: list[str] = []
    severity = Severity.MEDIUM
    if running < desired:
        symptoms.append(f"{running}/{desired} tasks running")
        severity = Severity.CRITICAL if running == 0 else Severity.HIGH
    if len(mine) >= CRASH_LOOP_STOPS:
        codes = Counter(exit_codes(t) for t in mine).most_common(1)[0][0]
        reason = container_reason(mine[0]) or mine[0].get("stoppedReason", "")
        symptoms.append(f"crash loop: {len(mine)} tasks stopped (exit {codes}) {reason}".strip())
        severity = max(severity, Severity.HIGH)
    if failed_rollout:
        symptoms.append("deployment FAILED")
        severity = max(severity, Severity.HIGH)
    if not symptoms:
        return None
    # The problem is as old as its first failure in ECS's window, not its newest one.
    first = min((stopped for t in mine if (stopped := utc(t.get("stoppedAt")))), default=None)
    arn = svc.get("serviceArn", name)
    return Problem(
        panel="ecs", service="ECS", resource=f"{short_name(cluster_arn)}/{name}",
        status="CRASHLOOP" if len(mine) >= CRASH_LOOP_STOPS else "DEGRADED",
        reason="; ".join(symptoms), severity=severity, since=first,
        path=(cluster_arn, arn), arn=arn,
    )


class EcsServices(Source):
    title, kind = "services", "ecs.service"
    columns = ("Service", "Desired", "Running", "Pending", "Launch", "Task def", "Rollout")

    def __init__(self, cluster: str, cluster_name: str) -> None:
        self.cluster, self.cluster_name = cluster, cluster_name

    @property
    def label(self) -> str:
        return f"{self.cluster_name} › services"

    def rows(self, aws: AwsSession) -> list[Row]:
        rows = []
        for s in describe_services(aws, self.cluster):
            primary = next((d for d in s.get("deployments", []) if d.get("status") == "PRIMARY"), {})
            short = s.get("runningCount", 0) < s.get("desiredCount", 0)
            events = [(f"event {when(e.get('createdAt'))}", e.get("message", "")) for e in s.get("events", [])[:10]]
            deployments = [
                (f"deployment {d.get('status', '')}",
                 f"{d.get('rolloutState', '-')} running {d.get('runningCount', 0)}/{d.get('desiredCount', 0)}"
                 f" failed {d.get('failedTasks', 0)} {d.get('rolloutStateReason', '')}")
                for d in s.get("deployments", [])
            ]
            name = s.get("serviceName") or short_name(s.get("serviceArn", "?"))
            arn = s.get("serviceArn", name)
            rows.append(Row(
                key=arn,
                name=name,
                status="DEGRADED" if short else s.get("status", ""),
                cells=(name, s.get("desiredCount", 0), s.get("runningCount", 0),
                       s.get("pendingCount", 0), s.get("launchType", "-"),
                       s.get("taskDefinition", "").rsplit("/", 1)[-1], primary.get("rolloutState", "-")),
                detail=(("ARN", arn), ("Task definition", s.get("taskDefinition", "")),
                        *deployments, *events),
                data={"cluster": self.cluster, "service": name, "arn": arn,
                      "desired": s.get("desiredCount", 0),
                      "task_definition": s.get("taskDefinition", ""),
                      "previous_task_definition": previous_revision(s.get("taskDefinition", ""))},
            ))
        return rows

    def drill(self, row: Row) -> Source:
        return EcsTasks(self.cluster, self.cluster_name, row.name)


class EcsTasks(Source):
    title, kind = "tasks", "ecs.task"
    columns = ("Task", "Status", "Health", "Exit", "Started", "Stopped", "Stopped reason")

    def __init__(self, cluster: str, cluster_name: str, service: str) -> None:
        self.cluster, self.cluster_name, self.service = cluster, cluster_name, service

    @property
    def label(self) -> str:
        return f"{self.cluster_name} › {self.service} › tasks"

    def rows(self, aws: AwsSession) -> list[Row]:
        """Listed first, then described 100 at a time, several batches at once against AWS (one at a
        time against the in-process demo server: AwsSession.parallel_checks); each batch's rows are
        published as it arrives, so thousands of tasks show their first rows at once."""
        ecs = aws.client("ecs")
        # Stopped first: their stop reasons (the crash) are in the first batch, on screen at once.
        arns = list(dict.fromkeys(arn for status in ("STOPPED", "RUNNING")
                                  for arn in paginate(ecs, "list_tasks", "taskArns", cluster=self.cluster,
                                                      desiredStatus=status)))

        def described(batch: Sequence[str]) -> dict[str, Any]:
            return ecs.describe_tasks(cluster=self.cluster, tasks=list(batch))  # type: ignore[no-any-return]

        def answers() -> Iterator[dict[str, Any]]:
            """In order, each when done; the first alone, so the first rows do not queue behind the rest."""
            batches = list(chunks(arns, DESCRIBE_TASKS_MAX))
            if batches:
                yield described(batches[0])
            with ThreadPoolExecutor(max_workers=max(1, aws.parallel_checks), thread_name_prefix="tasks") as pool:
                yield from pool.map(described, batches[1:])

        def batches() -> Iterator[list[dict[str, Any]]]:
            for answer in answers():
                describe_failures(f"tasks of {short_name(self.cluster)}", "ecs:DescribeTasks",
                                  answer.get("failures", []))
                # ListTasks ignores serviceName for STOPPED tasks, so match the task group instead.
                yield [t for t in answer.get("tasks", []) if t.get("group") == f"service:{self.service}"]

        return streamed(batches(), self.task_row, total=len(arns),
                        order=newest(lambda t: t.get("startedAt") or t.get("createdAt")))

    def task_row(self, t: dict[str, Any]) -> Row:
        arn = t.get("taskArn", "")
        task_id = short_name(arn)
        containers = [
            (f"container {c.get('name', '')}",
             f"{c.get('lastStatus', '')} exit={c.get('exitCode', '-')} {c.get('reason', '')}".strip())
            for c in t.get("containers", [])
        ]
        return Row(
            key=arn,
            name=task_id,
            status="FAILED" if crashed(t) else t.get("lastStatus", ""),
            cells=(task_id[:12], t.get("lastStatus", ""), t.get("healthStatus", "-"), exit_codes(t),
                   age(utc(t.get("startedAt"))), age(utc(t.get("stoppedAt"))) if t.get("stoppedAt") else "-",
                   t.get("stoppedReason", "")),
            detail=(("ARN", arn), ("Status", f"{t.get('lastStatus')} (desired {t.get('desiredStatus')})"),
                    ("Stop code", t.get("stopCode", "-")),
                    ("Stopped reason", t.get("stoppedReason", "-")), *containers,
                    ("Started / stopped", f"{when(t.get('startedAt'))} / {when(t.get('stoppedAt'))}"),
                    ("Task definition", t.get("taskDefinitionArn", "")),
                    ("CPU / memory", f"{t.get('cpu', '-')} / {t.get('memory', '-')}"),
                    ("Zone / IP", f"{t.get('availabilityZone', '-')} / {private_ip(t) or '-'}"),
                    ("Logs", "l opens this task's log stream")),
            data={"cluster": self.cluster, "task": arn, "task_id": task_id,
                  "task_definition": t.get("taskDefinitionArn", ""),
                  "containers": [c.get("name", "") for c in t.get("containers", [])],
                  "running": t.get("lastStatus") == "RUNNING"},
        )

    def log_target(self, row: Row, aws: AwsSession) -> LogTarget | None:
        """The awslogs stream of the task's container, as its task definition names it:
        prefix/container/task-id (guessing the stream shows the wrong container's logs)."""
        definition = aws.client("ecs").describe_task_definition(taskDefinition=row.data["task_definition"])
        for container in definition.get("taskDefinition", {}).get("containerDefinitions", []):
            config = container.get("logConfiguration") or {}
            options = config.get("options", {})
            if config.get("logDriver") != "awslogs" or "awslogs-group" not in options:
                continue
            prefix = options.get("awslogs-stream-prefix")
            stream = f"{prefix}/{container.get('name', '')}/{row.data['task_id']}" if prefix else row.data["task_id"]
            return LogTarget(options["awslogs-group"], stream, options.get("awslogs-region"))
        return None
