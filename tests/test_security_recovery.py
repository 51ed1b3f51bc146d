"""Inspector findings and snapshot status: is something critically exposed, is there a good copy?"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from textual.widgets import Button, Input

from actions.audit import AuditLog
from actions.confirm import ConfirmScreen
from tests.conftest import TEST_REGION, session
from tests.pilot import confirm, finished, loaded, open_confirmation, open_path, select, view_of, wait_for
from tui.app import WatchkeeperApp
from tui.demo.server import DemoServer, plain_client
from tui.session import AwsSession

SIZE = (80, 24)


async def test_critical_finding_in_the_summary_then_filter_high_and_suppress(
    server: DemoServer, audit: AuditLog
) -> None:
    aws = session(server)
    app = WatchkeeperApp(aws, audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        inspector = await open_path(pilot, app, "inspector", "CVE-2024-3094")
        summary = str(inspector.query_one("#summary").render())
        assert "CRIT 1" in summary and "HIGH 2" in summary and "scans EC2 on" in summary
        detail = str(inspector.query_one("#detail").render())
        assert "Upgrade xz-utils to 5.6.1+really5.4.5-1 or later." in detail
        assert "checkout-api" in detail and "Exploit available: YES" in detail
        await pilot.press("slash", *"HIGH", "enter")
        assert {r.status for r in inspector.shown.values()} == {"HIGH"} and len(inspector.shown) == 2
        await pilot.press("escape")
        await select(pilot, inspector, "CVE-2023-44487")
        # No canned reason stands in for the engineer's, and a typo cannot widen the rule to all.
        await open_confirmation(pilot, app, "U")
        for scope, reason in (("resource", ""), ("res", "fixed in the next image")):
            app.screen.query_one("#ask-scope", Input).value = scope
            app.screen.query_one("#ask-reason", Input).value = reason
            await pilot.press("enter")
            await pilot.pause(0.2)
            assert isinstance(app.screen, ConfirmScreen) and app.screen.query_one("#run", Button).disabled
        await pilot.press("escape")
        suppressed = inspector.current_row()
        await confirm(pilot, app, "U", **{"ask-reason": "fixed in the next image"})
        await wait_for(pilot, lambda: bool(finished(audit)))
        await pilot.press("r")  # the rule applies (the demo at once, AWS within minutes): no longer active
        await wait_for(pilot, lambda: suppressed is not None and suppressed.key not in inspector.shown)
    inspector2 = plain_client(aws.endpoint_url, "inspector2", aws.region)
    filters = inspector2.list_filters()["filters"]  # type: ignore[attr-defined]
    [created] = [f for f in filters if "CVE-2023-44487" in f["name"]]
    inspector2.delete_filter(arn=created["arn"])  # type: ignore[attr-defined]  # the demo's finding for later tests
    assert created["action"] == "SUPPRESS" and created["reason"] == "fixed in the next image"
    assert created["criteria"]["vulnerabilityId"] == [{"comparison": "EQUALS", "value": "CVE-2023-44487"}]
    assert created["criteria"]["resourceId"][0]["value"].endswith("sha256:31ab")


async def test_group_by_cve_and_by_resource(server: DemoServer, audit: AuditLog) -> None:
    app = WatchkeeperApp(session(server), audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        inspector = await open_path(pilot, app, "inspector")
        await pilot.press("v")
        await loaded(pilot, inspector, "Inspector by CVE")
        await select(pilot, inspector, "CVE-2024-3094")
        await pilot.press("enter")
        await loaded(pilot, inspector, "CVE-2024-3094")
        assert [r.name for r in inspector.shown.values()] == ["CVE-2024-3094"]
        await pilot.press("escape", "v")
        await loaded(pilot, inspector, "Inspector by resource")
        assert "i-0bastion0demo" in {r.name for r in inspector.shown.values()}


async def test_snapshot_problems_reach_triage(server: DemoServer, audit: AuditLog) -> None:
    app = WatchkeeperApp(session(server), audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        triage = view_of(app, "triage")
        await loaded(pilot, triage)
        seen = {(r.cells[2], r.name) for r in triage.shown.values()}
    assert ("EBS", "checkout-cache") in seen and ("RDS", "orders-db") in seen and ("Backup", "orders-db") in seen


async def test_snapshot_in_error_stale_volume_and_a_new_snapshot(test_region: AwsSession, audit: AuditLog) -> None:
    aws = test_region
    app = WatchkeeperApp(aws, audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        snapshots = await open_path(pilot, app, "snapshots")
        assert "error" in {r.status for r in snapshots.shown.values()}
        await pilot.press("v")
        await loaded(pilot, snapshots, "Snapshots: volume freshness")
        first = next(iter(snapshots.shown.values()))
        assert (first.name, first.status) == ("checkout-cache", "STALE")  # worst first
        await select(pilot, snapshots, "checkout-cache")
        before = len(aws.client("ec2").describe_snapshots(OwnerIds=["self"])["Snapshots"])
        await confirm(pilot, app, "N", **{"ask-description": "before the fix"})
        await wait_for(pilot, lambda: bool(finished(audit)))
        await wait_for(pilot, lambda: snapshots.shown.get(first.key) is not None
                       and snapshots.shown[first.key].status == "FRESH")  # the new copy is seen
    after = aws.client("ec2").describe_snapshots(OwnerIds=["self"])["Snapshots"]
    assert len(after) == before + 1 and any(s.get("Description") == "before the fix" for s in after)


async def test_copy_a_snapshot_to_another_region(server: DemoServer, audit: AuditLog) -> None:
    aws = session(server)
    app = WatchkeeperApp(aws, audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        snapshots = await open_path(pilot, app, "snapshots")
        completed = next(r for r in snapshots.shown.values() if r.status == "completed")
        await select(pilot, snapshots, completed.name)
        await confirm(pilot, app, "K", **{"ask-region": TEST_REGION})
        await wait_for(pilot, lambda: bool(finished(audit)))
    [entry] = finished(audit)
    assert entry["region"] == TEST_REGION and entry["parameters"]["SourceRegion"] == "us-east-1"
    copies = session(server, TEST_REGION).client("ec2").describe_snapshots(OwnerIds=["self"])["Snapshots"]
    assert any(completed.name in s.get("Description", "") for s in copies)


async def test_export_writes_what_is_shown(
    server: DemoServer, audit: AuditLog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATCHKEEPER_EXPORT_DIR", str(tmp_path))
    app = WatchkeeperApp(session(server), audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        await open_path(pilot, app, "inspector")
        await pilot.press("slash", *"CRIT", "enter", "e")
        await wait_for(pilot, lambda: len(list(tmp_path.glob("*.csv"))) == 1)
    [csv_file] = tmp_path.glob("*.csv")
    rows = list(csv.reader(csv_file.open()))
    assert rows[0][:3] == ["key", "Sev", "Vulnerability"] and len(rows) == 2
    [record] = json.loads(csv_file.with_suffix(".json").read_text())
    assert record["columns"]["Vulnerability"] == "CVE-2024-3094" and "Remediation" in record["detail"]


def test_csv_cells_cannot_become_formulas() -> None:
    from panels.export import csv_cell

    assert csv_cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert csv_cell("-1+1") == "'-1+1" and csv_cell("ok") == "ok" and csv_cell(137) == 137
