"""Seed the demo incident: broken things beside healthy ones, across every panel.

Resources are created in moto's in-process backends, through the same backend methods moto's API
handlers call, then adjusted where moto has no API for a state (a failed execution, a stopped
task's exit code, a snapshot in error). Going through HTTP instead costs a client per service and
a round trip per resource: more than a second of the demo's start. This is the demo's only way
in; the app itself never sees anything but the AWS wire protocol.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.backends import get_backend
from moto.batch_simple.models import batch_simple_backends
from moto.ec2.models.elastic_block_store import Snapshot
from moto.emr import models as moto_emr

from tui.demo.server import DEMO_ACCOUNT, DEMO_REGION

OOM_REASON = "OutOfMemoryError: Container killed due to memory usage"
PAYMENT_CAUSE = json.dumps(
    {
        "errorMessage": "Payment provider timed out after 30000 ms",
        "errorType": "PaymentTimeout",
        "stackTrace": ["  File \"/var/task/charge.py\", line 41, in handler"],
    }
)


def backend(service: str, region: str | None) -> Any:
    """moto's in-process state for a service in a region ("global" for IAM)."""
    return get_backend(service)[DEMO_ACCOUNT][region or DEMO_REGION]  # type: ignore[index]


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


def naive_ago(**delta: float) -> datetime:
    """Some moto models keep naive UTC datetimes."""
    return ago(**delta).replace(tzinfo=None)


def seed_logs(region: str) -> None:
    logs = backend("logs", region)
    for group in ("/aws/batch/job", "/aws/codebuild/web-build"):
        logs.create_log_group(group, {})
    write_log(region, "/ecs/checkout-api", "ecs/checkout-api/demo", ago(minutes=10), [
        "INFO  Starting checkout-api v2.14.0 (heap 512m)",
        "INFO  Connected to orders-db",
        "WARN  GC overhead: 91% of time in GC",
        "ERROR java.lang.OutOfMemoryError: Java heap space",
        "FATAL Container killed: out of memory (exit 137)",
    ], step_ms=1000)


def default_network(region: str) -> tuple[str, str]:
    """The default VPC's first subnet and security group."""
    ec2 = backend("ec2", region)
    return ec2.describe_subnets()[0].id, ec2.describe_security_groups()[0].id


def task_network(region: str) -> dict[str, Any]:
    """A Fargate task's network configuration, in the default VPC."""
    subnet, group = default_network(region)
    return {"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}}


def seed_ecs(region: str) -> None:
    network = task_network(region)
    moto_ecs = backend("ecs", region)
    for cluster in ("prod", "staging"):
        moto_ecs.create_cluster(cluster, capacity_providers=["FARGATE", "FARGATE_SPOT"])
    services = {  # (cluster, service): (desired, running, stopped-with-137)
        ("prod", "checkout-api"): (3, 1, 4),
        ("prod", "web"): (2, 2, 0),
        ("staging", "worker"): (1, 1, 0),
    }
    logs = backend("logs", region)
    for (cluster, name), (desired, running, crashed) in services.items():
        logs.create_log_group(f"/ecs/{name}", {})
        # checkout-api's revision 2 (heap 512m) is the one that runs out of memory; 1 was fine.
        for _ in range(2 if crashed else 1):
            register_task_definition(moto_ecs, name, region)
        moto_ecs.create_service(cluster, name, desired, name, launch_type="FARGATE",
                                network_configuration=network)
        tasks = moto_ecs.run_task(cluster, name, running + crashed, None, "ecs-svc/demo", None, "FARGATE",
                                  network, group=f"service:{name}")
        for index, task in enumerate(tasks):
            task.started_at = ago(minutes=50 - index * 9)
            if index >= running:
                stop_task_as_oom(task, minutes_ago=40 - index * 8)
                write_oom_log(region, name, task.id)
            else:
                task.containers[0].last_status = "RUNNING"
        counts = moto_ecs.clusters[cluster]  # moto does not keep these counts itself
        counts.active_services_count += 1
        counts.running_tasks_count += running
        counts.pending_tasks_count = 0
        service = moto_ecs.services[f"{cluster}:{name}"]
        service.running_count, service.pending_count = running, 0
        deployment = service.deployments[0]
        deployment["runningCount"] = running
        if crashed:
            deployment["rolloutState"] = "IN_PROGRESS"
            deployment["rolloutStateReason"] = "ECS deployment in progress: waiting for tasks to be healthy."
            deployment["failedTasks"] = crashed
            service.events = [
                {"id": f"ev{i}", "createdAt": ago(minutes=40 - i * 8),
                 "message": f"(service {name}) has started 1 tasks: (task {t.id})."}
                for i, t in enumerate(tasks[running:])
            ]
        else:
            deployment["rolloutState"] = "COMPLETED"
            service.events = [{"id": "ok", "createdAt": ago(hours=2),
                               "message": f"(service {name}) has reached a steady state."}]


def register_task_definition(moto_ecs: Any, name: str, region: str) -> None:
    moto_ecs.register_task_definition(
        name,
        requires_compatibilities=["FARGATE"],
        network_mode="awsvpc",
        cpu="256",
        memory="512",
        container_definitions=[
            {
                "name": name,
                "image": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{name}:2.14.0",
                "memory": 512,
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": f"/ecs/{name}",
                        "awslogs-region": region,
                        "awslogs-stream-prefix": "ecs",
                    },
                },
            }
        ],
    )


