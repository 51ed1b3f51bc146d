"""AWS Batch: job queues with their compute environments -> jobs of every status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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
    newest_first,
    now,
    paginate,
    tolerate,
    when,
)
from tui.session import AwsSession

WINDOW = timedelta(hours=24)
STUCK_RUNNABLE = timedelta(minutes=30)
UNKNOWN = "?"  # a part that could not be read, not an empty one


def millis(value: object) -> datetime | None:
    """Batch's epoch milliseconds as a time; None for anything that is not one."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    try:
        return datetime.fromtimestamp(value / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def job_key(job: dict[str, Any]) -> str:
    """jobId and jobName are the only members a job summary is sure to have."""
    return job.get("jobArn") or job.get("jobId") or job.get("jobName") or "?"


def recent_jobs(aws: AwsSession, queue: str) -> list[dict[str, Any]]:
    """Jobs of every status created in the window: with a filter, ListJobs ignores jobStatus,
    so one paginated call per queue replaces seven (one per status)."""
    after = int((now() - WINDOW).timestamp() * 1000)
    return list(paginate(aws.client("batch"), "list_jobs", "jobSummaryList", jobQueue=queue,
                         filters=[{"name": "AFTER_CREATED_AT", "values": [str(after)]}]))


def environments(aws: AwsSession, queue: dict[str, Any]) -> list[dict[str, Any]]:
    arns = [c["computeEnvironment"] for c in queue.get("computeEnvironmentOrder") or []
            if c.get("computeEnvironment")]
    if not arns:
        return []
    return aws.client("batch").describe_compute_environments(computeEnvironments=arns).get("computeEnvironments", [])


def capacity(envs: list[dict[str, Any]]) -> str:
    parts = []
    for e in envs:
        resources = e.get("computeResources") or {}
        name = e.get("computeEnvironmentName") or e.get("computeEnvironmentArn", "?")
        parts.append(f"{name} {e.get('state', '')}/{e.get('status', '')} "
                     f"vCPU min {resources.get('minvCpus', '-')} desired {resources.get('desiredvCpus', '-')} "
                     f"max {resources.get('maxvCpus', '-')} vCPU")
    return "; ".join(parts)


def queue_name(queue: dict[str, Any]) -> str:
    return queue.get("jobQueueName") or queue.get("jobQueueArn") or "?"


def list_queues(aws: AwsSession) -> list[dict[str, Any]]:
    return list(paginate(aws.client("batch"), "describe_job_queues", "jobQueues"))


def is_stuck(job: dict[str, Any]) -> bool:
    created = millis(job.get("createdAt"))
    return job.get("status") == "RUNNABLE" and created is not None and now() - created > STUCK_RUNNABLE


def jobs_in(aws: AwsSession, queue: str, status: str) -> list[dict[str, Any]]:
    """The queue's jobs in one status, filtered by the server (jobStatus): succeeded jobs cost nothing."""
    found = paginate(aws.client("batch"), "list_jobs", "jobSummaryList", jobQueue=queue, jobStatus=status)
    return [j for j in found if j.get("status", status) == status]


def recently_failed(job: dict[str, Any]) -> bool:
    """Failed within the window (Batch keeps failed jobs for days); one without a time counts."""
    moment = millis(job.get("stoppedAt")) or millis(job.get("createdAt"))
    return moment is None or now() - moment <= WINDOW


def check_jobs(aws: AwsSession, memo: Memo) -> list[Problem]:
    """Failed jobs, and jobs RUNNABLE too long with their compute environments' capacity
    (the usual reason); without the environments the stuck jobs are still reported. Two server-side
    status filters per queue: the cost does not grow with the jobs that succeeded."""
    problems = []
    for q in memo.get("batch.queues", lambda: list_queues(aws)):
        arn, name = q.get("jobQueueArn") or queue_name(q), queue_name(q)
        failed = tolerate(aws, f"failed jobs of {name}", lambda arn=arn: jobs_in(aws, arn, "FAILED"), [])
        runnable = tolerate(aws, f"runnable jobs of {name}", lambda arn=arn: jobs_in(aws, arn, "RUNNABLE"), [])
        jobs = [j for j in failed if recently_failed(j)]
        stuck = [j for j in runnable if is_stuck(j)]
        compute = tolerate(aws, f"compute environments of {name}", lambda q=q: capacity(environments(aws, q)),
                           UNKNOWN) if stuck else ""
        for j in jobs:
            if j.get("status") != "FAILED":
                continue
            reason = j.get("statusReason") or "failed"
            code = (j.get("container") or {}).get("exitCode")
            problems.append(Problem(
                panel="batch", service="Batch", resource=f"{name}/{j.get('jobName', '?')}",
                status="FAILED", reason=f"{reason} (exit {code})" if code is not None else reason,
                severity=Severity.HIGH, since=millis(j.get("stoppedAt")) or millis(j.get("createdAt")),
                path=(arn, job_key(j)), arn=job_key(j),
            ))
        for j in stuck:
            created = millis(j.get("createdAt"))
            problems.append(Problem(
                panel="batch", service="Batch", resource=f"{name}/{j.get('jobName', '?')}",
                status="STUCK RUNNABLE", reason=f"RUNNABLE for {age(created)}; compute: {compute or '-'}",
                severity=Severity.MEDIUM, since=created, path=(arn, job_key(j)), arn=job_key(j),
            ))
    return problems


class BatchPanel(Panel):
    id, key, title, service, kind = "batch", "6", "Batch", "Batch", "batch.queue"
    columns = ("Queue", "State", "Status", "Priority", "Failed", "Runnable", "Running")

    def rows(self, aws: AwsSession) -> list[Row]:
        rows = []
        for q in list_queues(aws):
            arn, name = q.get("jobQueueArn") or queue_name(q), queue_name(q)
            jobs = tolerate(aws, f"job counts of {name}", lambda arn=arn: recent_jobs(aws, arn), None)
            counts: dict[str, Any] = {s: UNKNOWN if jobs is None else sum(1 for j in jobs if j.get("status") == s)
                                      for s in ("FAILED", "RUNNABLE", "RUNNING")}
            compute = tolerate(aws, f"compute environments of {name}", lambda q=q: capacity(environments(aws, q)),
                               UNKNOWN)
            rows.append(Row(
                key=arn, name=name,
                status="FAILED" if jobs and counts["FAILED"] else q.get("state", ""),
                cells=(name, q.get("state", ""), q.get("status", ""), q.get("priority", "-"),
                       counts["FAILED"], counts["RUNNABLE"], counts["RUNNING"]),
                detail=(("ARN", arn), ("Status reason", q.get("statusReason", "-")),
                        ("Compute", compute or "-")),
                data={"queue": arn},
            ))
        return rows

    def drill(self, row: Row) -> Source:
        return BatchJobs(row.data["queue"], row.name)

    def checks(self) -> tuple[Check, ...]:
        return (Check("batch.jobs", "Batch failed and stuck jobs", check_jobs),)


DESCRIBE_JOBS_MAX = 100
QUEUED = ("SUBMITTED", "PENDING", "RUNNABLE")
DEFAULT_LOG_GROUP = "/aws/batch/job"


def describe_jobs(aws: AwsSession, job_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Full job descriptions (attempts, container, parameters), 100 ids per call."""
    found: dict[str, dict[str, Any]] = {}
    for batch in chunks(job_ids, DESCRIBE_JOBS_MAX):
        for job in aws.client("batch").describe_jobs(jobs=list(batch)).get("jobs", []):
            if job.get("jobId"):
                found[job["jobId"]] = job
    return found


def attempt_lines(job: dict[str, Any]) -> list[tuple[str, str]]:
    lines = []
    for number, attempt in enumerate(job.get("attempts") or [], start=1):
        container = attempt.get("container") or {}
        lines.append((f"attempt {number}",
                      f"exit {container.get('exitCode', '-')} {container.get('reason', '')} "
                      f"{attempt.get('statusReason', '')} · {when(millis(attempt.get('startedAt')))} → "
                      f"{when(millis(attempt.get('stoppedAt')))} · log {container.get('logStreamName', '-')}"))
    return lines


def children(job: dict[str, Any]) -> str:
    array = job.get("arrayProperties") or {}
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
        jobs = newest_first(recent_jobs(aws, self.queue), lambda j: millis(j.get("createdAt")))
        # The summaries are enough for the list; the descriptions add attempts, command and parameters.
        full = tolerate(aws, f"attempts and commands of {self.queue_name} jobs (job descriptions)",
                        lambda: describe_jobs(aws, [j["jobId"] for j in jobs if j.get("jobId")]), {})
        rows = []
        for summary in jobs:
            job = full.get(summary.get("jobId", ""), summary)
            described = job is not summary
            container = job.get("container") or {}
            exit_code = container.get("exitCode", (summary.get("container") or {}).get("exitCode", "-"))
            nodes = job.get("nodeProperties")
            name, status = job.get("jobName") or job.get("jobId") or "?", job.get("status", "")
            job_id = job.get("jobId", "")
            attempts = job.get("attempts") or []
            rows.append(Row(
                key=job_key(job), name=name, status=status,
                cells=(name, status, when(millis(job.get("createdAt"))),
                       when(millis(job.get("stoppedAt"))), len(attempts) if described else UNKNOWN, exit_code,
                       job.get("statusReason", "")),
                detail=(("Job id", job_id or "-"), ("Status", status or "-"),
                        ("Reason", job.get("statusReason", "-")),
                        ("Definition", job.get("jobDefinition", "-")),
                        ("Parameters", " ".join(f"{k}={v}" for k, v in (job.get("parameters") or {}).items())
                         or ("-" if described else UNKNOWN)),
                        ("Command", " ".join(str(c) for c in container.get("command") or [])
                         or ("-" if described else UNKNOWN)),
                        *attempt_lines(job),
                        *((("Array", children(job)),) if children(job) else ()),
                        *((("Nodes", f"{nodes.get('numNodes')} nodes, main {nodes.get('mainNode')}"),)
                          if isinstance(nodes, dict) and nodes else ()),
                        ("Logs", "l opens the last attempt's log stream")),
                data={"job": job_id, "name": name, "status": status,
                      "queue": self.queue, "definition": job.get("jobDefinition", ""),
                      "parameters": job.get("parameters") or {},
                      "container": container, "attempts": attempts,
                      # False: from the summary only, so a resubmit would lose the command it ran with
                      "described": described},
            ))
        return rows

    def log_target(self, row: Row, aws: AwsSession) -> LogTarget | None:
        attempts = row.data.get("attempts") or []
        container = (attempts[-1].get("container") if attempts else row.data.get("container")) or {}
        stream = container.get("logStreamName")
        if not stream:
            return None
        options = ((row.data.get("container") or {}).get("logConfiguration") or {}).get("options") or {}
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
