"""The EMR, Batch and EBS built-in runbooks, end to end against the demo server. Batch and EBS act
in a region of their own; EMR (whose moto backend ignores the region behind an endpoint) on a
cluster of its own, so the demo's clusters stay as seeded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from actions.audit import AuditLog
from actions.operations import used_by
from actions.runbooks.engine import COMPLETED, RunbookRun
from actions.runbooks.loader import BUILTIN_DIR, load_all
from actions.runbooks.model import Runbook
from actions.runbooks.targets import row_context
from panels.batch import BatchPanel
from panels.snapshots import SnapshotsPanel
from tests.conftest import session
from tests.test_runbooks import Scripted, mutations
from tui.demo.server import DEMO_REGION, DemoServer, plain_client
from tui.session import AwsSession

REGION = "ap-northeast-1"
NAMES = ("emr-step-failed", "emr-safe-scale-in", "batch-job-stuck-runnable", "restore-volume")


@pytest.fixture(scope="module")
def region(server: DemoServer) -> str:
    from tui.demo.seed import seed_batch, seed_ecs, seed_logs, seed_snapshots

    for seed in (seed_ecs, seed_logs, seed_batch, seed_snapshots):  # in the order conftest seeds them
        seed(REGION)
    return REGION


@pytest.fixture(scope="module")
def cluster(server: DemoServer) -> dict[str, str]:
    """An EMR cluster of this module's own, with one step."""
    emr: Any = plain_client(server.endpoint_url, "emr", DEMO_REGION)
    cluster_id = emr.run_job_flow(
        Name="runbook-scratch", ReleaseLabel="emr-7.1.0", JobFlowRole="EMR_EC2_DefaultRole",
        ServiceRole="EMR_DefaultRole", Instances={"InstanceGroups": [
            {"Name": "core", "InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 3},
            {"Name": "master", "InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1}],
            "KeepJobFlowAliveWhenNoSteps": True},
        Steps=[{"Name": "nightly", "ActionOnFailure": "CONTINUE",
                "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["spark-submit", "job.py"]}}])["JobFlowId"]
    [step] = emr.list_steps(ClusterId=cluster_id)["Steps"]
    core = next(g for g in emr.list_instance_groups(ClusterId=cluster_id)["InstanceGroups"]
                if g["InstanceGroupType"] == "CORE")
    return {"cluster": cluster_id, "step": step["Id"], "group": core["Id"], "requested": core["RequestedInstanceCount"]}


@pytest.fixture(scope="module")
def catalog() -> dict[str, Runbook]:
    return load_all([BUILTIN_DIR]).runbooks


def acting(server: DemoServer, tmp_path: Path, region: str = REGION) -> AwsSession:
    aws = session(server, region)
    aws.audit = AuditLog(tmp_path / "audit.jsonl")
    return aws


def stuck_job(aws: AwsSession) -> dict[str, Any]:
    panel = BatchPanel()
    queue = next(r for r in panel.rows(aws) if r.name == "analytics")
    jobs = panel.drill(queue).rows(aws)
    return row_context(next(r for r in jobs if r.status == "RUNNABLE"))


def completed_snapshot(aws: AwsSession) -> dict[str, Any]:
    return row_context(next(r for r in SnapshotsPanel().rows(aws) if r.status == "completed"))


def rows(name: str, aws: AwsSession, cluster: dict[str, Any]) -> dict[str, Any]:
    if name == "batch-job-stuck-runnable":
        return stuck_job(aws)
    if name == "restore-volume":
        return completed_snapshot(aws)
    return {**cluster, "name": "runbook-scratch", "key": cluster["cluster"]}


def test_they_validate_and_declare_their_operations(catalog: dict[str, Runbook]) -> None:
    for name in NAMES:
        declared = {op.key for op in used_by(f"runbook:{name}")}
        assert catalog[name].operations() <= declared, name


def test_emr_step_failed_adds_the_step_again(
    server: DemoServer, cluster: dict[str, Any], catalog: dict[str, Runbook], tmp_path: Path
) -> None:
    aws = acting(server, tmp_path, DEMO_REGION)
    ui = Scripted(answers={"next_move": "add it again"})
    run = RunbookRun(aws, catalog["emr-step-failed"], rows("emr-step-failed", aws, cluster), ui)
    assert run.run() == COMPLETED, ui.records
    assert "command-runner.jar" in dict(ui.shown)["step"] and mutations(aws) == ["emr:AddJobFlowSteps"]
    emr: Any = plain_client(server.endpoint_url, "emr", DEMO_REGION)
    assert [s["Name"] for s in emr.list_steps(ClusterId=cluster["cluster"])["Steps"]] == ["nightly", "nightly"]


def test_emr_safe_scale_in_resizes_and_waits(
    server: DemoServer, cluster: dict[str, Any], catalog: dict[str, Runbook], tmp_path: Path
) -> None:
    aws = acting(server, tmp_path, DEMO_REGION)
    run = RunbookRun(aws, catalog["emr-safe-scale-in"], rows("emr-safe-scale-in", aws, cluster), Scripted(),
                     {"count": cluster["requested"] - 1})
    assert run.run() == COMPLETED, run.records
    [call] = [c for c in aws.calls if c.mutating]
    assert call.params["InstanceGroups"][0]["ShrinkPolicy"] == {"DecommissionTimeout": 3600}


def test_batch_job_stuck_runnable_shows_the_capacity_and_terminates(
    server: DemoServer, region: str, catalog: dict[str, Runbook], tmp_path: Path
) -> None:
    aws = acting(server, tmp_path)
    row = stuck_job(aws)
    ui = Scripted(answers={"decide": "terminate"})
    run = RunbookRun(aws, catalog["batch-job-stuck-runnable"], row, ui)
    assert run.run() == COMPLETED, ui.records
    shown = dict(ui.shown)
    assert "max_vcpus: 16" in shown["compute"] and "at most 16" in shown["findings"]
    assert mutations(aws) == ["batch:TerminateJob"]


def test_restore_volume_creates_it_and_waits(
    server: DemoServer, region: str, catalog: dict[str, Runbook], tmp_path: Path
) -> None:
    aws = acting(server, tmp_path)
    row = completed_snapshot(aws)
    ui = Scripted()
    run = RunbookRun(aws, catalog["restore-volume"], row, ui, {"zone": f"{REGION}c"})
    assert run.run() == COMPLETED, ui.records
    volume = run.context["steps"]["create"]["VolumeId"]
    assert volume in dict(ui.shown)["note"] and mutations(aws) == ["ec2:CreateVolume"]


@pytest.mark.parametrize("name", NAMES)
def test_a_dry_run_sends_no_mutation(
    server: DemoServer, region: str, cluster: dict[str, Any], catalog: dict[str, Runbook], tmp_path: Path,
    name: str,
) -> None:
    aws = acting(server, tmp_path, DEMO_REGION if name.startswith("emr") else REGION)
    answers = {"next_move": "add it again", "decide": "terminate"}
    RunbookRun(aws, catalog[name], rows(name, aws, cluster), Scripted(answers=answers), dry_run=True).run()
    assert mutations(aws) == []
