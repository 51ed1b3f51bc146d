"""The sources against a plain moto server: none of the demo's additions (tui/demo/moto_extras.py),
so some operations are missing, as on LocalStack or an older moto. Every panel must still load,
and triage must say which operation this endpoint lacks (never an HTML page, never a crash).

The server runs in a subprocess: the demo's patches live in this test process's moto.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

import boto3
import pytest

from panels.model import failed
from panels.registry import service_panels
from panels.triage import collect
from tui.errors import NON_AWS_BODY, UNSUPPORTED
from tui.session import AwsSession

REGION = "us-east-1"
SERVER = """
import logging, sys
logging.getLogger("werkzeug").setLevel(logging.ERROR)
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()  # until the test closes stdin (or kills it)
"""
ROLE = "arn:aws:iam::123456789012:role/plain"


@pytest.fixture(scope="module")
def plain_endpoint() -> Iterator[str]:
    process = subprocess.Popen([sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL,  # moto's tracebacks for what it lacks
                               text=True, env={**os.environ, "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"})
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        endpoint = f"http://127.0.0.1:{port}"
        seed(endpoint)
        yield endpoint
    finally:
        process.kill()
        process.wait(timeout=10)


def client(endpoint: str, service: str) -> Any:
    return boto3.client(service, region_name=REGION, endpoint_url=endpoint, aws_access_key_id="demo",
                        aws_secret_access_key="demo")


def seed(endpoint: str) -> None:
    """A few resources per panel, through plain boto3 (best effort where moto needs more)."""
    iam = client(endpoint, "iam")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": f"{service}.amazonaws.com"}}
        for service in ("codepipeline", "states", "batch")]})
    iam.create_role(RoleName="plain", AssumeRolePolicyDocument=trust)
    ecs = client(endpoint, "ecs")
    ecs.create_cluster(clusterName="plain")
    ecs.register_task_definition(family="web", containerDefinitions=[{"name": "web", "image": "nginx",
                                                                      "memory": 128}])
    ecs.create_service(cluster="plain", serviceName="web", taskDefinition="web", desiredCount=2)
    sfn = client(endpoint, "stepfunctions")
    machine = sfn.create_state_machine(name="plain", roleArn=ROLE, definition=json.dumps(
        {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}))["stateMachineArn"]
    sfn.start_execution(stateMachineArn=machine)
    ec2 = client(endpoint, "ec2")
    volume = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8)["VolumeId"]
    ec2.create_snapshot(VolumeId=volume)
    rds = client(endpoint, "rds")
    rds.create_db_instance(DBInstanceIdentifier="plain", DBInstanceClass="db.t3.micro", Engine="postgres",
                           MasterUsername="admin", MasterUserPassword="password123", AllocatedStorage=20)
    rds.create_db_snapshot(DBInstanceIdentifier="plain", DBSnapshotIdentifier="plain-1")
    client(endpoint, "emr").run_job_flow(
        Name="plain", ReleaseLabel="emr-6.15.0", JobFlowRole="EMR_EC2_DefaultRole", ServiceRole="EMR_DefaultRole",
        Instances={"MasterInstanceType": "m5.xlarge", "SlaveInstanceType": "m5.xlarge", "InstanceCount": 2,
                   "KeepJobFlowAliveWhenNoSteps": True},
        Steps=[{"Name": "etl", "ActionOnFailure": "CONTINUE",
                "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["true"]}}])
    with suppress(Exception):  # moto's Batch wants more IAM than this; the panel copes either way
        batch = client(endpoint, "batch")
        env = batch.create_compute_environment(computeEnvironmentName="plain", type="UNMANAGED", state="ENABLED",
                                               serviceRole=ROLE)["computeEnvironmentArn"]
        batch.create_job_queue(jobQueueName="plain", state="ENABLED", priority=1,
                               computeEnvironmentOrder=[{"order": 1, "computeEnvironment": env}])
    client(endpoint, "codepipeline").create_pipeline(pipeline={
        "name": "plain", "roleArn": ROLE, "artifactStore": {"type": "S3", "location": "bucket"},
        "stages": [
            {"name": "Source", "actions": [{
                "name": "Source", "outputArtifacts": [{"name": "src"}],
                "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
                "configuration": {"S3Bucket": "b", "S3ObjectKey": "k"}}]},
            {"name": "Build", "actions": [{
                "name": "Build", "inputArtifacts": [{"name": "src"}],
                "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"},
                "configuration": {"ProjectName": "p"}}]}]})


@pytest.fixture
def plain(plain_endpoint: str) -> AwsSession:
    return AwsSession(region=REGION, endpoint_url=plain_endpoint,
                      credentials={"aws_access_key_id": "demo", "aws_secret_access_key": "demo"})


def test_the_plain_server_has_the_seeded_resources(plain: AwsSession) -> None:
    assert plain.client("ecs").list_clusters()["clusterArns"]
    assert plain.client("codepipeline").list_pipelines()["pipelines"]


@pytest.mark.parametrize("panel_id", [p.id for p in service_panels()])
def test_every_panel_loads_or_says_what_the_endpoint_lacks(plain: AwsSession, panel_id: str) -> None:
    panel = next(p for p in service_panels() if p.id == panel_id)
    for source in (panel, *panel.alternatives()):
        try:
            listing = source.load(plain)
        except Exception as exc:  # the list itself is missing: the view says so, and why
            failure = failed(exc, source.label, plain)
            assert failure.kind == UNSUPPORTED and failure.action, failure
            assert not NON_AWS_BODY.search(failure.sentence() + failure.message)
            continue
        for gap in listing.gaps:
            assert gap.kind == UNSUPPORTED and gap.action, gap
            assert not NON_AWS_BODY.search(gap.sentence() + gap.message), gap
    triage = collect(plain, [panel])
    for item in triage.incomplete:
        failure = item.failure
        assert failure.kind == UNSUPPORTED and ":" in failure.action, failure
        assert not NON_AWS_BODY.search(failure.sentence() + failure.message), failure
    missing = {i.failure.action for i in triage.incomplete}
    if panel_id == "snapshots":
        assert "backup:ListBackupJobs" in missing
    if panel_id == "pipelines":
        assert "codepipeline:GetPipelineState" in missing


def test_freshness_where_start_time_is_not_matched_by_wildcard(plain_endpoint: str, plain: AwsSession) -> None:
    """AWS matches a snapshot's start-time by wildcard (`2026-11-23*`: that day's copies); moto
    compares the whole timestamp, so the day reads find nothing here and the whole histories are
    read: a fresh copy is still fresh, a volume never copied still reported; and once that is seen,
    the day reads are skipped."""
    from panels.model import Memo
    from panels.snapshots import SnapshotsPanel

    ec2 = client(plain_endpoint, "ec2")
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    copied, bare = (ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8)["VolumeId"] for _ in range(2))
    for device, volume in (("/dev/sdf", copied), ("/dev/sdg", bare)):
        ec2.attach_volume(VolumeId=volume, InstanceId=instance, Device=device)
    ec2.create_snapshot(VolumeId=copied)
    freshness = next(c for c in SnapshotsPanel().checks() if c.id == "snapshots.freshness")
    since = len(plain.calls)
    problems = freshness.run(plain, Memo())
    reads = [{f["Name"] for f in call.params["Filters"]} for call in list(plain.calls)[since:]
             if call.operation == "DescribeSnapshots"]
    assert [("start-time" in names) for names in reads] == [True, True, False]  # today, yesterday, all
    assert [p.status for p in problems] == ["NO SNAPSHOT"]
    assert bare in problems[0].reason and copied not in problems[0].reason
    # The whole read found a copy the day reads should have: from then on, whole reads only.
    plain.remembered.pop("ebs.newest")
    since = len(plain.calls)
    assert [p.status for p in freshness.run(plain, Memo())] == ["NO SNAPSHOT"]
    assert [c.operation for c in list(plain.calls)[since:]] == ["DescribeVolumes", "DescribeSnapshots"]
