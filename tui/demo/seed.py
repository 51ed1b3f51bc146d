"""Seed the demo incident: broken things beside healthy ones, across every panel.

Resources are created over the real AWS API against the moto server. Where moto has no API for a
state (a failed execution, a stopped task's exit code, a snapshot in error), the demo adjusts
moto's backend objects here, in the demo only; the app never sees anything but the wire protocol.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.backends import get_backend
from moto.emr import models as moto_emr

from tui.demo.server import DEMO_ACCOUNT, DEMO_REGION
from tui.session import AwsSession

OOM_REASON = "OutOfMemoryError: Container killed due to memory usage"
PAYMENT_CAUSE = json.dumps(
    {
        "errorMessage": "Payment provider timed out after 30000 ms",
        "errorType": "PaymentTimeout",
        "stackTrace": ["  File \"/var/task/charge.py\", line 41, in handler"],
    }
)


def backend(service: str, region: str | None) -> Any:
    """moto's in-process state for a service, to adjust what its API cannot."""
    return get_backend(service)[DEMO_ACCOUNT][region or DEMO_REGION]  # type: ignore[index]


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


def naive_ago(**delta: float) -> datetime:
    """Some moto models keep naive UTC datetimes."""
    return ago(**delta).replace(tzinfo=None)


def seed_logs(aws: AwsSession) -> None:
    logs = aws.client("logs")
    for group in ("/aws/batch/job", "/aws/codebuild/web-build"):
        logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName="/ecs/checkout-api", logStreamName="ecs/checkout-api/demo")
    start = int(ago(minutes=10).timestamp() * 1000)
    lines = [
        "INFO  Starting checkout-api v2.14.0 (heap 512m)",
        "INFO  Connected to orders-db",
        "WARN  GC overhead: 91% of time in GC",
        "ERROR java.lang.OutOfMemoryError: Java heap space",
        "FATAL Container killed: out of memory (exit 137)",
    ]
    logs.put_log_events(
        logGroupName="/ecs/checkout-api",
        logStreamName="ecs/checkout-api/demo",
        logEvents=[{"timestamp": start + i * 1000, "message": m} for i, m in enumerate(lines)],
    )


