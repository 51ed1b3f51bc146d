"""ECS, Batch and EMR: find the crashing task, the stuck job, the failed step, and act on them.

Actions that change state run against copies seeded in TEST_REGION where the demo region must
stay as the other tests expect it (moto's EMR ignores the region, so EMR tests leave the demo's
clusters as they found them).
"""

from __future__ import annotations

from typing import Any

from actions.audit import AuditLog
from panels.batch import BatchPanel
from panels.ecs import DESCRIBE_TASKS_MAX, EcsTasks, describe_tasks
from panels.emr import EmrInstanceGroups, EmrPanel
from tests.conftest import session
from tests.pilot import confirm, finished, jump_from_triage, loaded, open_path, refused, screen_text, select, wait_for
from tui.app import WatchkeeperApp
from tui.demo.server import DemoServer, plain_client
from tui.log_viewer import LogViewer
from tui.session import AwsSession

SIZE = (80, 24)


# -- ECS -----------------------------------------------------------------------------------------
async def test_crash_loop_to_stopped_task_reason_exit_code_and_logs(server: DemoServer, audit: AuditLog) -> None:
    app = WatchkeeperApp(session(server), audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        ecs = await jump_from_triage(pilot, app, "prod/checkout-api", "ecs", "checkout-api")
        await pilot.press("enter")
        await loaded(pilot, ecs, "prod › checkout-api › tasks")
        stopped = next(r for r in ecs.shown.values() if r.status == "FAILED")
        await select(pilot, ecs, stopped.name)
        detail = str(ecs.query_one("#detail").render())
        assert "Essential container in task exited" in detail
        assert "exit=137 OutOfMemoryError: Container killed due to memory usage" in detail
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, LogViewer))
        await wait_for(pilot, lambda: "OutOfMemoryError: Java heap space" in screen_text(app.screen))
        assert app.screen.target.stream == f"ecs/checkout-api/{stopped.name}"  # type: ignore[attr-defined]


