"""Pipelines and Step Functions checks and lists when parts of them cannot be read: a denied
enrichment call, answers holding only the members the model requires, and hostile JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from panels.model import Check, Panel, run_check
from panels.pipelines import PipelinesPanel, PipelineStages
from panels.stepfunctions import (
    TOO_DEEP,
    ExecutionHistory,
    Executions,
    StepFunctionsPanel,
    event_summary,
    failure,
    pretty,
    pretty_value,
    state_names,
)
from tests.conftest import session
from tui.demo.server import DemoServer
from tui.errors import DENIED
from tui.session import AwsSession

DEEP = 10_000


def deny(aws: AwsSession, service: str, operation: str) -> None:
    """Every `operation` call of this session fails as IAM refuses it (moto cannot deny)."""

    def refuse(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "denied"},
                           "ResponseMetadata": {"HTTPStatusCode": 400}}, operation)

    aws.client(service).meta.events.register_first(f"before-call.{service}.{operation}", refuse)


def check(panel: Panel, check_id: str) -> Check:
    return next(c for c in panel.checks() if c.id == check_id)


def denied(failures: list[Any], action: str) -> bool:
    return any(f.action == action and f.kind == DENIED for f in failures)


# -- CodePipeline --------------------------------------------------------------------------------
def test_a_failed_pipeline_is_reported_even_without_its_stage_states(server: DemoServer) -> None:
    aws = session(server)
    deny(aws, "codepipeline", "GetPipelineState")
    result = run_check(check(PipelinesPanel(), "pipelines.failed"), aws)
    assert result.ran
    [problem] = result.problems
    assert problem.resource == "web-release" and problem.status == "Failed"
    assert "npm test exited with status 1" in problem.reason  # the execution's own summary
    assert problem.path == ("web-release",)  # no action to open: the stage states are missing
    assert denied(result.failures, "codepipeline:GetPipelineState")


def test_the_failed_check_names_the_failed_action_when_it_can(aws: AwsSession) -> None:
    result = run_check(check(PipelinesPanel(), "pipelines.failed"), aws)
    assert result.ran and not result.failures
    [problem] = result.problems
    assert problem.reason.startswith("Build/Build: Build terminated")
    assert problem.path == ("web-release", "web-release/Build/Build")


def test_without_stage_states_approvals_fail_and_a_long_run_is_still_stuck(server: DemoServer) -> None:
    aws = session(server)
    deny(aws, "codepipeline", "GetPipelineState")
    approvals = run_check(check(PipelinesPanel(), "pipelines.approvals"), aws)
    assert not approvals.problems and denied(approvals.failures, "codepipeline:GetPipelineState")
    # api-release has run 1h against a usual 7m; whether a person holds it up is unknown, so it shows
    stuck = run_check(check(PipelinesPanel(), "pipelines.stuck"), aws)
    assert stuck.ran and denied(stuck.failures, "codepipeline:GetPipelineState")
    [problem] = stuck.problems
    assert problem.resource == "api-release" and "stage ?" in problem.reason


def test_a_waiting_approval_is_not_stuck(aws: AwsSession) -> None:
    panel = PipelinesPanel()
    assert run_check(check(panel, "pipelines.stuck"), aws).problems == []
    [waiting] = run_check(check(panel, "pipelines.approvals"), aws).problems
    assert waiting.resource == "api-release/ProductionGate"
    assert waiting.path == ("api-release", "api-release/Approve/ProductionGate")


def test_the_checks_share_one_read_of_each_pipeline(aws: AwsSession) -> None:
    from panels.model import Memo

    memo, before = Memo(), len(aws.calls)
    for found in PipelinesPanel().checks():
        assert run_check(found, aws, memo).ran
    calls = [c.operation for c in list(aws.calls)[before:]]
    assert calls.count("ListPipelines") == 1
    assert calls.count("ListPipelineExecutions") == 2  # one per pipeline
    assert calls.count("GetPipelineState") == 2


def test_pipelines_are_listed_without_stage_states_or_executions(server: DemoServer) -> None:
    aws = session(server)
    deny(aws, "codepipeline", "GetPipelineState")
    listing = PipelinesPanel().load(aws)
    rows = {r.name: r for r in listing.rows}
    assert set(rows) == {"web-release", "api-release"}
    assert rows["web-release"].status == "Failed" and rows["web-release"].cells[2] == "?"
    assert len(listing.gaps) == 2 and all(g.action == "codepipeline:GetPipelineState" for g in listing.gaps)
    assert listing.gaps[0].what.startswith("stage states of ")

    aws = session(server)
    deny(aws, "codepipeline", "ListPipelineExecutions")
    listing = PipelinesPanel().load(aws)
    assert {r.name for r in listing.rows} == {"web-release", "api-release"}
    assert all(r.cells[1] == "?" for r in listing.rows)
    assert by_name(listing.rows, "web-release").cells[2] == "Build ✗"  # the stage states still tell
    assert all(g.action == "codepipeline:ListPipelineExecutions" and g.kind == DENIED for g in listing.gaps)


def test_stages_are_listed_without_action_types_or_the_linked_execution(server: DemoServer) -> None:
    aws = session(server)
    deny(aws, "codepipeline", "GetPipeline")
    deny(aws, "stepfunctions", "DescribeExecution")
    listing = PipelineStages("api-release").load(aws)
    rows = {r.name: r for r in listing.rows}
    assert rows["ProductionGate"].status == "WAITING APPROVAL"
    detail = dict(rows["RunMigrations"].detail)
    assert detail["Action"] == "? / ?" and detail["Step Functions"].startswith("? arn:aws:states:")
    assert rows["RunMigrations"].data["sfn_execution"].endswith(":order-fulfilment-004")  # still opens it
    assert {g.action for g in listing.gaps} == {"codepipeline:GetPipeline", "states:DescribeExecution"}


def by_name(rows, name):  # type: ignore[no-untyped-def]
    return next(r for r in rows if r.name == name)


def stubbed(aws: AwsSession, service: str, responses: list[tuple[str, dict[str, Any]]],
            read: Callable[[], Any]) -> Any:
    with Stubber(aws.client(service)) as stub:
        for operation, response in responses:
            stub.add_response(operation, response)
        found = read()
        stub.assert_no_pending_responses()
    return found


def test_pipeline_answers_with_only_the_required_members(server: DemoServer) -> None:
    """Every member of these shapes is optional: nameless pipelines, stages and actions, an
    execution with no id, time or status."""
    aws = session(server)
    state = {"stageStates": [{"actionStates": [{}, {"latestExecution": {"status": "Failed"}}]},
                             {"latestExecution": {"pipelineExecutionId": "e", "status": "Failed"}}]}
    rows = stubbed(aws, "codepipeline", [
        ("list_pipelines", {"pipelines": [{}, {"name": "bare"}]}),
        ("list_pipeline_executions", {"pipelineExecutionSummaries": [{}]}),
        ("get_pipeline_state", state),
    ], lambda: PipelinesPanel().rows(aws))
    [row] = rows
    assert row.name == "bare" and row.cells[2] == "#2 ✗"

    result = stubbed(aws, "codepipeline", [
        ("list_pipelines", {"pipelines": [{"name": "bare"}]}),
        ("list_pipeline_executions", {"pipelineExecutionSummaries": [{"status": "Failed"}, {}]}),
        ("get_pipeline_state", state),
    ], lambda: run_check(check(PipelinesPanel(), "pipelines.failed"), aws))
    assert result.ran and not result.failures
    [problem] = result.problems
    assert problem.reason == "#1/#2: latest execution failed" and problem.path == ("bare", "bare/#1/#2")

    stages = stubbed(aws, "codepipeline", [
        ("get_pipeline", {"pipeline": {"name": "bare", "roleArn": "r", "stages": []}}),
        ("get_pipeline_state", state),
    ], lambda: PipelineStages("bare").rows(aws))
    assert [r.key for r in stages] == ["bare/#1/#1", "bare/#1/#2"]
    assert stages[1].data["execution"] == "" and stages[1].status == "Failed"

    executions = stubbed(aws, "codepipeline", [
        ("list_pipeline_executions", {"pipelineExecutionSummaries": [{}, {"status": "Succeeded"}]}),
    ], lambda: PipelineStages("bare").alternatives()[1].rows(aws))
    assert [r.key for r in executions] == ["bare#0", "bare#1"]


# -- Step Functions ----------------------------------------------------------------------------------
def test_a_failed_execution_is_reported_even_when_it_cannot_be_described(server: DemoServer) -> None:
    aws = session(server)
    deny(aws, "stepfunctions", "DescribeExecution")
    result = run_check(check(StepFunctionsPanel(), "stepfunctions.failed"), aws)
    assert result.ran and denied(result.failures, "states:DescribeExecution")
    [problem] = result.problems
    assert problem.resource == "order-fulfilment/order-fulfilment-002" and problem.status == "FAILED"
    assert "in state ChargeCard" in problem.reason and "PaymentTimeout" in problem.reason  # from the history

    aws = session(server)
    deny(aws, "stepfunctions", "DescribeExecution")
    deny(aws, "stepfunctions", "GetExecutionHistory")
    result = run_check(check(StepFunctionsPanel(), "stepfunctions.failed"), aws)
    [problem] = result.problems
    assert problem.reason == "failed" and problem.arn.endswith(":order-fulfilment-002")
    assert {f.action for f in result.failures} == {"states:DescribeExecution", "states:GetExecutionHistory"}


def test_executions_are_listed_when_none_can_be_described(server: DemoServer) -> None:
    aws = session(server)
    deny(aws, "stepfunctions", "DescribeExecution")
    panel = StepFunctionsPanel()
    machine = by_name(panel.rows(aws), "order-fulfilment")
    listing = panel.drill(machine).load(aws)
    assert len(listing.rows) == 5
    failed = by_name(listing.rows, "order-fulfilment-002")
    assert failed.status == "FAILED" and failed.cells[-1] == "?" and dict(failed.detail)["Cause"] == "?"
    assert len(listing.gaps) == 4  # every stopped one; the running one needs no describe call
    assert all(g.action == "states:DescribeExecution" for g in listing.gaps)


def test_machines_are_listed_without_counts_or_triggers(server: DemoServer) -> None:
    aws = session(server)
    deny(aws, "stepfunctions", "ListExecutions")
    deny(aws, "events", "ListRuleNamesByTarget")
    listing = StepFunctionsPanel().load(aws)
    machine = by_name(listing.rows, "order-fulfilment")
    assert machine.cells[2:] == ("?", "?", "?", "?") and dict(machine.detail)["Triggers"] == "?"
    assert {g.action for g in listing.gaps} == {"states:ListExecutions", "events:ListRuleNamesByTarget"}


def test_history_is_listed_without_the_machine_definition(server: DemoServer) -> None:
    aws = session(server)
    failed = next(p for p in StepFunctionsPanel().problems(aws) if p.status == "FAILED")
    deny(aws, "stepfunctions", "DescribeStateMachineForExecution")
    source = ExecutionHistory(failed.arn, "order-fulfilment-002")
    listing = source.load(aws)
    assert [r.name for r in listing.rows if r.status == "FAILED"] == ["TaskFailed", "TaskFailed", "ExecutionFailed"]
    assert source.summary(listing.rows) is None  # no state names to mark
    assert [g.action for g in listing.gaps] == ["states:DescribeStateMachineForExecution"]


def test_step_functions_answers_with_only_the_required_members(server: DemoServer) -> None:
    aws = session(server)
    machine_arn = "arn:aws:states:us-east-1:123456789012:stateMachine:m"
    arn = "arn:aws:states:us-east-1:123456789012:execution:m:x"
    started = datetime.now(UTC) - timedelta(minutes=3)
    execution = {"executionArn": arn, "stateMachineArn": machine_arn, "name": "x", "status": "FAILED",
                 "startDate": started}
    rows = stubbed(aws, "stepfunctions", [
        ("list_executions", {"executions": [execution]}),
        ("describe_execution", {k: v for k, v in execution.items() if k != "name"}),
    ], lambda: Executions(machine_arn, "m").rows(aws))
    assert rows[0].cells[-1] == "" and dict(rows[0].detail)["Cause"] == "-"

    events = [{"timestamp": started, "type": "ExecutionStarted", "id": 1},
              {"timestamp": started, "type": "TaskStateEntered", "id": 2, "stateEnteredEventDetails": {"name": "A"}},
              {"timestamp": started, "type": "ExecutionFailed", "id": 3, "executionFailedEventDetails": {}}]
    history = stubbed(aws, "stepfunctions", [
        ("get_execution_history", {"events": events}),
        ("describe_state_machine_for_execution", {"stateMachineArn": machine_arn, "name": "m", "roleArn": "r",
                                                  "definition": "[1]", "updateDate": started}),
    ], lambda: ExecutionHistory(arn, "x").rows(aws))
    assert [r.cells[4] for r in history] == ["", "A", "A"] and history[2].status == "FAILED"
    assert failure(events) == ("A", False, "", "")
    assert event_summary({"type": "X"}) == "" and event_summary({"xEventDetails": {"cause": None}}) == ""


# -- hostile JSON --------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["[" * DEEP + "]" * DEEP, '{"a":' * DEEP + "1" + "}" * DEEP])
def test_deep_json_is_shown_raw_and_cut(text: str) -> None:
    shown = pretty(text)
    assert shown.startswith(text[:100]) and shown.endswith(f"chars, {TOO_DEEP}]")
    assert len(shown) < 4_100


def test_huge_and_plain_text_is_cut_not_parsed() -> None:
    huge = json.dumps({"blob": "x" * 300_000})
    shown = pretty(huge)
    assert len(shown) < 4_100 and TOO_DEEP in shown and f"+{len(huge) - 4_000:,} chars" in shown
    assert pretty("Lambda timed out") == "Lambda timed out"
    assert pretty('{"a": 1}') == '{\n  "a": 1\n}'
    assert pretty(None) == "-" and pretty("") == "-"


def test_deep_structures_and_definitions_do_not_raise() -> None:
    deep: Any = []
    for _ in range(DEEP):
        deep = [deep]
    assert pretty_value({"input": deep})  # a bounded repr, not a RecursionError
    assert pretty_value({"at": datetime(2026, 1, 1, tzinfo=UTC)}).startswith("{")
    assert state_names("[" * DEEP + "]" * DEEP) == []
    assert state_names('{"States": {"A": {}, "B": {}}}') == ["A", "B"]
    assert state_names("not json") == [] and state_names('{"States": 1}') == []


def test_a_deep_cause_does_not_fail_the_executions_list(server: DemoServer) -> None:
    aws = session(server)
    machine_arn = "arn:aws:states:us-east-1:123456789012:stateMachine:m"
    started = datetime.now(UTC) - timedelta(minutes=3)
    executions = [{"executionArn": f"{machine_arn}:{n}".replace("stateMachine", "execution"),
                   "stateMachineArn": machine_arn, "name": n, "status": "FAILED", "startDate": started}
                  for n in ("deep", "ok")]
    deep = "[" * DEEP + "]" * DEEP
    rows = stubbed(aws, "stepfunctions", [
        ("list_executions", {"executions": executions}),
        ("describe_execution", {**executions[0], "cause": deep, "input": deep, "error": "E"}),
        ("describe_execution", {**executions[1], "cause": "plain", "error": "E"}),
    ], lambda: Executions(machine_arn, "m").rows(aws))
    assert [r.name for r in rows] == ["deep", "ok"]
    assert dict(rows[0].detail)["Cause"].endswith(f"{TOO_DEEP}]")
    assert rows[0].data["input"] == deep  # a re-run sends the input as it was