OOM_LOG = [
    "INFO  Starting checkout-api v2.14.0 (heap 512m)",
    "INFO  Connected to orders-db (pool 20)",
    "WARN  GC overhead: 91% of time in GC over the last 60 s",
    "ERROR java.lang.OutOfMemoryError: Java heap space",
    "ERROR \tat com.example.checkout.CartCache.load(CartCache.java:88)",
    "FATAL Container killed: out of memory (exit 137)",
]


def write_oom_log(region: str, service: str, task_id: str) -> None:
    """The stream ECS's awslogs driver would write: prefix/container/task-id."""
    group, stream = f"/ecs/{service}", f"ecs/{service}/{task_id}"
    write_log(region, group, stream, ago(minutes=45), OOM_LOG, step_ms=1000)


def write_log(region: str, group: str, stream: str, start: datetime, lines: list[str], *, step_ms: int) -> None:
    logs = backend("logs", region)
    logs.create_log_stream(group, stream)
    first = int(start.timestamp() * 1000)
    logs.put_log_events(group, stream, [{"timestamp": first + i * step_ms, "message": m} for i, m in enumerate(lines)])


def stop_task_as_oom(task: Any, *, minutes_ago: float) -> None:
    task.last_status = task.desired_status = "STOPPED"
    task.stop_code = "EssentialContainerExited"
    task.stopped_reason = "Essential container in task exited"
    task.stopped_at = task.stopping_at = ago(minutes=minutes_ago)
    container = task.containers[0]
    container.last_status = "STOPPED"
    container.exitCode = 137
    container.reason = OOM_REASON


FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:"
LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
# Ship hands the order to the warehouse and waits for its callback: a task that can wait for hours.
SQS_CALLBACK = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
SHIP_QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/ship-requests"


def lambda_task(function: str, **more: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": LAMBDA_INVOKE,
            "Parameters": {"FunctionName": f"{FUNCTION}{function}", "Payload.$": "$"}, **more}


MACHINES: dict[str, dict[str, Any]] = {
    "order-fulfilment": {"StartAt": "ChargeCard", "States": {
        "ChargeCard": lambda_task("charge", Next="Ship", Retry=[
            {"ErrorEquals": ["PaymentTimeout"], "IntervalSeconds": 2, "MaxAttempts": 1}]),
        "Ship": {"Type": "Task", "Resource": SQS_CALLBACK, "End": True, "Parameters": {
            "QueueUrl": SHIP_QUEUE, "MessageBody": {"order.$": "$", "taskToken.$": "$$.Task.Token"}}},
    }},
    "nightly-report": {"StartAt": "QueryOrders", "States": {
        "QueryOrders": lambda_task("report-query", Next="PublishReport"),
        "PublishReport": lambda_task("report-publish", End=True),
    }},
}
EXECUTIONS = {  # oldest first; each starts an hour after the one before
    "order-fulfilment": ["SUCCEEDED", "SUCCEEDED", "FAILED", "SUCCEEDED", "RUNNING"],
    "nightly-report": ["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"],
}
SFN_ROLE = "arn:aws:iam::123456789012:role/demo-sfn"
RUN_SECONDS = 300  # a successful run's length: "it usually takes 5m"


def seed_stepfunctions(region: str) -> None:
    moto_sfn, eventbridge = backend("stepfunctions", region), backend("events", region)
    for name, statuses in EXECUTIONS.items():
        definition = MACHINES[name]
        machine = moto_sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=SFN_ROLE)
        machine.demo_definition = definition  # executions started later get a history from it (moto_extras)
        # Is the automation armed? The nightly report's schedule was switched off.
        rule = f"{name}-schedule"
        eventbridge.put_rule(rule, scheduled_expression="cron(0 2 * * ? *)",
                             state="DISABLED" if name == "nightly-report" else "ENABLED")
        eventbridge.put_targets(rule, None, [{"Id": "machine", "Arn": machine.arn, "RoleArn": SFN_ROLE}])
        for index, status in enumerate(statuses):
            payload = ({"orderId": f"ord-{4100 + index}", "amount": 42.5} if name == "order-fulfilment"
                       else {"day": f"2026-11-{20 + index}"})
            execution = moto_sfn.start_execution(machine.arn, f"{name}-{index:03d}", json.dumps(payload))
            start = ago(hours=len(statuses) - index, minutes=5)
            execution.start_date = start.replace(tzinfo=None)  # moto keeps naive UTC
            execution.status = status
            if status == "FAILED":
                execution.error, execution.cause = "States.TaskFailed", PAYMENT_CAUSE
            events = execution_history(definition, start, execution.execution_input, status,
                                       error=execution.error or "", cause=execution.cause or "")
            execution.demo_history = events  # what GetExecutionHistory answers (moto_extras)
            if status != "RUNNING":
                execution.stop_date = events[-1]["timestamp"].replace(tzinfo=None)
            if status == "SUCCEEDED":
                execution.output = json.dumps({"ok": True})


