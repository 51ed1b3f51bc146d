"""The pipeline, CodeBuild and Inspector built-in runbooks, end to end against the demo server in
a region of their own (the demo region stays as seeded for the tests that read it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from actions.audit import AuditLog
from actions.operations import used_by
from actions.runbooks.engine import COMPLETED, RunbookRun
from actions.runbooks.loader import BUILTIN_DIR, load_all
from actions.runbooks.model import Runbook, Step
from actions.runbooks.targets import row_context
from panels.inspector import InspectorPanel
from panels.pipelines import PipelineStages
from tests.conftest import session
from tests.test_runbooks import Scripted, mutations, outcomes
from tui.demo.server import DemoServer, plain_client
from tui.session import AwsSession

REGION = "ap-south-1"
NAMES = ("pipeline-stage-failed", "freeze-promotions", "unfreeze-promotions", "codebuild-cache-flush",
         "critical-finding")


@pytest.fixture(scope="module")
def region(server: DemoServer) -> str:
    from tui.demo.seed import seed_codepipeline, seed_ecs, seed_inspector, seed_logs

    for seed in (seed_ecs, seed_logs, seed_codepipeline, seed_inspector):  # logs need ECS's groups
        seed(REGION)
    return REGION


@pytest.fixture(scope="module")
def catalog() -> dict[str, Runbook]:
    return load_all([BUILTIN_DIR]).runbooks


def acting(server: DemoServer, tmp_path: Path) -> AwsSession:
    aws = session(server, REGION)
    aws.audit = AuditLog(tmp_path / "audit.jsonl")
    return aws


def build_row(aws: AwsSession) -> dict[str, Any]:
    rows = PipelineStages("web-release").rows(aws)
    return row_context(next(r for r in rows if r.data["provider"] == "CodeBuild"))


def stage_states(server: DemoServer) -> list[dict[str, Any]]:
    pipeline: Any = plain_client(server.endpoint_url, "codepipeline", REGION)
    return pipeline.get_pipeline_state(name="web-release")["stageStates"]  # type: ignore[no-any-return]


def test_they_validate_and_declare_their_operations(catalog: dict[str, Runbook]) -> None:
    for name in NAMES:
        runbook = catalog[name]
        declared = {op.key for op in used_by(f"runbook:{name}")}
        assert runbook.operations() <= declared, f"runbook:{name} also calls {runbook.operations() - declared}"


def test_pipeline_stage_failed_shows_the_phase_and_retries(
    server: DemoServer, region: str, catalog: dict[str, Runbook], tmp_path: Path
) -> None:
    aws = acting(server, tmp_path)

    def settle(step: Step) -> None:  # what CodePipeline does in time: the retried stage ends
        if step.id == "settled":
            for stage in stage_states(server):
                if (stage.get("latestExecution") or {}).get("status") == "InProgress":
                    from tui.demo.seed import backend

                    pipeline = backend("codepipeline", REGION).pipelines["web-release"]
                    for kept in pipeline.demo_stage_states:
                        if (kept.get("latestExecution") or {}).get("status") == "InProgress":
                            kept["latestExecution"]["status"] = "Succeeded"

    ui = Scripted(before_call=settle)
    run = RunbookRun(aws, catalog["pipeline-stage-failed"], build_row(aws), ui)
    assert run.run() == COMPLETED, ui.records
    shown = dict(ui.shown)
    assert "FAILED" in shown["build"] and "error" in shown["errors"]
    assert mutations(aws) == ["codepipeline:RetryStageExecution"]


def test_freeze_then_unfreeze_promotions(
    server: DemoServer, region: str, catalog: dict[str, Runbook], tmp_path: Path
) -> None:
    aws = acting(server, tmp_path)
    row = build_row(aws)
    run = RunbookRun(aws, catalog["freeze-promotions"], row, Scripted(), {"reason": "release freeze INC-42"})
    assert run.run() == COMPLETED, run.records
    frozen = next(s for s in stage_states(server) if s["stageName"] == row["stage"])
    assert frozen["inboundTransitionState"] == {**frozen["inboundTransitionState"], "enabled": False,
                                                "disabledReason": "release freeze INC-42"}
    assert RunbookRun(aws, catalog["unfreeze-promotions"], row, Scripted()).run() == COMPLETED
    assert next(s for s in stage_states(server) if s["stageName"] == row["stage"])["inboundTransitionState"]["enabled"]


def test_codebuild_cache_flush_rebuilds(
    server: DemoServer, region: str, catalog: dict[str, Runbook], tmp_path: Path
) -> None:
    aws = acting(server, tmp_path)

    def finish(step: Step) -> None:  # what CodeBuild does in time: the new build ends
        if step.id == "finished":
            from tui.demo.seed import backend

            for history in backend("codebuild", REGION).build_metadata_history.values():
                for build in history:
                    if build.get("buildStatus") == "IN_PROGRESS":
                        build["buildStatus"] = "SUCCEEDED"

    builds: Any = plain_client(server.endpoint_url, "codebuild", REGION)
    [build] = builds.list_builds_for_project(projectName="web-build")["ids"][:1]
    row = {**build_row(aws), "external": build}  # the failed build (an earlier test retried the stage)
    ui = Scripted(before_call=finish)
    run = RunbookRun(aws, catalog["codebuild-cache-flush"], row, ui)
    assert run.run() == COMPLETED, ui.records
    assert mutations(aws) == ["codebuild:InvalidateProjectCache", "codebuild:StartBuild"]


def test_critical_finding_shows_the_fix_and_the_patch_note(
    server: DemoServer, region: str, catalog: dict[str, Runbook], tmp_path: Path
) -> None:
    aws = acting(server, tmp_path)
    finding = next(r for r in InspectorPanel().rows(aws) if r.status == "CRITICAL")
    ui = Scripted()
    run = RunbookRun(aws, catalog["critical-finding"], row_context(finding), ui)
    assert run.run() == COMPLETED, ui.records
    assert outcomes(run)["volumes"] == "skipped"  # an image: nothing to snapshot, a patch note
    assert "Patch" in dict(ui.shown)["patch"] and mutations(aws) == []


@pytest.mark.parametrize("name", NAMES)
def test_a_dry_run_sends_no_mutation(
    server: DemoServer, region: str, catalog: dict[str, Runbook], tmp_path: Path, name: str
) -> None:
    aws = acting(server, tmp_path)
    row = row_context(next(r for r in InspectorPanel().rows(aws) if r.status == "CRITICAL")) \
        if name == "critical-finding" else build_row(aws)
    RunbookRun(aws, catalog[name], row, Scripted(), dry_run=True).run()
    assert mutations(aws) == []
