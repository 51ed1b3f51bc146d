"""Mutating actions through the real confirmation, the read-only guard and the audit log.

These tests act on their own copy of the ECS incident in TEST_REGION, so they do not disturb
the demo account the other tests read.
"""

from __future__ import annotations

import pytest
from botocore.stub import Stubber
from textual.widgets import Input

from actions.audit import AuditLog
from actions.catalog import BY_ID
from actions.confirm import ConfirmScreen
from actions.runner import ActionRunner
from tests.conftest import TEST_REGION, session
from tests.pilot import open_confirmation, open_path, refused, select, wait_for
from tui.app import WatchkeeperApp
from tui.demo.server import DemoServer
from tui.errors import ReadOnlyRefused
from tui.session import AwsSession

SIZE = (80, 24)


def desired(aws: AwsSession, service: str = "checkout-api") -> int:
    return aws.client("ecs").describe_services(cluster="prod", services=[service])["services"][0]["desiredCount"]


async def test_set_desired_count_through_confirmation(
    server: DemoServer, test_region: AwsSession, audit: AuditLog
) -> None:
    aws = session(server, TEST_REGION)
    app = WatchkeeperApp(aws, audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        ecs = await open_path(pilot, app, "ecs", "prod", "checkout-api")
        screen = await open_confirmation(pilot, app, "S")
        text = " ".join(str(w.render()) for w in screen.query("Static"))
        assert "ecs.update_service(cluster=" in text and "desiredCount=3" in text
        assert "aws ecs update-service --cluster" in text and f"--region {TEST_REGION}" in text
        assert "123456789012" in text  # the account it will run in
        calls_before = len(aws.calls)
        ecs.tick()  # a refresh while the dialog is open must not run
        assert not ecs.busy and len(aws.calls) == calls_before
        box = screen.query_one("#ask-desired", Input)
        box.value = "5"
        await pilot.press("enter")
        await wait_for(pilot, lambda: desired(aws) == 5)
        await wait_for(pilot, lambda: bool(audit.calls()) and audit.calls()[0]["result"])
    [entry] = audit.calls()
    assert entry["operation"] == "ecs:UpdateService" and entry["result"] == "ok"
    assert entry["action"] == "ecs.scale" and entry["target"].endswith("checkout-api")
    assert entry["parameters"]["desiredCount"] == 5 and entry["request_id"]
    assert entry["identity"].startswith("arn:aws:")
    assert "testing" not in str(entry) and "demo" not in str(entry["parameters"])  # no credentials
    intent, result = audit.entries()  # written ahead: the intent line first, then its result
    assert (intent["event"], result["event"], intent["id"]) == ("intent", "result", result["id"])
    aws.client("ecs").update_service(cluster="prod", service="checkout-api", desiredCount=3)


async def test_confirmation_is_bound_to_the_resource_not_the_row(
    server: DemoServer, test_region: AwsSession, audit: AuditLog
) -> None:
    aws = session(server, TEST_REGION)
    app = WatchkeeperApp(aws, audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        ecs = await open_path(pilot, app, "ecs", "prod", "checkout-api")
        await open_confirmation(pilot, app, "D")
        await select(pilot, ecs, "web")  # the table moves under the open dialog
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(audit.calls()))
    [entry] = audit.calls()
    assert entry["parameters"] == {"cluster": ecs.shown[entry["target"]].data["cluster"],
                                   "service": "checkout-api", "forceNewDeployment": True}


async def test_destructive_action_needs_the_name_typed(server: DemoServer, audit: AuditLog) -> None:
    app = WatchkeeperApp(session(server), audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        await open_path(pilot, app, "emr", "etl-nightly")
        screen = await open_confirmation(pilot, app, "T")
        await pilot.press("y", "enter")  # not enough: the name was not typed
        assert app.screen is screen and screen.query_one("#run").disabled
        await pilot.press(*"etl-nightl")
        assert screen.query_one("#run").disabled
        await pilot.press("escape")
        assert not isinstance(app.screen, ConfirmScreen)
    assert audit.entries() == []


async def test_read_only_refuses_in_the_app_and_nothing_is_sent(
    server: DemoServer, test_region: AwsSession, audit: AuditLog
) -> None:
    aws = session(server, TEST_REGION, read_only=True)
    app = WatchkeeperApp(aws, audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        await open_path(pilot, app, "ecs", "prod", "checkout-api")
        await refused(pilot, app, "S", "D")
        assert "READ-ONLY" in str(app.query_one("HeaderBar").render())
    assert desired(aws) == 3
    assert not [c for c in aws.calls if c.mutating]
    assert audit.entries() == []


def test_read_only_is_enforced_below_the_app_too(server: DemoServer, test_region: AwsSession, audit: AuditLog) -> None:
    """Even a call that skips the action framework never leaves the process."""
    aws = session(server, TEST_REGION, read_only=True)
    with pytest.raises(ReadOnlyRefused):
        aws.client("ecs").update_service(cluster="prod", service="checkout-api", desiredCount=0)
    runner = ActionRunner(aws, audit)
    row = next(r for r in __import__("panels.ecs", fromlist=["EcsServices"]).EcsServices(
        "prod", "prod").rows(aws) if r.name == "checkout-api")
    with pytest.raises(ReadOnlyRefused):
        runner.run(runner.prepare(BY_ID["ecs.scale"], row, {"desired": "0"}))
    assert desired(aws) == 3
    assert not [c for c in aws.calls if c.mutating]


def test_failed_call_is_audited_with_its_error_kind(server: DemoServer, audit: AuditLog) -> None:
    aws = session(server, TEST_REGION)
    runner = ActionRunner(aws, audit)
    from panels.ecs import EcsServices

    row = next(r for r in EcsServices("prod", "prod").rows(aws) if r.name == "checkout-api")
    with Stubber(aws.client("ecs")) as stub:
        stub.add_client_error("update_service", "ExpiredTokenException", "The security token has expired")
        with pytest.raises(Exception, match="ExpiredToken"):
            runner.run(runner.prepare(BY_ID["ecs.force-deployment"], row))
    [entry] = audit.calls()
    assert entry["result"] == "error" and entry["operation"] == "ecs:UpdateService"
    assert entry["error"].startswith("ExpiredTokenException")
