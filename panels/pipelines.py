"""CodePipeline: pipelines with their latest execution and failing stage -> stages and actions
(errors, approvals, Step Functions links) -> CodeBuild phases."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from rich.text import Text

from panels.model import LogTarget, Panel, Problem, Row, Severity, Source, age, duration, now, paginate, utc, when
from panels.stepfunctions import ExecutionHistory
from tui.session import AwsSession

SFN_EXECUTION = re.compile(r"arn:aws[\w-]*:states:[\w-]+:\d{12}:execution:[\w.-]+:[\w.-]+")
MARK = {"Succeeded": "✓", "Failed": "✗", "InProgress": "…", "Stopped": "■", "Abandoned": "■"}


def executions(aws: AwsSession, pipeline: str, limit: int) -> list[dict[str, Any]]:
    client = aws.client("codepipeline")
    return list(paginate(client, "list_pipeline_executions", "pipelineExecutionSummaries",
                         pipelineName=pipeline, PaginationConfig={"MaxItems": limit}))


def trigger(execution: dict[str, Any]) -> str:
    found = execution.get("trigger", {})
    return found.get("triggerDetail") or found.get("triggerType", "-")


def state(aws: AwsSession, pipeline: str) -> list[dict[str, Any]]:
    return aws.client("codepipeline").get_pipeline_state(name=pipeline).get("stageStates", [])


def stage_status(stage: dict[str, Any]) -> str:
    return stage.get("latestExecution", {}).get("status", "")


def waiting_approvals(stages: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(stage, action state) for manual approvals waiting on a person (they have a token)."""
    return [(s["stageName"], a) for s in stages for a in s.get("actionStates", [])
            if a.get("latestExecution", {}).get("status") == "InProgress" and a["latestExecution"].get("token")]


def linked_execution(aws: AwsSession, arn: str) -> str:
    """The Step Functions execution an action drives: its status and how long it has run."""
    try:
        found = aws.client("stepfunctions").describe_execution(executionArn=arn)
    except Exception as exc:  # the link is a hint; a missing execution must not hide the stage
        return f"{arn} (cannot describe: {type(exc).__name__})"
    took = duration(utc(found.get("startDate")), utc(found.get("stopDate")))
    return f"{found.get('status', '?')} for {took} · {arn} (enter opens it)"


def diagram(stages: list[dict[str, Any]]) -> Text:
    text = Text()
    for index, stage in enumerate(stages):
        status = stage_status(stage)
        style = {"Failed": "bold red", "InProgress": "yellow", "Succeeded": "green"}.get(status, "dim")
        text.append(f"{stage['stageName']} {MARK.get(status, '·')}", style=style)
        if index < len(stages) - 1:
            text.append(" → ", style="dim")
    return text


STUCK_FACTOR = 3  # an execution this many times longer than the usual one is stuck
STUCK_FLOOR = timedelta(minutes=15)