class _History:
    """Events numbered as Step Functions numbers them, each after the one before."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.events: list[dict[str, Any]] = []

    def add(self, seconds: float, kind: str, **details: Any) -> None:
        number = len(self.events) + 1
        self.events.append({"timestamp": self.start + timedelta(seconds=seconds), "type": kind, "id": number,
                            "previousEventId": number - 1, **details})


def task_of(state: dict[str, Any]) -> dict[str, str]:
    """resourceType and resource of a service integration: arn:aws:states:::lambda:invoke."""
    kind, _, resource = str(state.get("Resource", "")).rpartition(":::")[2].partition(":")
    return {"resourceType": kind, "resource": resource}


def run_task(history: _History, at: float, name: str, state: dict[str, Any], payload: str, *,
             seconds: float | None, failures: tuple[str, str] | None = None) -> float:
    """One Task state: entered, scheduled, started (a callback task: its message submitted), then
    succeeded and exited after `seconds`, failed (with every retry its Retry allows), or still
    running (seconds None). Returns when it ended."""
    task = task_of(state)
    history.add(at, "TaskStateEntered", stateEnteredEventDetails={"name": name, "input": payload})
    attempts = 1 + sum(r.get("MaxAttempts", 3) for r in state.get("Retry", [])) if failures else 1
    for attempt in range(attempts):
        if attempt:
            at += state["Retry"][0].get("IntervalSeconds", 1)
        history.add(at + 0.05, "TaskScheduled", taskScheduledEventDetails={
            **task, "region": DEMO_REGION, "parameters": json.dumps(state.get("Parameters", {}))})
        history.add(at + 0.1, "TaskStarted", taskStartedEventDetails=task)
        if task["resource"].endswith(".waitForTaskToken"):
            history.add(at + 0.2, "TaskSubmitted", taskSubmittedEventDetails={
                **task, "output": json.dumps({"MessageId": "5f2c0d8e-demo"})})
        if failures:
            at += 30.0  # the payment provider's timeout
            history.add(at, "TaskFailed", taskFailedEventDetails={
                **task, "error": failures[0], "cause": failures[1]})
    if seconds is None or failures:
        return at
    at += seconds
    output = json.dumps({"ok": True})
    history.add(at, "TaskSucceeded", taskSucceededEventDetails={**task, "output": output})
    history.add(at + 0.05, "TaskStateExited", stateExitedEventDetails={"name": name, "output": output})
    return at + 0.05


def execution_history(definition: dict[str, Any], start: datetime, payload: str, status: str, *,
                      error: str = "", cause: str = "") -> list[dict[str, Any]]:
    """A history as Step Functions records it, through the definition's states. SUCCEEDED: every
    state, in RUN_SECONDS; FAILED: the first state fails after its retries (PaymentTimeout);
    RUNNING: the first state done, the next one still waiting."""
    history = _History(start)
    history.add(0, "ExecutionStarted", executionStartedEventDetails={"input": payload, "roleArn": SFN_ROLE})
    names = []
    name = definition["StartAt"]
    while name:
        names.append(name)
        name = definition["States"][name].get("Next", "")
    at = 0.1
    for index, name in enumerate(names):
        state, last = definition["States"][name], index == len(names) - 1
        if status == "FAILED":
            at = run_task(history, at, name, state, payload, seconds=None,
                          failures=("PaymentTimeout", PAYMENT_CAUSE))
            history.add(at + 0.1, "ExecutionFailed", executionFailedEventDetails={"error": error, "cause": cause})
            break
        if status == "RUNNING" and index == 1:
            run_task(history, at, name, state, payload, seconds=None)
            break
        seconds = RUN_SECONDS - at - 0.3 if last else 40.0
        at = run_task(history, at, name, state, payload, seconds=seconds) + 0.1
        payload = json.dumps({"ok": True})
        if last and status == "SUCCEEDED":
            history.add(RUN_SECONDS, "ExecutionSucceeded", executionSucceededEventDetails={"output": payload})
    return history.events


def started_history(definition: dict[str, Any], start: datetime, payload: str) -> list[dict[str, Any]]:
    """An execution started after the seed (a rerun): started, its first state entered and waiting."""
    history = _History(start)
    history.add(0, "ExecutionStarted", executionStartedEventDetails={"input": payload, "roleArn": SFN_ROLE})
    name = definition["StartAt"]
    run_task(history, 0.1, name, definition["States"][name], payload, seconds=None)
    return history.events


def create_role(name: str, *services: str) -> str:
    """An IAM role the given services may assume; IAM is global, so one name per region seeded."""
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": service}} for service in services]})
    iam = backend("iam", "global")
    existing = next((role for role in iam.get_roles() if role.name == name), None)  # IAM is global
    return existing.arn if existing else iam.create_role(name, policy, "/", None, "", [], None).arn


def seed_codepipeline(region: str) -> None:
    role = create_role("demo-pipeline", "codepipeline.amazonaws.com", "codebuild.amazonaws.com")
    backend("codebuild", region).create_project(
        "web-build", None,
        project_source={"type": "S3", "location": "demo-src/web.zip"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                     "computeType": "BUILD_GENERAL1_SMALL"},
        service_role=role, tags=None, cache=None, timeout=None, queued_timeout=None, source_version=None,
        logs_config=None, vpc_config=None,
    )
    moto_pipeline = backend("codepipeline", region)
    build = failed_build(region)
    for name, runs in PIPELINE_RUNS.items():
        moto_pipeline.create_pipeline({
            "name": name, "roleArn": role,
            "artifactStore": {"type": "S3", "location": "demo-artifacts"},
            "stages": PIPELINE_STAGES[name],
        }, [])
        execution_ids = []
        for status, started, updated in runs:
            execution_id = moto_pipeline.start_pipeline_execution(name, None)
            execution_ids.append(execution_id)
            execution = moto_pipeline.pipelines[name].executions[execution_id]
            execution.status = status
            execution.start_time = naive_ago(minutes=started)
            execution.last_update_time = naive_ago(minutes=updated)
            if status == "Failed":
                execution.status_summary = (
                    "Stage Build failed: CodeBuild action Build failed in phase BUILD "
                    "(COMMAND_EXECUTION_ERROR: npm test exited with status 1)"
                )
        sfn_execution = f"arn:aws:states:{region}:{DEMO_ACCOUNT}:execution:order-fulfilment:order-fulfilment-004"
        moto_pipeline.pipelines[name].demo_stage_states = stage_states(name, execution_ids, build, sfn_execution)


# (status, started, last updated) in minutes ago, oldest first. api-release's previous run deployed
# (its RunMigrations started order-fulfilment-004, 65 minutes ago); the latest waits for approval.
PIPELINE_RUNS = {
    "web-release": [("Succeeded", 187, 180), ("Failed", 127, 118)],
    "api-release": [("Succeeded", 187, 180), ("Succeeded", 72, 65), ("InProgress", 60, 52)],
}


def _source_action(name: str) -> dict[str, Any]:
    return {"name": "Source", "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
            "configuration": {"S3Bucket": "demo-src", "S3ObjectKey": f"{name}.zip"},
            "outputArtifacts": [{"name": "src"}]}


BUILD_ACTION = {"name": "Build", "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild",
                                                  "version": "1"},
                "configuration": {"ProjectName": "web-build"}, "inputArtifacts": [{"name": "src"}]}
PIPELINE_STAGES = {
    "web-release": [{"name": "Source", "actions": [_source_action("web-release")]},
                    {"name": "Build", "actions": [BUILD_ACTION]},
                    {"name": "Deploy", "actions": [{"name": "Deploy", "actionTypeId": {
                        "category": "Deploy", "owner": "AWS", "provider": "ECS", "version": "1"},
                        "configuration": {"ClusterName": "prod", "ServiceName": "web"},
                        "inputArtifacts": [{"name": "src"}]}]}],
    "api-release": [{"name": "Source", "actions": [_source_action("api-release")]},
                    {"name": "Build", "actions": [BUILD_ACTION]},
                    {"name": "Approve", "actions": [{"name": "ProductionGate", "actionTypeId": {
                        "category": "Approval", "owner": "AWS", "provider": "Manual", "version": "1"}}]},
                    {"name": "Deploy", "actions": [{"name": "RunMigrations", "actionTypeId": {
                        "category": "Invoke", "owner": "AWS", "provider": "Lambda", "version": "1"},
                        "configuration": {"FunctionName": "start-order-workflow"}}]}],
}


def stage_states(name: str, execution_ids: list[str], build: dict[str, Any],
                 sfn_execution: str) -> list[dict[str, Any]]:
    """What GetPipelineState reports: web-release's build failed; api-release's latest run waits on
    a manual approval, so its Deploy stage still shows the previous run, whose Lambda action
    started a Step Functions execution (still running)."""

    def action(action_name: str, status: str, minutes: float, **more: Any) -> dict[str, Any]:
        return {"actionName": action_name,
                "latestExecution": {"status": status, "lastStatusChange": ago(minutes=minutes).isoformat(),
                                    **more}}

    def stage(stage_name: str, status: str, *actions: dict[str, Any], run: int = -1) -> dict[str, Any]:
        return {"stageName": stage_name, "actionStates": list(actions),
                "latestExecution": {"pipelineExecutionId": execution_ids[run], "status": status}}

    if name == "web-release":
        return [
            stage("Source", "Succeeded", action("Source", "Succeeded", 125, summary="web-release.zip v2.14.0")),
            stage("Build", "Failed", action(
                "Build", "Failed", 118, externalExecutionId=build["id"],
                externalExecutionUrl=f"https://console.aws.amazon.com/codesuite/codebuild/builds/{build['id']}",
                errorDetails={"code": "JobFailed", "message": "Build terminated with state: FAILED. "
                              "Phase BUILD: COMMAND_EXECUTION_ERROR: npm test exited with status 1"})),
            {"stageName": "Deploy", "actionStates": [{"actionName": "Deploy"}]},
        ]
    return [
        stage("Source", "Succeeded", action("Source", "Succeeded", 59)),
        stage("Build", "Succeeded", action("Build", "Succeeded", 53)),
        stage("Approve", "InProgress", action("ProductionGate", "InProgress", 52, token="demo-approval-token",
                                              summary="Waiting for approval: release api 3.1.0 to production")),
        stage("Deploy", "Succeeded", action(
            "RunMigrations", "Succeeded", 65, externalExecutionId="start-order-workflow:4f2a",
            summary=f"api 3.0.9: started {sfn_execution}"), run=-2),
    ]


BUILD_PHASES = [("SUBMITTED", "SUCCEEDED", 0), ("QUEUED", "SUCCEEDED", 4), ("PROVISIONING", "SUCCEEDED", 38),
                ("DOWNLOAD_SOURCE", "SUCCEEDED", 6), ("INSTALL", "SUCCEEDED", 71), ("PRE_BUILD", "SUCCEEDED", 12),
                ("BUILD", "FAILED", 243), ("POST_BUILD", "SUCCEEDED", 1), ("FINALIZING", "SUCCEEDED", 3)]


def failed_build(region: str) -> dict[str, Any]:
    """web-build's latest build, failed in BUILD, with its log stream written."""
    metadata: dict[str, Any] = backend("codebuild", region).start_build("web-build")
    start = ago(minutes=125)
    phases, at = [], start
    for phase, status, seconds in BUILD_PHASES:
        entry: dict[str, Any] = {"phaseType": phase, "phaseStatus": status, "startTime": at.timestamp(),
                                 "endTime": (at + timedelta(seconds=seconds)).timestamp(),
                                 "durationInSeconds": seconds}
        if status == "FAILED":
            entry["contexts"] = [{"statusCode": "COMMAND_EXECUTION_ERROR",
                                  "message": "Error while executing command: npm test. Reason: exit status 1"}]
        phases.append(entry)
        at += timedelta(seconds=seconds)
    stream = metadata["id"].split(":", 1)[1]
    metadata.update(buildStatus="FAILED", currentPhase="COMPLETED", buildComplete=True, phases=phases,
                    startTime=start.timestamp(), endTime=at.timestamp(),
                    logs={"groupName": "/aws/codebuild/web-build", "streamName": stream,
                          "cloudWatchLogs": {"status": "ENABLED"}})
    write_log(region, "/aws/codebuild/web-build", stream, start, [
        "[Container] Running command npm test",
        "FAIL src/cart.test.ts › applies the member discount",
        "  Expected: 37.80  Received: 42.00",
        "Tests: 1 failed, 311 passed, 312 total",
        "[Container] Command did not exit successfully npm test exit status 1",
        "[Container] Phase complete: BUILD State: FAILED"], step_ms=1)
    return metadata


