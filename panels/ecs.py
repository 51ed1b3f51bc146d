"""ECS / Fargate: clusters -> services -> tasks, with crash loops and short services as problems."""

from __future__ import annotations

from collections import Counter
from typing import Any

from panels.model import LogTarget, Panel, Problem, Row, Severity, Source, age, chunks, paginate, utc, when
from tui.session import AwsSession

DESCRIBE_SERVICES_MAX = 10
DESCRIBE_TASKS_MAX = 100
DESCRIBE_CLUSTERS_MAX = 100
CRASH_LOOP_STOPS = 2  # non-zero exits of one service in ECS's stopped-task window


def describe_services(aws: AwsSession, cluster: str) -> list[dict[str, Any]]:
    ecs = aws.client("ecs")
    arns = list(paginate(ecs, "list_services", "serviceArns", cluster=cluster))
    found: list[dict[str, Any]] = []
    for batch in chunks(arns, DESCRIBE_SERVICES_MAX):
        found += ecs.describe_services(cluster=cluster, services=list(batch))["services"]
    return found


def describe_tasks(aws: AwsSession, cluster: str, **filters: Any) -> list[dict[str, Any]]:
    """RUNNING and STOPPED tasks (ECS keeps stopped ones about an hour), 100 per describe call."""
    ecs = aws.client("ecs")
    arns: list[str] = []
    for status in ("RUNNING", "STOPPED"):
        arns += paginate(ecs, "list_tasks", "taskArns", cluster=cluster, desiredStatus=status, **filters)
    tasks: list[dict[str, Any]] = []
    for batch in chunks(list(dict.fromkeys(arns)), DESCRIBE_TASKS_MAX):
        tasks += ecs.describe_tasks(cluster=cluster, tasks=list(batch))["tasks"]
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


class EcsPanel(Panel):
    id, key, title, service, kind = "ecs", "4", "ECS", "ECS", "ecs.cluster"
    columns = ("Cluster", "Status", "Services", "Running", "Pending", "Capacity")

    def clusters(self, aws: AwsSession) -> list[dict[str, Any]]:
        ecs = aws.client("ecs")
        arns = list(paginate(ecs, "list_clusters", "clusterArns"))
        found: list[dict[str, Any]] = []
        for batch in chunks(arns, DESCRIBE_CLUSTERS_MAX):
            found += ecs.describe_clusters(clusters=list(batch))["clusters"]
        return found

    def rows(self, aws: AwsSession) -> list[Row]:
        return [
            Row(
                key=c["clusterArn"],
                name=c["clusterName"],
                status=c.get("status", ""),
                cells=(c["clusterName"], c.get("status", ""), c.get("activeServicesCount", 0),
                       c.get("runningTasksCount", 0), c.get("pendingTasksCount", 0),
                       ",".join(c.get("capacityProviders", [])) or "-"),
                detail=(("ARN", c["clusterArn"]), ("Capacity providers",
                        ", ".join(c.get("capacityProviders", [])) or "-")),
                data={"cluster": c["clusterArn"]},
            )
            for c in self.clusters(aws)
        ]

    def drill(self, row: Row) -> Source:
        return EcsServices(row.data["cluster"], row.name)

    def problems(self, aws: AwsSession) -> list[Problem]:
        problems: list[Problem] = []
        for cluster in self.clusters(aws):
            arn = cluster["clusterArn"]
            services = describe_services(aws, arn)
            if not services:
                continue
            stopped = [t for t in describe_tasks(aws, arn) if crashed(t)]
            for svc in services:
                problem = service_problem(cluster, svc, stopped)
                if problem:
                    problems.append(problem)
        return problems