def stuck(name: str, latest: dict[str, Any], history: list[dict[str, Any]],
          stages: list[dict[str, Any]]) -> list[Problem]:
    """The running execution, when it has run far longer than the pipeline's usual successful one."""
    took = sorted(utc(e["lastUpdateTime"]) - utc(e["startTime"]) for e in history  # type: ignore[operator]
                  if e.get("status") == "Succeeded" and e.get("lastUpdateTime"))
    started = utc(latest.get("startTime"))
    if len(took) < 2 or started is None:
        return []
    usual = took[len(took) // 2]
    if now() - started <= max(usual * STUCK_FACTOR, STUCK_FLOOR):
        return []
    stage = next((s["stageName"] for s in stages if stage_status(s) == "InProgress"), "?")
    return [Problem(
        panel="pipelines", service="CodePipeline", resource=name, status="STUCK",
        reason=f"stage {stage} in progress; the execution has run {age(started)}, usually {age(now() - usual)}",
        severity=Severity.MEDIUM, since=started, path=(name,), arn=latest.get("pipelineExecutionId", ""),
    )]


class PipelinesPanel(Panel):
    id, key, title, service, kind = "pipelines", "2", "Pipelines", "CodePipeline", "codepipeline.pipeline"
    columns = ("Pipeline", "Latest", "Stage", "Started", "Trigger", "Summary")

    def latest(self, aws: AwsSession) -> list[tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]]:
        client = aws.client("codepipeline")
        found = []
        for pipeline in paginate(client, "list_pipelines", "pipelines"):
            latest = executions(aws, pipeline["name"], 1)
            found.append((pipeline, latest[0] if latest else {}, state(aws, pipeline["name"])))
        return found

    def rows(self, aws: AwsSession) -> list[Row]:
        rows = []
        for pipeline, latest, stages in self.latest(aws):
            status = latest.get("status", "never run")
            failing = next((s["stageName"] for s in stages if stage_status(s) == "Failed"), "")
            waiting = waiting_approvals(stages)
            where = f"{failing} ✗" if failing else (f"{waiting[0][0]}: approval" if waiting else "")
            rows.append(Row(
                key=pipeline["name"], name=pipeline["name"],
                status="WAITING" if waiting and status == "InProgress" else status,
                cells=(pipeline["name"], status, where, when(latest.get("startTime")), trigger(latest),
                       latest.get("statusSummary", "")),
                detail=(("Stages", diagram(stages).plain), ("Pipeline", pipeline["name"]),
                        ("Version", pipeline.get("version", "-")),
                        ("Latest execution", latest.get("pipelineExecutionId", "-")),
                        ("Status", status), ("Summary", latest.get("statusSummary", "-")),
                        ("Updated", when(pipeline.get("updated")))),
                data={"pipeline": pipeline["name"]},
            ))
        return rows

    def drill(self, row: Row) -> Source:
        return PipelineStages(row.name)

    def problems(self, aws: AwsSession) -> list[Problem]:
        problems = []
        for pipeline, latest, stages in self.latest(aws):
            name = pipeline["name"]
            if latest.get("status") == "Failed":
                failed = [(s["stageName"], a) for s in stages for a in s.get("actionStates", [])
                          if a.get("latestExecution", {}).get("status") == "Failed"]
                reason = latest.get("statusSummary") or "latest execution failed"
                path: tuple[str, ...] = (name,)
                if failed:
                    stage_name, action = failed[0]
                    error = action["latestExecution"].get("errorDetails", {})
                    reason = f"{stage_name}/{action['actionName']}: {error.get('message') or reason}"
                    path = (name, f"{name}/{stage_name}/{action['actionName']}")
                problems.append(Problem(
                    panel="pipelines", service="CodePipeline", resource=name, status="Failed", reason=reason,
                    severity=Severity.HIGH, since=utc(latest.get("lastUpdateTime")), path=path,
                    arn=latest.get("pipelineExecutionId", ""),
                ))
            if latest.get("status") == "InProgress" and not waiting_approvals(stages):
                problems += stuck(name, latest, executions(aws, name, 20), stages)
            for stage_name, action in waiting_approvals(stages):
                since = utc(action["latestExecution"].get("lastStatusChange"))
                problems.append(Problem(
                    panel="pipelines", service="CodePipeline", resource=f"{name}/{action['actionName']}",
                    status="APPROVAL WAITING",
                    reason=f"{stage_name} waits for a person since {age(since)}: "
                           f"{action['latestExecution'].get('summary', '')}".strip(),
                    severity=Severity.MEDIUM, since=since,
                    path=(name, f"{name}/{stage_name}/{action['actionName']}"),
                ))
        return problems