async def test_force_deployment_waits_for_stable_and_scale_reach_the_server(
    test_region: AwsSession, audit: AuditLog
) -> None:
    aws = test_region
    ecs_client = aws.client("ecs")

    def service() -> dict:  # type: ignore[type-arg]
        return ecs_client.describe_services(cluster="prod", services=["web"])["services"][0]

    before = service()["deployments"][0]["id"]
    app = WatchkeeperApp(aws, audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        ecs = await open_path(pilot, app, "ecs", "prod", "web")
        await confirm(pilot, app, "D")
        await wait_for(pilot, lambda: service()["deployments"][0]["id"] != before)
        await wait_for(pilot, lambda: not app.waiting and not ecs.waiting)  # services_stable reached
        await select(pilot, ecs, "web")
        await confirm(pilot, app, "S", **{"ask-desired": "4"})
        await wait_for(pilot, lambda: service()["desiredCount"] == 4)
    assert [e["action"] for e in finished(audit)] == ["ecs.force-deployment", "ecs.scale"]


async def test_rollback_to_the_previous_revision(test_region: AwsSession, audit: AuditLog) -> None:
    aws = test_region
    app = WatchkeeperApp(aws, audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        await open_path(pilot, app, "ecs", "prod", "checkout-api")
        await confirm(pilot, app, "B")
        await wait_for(pilot, lambda: bool(finished(audit)))
    current = aws.client("ecs").describe_services(cluster="prod", services=["checkout-api"])["services"][0]
    assert current["taskDefinition"].endswith("task-definition/checkout-api:1")


def test_tasks_are_described_in_batches_of_a_hundred(test_region: AwsSession) -> None:
    aws = test_region
    ecs: Any = plain_client(aws.endpoint_url, "ecs", aws.region)  # test data, outside the session
    ecs.create_cluster(clusterName="big")
    network = ecs.describe_services(cluster="prod", services=["web"])["services"][0]["networkConfiguration"]
    for _ in range(25):
        ecs.run_task(cluster="big", taskDefinition="web", launchType="FARGATE", count=10,
                     networkConfiguration=network, group="service:web")
    before = len(aws.calls)
    tasks = describe_tasks(aws, "big")
    calls = [c.operation for c in list(aws.calls)[before:]]
    assert len(tasks) == 250
    assert calls.count("DescribeTasks") == -(-250 // DESCRIBE_TASKS_MAX)  # 3, not 250
    assert EcsTasks("big", "big", "web").rows(aws)


# -- Batch ---------------------------------------------------------------------------------------
async def test_failed_job_reason_and_resubmit(test_region: AwsSession, audit: AuditLog) -> None:
    aws = test_region
    [failed] = [p for p in BatchPanel().problems(aws) if p.status == "FAILED"]
    app = WatchkeeperApp(aws, audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        batch = await open_path(pilot, app, "batch", "analytics", "export-2026-11-22")
        detail = str(batch.query_one("#detail").render())
        assert "ResourceInitializationError: unable to pull secrets" in detail  # the attempt's reason
        assert "Essential container in task exited" in detail
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, LogViewer))
        await wait_for(pilot, lambda: "AccessDeniedException" in screen_text(app.screen))
        await pilot.press("escape")
        await confirm(pilot, app, "R")
        await wait_for(pilot, lambda: bool(finished(audit)))
    [entry] = finished(audit)
    new_id = aws.client("batch").list_jobs(jobQueue="analytics", filters=[
        {"name": "JOB_NAME", "values": ["export-2026-11-22"]}])["jobSummaryList"]
    assert len(new_id) == 2 and failed.arn in {j["jobArn"] for j in new_id}
    resubmitted = aws.client("batch").describe_jobs(
        jobs=[j["jobId"] for j in new_id if j["jobArn"] != failed.arn])["jobs"][0]
    assert resubmitted["jobDefinition"].endswith("job-definition/nightly-export:1")
    assert resubmitted["parameters"] == {"day": "yesterday"}
    assert entry["parameters"]["containerOverrides"]["command"] == ["export", "--day", "Ref::day"]


# -- EMR -----------------------------------------------------------------------------------------
def test_cluster_rows_show_release_and_lost_nodes(aws: AwsSession) -> None:
    rows = {r.name: r for r in EmrPanel().rows(aws)}
    etl = rows["etl-nightly"]
    assert etl.cells[2] == "4/5" and etl.cells[4] == "emr-7.2.0"
    groups = {r.name: r for r in EmrInstanceGroups(etl.data["cluster"], "etl-nightly").rows(aws)}
    assert groups["core"].status == "DEGRADED" and groups["core"].cells[4:6] == (3, 4)
    lost = [p for p in EmrPanel().problems(aws) if p.status == "NODES LOST"]
    assert lost and "running 3 of 4" in lost[0].reason


async def test_failed_step_details_and_cancel_a_pending_step(server: DemoServer, audit: AuditLog) -> None:
    aws = session(server)
    emr: Any = plain_client(aws.endpoint_url, "emr", aws.region)  # test data, outside the session
    cluster = next(c for c in emr.list_clusters()["Clusters"] if c["Name"] == "etl-nightly")["Id"]
    [added] = emr.add_job_flow_steps(JobFlowId=cluster, Steps=[{
        "Name": "to-cancel", "ActionOnFailure": "CONTINUE",
        "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["true"]}}])["StepIds"]
    app = WatchkeeperApp(aws, audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_path(pilot, app, "emr", "etl-nightly", "export-warehouse")
        detail = str(view.query_one("#detail").render())
        assert "Container killed by YARN for exceeding memory limits." in detail
        assert "stderr.gz" in detail  # the log file path
        await select(pilot, view, "to-cancel")
        await confirm(pilot, app, "X")
        await wait_for(pilot, lambda: bool(finished(audit)))
        await pilot.press("v")  # the same cluster's instance groups
        await loaded(pilot, view, "etl-nightly › instance groups")
    state = emr.describe_step(ClusterId=cluster, StepId=added)["Step"]["Status"]["State"]
    assert state == "CANCELLED"
    assert finished(audit)[0]["parameters"] == {"ClusterId": cluster, "StepIds": [added]}


async def test_terminate_is_refused_while_protected(server: DemoServer, audit: AuditLog) -> None:
    aws = session(server)
    emr: Any = plain_client(aws.endpoint_url, "emr", aws.region)  # test data, outside the session
    cluster = next(c for c in emr.list_clusters()["Clusters"] if c["Name"] == "etl-nightly")["Id"]
    emr.set_termination_protection(JobFlowIds=[cluster], TerminationProtected=True)
    try:
        app = WatchkeeperApp(aws, audit=audit)
        async with app.run_test(size=SIZE) as pilot:
            await open_path(pilot, app, "emr", "etl-nightly")
            await refused(pilot, app, "T")
            assert any("termination protection on" in n.message for n in app._notifications)
    finally:
        emr.set_termination_protection(JobFlowIds=[cluster], TerminationProtected=False)
    assert emr.describe_cluster(ClusterId=cluster)["Cluster"]["Status"]["State"] in ("WAITING", "RUNNING")
    assert audit.entries() == []


def test_instance_fleets_show_capacity_like_groups(aws: AwsSession) -> None:
    """moto has no instance fleets: the Stubber gives ListInstanceFleets' real shape."""
    from botocore.stub import ANY, Stubber

    from panels.emr import capacity

    fleet = {"Id": "if-1", "Name": "core fleet", "InstanceFleetType": "CORE", "TargetOnDemandCapacity": 2,
             "TargetSpotCapacity": 6, "ProvisionedOnDemandCapacity": 2, "ProvisionedSpotCapacity": 3,
             "InstanceTypeSpecifications": [{"InstanceType": "r5.2xlarge"}, {"InstanceType": "r6g.2xlarge"}],
             "Status": {"State": "RUNNING"}}
    with Stubber(aws.client("emr")) as stub:
        stub.add_response("list_instance_fleets", {"InstanceFleets": [fleet]}, {"ClusterId": ANY})
        [group] = capacity(aws, "j-FLEET", "INSTANCE_FLEET")
    assert (group["RunningInstanceCount"], group["RequestedInstanceCount"]) == (5, 8)
    assert group["InstanceType"] == "r5.2xlarge, r6g.2xlarge" and group["fleet"]
