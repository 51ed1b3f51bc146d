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


def seed_stepfunctions(region: str) -> None:
    role = "arn:aws:iam::123456789012:role/demo-sfn"
    function = "arn:aws:lambda:us-east-1:123456789012:function:"
    definition = json.dumps({
        "StartAt": "ChargeCard",
        "States": {
            "ChargeCard": {"Type": "Task", "Resource": f"{function}charge", "Next": "Ship"},
            "Ship": {"Type": "Task", "Resource": f"{function}ship", "End": True},
        },
    })
    machines = {
        "order-fulfilment": ["SUCCEEDED", "SUCCEEDED", "FAILED", "SUCCEEDED", "RUNNING"],
        "nightly-report": ["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"],
    }
    moto_sfn, eventbridge = backend("stepfunctions", region), backend("events", region)
    for name, statuses in machines.items():
        arn = moto_sfn.create_state_machine(name=name, definition=definition, roleArn=role).arn
        # Is the automation armed? The nightly report's schedule was switched off.
        rule = f"{name}-schedule"
        eventbridge.put_rule(rule, scheduled_expression="cron(0 2 * * ? *)",
                             state="DISABLED" if name == "nightly-report" else "ENABLED")
        eventbridge.put_targets(rule, None, [{"Id": "machine", "Arn": arn, "RoleArn": role}])
        for index, status in enumerate(statuses):
            execution = moto_sfn.start_execution(
                arn, f"{name}-{index:03d}", json.dumps({"orderId": f"ord-{4100 + index}", "amount": 42.5}))
            execution.start_date = naive_ago(hours=len(statuses) - index, minutes=5)
            execution.status = status
            if status != "RUNNING":
                execution.stop_date = naive_ago(hours=len(statuses) - index)
            if status == "SUCCEEDED":
                execution.output = json.dumps({"ok": True})
            if status == "FAILED":
                execution.error = "States.TaskFailed"
                execution.cause = PAYMENT_CAUSE
                history = failed_history(ago(hours=len(statuses) - index, minutes=5), function)
                execution.get_execution_history = lambda role_arn, history=history: history


def failed_history(start: datetime, function: str) -> list[dict[str, Any]]:
    """A history as Step Functions records it: ChargeCard's Lambda times out twice (one retry),
    and the execution fails."""
    step = iter(range(1, 100))

    def event(seconds: float, kind: str, **details: Any) -> dict[str, Any]:
        number = next(step)
        return {"timestamp": start + timedelta(seconds=seconds), "type": kind, "id": number,
                "previousEventId": number - 1, **details}

    task = {"resource": "invoke", "resourceType": "lambda"}
    failed = {"error": "PaymentTimeout", "cause": PAYMENT_CAUSE, **task}
    return [
        event(0, "ExecutionStarted", executionStartedEventDetails={
            "input": json.dumps({"orderId": "ord-4102", "amount": 42.5}), "roleArn": "demo"}),
        event(0.1, "TaskStateEntered", stateEnteredEventDetails={"name": "ChargeCard", "input": "{}"}),
        event(0.2, "TaskScheduled", taskScheduledEventDetails={
            **task, "region": "us-east-1", "parameters": json.dumps({"FunctionName": f"{function}charge"})}),
        event(0.3, "TaskStarted", taskStartedEventDetails=task),
        event(30.3, "TaskFailed", taskFailedEventDetails=failed),
        event(32.3, "TaskScheduled", taskScheduledEventDetails={
            **task, "region": "us-east-1", "parameters": json.dumps({"FunctionName": f"{function}charge"})}),
        event(32.4, "TaskStarted", taskStartedEventDetails=task),
        event(62.4, "TaskFailed", taskFailedEventDetails=failed),
        event(62.5, "ExecutionFailed", executionFailedEventDetails={"error": "States.TaskFailed",
                                                                    "cause": PAYMENT_CAUSE}),
    ]


def create_role(name: str, *services: str) -> str:
    """An IAM role the given services may assume; IAM is global, so one name per region seeded."""
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": service}} for service in services]})
    return backend("iam", "global").create_role(name, policy, "/", None, "", [], None).arn


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
    for name, statuses in {"web-release": ["Succeeded", "Failed"],
                           "api-release": ["Succeeded", "Succeeded", "InProgress"]}.items():
        moto_pipeline.create_pipeline({
            "name": name, "roleArn": role,
            "artifactStore": {"type": "S3", "location": "demo-artifacts"},
            "stages": PIPELINE_STAGES[name],
        }, [])
        execution_id = ""
        for index, status in enumerate(statuses):
            execution_id = moto_pipeline.start_pipeline_execution(name, None)
            execution = moto_pipeline.pipelines[name].executions[execution_id]
            execution.status = status
            execution.start_time = naive_ago(hours=3 - index)
            execution.last_update_time = naive_ago(hours=3 - index, minutes=-7)
            if status == "Failed":
                execution.status_summary = (
                    "Stage Build failed: CodeBuild action Build failed in phase BUILD "
                    "(COMMAND_EXECUTION_ERROR: npm test exited with status 1)"
                )
        sfn_execution = f"arn:aws:states:{region}:{DEMO_ACCOUNT}:execution:order-fulfilment:order-fulfilment-004"
        moto_pipeline.pipelines[name].demo_stage_states = stage_states(name, execution_id, build, sfn_execution)


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


