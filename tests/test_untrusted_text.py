"""Attacker-controllable text reaches the screen literally: no markup, no escape sequences."""

from __future__ import annotations

import json
from typing import Any

from actions.audit import AuditLog
from tests.conftest import TEST_REGION, session
from tests.pilot import loaded, open_path, view_of
from tui.app import WatchkeeperApp
from tui.demo.seed import backend, naive_ago
from tui.demo.server import DemoServer, plain_client

NASTY = "[bold]x[/] \x1b]0;pwned-title\x07\x1b[2J\x1b[31mred\x1b[0m 漢字🚨 " + "A" * 20_000


def seed_nasty_execution(server: DemoServer) -> None:
    aws = session(server, TEST_REGION)
    sfn: Any = plain_client(aws.endpoint_url, "stepfunctions", aws.region)  # test data, outside the session
    arn = sfn.create_state_machine(
        name="evil-machine", roleArn="arn:aws:iam::123456789012:role/x",
        definition=json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}),
    )["stateMachineArn"]
    execution_arn = sfn.start_execution(stateMachineArn=arn, name="evil-run")["executionArn"]
    execution = backend("stepfunctions", TEST_REGION).describe_execution(execution_arn)
    execution.status, execution.stop_date = "FAILED", naive_ago(minutes=1)
    execution.error, execution.cause = NASTY[:200], NASTY


async def test_status_reasons_render_literally(server: DemoServer, audit: AuditLog) -> None:
    seed_nasty_execution(server)
    app = WatchkeeperApp(session(server, TEST_REGION), audit=audit)
    async with app.run_test(size=(80, 24)) as pilot:
        sfn = await open_path(pilot, app, "stepfunctions", "evil-machine", "evil-run")
        error_cell = sfn.cells_of(next(iter(sfn.shown.values())))[4]
        assert error_cell.plain.startswith("[bold]x[/] ") and error_cell.spans == []
        assert "\x1b" not in error_cell.plain and "pwned-title" not in error_cell.plain
        detail = sfn.query_one("#detail").render()
        assert "[bold]x[/]" in str(detail) and "\x1b" not in str(detail)
        assert "… [+" in str(detail)  # cut, with a marker
        screen = app.export_screenshot()
        assert "[bold]x[/]" in screen
        assert "\x1b" not in screen and "pwned-title" not in screen
        # Triage shows the same text, equally inert.
        await pilot.press("1")
        triage = view_of(app, "triage")
        await loaded(pilot, triage)
        [row] = [r for r in triage.shown.values() if r.name.startswith("evil-machine")]
        assert "[bold]x[/]" in triage.cells_of(row)[4].plain
