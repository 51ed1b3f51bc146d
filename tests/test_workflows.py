"""Step Functions: which workflow failed, in which state, with what error; re-run it safely."""

from __future__ import annotations

import json

import pytest

from actions.audit import AuditLog
from panels.stepfunctions import ExecutionHistory, StepFunctionsPanel
from tests.conftest import session
from tests.pilot import (
    confirm,
    finished,
    jump_from_triage,
    loaded,
    open_confirmation,
    open_path,
    refused,
    screen_text,
    select,
    wait_for,
)
from tui.app import WatchkeeperApp
from tui.demo.server import DemoServer
from tui.errors import ReadOnlyRefused
from tui.log_viewer import LogViewer
from tui.screens import RawScreen
from tui.session import AwsSession

SIZE = (80, 24)


def test_machine_rows_say_whether_the_automation_is_armed(aws: AwsSession) -> None:
    rows = {r.name: dict(r.detail) for r in StepFunctionsPanel().rows(aws)}
    assert rows["order-fulfilment"]["trigger order-fulfilment-schedule"].startswith("ENABLED")
    assert rows["nightly-report"]["trigger nightly-report-schedule"].startswith("DISABLED")


def test_history_is_read_from_the_end_in_one_call(aws: AwsSession) -> None:
    execution = next(r for r in StepFunctionsPanel().problems(aws))
    before = len(aws.calls)
    rows = ExecutionHistory(execution.arn, "x").rows(aws)
    calls = [c for c in list(aws.calls)[before:] if c.operation == "GetExecutionHistory"]
    assert len(calls) == 1 and calls[0].params["reverseOrder"] is True
    assert [r.cells[0] for r in rows] == sorted(r.cells[0] for r in rows)  # shown oldest first


