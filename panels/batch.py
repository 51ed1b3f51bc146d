"""AWS Batch: job queues with their compute environments -> jobs of every status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from panels.model import LogTarget, Panel, Problem, Row, Severity, Source, age, chunks, now, paginate, when
from tui.session import AwsSession

WINDOW = timedelta(hours=24)
STUCK_RUNNABLE = timedelta(minutes=30)


def millis(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value / 1000, UTC) if value else None


def recent_jobs(aws: AwsSession, queue: str) -> list[dict[str, Any]]:
    """Jobs of every status created in the window: with a filter, ListJobs ignores jobStatus,
    so one paginated call per queue replaces seven (one per status)."""
    after = int((now() - WINDOW).timestamp() * 1000)
    return list(paginate(aws.client("batch"), "list_jobs", "jobSummaryList", jobQueue=queue,
                         filters=[{"name": "AFTER_CREATED_AT", "values": [str(after)]}]))


def environments(aws: AwsSession, queue: dict[str, Any]) -> list[dict[str, Any]]:
    arns = [c["computeEnvironment"] for c in queue.get("computeEnvironmentOrder", [])]
    if not arns:
        return []
    return aws.client("batch").describe_compute_environments(computeEnvironments=arns)["computeEnvironments"]


def capacity(envs: list[dict[str, Any]]) -> str:
    parts = []
    for e in envs:
        resources = e.get("computeResources", {})
        parts.append(f"{e['computeEnvironmentName']} {e.get('state', '')}/{e.get('status', '')} "
                     f"vCPU min {resources.get('minvCpus', '-')} desired {resources.get('desiredvCpus', '-')} "
                     f"max {resources.get('maxvCpus', '-')} vCPU")
    return "; ".join(parts)


class BatchPanel(Panel):
    id, key, title, service, kind = "batch", "6", "Batch", "Batch", "batch.queue"
    columns = ("Queue", "State", "Status", "Priority", "Failed", "Runnable", "Running")

    def queues(self, aws: AwsSession) -> list[dict[str, Any]]:
        return list(paginate(aws.client("batch"), "describe_job_queues", "jobQueues"))

    def rows(self, aws: AwsSession) -> list[Row]:
        rows = []
        for q in self.queues(aws):
            jobs = recent_jobs(aws, q["jobQueueArn"])
            count = {s: sum(1 for j in jobs if j["status"] == s) for s in ("FAILED", "RUNNABLE", "RUNNING")}
            rows.append(Row(
                key=q["jobQueueArn"], name=q["jobQueueName"],
                status="FAILED" if count["FAILED"] else q.get("state", ""),
                cells=(q["jobQueueName"], q.get("state", ""), q.get("status", ""), q.get("priority", 0),
                       count["FAILED"], count["RUNNABLE"], count["RUNNING"]),
                detail=(("ARN", q["jobQueueArn"]), ("Status reason", q.get("statusReason", "-")),
                        ("Compute", capacity(environments(aws, q)) or "-")),
                data={"queue": q["jobQueueArn"]},
            ))
        return rows

    def drill(self, row: Row) -> Source:
        return BatchJobs(row.data["queue"], row.name)

    def problems(self, aws: AwsSession) -> list[Problem]:
        problems = []
        for q in self.queues(aws):
            jobs = recent_jobs(aws, q["jobQueueArn"])
            stuck = [j for j in jobs if j["status"] == "RUNNABLE"
                     and now() - (millis(j.get("createdAt")) or now()) > STUCK_RUNNABLE]
            compute = capacity(environments(aws, q)) if stuck else ""
            for j in jobs:
                if j["status"] == "FAILED":
                    reason = j.get("statusReason", "failed")
                    code = j.get("container", {}).get("exitCode")
                    problems.append(Problem(
                        panel="batch", service="Batch", resource=f"{q['jobQueueName']}/{j['jobName']}",
                        status="FAILED", reason=f"{reason} (exit {code})" if code is not None else reason,
                        severity=Severity.HIGH, since=millis(j.get("stoppedAt") or j.get("createdAt")),
                        path=(q["jobQueueArn"], j["jobArn"]), arn=j["jobArn"],
                    ))
            for j in stuck:
                created = millis(j.get("createdAt"))
                problems.append(Problem(
                    panel="batch", service="Batch", resource=f"{q['jobQueueName']}/{j['jobName']}",
                    status="STUCK RUNNABLE", reason=f"RUNNABLE for {age(created)}; compute: {compute}",
                    severity=Severity.MEDIUM, since=created,
                    path=(q["jobQueueArn"], j["jobArn"]), arn=j["jobArn"],
                ))
        return problems


DESCRIBE_JOBS_MAX = 100
QUEUED = ("SUBMITTED", "PENDING", "RUNNABLE")
DEFAULT_LOG_GROUP = "/aws/batch/job"


def describe_jobs(aws: AwsSession, job_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Full job descriptions (attempts, container, parameters), 100 ids per call."""
    found: dict[str, dict[str, Any]] = {}
    for batch in chunks(job_ids, DESCRIBE_JOBS_MAX):
        for job in aws.client("batch").describe_jobs(jobs=list(batch))["jobs"]:
            found[job["jobId"]] = job
    return found