class _FailedStep(moto_emr.Step):  # type: ignore[name-defined,misc]
    """moto's Step has no FailureDetails; the demo's failed step carries them."""

    failure_details: dict[str, str] = {}

    @property
    def status(self) -> dict[str, Any]:
        return {**super().status, "FailureDetails": self.failure_details}


class _LostNodesGroup(moto_emr.InstanceGroup):  # type: ignore[name-defined,misc]
    """moto runs every requested instance; the demo's spot core group has lost one."""

    lost = 1

    @property
    def running_instance_count(self) -> int:
        return self.num_instances - self.lost


class _EndedGroup(moto_emr.InstanceGroup):  # type: ignore[name-defined,misc]
    """moto keeps an ended cluster's instances running; EMR reports none."""

    @property
    def running_instance_count(self) -> int:
        return 0


class _FailedCluster(moto_emr.Cluster):  # type: ignore[name-defined,misc]
    """moto's Cluster status has no StateChangeReason code; the demo's broken cluster does."""

    reason_code = "BOOTSTRAP_FAILURE"

    @property
    def status(self) -> dict[str, Any]:
        status = super().status
        status["StateChangeReason"]["Code"] = self.reason_code
        return status


def run_job_flow(region: str, name: str, applications: tuple[str, ...], *, steps: dict[str, str] | None = None,
                 bootstrap: str = "") -> Any:
    """What moto's RunJobFlow handler does: a cluster with a primary group and a spot core group
    of four, its Spark steps (name: script) and a bootstrap action."""
    moto = backend("emr", region)
    attrs = dict.fromkeys(("master_instance_type", "slave_instance_type", "ec2_key_name", "ec2_subnet_id",
                           "hadoop_version", "emr_managed_master_security_group", "emr_managed_slave_security_group",
                           "service_access_security_group"))
    attrs.update(instance_count=1, availability_zone=f"{region}a", keep_job_flow_alive_when_no_steps=True,
                 termination_protected=False, additional_master_security_groups=[],
                 additional_slave_security_groups=[])
    cluster = moto.run_job_flow(
        name=name, log_uri=None, job_flow_role="EMR_EC2_DefaultRole", service_role="EMR_DefaultRole",
        release_label="emr-7.2.0", instance_attrs=attrs, kerberos_attributes={},
        steps=[{"name": step, "action_on_failure": "CONTINUE",
                "hadoop_jar_step": {"Jar": "command-runner.jar", "Args": ["spark-submit", script]}}
               for step, script in (steps or {}).items()],
        bootstrap_actions=[{"name": "install-deps", "script_bootstrap_action": {"path": bootstrap}}]
        if bootstrap else None,
    )
    moto.add_applications(cluster.id, [{"name": app} for app in applications])
    groups = [{"name": "primary", "instance_role": "MASTER", "instance_type": "m5.xlarge", "instance_count": 1},
              {"name": "core", "instance_role": "CORE", "instance_type": "r5.2xlarge", "instance_count": 4,
               "market": "SPOT"}]
    for spec, group in zip(groups, moto.add_instance_groups(cluster.id, groups), strict=True):
        moto.run_instances(cluster.id, spec, group)
    return cluster