async def test_failed_execution_history_error_cause_and_rerun(server: DemoServer, audit: AuditLog) -> None:
    aws = session(server)
    sfn = aws.client("stepfunctions")
    app = WatchkeeperApp(aws, audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_path(pilot, app, "stepfunctions", "order-fulfilment", "order-fulfilment-002")
        detail = str(view.query_one("#detail").render())
        assert "Error: States.TaskFailed" in detail
        assert '"errorMessage": "Payment provider timed out after 30000 ms"' in detail  # cause, pretty JSON
        assert '"orderId": "ord-4102"' in detail  # the input
        await pilot.press("enter")
        await loaded(pilot, view, "order-fulfilment-002 › history")
        failed = [r for r in view.shown.values() if r.status == "FAILED"]
        assert [r.name for r in failed] == ["TaskFailed", "TaskFailed", "ExecutionFailed"]  # one retry
        assert "ChargeCard ✗" in str(view.query_one("#summary").render())
        numbers = [r.cells[0] for r in view.shown.values()]
        assert numbers == sorted(numbers)  # a timeline: in event order, failures marked where they happened
        await select(pilot, view, "ExecutionFailed")
        await pilot.press("y")  # the event as AWS returned it: its cause a JSON string, escaped once
        await wait_for(pilot, lambda: isinstance(app.screen, RawScreen))
        shown = str(app.screen.query("Static")[1].render())
        assert '"executionFailedEventDetails"' in shown and r'\\\"errorMessage' not in shown
        assert r'\"errorMessage\"' in shown
        await pilot.press("escape")
        await pilot.press("escape")
        await loaded(pilot, view, "order-fulfilment › executions")
        await select(pilot, view, "order-fulfilment-002")
        await confirm(pilot, app, "R")
        await wait_for(pilot, lambda: bool(finished(audit)))
    [entry] = finished(audit)
    started = sfn.describe_execution(executionArn=_response_arn(aws))
    assert json.loads(started["input"]) == {"orderId": "ord-4102", "amount": 42.5}
    assert entry["operation"] == "states:StartExecution"


def _response_arn(aws: AwsSession) -> str:
    machine = next(m for m in aws.client("stepfunctions").list_state_machines()["stateMachines"]
                   if m["name"] == "order-fulfilment")
    executions = aws.client("stepfunctions").list_executions(stateMachineArn=machine["stateMachineArn"])
    return max(executions["executions"], key=lambda e: e["startDate"])["executionArn"]


async def test_read_only_refuses_the_rerun(server: DemoServer, audit: AuditLog) -> None:
    aws = session(server, read_only=True)
    app = WatchkeeperApp(aws, audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        await open_path(pilot, app, "stepfunctions", "order-fulfilment", "order-fulfilment-002")
        await refused(pilot, app, "R")
    assert not [c for c in aws.calls if c.mutating] and audit.entries() == []


# -- CodePipeline --------------------------------------------------------------------------------
def action_state(aws: AwsSession, pipeline: str, stage: str, action: str) -> dict:  # type: ignore[type-arg]
    stages = aws.client("codepipeline").get_pipeline_state(name=pipeline)["stageStates"]
    found = next(s for s in stages if s["stageName"] == stage)
    return next(a for a in found["actionStates"] if a["actionName"] == action).get("latestExecution", {})


async def test_failed_pipeline_action_build_phases_log_and_retry(server: DemoServer, audit: AuditLog) -> None:
    aws = session(server)
    app = WatchkeeperApp(aws, audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        view = await jump_from_triage(pilot, app, "web-release", "pipelines", "Build")
        assert str(view.query_one("#summary").render()).startswith("Source ✓ → Build ✗ → Deploy")
        detail = str(view.query_one("#detail").render())
        assert "JobFailed: Build terminated with state: FAILED" in detail and "CodeBuild" in detail
        await pilot.press("enter")  # the CodeBuild build behind the action
        await wait_for(pilot, lambda: view.level.source.label.startswith("build ") and bool(view.shown))
        build = {r.name: r for r in view.shown.values()}
        assert build["BUILD"].status == "FAILED" and build["BUILD"].cells[3] == "longest"
        assert "npm test" in build["BUILD"].cells[4]
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, LogViewer))
        await wait_for(pilot, lambda: "Tests: 1 failed, 311 passed" in screen_text(app.screen))
        await pilot.press("escape", "escape")
        await loaded(pilot, view, "web-release › stages")
        await select(pilot, view, "Build")
        await confirm(pilot, app, "R")
        await wait_for(pilot, lambda: bool(finished(audit)))
    assert action_state(aws, "web-release", "Build", "Build")["status"] == "InProgress"  # at the server
    assert finished(audit)[0]["parameters"]["retryMode"] == "FAILED_ACTIONS"


APPROVAL_REGION = "eu-west-3"  # its own copy of the pipelines: approving it changes no other test's data


@pytest.fixture(scope="module")
def approval_region(server: DemoServer) -> str:
    from tui.demo.seed import seed_all

    seed_all(APPROVAL_REGION)  # triage, which the test starts from, reads every service
    return APPROVAL_REGION


async def test_waiting_approval_and_the_step_functions_link(server: DemoServer, audit: AuditLog,
                                                             approval_region: str) -> None:
    aws = session(server, approval_region)
    app = WatchkeeperApp(aws, audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        view = await jump_from_triage(pilot, app, "api-release/ProductionGate", "pipelines", "ProductionGate")
        assert view.current_row().status == "WAITING APPROVAL"
        await select(pilot, view, "RunMigrations")
        await pilot.press("enter")  # the Lambda action polls an execution: follow the link
        await loaded(pilot, view, "order-fulfilment-004 › history")
        await pilot.press("escape")
        await loaded(pilot, view, "api-release › stages")
        await select(pilot, view, "ProductionGate")
        await confirm(pilot, app, "A", **{"ask-comment": "checked the migration plan"})
        await wait_for(pilot, lambda: bool(finished(audit)))
    approved = action_state(aws, "api-release", "Approve", "ProductionGate")
    assert approved == {"status": "Succeeded", "summary": "checked the migration plan"}


async def test_read_only_refuses_retry_and_approval(server: DemoServer, audit: AuditLog) -> None:
    aws = session(server, read_only=True)
    app = WatchkeeperApp(aws, audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        await open_path(pilot, app, "pipelines", "web-release", "Build")
        await refused(pilot, app, "R")
    with pytest.raises(ReadOnlyRefused):
        aws.client("codepipeline").put_approval_result(
            pipelineName="api-release", stageName="Approve", actionName="ProductionGate",
            result={"summary": "x", "status": "Approved"}, token="demo-approval-token")
    assert audit.entries() == []


def test_a_run_far_longer_than_usual_is_a_problem(aws: AwsSession) -> None:
    problems = {p.status: p for p in StepFunctionsPanel().problems(aws)}
    slow = problems["LONG RUNNING"]
    assert slow.resource == "order-fulfilment/order-fulfilment-004"
    assert "it usually takes 5m" in slow.reason


# -- operations moto does not implement: request shape and errors through botocore's Stubber -----
def test_redrive_stop_pipeline_and_retry_build_requests(aws: AwsSession, audit: AuditLog) -> None:
    from botocore.stub import Stubber

    from actions.catalog import BY_ID
    from actions.runner import ActionRunner
    from panels.model import Row

    runner = ActionRunner(aws, audit)
    execution = Row(key="arn:x", name="run-7", cells=(), status="FAILED", data={"execution": "arn:x"})
    with Stubber(aws.client("stepfunctions")) as stub:
        stub.add_response("redrive_execution", {"redriveDate": "2026-11-22T03:00:00Z"}, {"executionArn": "arn:x"})
        runner.run(runner.prepare(BY_ID["sfn.redrive"], execution))
        stub.add_client_error("redrive_execution", "ExecutionNotRedrivable", "The execution is not redrivable")
        with pytest.raises(Exception, match="ExecutionNotRedrivable"):
            runner.run(runner.prepare(BY_ID["sfn.redrive"], execution))
    pipeline_run = Row(key="e-1", name="e-1", cells=(), status="InProgress",
                       data={"pipeline": "web-release", "execution": "e-1"})
    with Stubber(aws.client("codepipeline")) as stub:
        stub.add_response("stop_pipeline_execution", {"pipelineExecutionId": "e-1"}, {
            "pipelineName": "web-release", "pipelineExecutionId": "e-1", "abandon": True, "reason": "bad deploy"})
        runner.run(runner.prepare(BY_ID["pipeline.stop-abandon"], pipeline_run, {"reason": "bad deploy"}))
    action = Row(key="a", name="Build", cells=(), status="Failed",
                 data={"provider": "CodeBuild", "status": "Failed", "external": "web-build:1"})
    with Stubber(aws.client("codebuild")) as stub:
        stub.add_response("retry_build", {"build": {"id": "web-build:2"}}, {"id": "web-build:1"})
        runner.run(runner.prepare(BY_ID["codebuild.retry"], action))
    kinds = [(e["action"], e["result"], e["error"].split(":")[0] or None) for e in finished(audit)]
    assert kinds == [("sfn.redrive", "ok", None), ("sfn.redrive", "error", "ExecutionNotRedrivable"),
                     ("pipeline.stop-abandon", "ok", None), ("codebuild.retry", "ok", None)]
    assert BY_ID["pipeline.stop-abandon"].destructive and not BY_ID["pipeline.stop"].destructive


async def test_start_execution_checks_the_json_first(server: DemoServer, audit: AuditLog) -> None:
    app = WatchkeeperApp(session(server), audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        await open_path(pilot, app, "stepfunctions", "nightly-report")
        await open_confirmation(pilot, app, "S")
        app.screen.query_one("#ask-input").value = '{"day": '
        await pilot.pause()
        assert "Input is not JSON" in str(app.screen.query_one("#problem").render())
        assert app.screen.query_one("#run").disabled
        app.screen.query_one("#ask-input").value = '{"day": "2026-11-21"}'
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(finished(audit)))
    assert finished(audit)[0]["parameters"]["input"] == '{"day": "2026-11-21"}'


def test_a_pipeline_running_far_longer_than_usual_is_stuck() -> None:
    from datetime import UTC, datetime, timedelta

    from panels.pipelines import stuck

    now = datetime.now(UTC)
    done = [{"status": "Succeeded", "startTime": now - timedelta(hours=h), "lastUpdateTime":
             now - timedelta(hours=h) + timedelta(minutes=8)} for h in (5, 6, 7)]
    latest = {"status": "InProgress", "startTime": now - timedelta(hours=2), "pipelineExecutionId": "e-9"}
    stages = [{"stageName": "Deploy", "latestExecution": {"status": "InProgress"}}]
    [problem] = stuck("api-release", latest, done, stages)
    assert problem.status == "STUCK" and "stage Deploy" in problem.reason and "usually 8m" in problem.reason
    assert stuck("api-release", {**latest, "startTime": now - timedelta(minutes=10)}, done, stages) == []


def test_an_action_driving_step_functions_shows_its_execution(aws: AwsSession) -> None:
    from panels.pipelines import PipelineStages

    rows = {r.name: r for r in PipelineStages("api-release").rows(aws)}
    detail = dict(rows["RunMigrations"].detail)
    assert detail["Step Functions"].startswith("RUNNING for 1h")
    assert rows["RunMigrations"].data["sfn_execution"].endswith(":order-fulfilment:order-fulfilment-004")
