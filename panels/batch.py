"""AWS Batch: job queues with their compute environments -> jobs of every status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from panels.model import Panel, Problem, Row, Severity, Source, age, now, paginate, when
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
    return "; ".join(
        f"{e['computeEnvironmentName']} {e.get('state', '')}/{e.get('status', '')} "
        f"max {e.get('computeResources', {}).get('maxvCpus', '-')} vCPU"
        for e in envs
    )


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


class BatchJobs(Source):
    title, kind = "jobs", "batch.job"
    columns = ("Job", "Status", "Created", "Stopped", "Exit", "Reason")

    def __init__(self, queue: str, queue_name: str) -> None:
        self.queue, self.queue_name = queue, queue_name

    @property
    def label(self) -> str:
        return f"{self.queue_name} › jobs"

    def rows(self, aws: AwsSession) -> list[Row]:
        jobs = sorted(recent_jobs(aws, self.queue), key=lambda j: j.get("createdAt", 0), reverse=True)
        return [
            Row(
                key=j["jobArn"], name=j["jobName"], status=j["status"],
                cells=(j["jobName"], j["status"], when(millis(j.get("createdAt"))),
                       when(millis(j.get("stoppedAt"))), j.get("container", {}).get("exitCode", "-"),
                       j.get("statusReason", "")),
                detail=(("Job id", j["jobId"]), ("ARN", j["jobArn"]), ("Status", j["status"]),
                        ("Reason", j.get("statusReason", "-")),
                        ("Definition", j.get("jobDefinition", "-"))),
                data={"job": j["jobId"], "status": j["status"]},
            )
            for j in jobs
        ]