def set_timeline(region: str, cluster: Any, created: float, ready: float | None, ended: float | None) -> None:
    """The cluster's and its groups' times, in minutes ago (moto stamps them at the seed's start)."""
    cluster.creation_datetime = naive_ago(minutes=created)
    cluster.start_datetime = naive_ago(minutes=created - 2)
    cluster.ready_datetime = naive_ago(minutes=ready) if ready is not None else None
    cluster.end_datetime = naive_ago(minutes=ended) if ended is not None else None
    for group in backend("emr", region).instance_groups.values():
        if group.cluster_id == cluster.id:
            group.creation_date_time = naive_ago(minutes=created)
            group.start_date_time = naive_ago(minutes=created - 2)
            group.ready_date_time = cluster.ready_datetime
            group.end_date_time = cluster.end_datetime
            if ended is not None:
                group.__class__, group.state = _EndedGroup, "TERMINATED"


def seed_emr(region: str) -> None:
    cluster = run_job_flow(region, "etl-nightly", ("Spark", "Hadoop"), steps={
        "ingest-orders": "s3://demo-jobs/ingest.py", "build-aggregates": "s3://demo-jobs/aggregate.py",
        "export-warehouse": "s3://demo-jobs/export.py", "refresh-dashboards": "s3://demo-jobs/refresh.py"})
    cluster.state = "WAITING"
    set_timeline(region, cluster, created=120, ready=112, ended=None)  # up before its first step ran
    core = next(g for g in backend("emr", region).instance_groups.values()
                if g.cluster_id == cluster.id and g.role == "CORE")
    core.__class__ = _LostNodesGroup
    states = ["COMPLETED", "COMPLETED", "FAILED", "PENDING"]
    for index, (item, state) in enumerate(zip(cluster.steps, states, strict=True)):
        item.state = state
        item.creation_date_time = cluster.creation_datetime  # submitted with the cluster
        if state != "PENDING":
            item.start_date_time = naive_ago(minutes=110 - index * 30)
            item.end_date_time = naive_ago(minutes=85 - index * 30)
        if state == "FAILED":
            item.__class__ = _FailedStep
            item.last_state_change_reason = "Step failed"
            item.failure_details = {
                "Reason": "Container killed by YARN for exceeding memory limits.",
                "Message": "ExecutorLostFailure (executor 7 exited caused by one of the running tasks) "
                           "Reason: Container killed by YARN for exceeding memory limits. 14.2 GB of 14 GB "
                           "physical memory used.",
                "LogFile": f"s3://demo-emr-logs/{cluster.id}/steps/{item.id}/stderr.gz",
            }
    broken = run_job_flow(region, "adhoc-analysis", ("Spark",), bootstrap="s3://demo-jobs/bootstrap.sh")
    broken.__class__ = _FailedCluster
    broken.state = "TERMINATED_WITH_ERRORS"
    broken.last_state_change_reason = (
        "On the master instance (i-0demo), bootstrap action 1 returned a non-zero return code"
    )
    set_timeline(region, broken, created=45, ready=None, ended=35)  # its bootstrap never finished