def stage_states(name: str, execution_id: str, build: dict[str, Any], sfn_execution: str) -> list[dict[str, Any]]:
    """What GetPipelineState reports: web-release's build failed; api-release waits on a manual
    approval while its Lambda action polls a Step Functions execution."""

    def action(action_name: str, status: str, minutes: float, **more: Any) -> dict[str, Any]:
        return {"actionName": action_name,
                "latestExecution": {"status": status, "lastStatusChange": ago(minutes=minutes).isoformat(),
                                    **more}}

    def stage(stage_name: str, status: str, *actions: dict[str, Any]) -> dict[str, Any]:
        return {"stageName": stage_name, "actionStates": list(actions),
                "latestExecution": {"pipelineExecutionId": execution_id, "status": status}}

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
        stage("Source", "Succeeded", action("Source", "Succeeded", 65)),
        stage("Build", "Succeeded", action("Build", "Succeeded", 58)),
        stage("Approve", "InProgress", action("ProductionGate", "InProgress", 52, token="demo-approval-token",
                                              summary="Waiting for approval: release api 3.1.0 to production")),
        stage("Deploy", "InProgress", action(
            "RunMigrations", "InProgress", 50, externalExecutionId="start-order-workflow:4f2a",
            summary=f"Polling {sfn_execution} (RUNNING)")),
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


def seed_emr(region: str) -> None:
    cluster = run_job_flow(region, "etl-nightly", ("Spark", "Hadoop"), steps={
        "ingest-orders": "s3://demo-jobs/ingest.py", "build-aggregates": "s3://demo-jobs/aggregate.py",
        "export-warehouse": "s3://demo-jobs/export.py", "refresh-dashboards": "s3://demo-jobs/refresh.py"})
    cluster.state = "WAITING"
    core = next(g for g in backend("emr", region).instance_groups.values()
                if g.cluster_id == cluster.id and g.role == "CORE")
    core.__class__ = _LostNodesGroup
    states = ["COMPLETED", "COMPLETED", "FAILED", "PENDING"]
    for index, (item, state) in enumerate(zip(cluster.steps, states, strict=True)):
        item.state = state
        item.creation_date_time = naive_ago(hours=2)
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
    broken.end_datetime = naive_ago(minutes=35)


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
        if status == "FAILED":
            job.job_stopped_reason = "Essential container in task exited"
            job.exit_code = 1
            job.job_created_at = naive_ago(minutes=70)
            job.job_stopped_at = naive_ago(minutes=48)
            job.attempts[-1]["container"].update(
                exitCode=1, reason="ResourceInitializationError: unable to pull secrets or registry auth")
            job.attempts[-1]["statusReason"] = "Essential container in task exited"
            write_log(region, "/aws/batch/job", job.attempts[-1]["container"]["logStreamName"], ago(minutes=49),
                      ["export: reading s3://demo-warehouse/2026-11-22/",
                       "ERROR unable to pull secrets: AccessDeniedException on secretsmanager:GetSecretValue"],
                      step_ms=1)
        elif status == "RUNNABLE":
            job.job_stopped = False
            job.attempts.clear()
            job.job_created_at = naive_ago(hours=3)
        else:
            job.job_created_at = naive_ago(days=22 - int(name[-2:]), hours=1)


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
    inspector.enable([DEMO_ACCOUNT], ["EC2", "ECR"])
    findings = [inspector_finding(*spec) for spec in INSPECTOR_FINDINGS]
    # moto answers each distinct ListFindings query with the next queued result; queue enough
    # copies that every query the console makes sees the same findings.
    inspector.findings_queue.extend([findings] * 50)


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
    for name, snapshot in moto_rds.database_snapshots.items():  # the automated one moto just took
        if name.startswith("rds:orders-db"):
            snapshot.created = naive_ago(hours=31)
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
            failed.status, failed.start_time = "error", naive_ago(minutes=50)


def seed_all(region: str = DEMO_REGION) -> None:
    """Seed everything, one service at a time."""
    for seed in SEEDS:
        seed(region)


SEEDS = [seed_ecs, seed_logs, seed_stepfunctions, seed_codepipeline, seed_emr, seed_batch,
         seed_inspector, seed_snapshots, seed_rds_and_backup]