def attempt_lines(job: dict[str, Any]) -> list[tuple[str, str]]:
    lines = []
    for number, attempt in enumerate(job.get("attempts", []), start=1):
        container = attempt.get("container", {})
        lines.append((f"attempt {number}",
                      f"exit {container.get('exitCode', '-')} {container.get('reason', '')} "
                      f"{attempt.get('statusReason', '')} · {when(millis(attempt.get('startedAt')))} → "
                      f"{when(millis(attempt.get('stoppedAt')))} · log {container.get('logStreamName', '-')}"))
    return lines


def children(job: dict[str, Any]) -> str:
    array = job.get("arrayProperties", {})
    summary = array.get("statusSummary") or {}
    counts = " ".join(f"{k.lower()} {v}" for k, v in summary.items() if v)
    return f"array of {array['size']}: {counts or '-'}" if "size" in array else ""


class BatchJobs(Source):
    title, kind = "jobs", "batch.job"
    columns = ("Job", "Status", "Created", "Stopped", "Tries", "Exit", "Reason")

    def __init__(self, queue: str, queue_name: str) -> None:
        self.queue, self.queue_name = queue, queue_name

    @property
    def label(self) -> str:
        return f"{self.queue_name} › jobs"

    def rows(self, aws: AwsSession) -> list[Row]:
        jobs = sorted(recent_jobs(aws, self.queue), key=lambda j: j.get("createdAt", 0), reverse=True)
        full = describe_jobs(aws, [j["jobId"] for j in jobs])
        rows = []
        for summary in jobs:
            job = full.get(summary["jobId"], summary)
            container = job.get("container", {})
            exit_code = container.get("exitCode", summary.get("container", {}).get("exitCode", "-"))
            nodes = job.get("nodeProperties")
            rows.append(Row(
                key=job["jobArn"], name=job["jobName"], status=job["status"],
                cells=(job["jobName"], job["status"], when(millis(job.get("createdAt"))),
                       when(millis(job.get("stoppedAt"))), len(job.get("attempts", [])), exit_code,
                       job.get("statusReason", "")),
                detail=(("Job id", job["jobId"]), ("Status", job["status"]),
                        ("Reason", job.get("statusReason", "-")),
                        ("Definition", job.get("jobDefinition", "-")),
                        ("Parameters", job.get("parameters") or "-"),
                        ("Command", " ".join(container.get("command", [])) or "-"),
                        *attempt_lines(job),
                        *((("Array", children(job)),) if children(job) else ()),
                        *((("Nodes", f"{nodes.get('numNodes')} nodes, main {nodes.get('mainNode')}"),)
                          if nodes else ()),
                        ("Logs", "l opens the last attempt's log stream")),
                data={"job": job["jobId"], "name": job["jobName"], "status": job["status"],
                      "queue": self.queue, "definition": job.get("jobDefinition", ""),
                      "parameters": job.get("parameters") or {},
                      "container": container, "attempts": job.get("attempts", [])},
            ))
        return rows

    def log_target(self, row: Row, aws: AwsSession) -> LogTarget | None:
        attempts = row.data.get("attempts") or []
        container = attempts[-1].get("container", {}) if attempts else row.data.get("container", {})
        stream = container.get("logStreamName")
        if not stream:
            return None
        options = (row.data.get("container", {}).get("logConfiguration") or {}).get("options", {})
        return LogTarget(options.get("awslogs-group", DEFAULT_LOG_GROUP), stream, options.get("awslogs-region"))


def resubmit_params(row: Row) -> dict[str, Any]:
    """The same job again: definition, queue, parameters, and the container's command,
    environment and resources as they ran."""
    container = row.data.get("container", {})
    overrides = {key: container[key] for key in ("command", "environment", "resourceRequirements")
                 if container.get(key)}
    params: dict[str, Any] = {"jobName": row.data["name"], "jobQueue": row.data["queue"],
                              "jobDefinition": row.data["definition"]}
    if row.data.get("parameters"):
        params["parameters"] = row.data["parameters"]
    if overrides:
        params["containerOverrides"] = overrides
    return params