def seed_batch(region: str) -> None:
    role = create_role(f"demo-batch-{region}")  # IAM is global; one role per seeded region
    subnet, group = default_network(region)
    # The backend moto's API uses when Batch may not run Docker: jobs run to completion at once.
    moto = batch_simple_backends[DEMO_ACCOUNT][region]
    environment = moto.create_compute_environment(
        compute_environment_name="analytics-spot", _type="MANAGED", state="ENABLED", service_role=role, tags=None,
        compute_resources={"type": "FARGATE_SPOT", "maxvCpus": 16, "subnets": [subnet], "securityGroupIds": [group]},
    ).arn
    moto.create_job_queue(queue_name="analytics", priority=10, schedule_policy=None, state="ENABLED",
                          compute_env_order=[{"order": 1, "computeEnvironment": environment}], tags=None)
    moto.register_job_definition(
        def_name="nightly-export", _type="container", platform_capabilities=["FARGATE"], tags=None,
        container_properties={"image": "public.ecr.aws/demo/export:1.4", "command": ["export", "--day", "Ref::day"],
                              "resourceRequirements": [{"type": "VCPU", "value": "1"},
                                                       {"type": "MEMORY", "value": "2048"}],
                              "executionRoleArn": role},
        parameters={"day": "yesterday"}, retry_strategy=None, node_properties=None, eks_properties=None,
        timeout=None, propagate_tags=None,
    )
    jobs = {"export-2026-11-20": "SUCCEEDED", "export-2026-11-21": "SUCCEEDED",
            "export-2026-11-22": "FAILED", "reindex-catalog": "RUNNABLE"}
    for name, status in jobs.items():
        job_id = moto.submit_job(name, "nightly-export", "analytics", {})[1]
        job = moto._jobs[job_id]
        job.status = status
        # moto runs the job at once: its times are the seed's. Aware datetimes: moto reads them
        # with .timestamp(), which takes a naive one as local time.
        if status == "RUNNABLE":
            job.job_stopped = False
            job.attempts.clear()
            set_job_times(job, ago(hours=3), None, None)
        elif status == "FAILED":
            set_job_times(job, ago(minutes=70), ago(minutes=52), ago(minutes=48))  # 18 minutes waiting for capacity
            job.job_stopped_reason = "Essential container in task exited"
            job.exit_code = 1
            job.attempts[-1]["container"].update(
                exitCode=1, reason="ResourceInitializationError: unable to pull secrets or registry auth")
            job.attempts[-1]["statusReason"] = "Essential container in task exited"
            write_log(region, "/aws/batch/job", job.attempts[-1]["container"]["logStreamName"], ago(minutes=49),
                      ["export: reading s3://demo-warehouse/2026-11-22/",
                       "ERROR unable to pull secrets: AccessDeniedException on secretsmanager:GetSecretValue"],
                      step_ms=1)
        else:
            created = ago(days=22 - int(name[-2:]), hours=1)
            set_job_times(job, created, created + timedelta(minutes=2), created + timedelta(minutes=21))
            job.exit_code = 0
            job.attempts[-1]["container"]["exitCode"] = 0
    # moto's Batch makes an empty ECS cluster (OnDemand_Batch_…) for each managed compute
    # environment; in the ECS panel it would be a cluster no part of the incident explains.
    ecs = backend("ecs", region)
    for cluster in [c for c in ecs.clusters if c.startswith("OnDemand_Batch_")]:
        del ecs.clusters[cluster]


