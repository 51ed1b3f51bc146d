"""Step Functions: which workflow failed, in which state, with what error; re-run it safely."""

from __future__ import annotations

import json

from actions.audit import AuditLog
from actions.confirm import ConfirmScreen
from panels.stepfunctions import ExecutionHistory, StepFunctionsPanel
from tests.conftest import session
from tests.pilot import confirm, loaded, open_path, select, wait_for
from tui.app import WatchkeeperApp
from tui.demo.server import DemoServer
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
        await pilot.press("escape")
        await loaded(pilot, view, "order-fulfilment › executions")
        await select(pilot, view, "order-fulfilment-002")
        await confirm(pilot, app, "R")
        await wait_for(pilot, lambda: bool(audit.entries()))
    [entry] = audit.entries()
    started = sfn.describe_execution(executionArn=_response_arn(aws))
    assert json.loads(started["input"]) == {"orderId": "ord-4102", "amount": 42.5}
    assert entry["operation"] == "stepfunctions:start_execution"


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
        await pilot.press("R")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ConfirmScreen)
    assert not [c for c in aws.calls if c.mutating] and audit.entries() == []