def service_problem(
    cluster: dict[str, Any], svc: dict[str, Any], crashed_tasks: list[dict[str, Any]]
) -> Problem | None:
    """One problem per unhealthy service, with every symptom in its reason."""
    desired, running = svc.get("desiredCount", 0), svc.get("runningCount", 0)
    mine = [t for t in crashed_tasks if t.get("group") == f"service:{svc['serviceName']}"]
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
    latest = max((utc(t.get("stoppedAt")) for t in mine if t.get("stoppedAt")), default=None)
    return Problem(
        panel="ecs", service="ECS", resource=f"{cluster['clusterName']}/{svc['serviceName']}",
        status="CRASHLOOP" if len(mine) >= CRASH_LOOP_STOPS else "DEGRADED",
        reason="; ".join(symptoms), severity=severity, since=latest,
        path=(cluster["clusterArn"], svc["serviceArn"]), arn=svc["serviceArn"],
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
            rows.append(Row(
                key=s["serviceArn"],
                name=s["serviceName"],
                status="DEGRADED" if short else s.get("status", ""),
                cells=(s["serviceName"], s.get("desiredCount", 0), s.get("runningCount", 0),
                       s.get("pendingCount", 0), s.get("launchType", "-"),
                       s.get("taskDefinition", "").rsplit("/", 1)[-1], primary.get("rolloutState", "-")),
                detail=(("ARN", s["serviceArn"]), ("Task definition", s.get("taskDefinition", "")),
                        *deployments, *events),
                data={"cluster": self.cluster, "service": s["serviceName"], "arn": s["serviceArn"],
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
        # ListTasks ignores serviceName for STOPPED tasks, so match the task group instead.
        tasks = [t for t in describe_tasks(aws, self.cluster) if t.get("group") == f"service:{self.service}"]
        tasks.sort(key=lambda t: utc(t.get("startedAt") or t.get("createdAt")) or 0, reverse=True)
        rows = []
        for t in tasks:
            task_id = t["taskArn"].rsplit("/", 1)[-1]
            containers = [
                (f"container {c.get('name', '')}",
                 f"{c.get('lastStatus', '')} exit={c.get('exitCode', '-')} {c.get('reason', '')}".strip())
                for c in t.get("containers", [])
            ]
            rows.append(Row(
                key=t["taskArn"],
                name=task_id,
                status="FAILED" if crashed(t) else t.get("lastStatus", ""),
                cells=(task_id[:12], t.get("lastStatus", ""), t.get("healthStatus", "-"), exit_codes(t),
                       age(utc(t.get("startedAt"))), age(utc(t.get("stoppedAt"))) if t.get("stoppedAt") else "-",
                       t.get("stoppedReason", "")),
                detail=(("ARN", t["taskArn"]), ("Status", f"{t.get('lastStatus')} (desired {t.get('desiredStatus')})"),
                        ("Stop code", t.get("stopCode", "-")),
                        ("Stopped reason", t.get("stoppedReason", "-")), *containers,
                        ("Started / stopped", f"{when(t.get('startedAt'))} / {when(t.get('stoppedAt'))}"),
                        ("Task definition", t.get("taskDefinitionArn", "")),
                        ("CPU / memory", f"{t.get('cpu', '-')} / {t.get('memory', '-')}"),
                        ("Zone / IP", f"{t.get('availabilityZone', '-')} / {private_ip(t) or '-'}"),
                        ("Logs", "l opens this task's log stream")),
                data={"cluster": self.cluster, "task": t["taskArn"], "task_id": task_id,
                      "task_definition": t.get("taskDefinitionArn", ""),
                      "containers": [c.get("name", "") for c in t.get("containers", [])],
                      "running": t.get("lastStatus") == "RUNNING"},
            ))
        return rows

    def log_target(self, row: Row, aws: AwsSession) -> LogTarget | None:
        """The awslogs stream of the task's container, as its task definition names it:
        prefix/container/task-id (guessing the stream shows the wrong container's logs)."""
        definition = aws.client("ecs").describe_task_definition(taskDefinition=row.data["task_definition"])
        for container in definition["taskDefinition"].get("containerDefinitions", []):
            config = container.get("logConfiguration") or {}
            options = config.get("options", {})
            if config.get("logDriver") != "awslogs" or "awslogs-group" not in options:
                continue
            prefix = options.get("awslogs-stream-prefix")
            stream = f"{prefix}/{container['name']}/{row.data['task_id']}" if prefix else row.data["task_id"]
            return LogTarget(options["awslogs-group"], stream, options.get("awslogs-region"))
        return None