def set_job_times(job: Any, created: datetime, started: datetime | None, stopped: datetime | None) -> None:
    """A job's and its last attempt's times, in the order Batch records them."""
    job.job_created_at = created
    if started is not None and stopped is not None:
        job.job_started_at, job.job_stopped_at = started, stopped
        if job.attempts:
            job.attempts[-1].update(startedAt=int(started.timestamp() * 1000),
                                    stoppedAt=int(stopped.timestamp() * 1000))


INSPECTOR_FINDINGS = [
    ("CRITICAL", "CVE-2024-3094 - xz-utils", "CVE-2024-3094", "AWS_ECR_CONTAINER_IMAGE",
     "arn:aws:ecr:us-east-1:123456789012:repository/checkout-api/sha256:9f1c", "xz-utils", "5.6.0-0.2",
     "5.6.1+really5.4.5-1", "YES", 10.0),
    ("HIGH", "CVE-2023-44487 - golang.org/x/net", "CVE-2023-44487", "AWS_ECR_CONTAINER_IMAGE",
     "arn:aws:ecr:us-east-1:123456789012:repository/web/sha256:31ab", "golang.org/x/net", "0.15.0",
     "0.17.0", "YES", 7.5),
    ("HIGH", "CVE-2024-6387 - openssh", "CVE-2024-6387", "AWS_EC2_INSTANCE", "i-0bastion0demo",
     "openssh-server", "8.7p1-38", "8.7p1-38.el9_4.1", "NO", 8.1),
    ("MEDIUM", "CVE-2023-5678 - openssl", "CVE-2023-5678", "AWS_LAMBDA_FUNCTION",
     "arn:aws:lambda:us-east-1:123456789012:function:charge", "openssl", "3.0.8", "3.0.13", "NO", 5.3),
]


