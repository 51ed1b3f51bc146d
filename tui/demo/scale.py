"""A large account in moto, for the scale benchmark and the request-economy tests.

`seed_scale(region, ...)` writes, straight into moto's in-process backends (an HTTP round trip
per resource would take minutes at this size): one ECS service with thousands of tasks (a few of
them stopped by a crash), thousands of Inspector findings (mostly LOW and MEDIUM), thousands of
EBS snapshots and Step Functions executions. `install()` makes moto's DescribeSnapshots page as
EC2 does; the findings are answered, filtered and paged, by tui/demo/moto_inspector.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tui.demo.seed import (
    DEMO_ACCOUNT,
    _ErroredSnapshot,
    ago,
    backend,
    naive_ago,
    register_task_definition,
    stop_task_as_oom,
    task_network,
)


@dataclass(frozen=True)
class Scale:
    tasks: int = 5_000  # in one service, the stopped ones included
    stopped: int = 30  # stopped by an out-of-memory crash (ECS keeps them about an hour)
    findings: int = 20_000
    severe: int = 500  # CRITICAL and HIGH among the findings
    images: int = 400  # the container images they are in
    snapshots: int = 10_000
    volumes: int = 20  # in use, the snapshots spread over them
    errored: int = 3  # snapshots in error
    executions: int = 2_000
    failed: int = 20  # failed executions among them


# -- ec2 DescribeSnapshots that pages when asked (moto answers every snapshot whatever MaxResults says)
_original_describe_snapshots: Any = None


def describe_snapshots(self: Any) -> Any:
    answer = _original_describe_snapshots(self)
    size = self._get_int_param("MaxResults")
    if not size:
        return answer  # as AWS: without MaxResults, everything at once
    offset = int(self._get_param("NextToken") or 0)
    snapshots = answer.result["Snapshots"]
    page: dict[str, Any] = {"Snapshots": snapshots[offset:offset + size]}
    if offset + size < len(snapshots):
        page["NextToken"] = str(offset + size)
    return type(answer)(page)


def install() -> None:
    global _original_describe_snapshots
    from moto.ec2.responses.elastic_block_store import ElasticBlockStore

    if _original_describe_snapshots is None:
        _original_describe_snapshots = ElasticBlockStore.describe_snapshots
        ElasticBlockStore.describe_snapshots = describe_snapshots  # type: ignore[method-assign]


# -- seeding -------------------------------------------------------------------------------------
def seed_scale(region: str, scale: Scale = Scale()) -> None:
    install()
    seed_tasks(region, scale)
    seed_findings(region, scale)
    seed_snapshots(region, scale)
    seed_executions(region, scale)


def seed_tasks(region: str, scale: Scale) -> None:
    ecs = backend("ecs", region)
    network = task_network(region)
    ecs.create_cluster("scale", capacity_providers=["FARGATE"])
    register_task_definition(ecs, "api", region)
    ecs.create_service("scale", "api", scale.tasks, "api", launch_type="FARGATE", network_configuration=network)
    tasks = ecs.run_task("scale", "api", scale.tasks, None, "ecs-svc/scale", None, "FARGATE", network,
                         group="service:api")
    for index, task in enumerate(tasks):
        task.started_at = ago(minutes=55)
        if index < scale.stopped:
            stop_task_as_oom(task, minutes_ago=30 - index % 30)
        else:
            task.containers[0].last_status = "RUNNING"
    running = scale.tasks - scale.stopped
    service = ecs.services["scale:api"]
    service.running_count, service.pending_count = running, 0
    service.deployments[0].update(runningCount=running, rolloutState="IN_PROGRESS", failedTasks=scale.stopped)
    counts = ecs.clusters["scale"]
    counts.active_services_count, counts.running_tasks_count = 1, running


def finding(index: int, severity: str, region: str, scale: Scale) -> dict[str, Any]:
    # As in an account: images share CVEs (400 images with 50 findings each, 2,000 CVEs in all).
    image = index % scale.images
    cve = f"CVE-2024-{10_000 + index // scale.images + 50 * (image % 40)}"
    title = f"{cve} - {'xz-utils' if severity in ('CRITICAL', 'HIGH') else 'libexample'}"
    return {
        "awsAccountId": DEMO_ACCOUNT, "findingArn": f"arn:aws:inspector2:{region}:{DEMO_ACCOUNT}:finding/{index:08x}",
        "type": "PACKAGE_VULNERABILITY", "title": title, "description": f"{cve} affects libexample.",
        "severity": severity, "status": "ACTIVE", "exploitAvailable": "YES" if index % 2 else "NO",
        "fixAvailable": "YES", "inspectorScore": 5.0, "firstObservedAt": ago(days=3).isoformat(),
        "lastObservedAt": ago(hours=2).isoformat(),
        "resources": [{"type": "AWS_ECR_CONTAINER_IMAGE", "region": region,
                       "id": f"arn:aws:ecr:{region}:{DEMO_ACCOUNT}:repository/app-{image % 50}/sha256:{image:04x}"}],
        "packageVulnerabilityDetails": {"vulnerabilityId": cve, "source": "NVD", "vulnerablePackages": [
            {"name": "libexample", "version": "1.0", "fixedInVersion": "1.1"}]},
    }


def seed_findings(region: str, scale: Scale) -> None:
    inspector = backend("inspector2", region)
    inspector.enable([DEMO_ACCOUNT], ["EC2", "ECR", "LAMBDA"])
    severe = {i * scale.findings // max(scale.severe, 1) for i in range(scale.severe)}  # spread through the pages
    inspector.held_findings = [  # answered by tui/demo/moto_inspector.py
        finding(i, ("CRITICAL" if i % 3 == 0 else "HIGH") if i in severe else ("LOW" if i % 2 else "MEDIUM"), region,
                scale)
        for i in range(scale.findings)]


def seed_snapshots(region: str, scale: Scale) -> None:
    ec2 = backend("ec2", region)
    instance = ec2.run_instances("ami-12c6146b", 1, None, [], instance_type="t3.micro",
                                 is_instance_type_default=False, region_name=region).instances[0].id
    volumes = []
    for index in range(scale.volumes):
        volume = ec2.create_volume(100, f"{region}a", volume_type="gp3").id
        ec2.attach_volume(volume, instance, f"/dev/sd{chr(ord('f') + index % 20)}")
        volumes.append(volume)
    for index in range(scale.snapshots):
        snapshot = ec2.create_snapshot(volumes[index % len(volumes)], f"daily {index}")
        snapshot.start_time = naive_ago(hours=1 + index // len(volumes))  # each volume's newest is an hour old
        if index < scale.errored:
            snapshot.__class__ = _ErroredSnapshot
            snapshot.status, snapshot.state_message = "error", "Snapshot creation failed (internal error)"


def seed_executions(region: str, scale: Scale) -> None:
    sfn = backend("stepfunctions", region)
    definition = {"StartAt": "Work", "States": {"Work": {"Type": "Pass", "End": True}}}
    machine = sfn.create_state_machine(name="scale-batch", definition=json.dumps(definition),
                                       roleArn="arn:aws:iam::123456789012:role/demo-sfn")
    for index in range(scale.executions):
        execution = sfn.start_execution(machine.arn, f"run-{index:05d}", "{}")
        start, stop = ago(minutes=5 + index), ago(minutes=4 + index)
        execution.start_date, execution.stop_date = start.replace(tzinfo=None), stop.replace(tzinfo=None)
        failed = index < scale.failed
        execution.status = "FAILED" if failed else "SUCCEEDED"
        if failed:
            execution.error, execution.cause = "States.TaskFailed", "worker ran out of memory"
        execution.demo_history = [
            {"timestamp": start, "type": "ExecutionStarted", "id": 1, "executionStartedEventDetails": {}},
            {"timestamp": stop, "type": "ExecutionFailed" if failed else "ExecutionSucceeded", "id": 2,
             "previousEventId": 1,
             **({"executionFailedEventDetails": {"error": "States.TaskFailed", "cause": "worker ran out of memory"}}
                if failed else {"executionSucceededEventDetails": {}})},
        ]
