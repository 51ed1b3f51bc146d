"""CodePipeline: pipelines with their latest execution and failing stage -> stages and actions
(errors, approvals, Step Functions links) -> CodeBuild phases."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from rich.text import Text

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
    duration,
    now,
    paginate,
    tolerate,
    utc,
    when,
)
from panels.stepfunctions import ExecutionHistory
from tui.session import AwsSession

SFN_EXECUTION = re.compile(r"arn:aws[\w-]*:states:[\w-]+:\d{12}:execution:[\w.-]+:[\w.-]+")
MARK = {"Succeeded": "✓", "Failed": "✗", "InProgress": "…", "Stopped": "■", "Abandoned": "■"}
HISTORY = 20  # executions read per pipeline by the checks: the latest, and the usual duration


def list_pipelines(aws: AwsSession) -> list[dict[str, Any]]:
    """Pipeline summaries. `name` is optional in the model, but a pipeline without one cannot be
    read or acted on, so it is left out."""
    return [p for p in paginate(aws.client("codepipeline"), "list_pipelines", "pipelines") if p.get("name")]


def executions(aws: AwsSession, pipeline: str, limit: int) -> list[dict[str, Any]]:
    """Newest first (the API's order)."""
    client = aws.client("codepipeline")
    return list(paginate(client, "list_pipeline_executions", "pipelineExecutionSummaries",
                         pipelineName=pipeline, PaginationConfig={"MaxItems": limit}))


def trigger(execution: dict[str, Any]) -> str:
    found = execution.get("trigger") or {}
    return found.get("triggerDetail") or found.get("triggerType", "-")


def state(aws: AwsSession, pipeline: str) -> list[dict[str, Any]]:
    return aws.client("codepipeline").get_pipeline_state(name=pipeline).get("stageStates", [])


def stage_status(stage: dict[str, Any]) -> str:
    return (stage.get("latestExecution") or {}).get("status", "")


def latest_of(action: dict[str, Any]) -> dict[str, Any]:
    return action.get("latestExecution") or {}


def stage_label(stage: dict[str, Any], index: int) -> str:
    """The stage's name; `stageName` is optional, so a missing one is labelled by its position."""
    return stage.get("stageName") or f"#{index + 1}"


def actions(stages: list[dict[str, Any]]) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(stage label, action label, stage, action state) for every action. Names are optional in
    GetPipelineState, so a missing one is labelled by its position: the row keys and triage's
    paths are built from these labels, so both always agree."""
    for i, stage in enumerate(stages):
        for j, action in enumerate(stage.get("actionStates", [])):
            yield stage_label(stage, i), action.get("actionName") or f"#{j + 1}", stage, action


def action_key(pipeline: str, stage: str, action: str) -> str:
    return f"{pipeline}/{stage}/{action}"


def waiting_approvals(stages: list[dict[str, Any]]) -> list[tuple[str, str, dict[str, Any]]]:
    """(stage, action, action state) for manual approvals waiting on a person (they have a token)."""
    return [(stage, name, a) for stage, name, _, a in actions(stages)
            if latest_of(a).get("status") == "InProgress" and latest_of(a).get("token")]


def linked_execution(aws: AwsSession, arn: str) -> str:
    """The Step Functions execution an action drives: its status and how long it has run."""
    found = aws.client("stepfunctions").describe_execution(executionArn=arn)
    took = duration(utc(found.get("startDate")), utc(found.get("stopDate")))
    return f"{found.get('status', '?')} for {took} · {arn} (enter opens it)"


def run_of(stage: dict[str, Any]) -> str:
    return (stage.get("latestExecution") or {}).get("pipelineExecutionId") or ""


def diagram(stages: list[dict[str, Any]]) -> Text:
    """Stage → stage with each one's latest result; a stage the newest run has not reached shows
    an earlier run's result, dim and in parentheses ("Deploy (✓)": not this release going out)."""
    newest = run_of(stages[0]) if stages else ""  # every run starts at the first stage
    text = Text()
    for index, stage in enumerate(stages):
        status, run = stage_status(stage), run_of(stage)
        mark = MARK.get(status, "·")
        earlier = bool(newest and run and run != newest)
        style = "dim" if earlier else {"Failed": "bold red", "InProgress": "yellow", "Succeeded": "green"}.get(
            status, "dim")
        text.append(f"{stage_label(stage, index)} {f'({mark})' if earlier else mark}", style=style)
        if index < len(stages) - 1:
            text.append(" → ", style="dim")
    return text


STUCK_FACTOR = 3  # an execution this many times longer than the usual one is stuck
STUCK_FLOOR = timedelta(minutes=15)


def usual_duration(history: list[dict[str, Any]]) -> timedelta | None:
    """The median successful run, from at least two of them; None where there are fewer."""
    took = sorted(end - start for e in history if e.get("status") == "Succeeded"
                  and (start := utc(e.get("startTime"))) is not None
                  and (end := utc(e.get("lastUpdateTime"))) is not None)
    return took[len(took) // 2] if len(took) >= 2 else None


def overdue(latest: dict[str, Any], history: list[dict[str, Any]]) -> timedelta | None:
    """The usual duration, when `latest` has run far longer than it; else None."""
    usual, started = usual_duration(history), utc(latest.get("startTime"))
    if usual is None or started is None or now() - started <= max(usual * STUCK_FACTOR, STUCK_FLOOR):
        return None
    return usual


def stuck(name: str, latest: dict[str, Any], history: list[dict[str, Any]],
          stages: list[dict[str, Any]]) -> list[Problem]:
    """The running execution, when it has run far longer than the pipeline's usual successful one."""
    usual = overdue(latest, history)
    started = utc(latest.get("startTime"))
    if usual is None or started is None:
        return []
    stage = next((stage_label(s, i) for i, s in enumerate(stages) if stage_status(s) == "InProgress"), "?")
    return [Problem(
        panel="pipelines", service="CodePipeline", resource=name, status="STUCK",
        reason=f"stage {stage} in progress; the execution has run {age(started)}, usually {age(now() - usual)}",
        severity=Severity.MEDIUM, since=started, path=(name,), arn=latest.get("pipelineExecutionId", ""),
    )]


def failed_problem(name: str, latest: dict[str, Any], stages: list[dict[str, Any]]) -> Problem:
    """The failed execution, named by its failed action where the stage states tell it."""
    reason = latest.get("statusSummary") or "latest execution failed"
    path: tuple[str, ...] = (name,)
    failed = [(stage, action, a) for stage, action, _, a in actions(stages) if latest_of(a).get("status") == "Failed"]
    if failed:
        stage, action, found = failed[0]
        error = latest_of(found).get("errorDetails") or {}
        reason = f"{stage}/{action}: {error.get('message') or reason}"
        path = (name, action_key(name, stage, action))
    return Problem(
        panel="pipelines", service="CodePipeline", resource=name, status="Failed", reason=reason,
        severity=Severity.HIGH, since=utc(latest.get("lastUpdateTime")), path=path,
        arn=latest.get("pipelineExecutionId", ""),
    )


# -- checks: reads shared through the memo, so each pipeline is read once per triage run ------
def pipelines(aws: AwsSession, memo: Memo) -> list[dict[str, Any]]:
    return memo.get("codepipeline.pipelines", lambda: list_pipelines(aws))


def history_of(aws: AwsSession, memo: Memo, name: str) -> list[dict[str, Any]]:
    return memo.get(f"codepipeline.executions:{name}", lambda: executions(aws, name, HISTORY))


def stages_of(aws: AwsSession, memo: Memo, name: str) -> list[dict[str, Any]]:
    return memo.get(f"codepipeline.state:{name}", lambda: state(aws, name))


def check_failed(aws: AwsSession, memo: Memo) -> list[Problem]:
    """Pipelines whose latest execution failed; the failed action (from the stage states) only
    sharpens the reason, so without it the execution's own summary is reported."""
    problems = []
    for pipeline in pipelines(aws, memo):
        name = pipeline["name"]
        history = tolerate(aws, f"executions of {name}", lambda name=name: history_of(aws, memo, name), [])
        latest = history[0] if history else {}
        if latest.get("status") != "Failed":
            continue
        stages = tolerate(aws, f"failed action of {name} (stage states)",
                          lambda name=name: stages_of(aws, memo, name), [])
        problems.append(failed_problem(name, latest, stages))
    return problems


def check_approvals(aws: AwsSession, memo: Memo) -> list[Problem]:
    problems = []
    for pipeline in pipelines(aws, memo):
        name = pipeline["name"]
        stages = tolerate(aws, f"stage states of {name}", lambda name=name: stages_of(aws, memo, name), [])
        for stage, action, found in waiting_approvals(stages):
            latest = latest_of(found)
            since = utc(latest.get("lastStatusChange"))
            problems.append(Problem(
                panel="pipelines", service="CodePipeline", resource=f"{name}/{action}",
                status="APPROVAL WAITING",
                reason=f"{stage} waits for a person since {age(since)}: {latest.get('summary', '')}".strip(),
                severity=Severity.MEDIUM, since=since, path=(name, action_key(name, stage, action)),
            ))
    return problems


def check_stuck(aws: AwsSession, memo: Memo) -> list[Problem]:
    """Running executions far longer than usual. The stage states name the stage and rule out a
    wait for an approval (a person, not the pipeline, is slow); without them it is still reported."""
    problems: list[Problem] = []
    for pipeline in pipelines(aws, memo):
        name = pipeline["name"]
        history = tolerate(aws, f"executions of {name}", lambda name=name: history_of(aws, memo, name), [])
        latest = history[0] if history else {}
        if latest.get("status") != "InProgress" or overdue(latest, history) is None:
            continue
        stages = tolerate(aws, f"running stage of {name} (stage states)",
                          lambda name=name: stages_of(aws, memo, name), [])
        if not waiting_approvals(stages):
            problems += stuck(name, latest, history, stages)
    return problems


class PipelinesPanel(Panel):
    id, key, title, service, kind = "pipelines", "2", "Pipelines", "CodePipeline", "codepipeline.pipeline"
    columns = ("Pipeline", "Latest", "Stage", "Started", "Trigger", "Summary")

    def rows(self, aws: AwsSession) -> list[Row]:
        rows = []
        for pipeline in list_pipelines(aws):
            name = pipeline["name"]
            found = tolerate(aws, f"latest execution of {name}", lambda name=name: executions(aws, name, 1), None)
            stages = tolerate(aws, f"stage states of {name}", lambda name=name: state(aws, name), None)
            latest = (found or [{}])[0]
            status = "?" if found is None else latest.get("status", "never run")
            failing = next((stage_label(s, i) for i, s in enumerate(stages or []) if stage_status(s) == "Failed"), "")
            waiting = waiting_approvals(stages or [])
            where = "?" if stages is None else (
                f"{failing} ✗" if failing else (f"{waiting[0][0]}: approval" if waiting else ""))
            rows.append(Row(
                key=name, name=name,
                status="WAITING" if waiting and status == "InProgress" else status,
                cells=(name, status, where, when(latest.get("startTime")), trigger(latest) if found else "?",
                       latest.get("statusSummary", "")),
                detail=(("Stages", "?" if stages is None else diagram(stages).plain), ("Pipeline", name),
                        ("Version", pipeline.get("version", "-")),
                        ("Latest execution", latest.get("pipelineExecutionId", "?" if found is None else "-")),
                        ("Status", status), ("Summary", latest.get("statusSummary", "-")),
                        ("Updated", when(pipeline.get("updated")))),
                data={"pipeline": name},
            ))
        return rows

    def drill(self, row: Row) -> Source:
        return PipelineStages(row.name)

    def checks(self) -> tuple[Check, ...]:
        return (
            Check("pipelines.failed", "Failed pipeline executions", check_failed),
            Check("pipelines.approvals", "Pipeline approvals waiting on a person", check_approvals),
            Check("pipelines.stuck", "Pipeline executions running far longer than usual", check_stuck),
        )


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
        definition = tolerate(aws, f"action types of {self.pipeline}", lambda: aws.client("codepipeline")
                              .get_pipeline(name=self.pipeline).get("pipeline", {}), {})
        types = {(s.get("name"), a.get("name")): a.get("actionTypeId") or {}
                 for s in definition.get("stages", []) for a in s.get("actions", [])}
        self.stages = state(aws, self.pipeline)
        rows = []
        for stage_id, action_id, stage, action in actions(self.stages):
            stage_name, action_name = stage.get("stageName", ""), action.get("actionName", "")
            latest = latest_of(action)
            error = latest.get("errorDetails") or {}
            kind = types.get((stage_name, action_name), {})
            text = " ".join(str(v) for v in (latest.get("summary"), error.get("message"),
                                             latest.get("externalExecutionId")) if v)
            linked = SFN_EXECUTION.search(text)
            sfn_arn = linked.group(0) if linked else ""
            workflow = "-"
            if sfn_arn:  # the link is a hint: without it the action is still listed
                workflow = tolerate(aws, f"Step Functions execution of {stage_id}/{action_id}",
                                    lambda arn=sfn_arn: linked_execution(aws, arn), f"? {sfn_arn}")
            status = latest.get("status", "not run")
            if status == "InProgress" and latest.get("token"):
                status = "WAITING APPROVAL"
            changed = latest.get("lastStatusChange")
            rows.append(Row(
                key=action_key(self.pipeline, stage_id, action_id), name=action_id,
                status=status,
                cells=(stage_id, action_id, status, age(utc(changed)) if changed else "-",
                       f"{error.get('code', '')}: {error.get('message', '')}" if error else
                       latest.get("summary", "")),
                detail=(("Action", f"{kind.get('category', '?')} / {kind.get('provider', '?')}"),
                        ("Status", status), ("Summary", latest.get("summary", "-")),
                        ("Error", f"{error.get('code')}: {error.get('message')}" if error else "-"),
                        ("External id", latest.get("externalExecutionId", "-")),
                        ("Link", latest.get("externalExecutionUrl", "-")),
                        ("Step Functions", workflow)),
                data={"pipeline": self.pipeline, "stage": stage_name, "action": action_name,
                      "status": latest.get("status", ""), "token": latest.get("token", ""),
                      "execution": (stage.get("latestExecution") or {}).get("pipelineExecutionId", ""),
                      "provider": kind.get("provider", ""), "external": latest.get("externalExecutionId", ""),
                      "sfn_execution": sfn_arn},
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
        rows = []
        for index, e in enumerate(executions(aws, self.pipeline, 25)):
            execution = e.get("pipelineExecutionId", "")  # optional in the model
            name = execution or f"#{index + 1}"
            rows.append(Row(
                key=execution or f"{self.pipeline}#{index}", name=name, status=e.get("status", ""),
                cells=(name[:8], e.get("status", ""), when(e.get("startTime")),
                       duration(utc(e.get("startTime")), utc(e.get("lastUpdateTime"))), trigger(e),
                       e.get("statusSummary", "")),
                detail=(("Execution", execution or "-"), ("Status", e.get("status", "")),
                        ("Summary", e.get("statusSummary", "-")), ("Trigger", trigger(e))),
                data={"pipeline": self.pipeline, "execution": execution},
            ))
        return rows


class BuildPhases(Source):
    """A CodeBuild build's phases, the failed and the longest marked; `l` opens its log."""

    title, kind = "phases", "codebuild.phase"
    keeps_order = True  # SUBMITTED to COMPLETED: the failed phase is marked, not moved
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
                key=f"{self.build_id}#{index}", name=p.get("phaseType", "?"),
                status="FAILED" if p.get("phaseStatus") in ("FAILED", "FAULT", "TIMED_OUT") else
                p.get("phaseStatus", ""),
                cells=(p.get("phaseType", "?"), p.get("phaseStatus", "…"), seconds,
                       "longest" if seconds and seconds == longest else "", message),
                detail=(("Phase", p.get("phaseType", "?")), ("Status", p.get("phaseStatus", "in progress")),
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