def inspector_finding(severity: str, title: str, cve: str, resource_type: str, resource_id: str,
                      package: str, version: str, fixed: str, exploit: str, score: float) -> dict[str, Any]:
    observed = ago(days=3)
    return {
        "awsAccountId": DEMO_ACCOUNT,
        "findingArn": f"arn:aws:inspector2:us-east-1:{DEMO_ACCOUNT}:finding/{cve.lower()}-{resource_id[-4:]}",
        "type": "PACKAGE_VULNERABILITY",
        "title": title,
        "description": f"{cve} affects {package} {version}.",
        "severity": severity,
        "status": "ACTIVE",
        "exploitAvailable": exploit,
        "fixAvailable": "YES",
        "inspectorScore": score,
        "firstObservedAt": observed.isoformat(),
        "lastObservedAt": ago(hours=2).isoformat(),
        "remediation": {"recommendation": {"text": f"Upgrade {package} to {fixed} or later."}},
        "resources": [{"type": resource_type, "id": resource_id, "region": DEMO_REGION}],
        "packageVulnerabilityDetails": {
            "vulnerabilityId": cve, "source": "NVD",
            "vulnerablePackages": [{"name": package, "version": version, "fixedInVersion": fixed}],
        },
    }


def seed_inspector(region: str) -> None:
    inspector = backend("inspector2", region)
    inspector.enable([DEMO_ACCOUNT], ["EC2", "ECR", "LAMBDA"])  # the findings include a Lambda function
    # listed, filtered and aggregated by tui/demo/moto_inspector.py (moto's own ignores filters)
    inspector.held_findings = [inspector_finding(*spec) for spec in INSPECTOR_FINDINGS]


def seed_rds_and_backup(region: str) -> None:
    """orders-db's newest snapshot is two days old; last night's AWS Backup job for it failed."""
    moto_rds = backend("rds", region)
    db = moto_rds.create_db_instance({
        "db_instance_identifier": "orders-db", "db_instance_class": "db.r6g.large", "engine": "postgres",
        "master_username": "app", "master_user_password": "demo-password-not-secret", "allocated_storage": 100,
        "backup_retention_period": 7,
    })
    for name, hours_old in (("orders-db-weekly", 24 * 6), ("orders-db-manual", 49)):
        moto_rds.create_db_snapshot("orders-db", name)
        moto_rds.database_snapshots[name].created = naive_ago(hours=hours_old)
    for name, snapshot in list(moto_rds.database_snapshots.items()):  # the automated one moto just took
        if name.startswith("rds:orders-db"):  # named, as RDS names it, after when it was taken
            snapshot.created = naive_ago(hours=31)
            snapshot.db_snapshot_identifier = f"rds:orders-db-{snapshot.created:%Y-%m-%d-%H-%M}"
            moto_rds.database_snapshots[snapshot.db_snapshot_identifier] = moto_rds.database_snapshots.pop(name)
    moto_backup = backend("backup", region)
    created = ago(hours=7).timestamp()
    moto_backup.demo_backup_jobs = [
        {"BackupJobId": "0f7e-demo-failed", "BackupVaultName": "Default", "ResourceArn": db.db_instance_arn,
         "ResourceType": "RDS", "State": "FAILED", "CreationDate": created, "CompletionDate": created + 900,
         "StatusMessage": "Backup job failed because the DB instance was in the 'storage-full' state.",
         "CreatedBy": {"BackupPlanId": "nightly-databases"}},
        {"BackupJobId": "1a2b-demo-ok", "BackupVaultName": "Default",
         "ResourceArn": "arn:aws:ec2:us-east-1:123456789012:volume/vol-demo", "ResourceType": "EBS",
         "State": "COMPLETED", "CreationDate": created, "CompletionDate": created + 300,
         "CreatedBy": {"BackupPlanId": "nightly-volumes"}},
    ]


def seed_snapshots(region: str) -> None:
    moto = backend("ec2", region)
    zone = f"{region}a"
    instance = moto.run_instances("ami-12c6146b", 1, None, [], instance_type="t3.micro",
                                  is_instance_type_default=False, region_name=region).instances[0].id
    volumes = {"orders-db-data": ("/dev/sdf", 2), "checkout-cache": ("/dev/sdg", 23 * 24),
               "search-index": ("/dev/sdh", None)}
    for name, (device, hours_old) in volumes.items():
        volume = moto.create_volume(100, zone, volume_type="gp3").id
        moto.create_tags([volume], {"Name": name})
        moto.attach_volume(volume, instance, device)
        if hours_old is not None:
            moto.create_snapshot(volume, f"daily {name}").start_time = naive_ago(hours=hours_old)
        if name == "orders-db-data":  # tonight's backup of the database volume failed
            failed = moto.create_snapshot(volume, f"daily {name}")
            failed.__class__ = _ErroredSnapshot
            failed.status, failed.start_time = "error", naive_ago(minutes=50)
            failed.state_message = "Snapshot creation failed: the volume's I/O was suspended (internal error)"


class _ErroredSnapshot(Snapshot):  # type: ignore[misc]
    """moto reports every snapshot 100% done; one in error stopped where it failed."""

    @property
    def progress(self) -> str:
        return "37%"


def seed_all(region: str = DEMO_REGION) -> None:
    """Seed everything, one service at a time."""
    for seed in SEEDS:
        seed(region)


SEEDS = [seed_ecs, seed_logs, seed_stepfunctions, seed_codepipeline, seed_emr, seed_batch,
         seed_inspector, seed_snapshots, seed_rds_and_backup]
