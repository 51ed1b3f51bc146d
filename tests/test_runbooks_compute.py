"""The EMR, Batch and EBS built-in runbooks, end to end against the demo server. Batch and EBS act
in a region of their own; EMR (whose moto backend ignores the region behind an endpoint) on a
cluster of its own, so the demo's clusters stay as seeded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from actions.audit import AuditLog
from actions.operations import used_by
from actions.runbooks.engine import COMPLETED, RunbookRun, input_defaults
from actions.runbooks.loader import BUILTIN_DIR, load_all, load_file
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


def emr_steps(server: DemoServer, cluster_id: str) -> list[dict[str, Any]]:
    emr: Any = plain_client(server.endpoint_url, "emr", DEMO_REGION)
    return emr.list_steps(ClusterId=cluster_id)["Steps"]  # type: ignore[no-any-return]


def test_they_validate_and_declare_their_operations(catalog: dict[str, Runbook]) -> None:
    for name in NAMES:
        runbook, errors = load_file(BUILTIN_DIR / f"{name}.yaml", builtin=True)
        assert runbook is not None and errors == [], [str(e) for e in errors]
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
    assert [s["Name"] for s in emr_steps(server, cluster["cluster"])] == ["nightly", "nightly"]
    assert "Step added again as s-" in dict(ui.shown)["added"] and "pending" not in dict(ui.shown)


def test_emr_step_failed_cancels_the_pending_steps(
    server: DemoServer, cluster: dict[str, Any], catalog: dict[str, Runbook], tmp_path: Path
) -> None:
    emr: Any = plain_client(server.endpoint_url, "emr", DEMO_REGION)
    emr.add_job_flow_steps(JobFlowId=cluster["cluster"], Steps=[{
        "Name": "waiting", "ActionOnFailure": "CONTINUE", "HadoopJarStep": {"Jar": "command-runner.jar"}}])
    pending = {s["Id"] for s in emr_steps(server, cluster["cluster"]) if s["Status"]["State"] == "PENDING"}
    assert pending
    aws = acting(server, tmp_path, DEMO_REGION)
    runbook, row = catalog["emr-step-failed"], rows("emr-step-failed", aws, cluster)
    ui = Scripted(answers={"next_move": "cancel pending steps"})
    run = RunbookRun(aws, runbook, row, ui)
    assert run.run() == COMPLETED, ui.records
    assert mutations(aws) == ["emr:CancelSteps"]
    assert {s["Id"] for s in emr_steps(server, cluster["cluster"]) if s["Status"]["State"] == "CANCELLED"} >= pending
    assert f"Cancelled {len(pending)} of {len(pending)} pending steps" in dict(ui.shown)["cancelled"]
    # Nothing pending now: the cancel is skipped and the run ends, without a stray note.
    again = RunbookRun(aws, runbook, row, Scripted(answers={"next_move": "cancel pending steps"}))
    assert again.run() == COMPLETED and mutations(aws) == ["emr:CancelSteps"]
    assert [(r.step.id, r.outcome) for r in again.records][2:] == [
        ("pending", "done"), ("cancel", "skipped"), ("cancelled", "skipped")]


def test_emr_safe_scale_in_resizes_and_waits(
    server: DemoServer, cluster: dict[str, Any], catalog: dict[str, Runbook], tmp_path: Path
) -> None:
    aws = acting(server, tmp_path, DEMO_REGION)
    runbook, row = catalog["emr-safe-scale-in"], rows("emr-safe-scale-in", aws, cluster)
    assert input_defaults(runbook, row) == {"count": cluster["requested"] - 1, "decommission_timeout": "3600"}
    assert input_defaults(runbook, {})["count"] is None  # no count to start from: the input must be given
    run = RunbookRun(aws, runbook, row, Scripted())
    assert run.run() == COMPLETED, run.records
    [call] = [c for c in aws.calls if c.mutating]
    assert call.params["InstanceGroups"][0] == {"InstanceGroupId": cluster["group"],
                                                "InstanceCount": cluster["requested"] - 1,
                                                "ShrinkPolicy": {"DecommissionTimeout": 3600}}
    emr: Any = plain_client(server.endpoint_url, "emr", DEMO_REGION)
    group = next(g for g in emr.list_instance_groups(ClusterId=cluster["cluster"])["InstanceGroups"]
                 if g["Id"] == cluster["group"])
    assert group["RunningInstanceCount"] == cluster["requested"] - 1


def test_batch_job_stuck_runnable_resubmits_it(
    server: DemoServer, region: str, catalog: dict[str, Runbook], tmp_path: Path
) -> None:
    aws = acting(server, tmp_path)
    row = stuck_job(aws)
    ui = Scripted(answers={"decide": "resubmit"})
    run = RunbookRun(aws, catalog["batch-job-stuck-runnable"], row, ui)
    assert run.run() == COMPLETED, ui.records
    assert mutations(aws) == ["batch:SubmitJob"]
    [call] = [c for c in aws.calls if c.mutating]
    assert call.params["jobName"] == row["name"] and call.params["jobQueue"] == row["queue"]
    assert call.params["jobDefinition"].split("/")[-1].startswith("nightly-export")
    assert run.context["steps"]["resubmit"]["jobId"] != row["job"]


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
    run = RunbookRun(aws, catalog[name], rows(name, aws, cluster), Scripted(answers=answers), dry_run=True)
    assert run.run() == COMPLETED
    assert mutations(aws) == [] and aws.audit is not None and aws.audit.calls() == []
    assert any(r.step.kind == "action" and "dry run: not sent" in r.text for r in run.records)