class PipelineStages(Source):
    """Every action of the pipeline's current run, stage by stage."""

    title, kind = "stages", "codepipeline.action"
    columns = ("Stage", "Action", "Status", "Changed", "Summary or error")

    def __init__(self, pipeline: str) -> None:
        self.pipeline = pipeline
        self.stages: list[dict[str, Any]] = []

    @property
    def label(self) -> str:
        return f"{self.pipeline} › stages"

    def alternatives(self) -> tuple[Source, ...]:
        return (PipelineStages(self.pipeline), PipelineExecutions(self.pipeline))

    def rows(self, aws: AwsSession) -> list[Row]:
        definition = aws.client("codepipeline").get_pipeline(name=self.pipeline)["pipeline"]
        types = {(s["name"], a["name"]): a.get("actionTypeId", {}) for s in definition["stages"] for a in s["actions"]}
        self.stages = state(aws, self.pipeline)
        rows = []
        for stage in self.stages:
            for action in stage.get("actionStates", []):
                latest = action.get("latestExecution", {})
                error = latest.get("errorDetails", {})
                kind = types.get((stage["stageName"], action["actionName"]), {})
                text = " ".join(str(v) for v in (latest.get("summary"), error.get("message"),
                                                 latest.get("externalExecutionId")) if v)
                linked = SFN_EXECUTION.search(text)
                workflow = linked_execution(aws, linked.group(0)) if linked else "-"
                status = latest.get("status", "not run")
                if status == "InProgress" and latest.get("token"):
                    status = "WAITING APPROVAL"
                rows.append(Row(
                    key=f"{self.pipeline}/{stage['stageName']}/{action['actionName']}", name=action["actionName"],
                    status=status,
                    cells=(stage["stageName"], action["actionName"], status,
                           age(utc(latest.get("lastStatusChange"))) if latest.get("lastStatusChange") else "-",
                           f"{error.get('code', '')}: {error.get('message', '')}" if error else
                           latest.get("summary", "")),
                    detail=(("Action", f"{kind.get('category', '?')} / {kind.get('provider', '?')}"),
                            ("Status", status), ("Summary", latest.get("summary", "-")),
                            ("Error", f"{error.get('code')}: {error.get('message')}" if error else "-"),
                            ("External id", latest.get("externalExecutionId", "-")),
                            ("Link", latest.get("externalExecutionUrl", "-")),
                            ("Step Functions", workflow)),
                    data={"pipeline": self.pipeline, "stage": stage["stageName"], "action": action["actionName"],
                          "status": latest.get("status", ""), "token": latest.get("token", ""),
                          "execution": stage.get("latestExecution", {}).get("pipelineExecutionId", ""),
                          "provider": kind.get("provider", ""), "external": latest.get("externalExecutionId", ""),
                          "sfn_execution": linked.group(0) if linked else ""},
                ))
        return rows

    def summary(self, rows: list[Row]) -> Text | None:
        return diagram(self.stages) if self.stages else None

    def drill(self, row: Row) -> Source | None:
        """A CodeBuild action opens its build; an action driving Step Functions, its execution."""
        if row.data["provider"] == "CodeBuild" and row.data["external"]:
            return BuildPhases(row.data["external"])
        if row.data["sfn_execution"]:
            return ExecutionHistory(row.data["sfn_execution"], row.data["sfn_execution"].rsplit(":", 1)[-1])
        return None


class PipelineExecutions(Source):
    title, kind = "executions", "codepipeline.execution"
    columns = ("Execution", "Status", "Started", "Duration", "Trigger", "Summary")

    def __init__(self, pipeline: str) -> None:
        self.pipeline = pipeline

    @property
    def label(self) -> str:
        return f"{self.pipeline} › executions"

    def alternatives(self) -> tuple[Source, ...]:
        return PipelineStages(self.pipeline).alternatives()

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


class BuildPhases(Source):
    """A CodeBuild build's phases, the failed and the longest marked; `l` opens its log."""

    title, kind = "phases", "codebuild.phase"
    columns = ("Phase", "Status", "Seconds", "Note", "Message")

    def __init__(self, build_id: str) -> None:
        self.build_id = build_id
        self.build: dict[str, Any] = {}

    @property
    def label(self) -> str:
        return f"build {self.build_id}"

    def rows(self, aws: AwsSession) -> list[Row]:
        builds = aws.client("codebuild").batch_get_builds(ids=[self.build_id]).get("builds", [])
        self.build = builds[0] if builds else {}
        phases = self.build.get("phases", [])
        longest = max((p.get("durationInSeconds", 0) for p in phases), default=0)
        rows = []
        for index, p in enumerate(phases):
            message = "; ".join(f"{c.get('statusCode', '')}: {c.get('message', '')}" for c in p.get("contexts", []))
            seconds = p.get("durationInSeconds", 0)
            rows.append(Row(
                key=f"{self.build_id}#{index}", name=p["phaseType"],
                status="FAILED" if p.get("phaseStatus") in ("FAILED", "FAULT", "TIMED_OUT") else
                p.get("phaseStatus", ""),
                cells=(p["phaseType"], p.get("phaseStatus", "…"), seconds,
                       "longest" if seconds and seconds == longest else "", message),
                detail=(("Phase", p["phaseType"]), ("Status", p.get("phaseStatus", "in progress")),
                        ("Started / ended", f"{when(utc(p.get('startTime')))} / {when(utc(p.get('endTime')))}"),
                        ("Message", message or "-"), ("Build", f"{self.build.get('buildStatus', '-')} "
                                                               f"{self.build.get('arn', self.build_id)}")),
                data={"build": self.build_id},
            ))
        return rows

    def summary(self, rows: list[Row]) -> Text | None:
        if not self.build:
            return None
        return Text(f"{self.build.get('projectName', '')} build {self.build.get('buildStatus', '')} · "
                    f"source {self.build.get('sourceVersion', '-')} · l opens its log", style="dim")

    def log_target(self, row: Row, aws: AwsSession) -> LogTarget | None:
        logs = self.build.get("logs", {})
        if logs.get("groupName") and logs.get("streamName"):
            return LogTarget(logs["groupName"], logs["streamName"])
        return None