def seed_ecs(aws: AwsSession) -> None:
    ecs, ec2 = aws.client("ecs"), aws.client("ec2")
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    group = ec2.describe_security_groups()["SecurityGroups"][0]["GroupId"]
    network = {"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}}
    for cluster in ("prod", "staging"):
        ecs.create_cluster(clusterName=cluster, capacityProviders=["FARGATE", "FARGATE_SPOT"])
    services = {  # (cluster, service): (desired, running, stopped-with-137)
        ("prod", "checkout-api"): (3, 1, 4),
        ("prod", "web"): (2, 2, 0),
        ("staging", "worker"): (1, 1, 0),
    }
    moto_ecs = backend("ecs", aws.region)
    logs = aws.client("logs")
    for (cluster, name), (desired, running, crashed) in services.items():
        logs.create_log_group(logGroupName=f"/ecs/{name}")
        # checkout-api's revision 2 (heap 512m) is the one that runs out of memory; 1 was fine.
        for _ in range(2 if crashed else 1):
            register_task_definition(ecs, name, aws.region)
        ecs.create_service(
            cluster=cluster, serviceName=name, taskDefinition=name, desiredCount=desired,
            launchType="FARGATE", networkConfiguration=network,
        )
        for _ in range(running + crashed):
            ecs.run_task(
                cluster=cluster, taskDefinition=name, launchType="FARGATE",
                startedBy="ecs-svc/demo", group=f"service:{name}", networkConfiguration=network,
            )
        tasks = [t for t in moto_ecs.tasks[cluster].values() if t.group == f"service:{name}"]
        for index, task in enumerate(tasks):
            task.started_at = ago(minutes=50 - index * 9)
            if index >= running:
                stop_task_as_oom(task, minutes_ago=40 - index * 8)
                write_oom_log(logs, name, task.id)
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


def register_task_definition(ecs: Any, name: str, region: str | None) -> None:
    ecs.register_task_definition(
        family=name,
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[
            {
                "name": name,
                "image": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{name}:2.14.0",
                "memory": 512,
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": f"/ecs/{name}",
                        "awslogs-region": region or DEMO_REGION,
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


def write_oom_log(logs: Any, service: str, task_id: str) -> None:
    """The stream ECS's awslogs driver would write: prefix/container/task-id."""
    group, stream = f"/ecs/{service}", f"ecs/{service}/{task_id}"
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    start = int(ago(minutes=45).timestamp() * 1000)
    logs.put_log_events(logGroupName=group, logStreamName=stream,
                        logEvents=[{"timestamp": start + i * 1000, "message": m} for i, m in enumerate(OOM_LOG)])


def stop_task_as_oom(task: Any, *, minutes_ago: float) -> None:
    task.last_status = task.desired_status = "STOPPED"
    task.stop_code = "EssentialContainerExited"
    task.stopped_reason = "Essential container in task exited"
    task.stopped_at = task.stopping_at = ago(minutes=minutes_ago)
    container = task.containers[0]
    container.last_status = "STOPPED"
    container.exitCode = 137
    container.reason = OOM_REASON


def seed_stepfunctions(aws: AwsSession) -> None:
    sfn = aws.client("stepfunctions")
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
    moto_sfn = backend("stepfunctions", aws.region)
    eventbridge = aws.client("events")
    for name, statuses in machines.items():
        arn = sfn.create_state_machine(name=name, definition=definition, roleArn=role)["stateMachineArn"]
        # Is the automation armed? The nightly report's schedule was switched off.
        rule = f"{name}-schedule"
        eventbridge.put_rule(Name=rule, ScheduleExpression="cron(0 2 * * ? *)",
                        State="DISABLED" if name == "nightly-report" else "ENABLED")
        eventbridge.put_targets(Rule=rule, Targets=[{"Id": "machine", "Arn": arn, "RoleArn": role}])
        for index, status in enumerate(statuses):
            execution_arn = sfn.start_execution(
                stateMachineArn=arn, name=f"{name}-{index:03d}",
                input=json.dumps({"orderId": f"ord-{4100 + index}", "amount": 42.5}),
            )["executionArn"]
            execution = moto_sfn.describe_execution(execution_arn)
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


def seed_codepipeline(aws: AwsSession) -> None:
    pipeline = aws.client("codepipeline")
    codebuild = aws.client("codebuild")
    iam = aws.client("iam")
    role = iam.create_role(
        RoleName="demo-pipeline",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": service}}
            for service in ("codepipeline.amazonaws.com", "codebuild.amazonaws.com")]}),
    )["Role"]["Arn"]
    codebuild.create_project(
        name="web-build",
        source={"type": "S3", "location": "demo-src/web.zip"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                     "computeType": "BUILD_GENERAL1_SMALL"},
        serviceRole=role,
    )
    moto_pipeline = backend("codepipeline", aws.region)
    build = failed_build(aws)
    for name, statuses in {"web-release": ["Succeeded", "Failed"],
                           "api-release": ["Succeeded", "Succeeded", "InProgress"]}.items():
        pipeline.create_pipeline(pipeline={
            "name": name, "roleArn": role,
            "artifactStore": {"type": "S3", "location": "demo-artifacts"},
            "stages": PIPELINE_STAGES[name],
        })
        execution_id = ""
        for index, status in enumerate(statuses):
            execution_id = pipeline.start_pipeline_execution(name=name)["pipelineExecutionId"]
            execution = moto_pipeline.pipelines[name].executions[execution_id]
            execution.status = status
            execution.start_time = naive_ago(hours=3 - index)
            execution.last_update_time = naive_ago(hours=3 - index, minutes=-7)
            if status == "Failed":
                execution.status_summary = (
                    "Stage Build failed: CodeBuild action Build failed in phase BUILD "
                    "(COMMAND_EXECUTION_ERROR: npm test exited with status 1)"
                )
        sfn_execution = f"arn:aws:states:{aws.region}:{DEMO_ACCOUNT}:execution:order-fulfilment:order-fulfilment-004"
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


def failed_build(aws: AwsSession) -> dict[str, Any]:
    """web-build's latest build, failed in BUILD, with its log stream written."""
    build = aws.client("codebuild").start_build(projectName="web-build")["build"]
    metadata = next(b for history in backend("codebuild", aws.region).build_metadata_history.values()
                    for b in history if b["id"] == build["id"])
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
    stream = build["id"].split(":", 1)[1]
    metadata.update(buildStatus="FAILED", currentPhase="COMPLETED", buildComplete=True, phases=phases,
                    startTime=start.timestamp(), endTime=at.timestamp(),
                    logs={"groupName": "/aws/codebuild/web-build", "streamName": stream,
                          "cloudWatchLogs": {"status": "ENABLED"}})
    logs = aws.client("logs")
    logs.create_log_stream(logGroupName="/aws/codebuild/web-build", logStreamName=stream)
    logs.put_log_events(logGroupName="/aws/codebuild/web-build", logStreamName=stream, logEvents=[
        {"timestamp": int(start.timestamp() * 1000) + i, "message": line} for i, line in enumerate([
            "[Container] Running command npm test",
            "FAIL src/cart.test.ts › applies the member discount",
            "  Expected: 37.80  Received: 42.00",
            "Tests: 1 failed, 311 passed, 312 total",
            "[Container] Command did not exit successfully npm test exit status 1",
            "[Container] Phase complete: BUILD State: FAILED"])])
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


def seed_emr(aws: AwsSession) -> None:
    emr = aws.client("emr")
    instances = {
        "InstanceGroups": [
            {"Name": "primary", "InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
            {"Name": "core", "InstanceRole": "CORE", "InstanceType": "r5.2xlarge", "InstanceCount": 4,
             "Market": "SPOT"},
        ],
        "KeepJobFlowAliveWhenNoSteps": True,
    }

    def step(name: str, *args: str) -> dict[str, Any]:
        return {"Name": name, "ActionOnFailure": "CONTINUE",
                "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["spark-submit", *args]}}

    etl = emr.run_job_flow(
        Name="etl-nightly", ReleaseLabel="emr-7.2.0", Instances=instances,
        Applications=[{"Name": "Spark"}, {"Name": "Hadoop"}],
        JobFlowRole="EMR_EC2_DefaultRole", ServiceRole="EMR_DefaultRole",
        Steps=[step("ingest-orders", "s3://demo-jobs/ingest.py"),
               step("build-aggregates", "s3://demo-jobs/aggregate.py"),
               step("export-warehouse", "s3://demo-jobs/export.py"),
               step("refresh-dashboards", "s3://demo-jobs/refresh.py")],
    )["JobFlowId"]
    moto = backend("emr", aws.region)
    cluster = moto.clusters[etl]
    cluster.state = "WAITING"
    core = next(g for g in moto.instance_groups.values() if g.cluster_id == etl and g.role == "CORE")
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
                "LogFile": f"s3://demo-emr-logs/{etl}/steps/{item.id}/stderr.gz",
            }
    adhoc = emr.run_job_flow(
        Name="adhoc-analysis", ReleaseLabel="emr-7.2.0", Instances=instances,
        Applications=[{"Name": "Spark"}],
        JobFlowRole="EMR_EC2_DefaultRole", ServiceRole="EMR_DefaultRole",
        BootstrapActions=[{"Name": "install-deps", "ScriptBootstrapAction": {
            "Path": "s3://demo-jobs/bootstrap.sh"}}],
    )["JobFlowId"]
    broken = moto.clusters[adhoc]
    broken.__class__ = _FailedCluster
    broken.state = "TERMINATED_WITH_ERRORS"
    broken.last_state_change_reason = (
        "On the master instance (i-0demo), bootstrap action 1 returned a non-zero return code"
    )
    broken.end_datetime = naive_ago(minutes=35)


def seed_batch(aws: AwsSession) -> None:
    batch, ec2, iam = aws.client("batch"), aws.client("ec2"), aws.client("iam")
    role = iam.create_role(
        RoleName=f"demo-batch-{aws.region}",  # IAM is global; one role per seeded region
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    group = ec2.describe_security_groups()["SecurityGroups"][0]["GroupId"]
    environment = batch.create_compute_environment(
        computeEnvironmentName="analytics-spot", type="MANAGED", state="ENABLED", serviceRole=role,
        computeResources={"type": "FARGATE_SPOT", "maxvCpus": 16, "subnets": [subnet],
                          "securityGroupIds": [group]},
    )["computeEnvironmentArn"]
    batch.create_job_queue(jobQueueName="analytics", state="ENABLED", priority=10,
                           computeEnvironmentOrder=[{"order": 1, "computeEnvironment": environment}])
    batch.register_job_definition(
        jobDefinitionName="nightly-export", type="container", platformCapabilities=["FARGATE"],
        containerProperties={"image": "public.ecr.aws/demo/export:1.4", "command": ["export", "--day", "Ref::day"],
                             "resourceRequirements": [{"type": "VCPU", "value": "1"},
                                                      {"type": "MEMORY", "value": "2048"}],
                             "executionRoleArn": role},
        parameters={"day": "yesterday"},
    )
    jobs = {"export-2026-11-20": "SUCCEEDED", "export-2026-11-21": "SUCCEEDED",
            "export-2026-11-22": "FAILED", "reindex-catalog": "RUNNABLE"}
    moto = backend("batch", aws.region)
    for name, status in jobs.items():
        job_id = batch.submit_job(jobName=name, jobQueue="analytics", jobDefinition="nightly-export")["jobId"]
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
            logs = aws.client("logs")
            stream = job.attempts[-1]["container"]["logStreamName"]
            logs.create_log_stream(logGroupName="/aws/batch/job", logStreamName=stream)
            logs.put_log_events(logGroupName="/aws/batch/job", logStreamName=stream, logEvents=[
                {"timestamp": int(ago(minutes=49).timestamp() * 1000) + i, "message": line}
                for i, line in enumerate(["export: reading s3://demo-warehouse/2026-11-22/",
                                          "ERROR unable to pull secrets: AccessDeniedException on "
                                          "secretsmanager:GetSecretValue"])])
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


def seed_inspector(aws: AwsSession) -> None:
    aws.client("inspector2").enable(accountIds=[DEMO_ACCOUNT], resourceTypes=["EC2", "ECR"])
    inspector = backend("inspector2", aws.region)
    findings = [inspector_finding(*spec) for spec in INSPECTOR_FINDINGS]
    # moto answers each distinct ListFindings query with the next queued result; queue enough
    # copies that every query the console makes sees the same findings.
    inspector.findings_queue.extend([findings] * 50)


def seed_rds_and_backup(aws: AwsSession) -> None:
    """orders-db's newest snapshot is two days old; last night's AWS Backup job for it failed."""
    rds = aws.client("rds")
    db = rds.create_db_instance(
        DBInstanceIdentifier="orders-db", DBInstanceClass="db.r6g.large", Engine="postgres",
        MasterUsername="app", MasterUserPassword="demo-password-not-secret", AllocatedStorage=100,
        BackupRetentionPeriod=7,
    )["DBInstance"]
    moto_rds = backend("rds", aws.region)
    for name, hours_old in (("orders-db-weekly", 24 * 6), ("orders-db-manual", 49)):
        rds.create_db_snapshot(DBInstanceIdentifier="orders-db", DBSnapshotIdentifier=name)
        moto_rds.database_snapshots[name].created = naive_ago(hours=hours_old)
    for name, snapshot in moto_rds.database_snapshots.items():  # the automated one moto just took
        if name.startswith("rds:orders-db"):
            snapshot.created = naive_ago(hours=31)
    moto_backup = backend("backup", aws.region)
    created = ago(hours=7).timestamp()
    moto_backup.demo_backup_jobs = [
        {"BackupJobId": "0f7e-demo-failed", "BackupVaultName": "Default", "ResourceArn": db["DBInstanceArn"],
         "ResourceType": "RDS", "State": "FAILED", "CreationDate": created, "CompletionDate": created + 900,
         "StatusMessage": "Backup job failed because the DB instance was in the 'storage-full' state.",
         "CreatedBy": {"BackupPlanId": "nightly-databases"}},
        {"BackupJobId": "1a2b-demo-ok", "BackupVaultName": "Default",
         "ResourceArn": "arn:aws:ec2:us-east-1:123456789012:volume/vol-demo", "ResourceType": "EBS",
         "State": "COMPLETED", "CreationDate": created, "CompletionDate": created + 300,
         "CreatedBy": {"BackupPlanId": "nightly-volumes"}},
    ]


def seed_snapshots(aws: AwsSession) -> None:
    ec2 = aws.client("ec2")
    zone = f"{aws.region}a"
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1,
                                 InstanceType="t3.micro")["Instances"][0]["InstanceId"]
    moto = backend("ec2", aws.region)
    volumes = {"orders-db-data": ("/dev/sdf", 2), "checkout-cache": ("/dev/sdg", 23 * 24),
               "search-index": ("/dev/sdh", None)}
    for name, (device, hours_old) in volumes.items():
        volume = ec2.create_volume(Size=100, AvailabilityZone=zone, VolumeType="gp3", TagSpecifications=[
            {"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": name}]}])["VolumeId"]
        ec2.attach_volume(VolumeId=volume, InstanceId=instance, Device=device)
        if hours_old is None:
            continue
        snapshot = ec2.create_snapshot(VolumeId=volume, Description=f"daily {name}")["SnapshotId"]
        moto.snapshots[snapshot].start_time = naive_ago(hours=hours_old)
    # Tonight's backup of the database volume failed.
    orders = next(v for v in moto.volumes.values() if v.get_tags() and "orders" in str(v.get_tags()))
    failed = ec2.create_snapshot(VolumeId=orders.id, Description="daily orders-db-data")["SnapshotId"]
    moto.snapshots[failed].status = "error"
    moto.snapshots[failed].start_time = naive_ago(minutes=50)


def seed_all(aws: AwsSession) -> None:
    """Seed everything, one service at a time."""
    for seed in SEEDS:
        seed(aws)


SEEDS = [seed_ecs, seed_logs, seed_stepfunctions, seed_codepipeline, seed_emr, seed_batch,
         seed_inspector, seed_snapshots, seed_rds_and_backup]
