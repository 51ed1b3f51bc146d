"""CodePipeline: pipelines with their latest execution -> recent executions."""

from __future__ import annotations

from typing import Any

from panels.model import Panel, Problem, Row, Severity, Source, duration, paginate, utc, when
from tui.session import AwsSession

FAILED = ("Failed", "Stopped", "Superseded")


def executions(aws: AwsSession, pipeline: str, limit: int) -> list[dict[str, Any]]:
    client = aws.client("codepipeline")
    return list(paginate(client, "list_pipeline_executions", "pipelineExecutionSummaries",
                         pipelineName=pipeline, PaginationConfig={"MaxItems": limit}))


def trigger(execution: dict[str, Any]) -> str:
    found = execution.get("trigger", {})
    return found.get("triggerDetail") or found.get("triggerType", "-")


class PipelinesPanel(Panel):
    id, key, title, service, kind = "pipelines", "2", "Pipelines", "CodePipeline", "codepipeline.pipeline"
    columns = ("Pipeline", "Latest", "Started", "Trigger", "Summary")

    def latest(self, aws: AwsSession) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        client = aws.client("codepipeline")
        found = []
        for pipeline in paginate(client, "list_pipelines", "pipelines"):
            latest = executions(aws, pipeline["name"], 1)
            found.append((pipeline, latest[0] if latest else {}))
        return found

    def rows(self, aws: AwsSession) -> list[Row]:
        rows = []
        for pipeline, latest in self.latest(aws):
            status = latest.get("status", "never run")
            rows.append(Row(
                key=pipeline["name"], name=pipeline["name"], status=status,
                cells=(pipeline["name"], status, when(latest.get("startTime")), trigger(latest),
                       latest.get("statusSummary", "")),
                detail=(("Pipeline", pipeline["name"]), ("Version", pipeline.get("version", "-")),
                        ("Latest execution", latest.get("pipelineExecutionId", "-")),
                        ("Status", status), ("Summary", latest.get("statusSummary", "-")),
                        ("Updated", when(pipeline.get("updated")))),
                data={"pipeline": pipeline["name"]},
            ))
        return rows

    def drill(self, row: Row) -> Source:
        return PipelineExecutions(row.name)

    def problems(self, aws: AwsSession) -> list[Problem]:
        return [
            Problem(
                panel="pipelines", service="CodePipeline", resource=pipeline["name"],
                status=latest["status"], reason=latest.get("statusSummary") or "latest execution failed",
                severity=Severity.HIGH, since=utc(latest.get("lastUpdateTime")),
                path=(pipeline["name"],), arn=latest.get("pipelineExecutionId", ""),
            )
            for pipeline, latest in self.latest(aws)
            if latest.get("status") == "Failed"
        ]


class PipelineExecutions(Source):
    title, kind = "executions", "codepipeline.execution"
    columns = ("Execution", "Status", "Started", "Duration", "Trigger", "Summary")

    def __init__(self, pipeline: str) -> None:
        self.pipeline = pipeline

    @property
    def label(self) -> str:
        return f"{self.pipeline} › executions"

    def rows(self, aws: AwsSession) -> list[Row]:
        return [
            Row(
                key=e["pipelineExecutionId"], name=e["pipelineExecutionId"], status=e.get("status", ""),
                cells=(e["pipelineExecutionId"][:8], e.get("status", ""), when(e.get("startTime")),
                       duration(utc(e.get("startTime")), utc(e.get("lastUpdateTime"))), trigger(e),
                       e.get("statusSummary", "")),
                detail=(("Execution", e["pipelineExecutionId"]), ("Status", e.get("status", "")),
                        ("Summary", e.get("statusSummary", "-")), ("Trigger", trigger(e))),
                data={"pipeline": self.pipeline, "execution": e["pipelineExecutionId"]},
            )
            for e in executions(aws, self.pipeline, 25)
        ]
