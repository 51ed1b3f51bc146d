"""Every keyboard action, declared once. Panels bind the keys for the kinds they show."""

from __future__ import annotations

import shlex

from actions.model import Action, Ask, Wait
from panels.batch import QUEUED, resubmit_params
from panels.inspector import suppression_filter
from tui.safe_text import JsonTooComplex, load_json

SERVICES_STABLE = Wait("ecs", "services_stable",
                       lambda params, _: {"cluster": params["cluster"], "services": [params["service"]]})
STEP_COMPLETE = Wait("emr", "step_complete",
                     lambda params, response: {"ClusterId": params["JobFlowId"], "StepId": response["StepIds"][0]})

ACTIONS: tuple[Action, ...] = (
    # -- ECS --------------------------------------------------------------------------------
    Action(
        id="ecs.force-deployment", title="Force new deployment", key="D", kind="ecs.service",
        service="ecs", operation="update_service",
        params=lambda row, _: {"cluster": row.data["cluster"], "service": row.data["service"],
                               "forceNewDeployment": True},
        wait=SERVICES_STABLE,
    ),
    Action(
        id="ecs.scale", title="Set desired count", key="S", kind="ecs.service",
        service="ecs", operation="update_service",
        asks=(Ask("desired", "Desired count", default=lambda row: str(row.data["desired"]), integer=True),),
        params=lambda row, v: {"cluster": row.data["cluster"], "service": row.data["service"],
                               "desiredCount": v["desired"]},
        wait=SERVICES_STABLE,
    ),
    Action(
        id="ecs.rollback", title="Roll back to the previous task definition", key="B", kind="ecs.service",
        service="ecs", operation="update_service",
        blocked=lambda row: None if row.data["previous_task_definition"]
        else f"{row.name} runs revision 1 of its task definition: there is no earlier revision.",
        params=lambda row, _: {"cluster": row.data["cluster"], "service": row.data["service"],
                               "taskDefinition": row.data["previous_task_definition"]},
        wait=SERVICES_STABLE,
    ),
    Action(
        id="ecs.stop-task", title="Stop task", key="X", kind="ecs.task",
        service="ecs", operation="stop_task", applies=lambda row: row.data.get("running", False),
        requires="a running task",
        asks=(Ask("reason", "Reason", default=lambda row: "Stopped from watchkeeper"),),
        params=lambda row, v: {"cluster": row.data["cluster"], "task": row.data["task"],
                               "reason": v["reason"]},
    ),
    # -- Step Functions ------------------------------------------------------------------------
    Action(
        id="sfn.stop-execution", title="Stop execution", key="X", kind="sfn.execution",
        service="stepfunctions", operation="stop_execution",
        applies=lambda row: row.data.get("running", False), requires="a running execution",
        asks=(Ask("cause", "Cause", default=lambda row: "Stopped from watchkeeper"),),
        params=lambda row, v: {"executionArn": row.data["execution"], "error": "watchkeeper.Stopped",
                               "cause": v["cause"]},
    ),
    Action(
        id="sfn.rerun", title="Re-run with same input", key="R", kind="sfn.execution",
        service="stepfunctions", operation="start_execution",
        blocked=lambda row: None if row.data.get("input") is not None else
        f"The input of {row.name} is not known (running, or it could not be read): use S on its state machine.",
        params=lambda row, _: {"stateMachineArn": row.data["machine"], "input": row.data["input"]},
    ),
    Action(
        id="sfn.start", title="Start an execution", key="S", kind="sfn.machine",
        service="stepfunctions", operation="start_execution",
        asks=(Ask("input", "Input (JSON, checked before sending)", default=lambda row: "{}"),),
        params=lambda row, v: {"stateMachineArn": row.data["machine"], "input": json_input(v["input"])},
    ),
    Action(
        id="sfn.redrive", title="Redrive from the failed state", key="D", kind="sfn.execution",
        service="stepfunctions", operation="redrive_execution",
        applies=lambda row: row.status in ("FAILED", "TIMED_OUT", "ABORTED"),
        requires="a failed, timed-out or aborted execution",
        params=lambda row, _: {"executionArn": row.data["execution"]},
    ),
    # -- CodePipeline ------------------------------------------------------------------------
    Action(
        id="pipeline.start", title="Start pipeline", key="R", kind="codepipeline.pipeline",
        service="codepipeline", operation="start_pipeline_execution",
        params=lambda row, _: {"name": row.data["pipeline"]},
    ),
    Action(
        id="pipeline.retry-stage", title="Retry the failed actions of this stage", key="R",
        kind="codepipeline.action", service="codepipeline", operation="retry_stage_execution",
        applies=lambda row: row.data.get("status") == "Failed" and bool(row.data.get("execution")),
        requires="a stage whose actions failed",
        params=lambda row, _: {"pipelineName": row.data["pipeline"], "stageName": row.data["stage"],
                               "pipelineExecutionId": row.data["execution"], "retryMode": "FAILED_ACTIONS"},
    ),
    *(Action(
        id=f"pipeline.{verb.lower()}", title=f"{verb} this approval", key=key, kind="codepipeline.action",
        service="codepipeline", operation="put_approval_result",
        applies=lambda row: bool(row.data.get("token")), requires="an approval that is waiting",
        asks=(Ask("comment", "Comment (recorded with the approval)", default=lambda row: ""),),
        params=lambda row, v, status=status: {
            "pipelineName": row.data["pipeline"], "stageName": row.data["stage"], "actionName": row.data["action"],
            "result": {"summary": v["comment"] or f"{status} from watchkeeper", "status": status},
            "token": row.data["token"]},
    ) for verb, key, status in (("Approve", "A", "Approved"), ("Reject", "J", "Rejected"))),
    *(Action(
        id=f"pipeline.stop{'-abandon' if abandon else ''}", key="X" if abandon else "P", kind="codepipeline.execution",
        title="Stop and abandon the execution" if abandon else "Stop the execution (let actions finish)",
        service="codepipeline", operation="stop_pipeline_execution", destructive=abandon,
        applies=lambda row: row.status in ("InProgress", "Stopping"), requires="an execution in progress",
        asks=(Ask("reason", "Reason", default=lambda row: "Stopped from watchkeeper"),),
        params=lambda row, v, abandon=abandon: {"pipelineName": row.data["pipeline"],
                                                "pipelineExecutionId": row.data["execution"],
                                                "abandon": abandon, "reason": v["reason"]},
    ) for abandon in (False, True)),
    Action(
        id="codebuild.retry", title="Retry the build", key="B", kind="codepipeline.action",
        service="codebuild", operation="retry_build",
        applies=lambda row: row.data.get("provider") == "CodeBuild" and row.data.get("status") == "Failed",
        requires="a failed CodeBuild action",
        params=lambda row, _: {"id": row.data["external"]},
    ),
    Action(
        id="codebuild.stop", title="Stop the build", key="X", kind="codepipeline.action",
        service="codebuild", operation="stop_build",
        applies=lambda row: row.data.get("provider") == "CodeBuild" and row.data.get("status") == "InProgress",
        requires="a CodeBuild action in progress",
        params=lambda row, _: {"id": row.data["external"]},
    ),
    # -- EMR -------------------------------------------------------------------------------------
    Action(
        id="emr.add-step", title="Add a step (command-runner.jar)", key="A", kind="emr.cluster",
        service="emr", operation="add_job_flow_steps",
        applies=lambda row: row.data.get("state") in ("STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING"),
        requires="a cluster that is starting, running or waiting",
        asks=(Ask("name", "Step name", default=lambda row: "watchkeeper step"),
              Ask("args", "Arguments for command-runner.jar",
                  default=lambda row: "spark-submit --deploy-mode cluster s3://bucket/job.py")),
        params=lambda row, v: {"JobFlowId": row.data["cluster"], "Steps": [{
            "Name": v["name"], "ActionOnFailure": "CONTINUE",
            "HadoopJarStep": {"Jar": "command-runner.jar", "Args": shlex.split(v["args"])}}]},
        wait=STEP_COMPLETE,
    ),
    Action(
        id="emr.protect", title="Toggle termination protection", key="P", kind="emr.cluster",
        service="emr", operation="set_termination_protection",
        applies=lambda row: row.data.get("state") != "TERMINATED", requires="a cluster that is not terminated",
        params=lambda row, _: {"JobFlowIds": [row.data["cluster"]],
                               "TerminationProtected": not row.data.get("protected", False)},
    ),
    Action(
        id="emr.terminate", title="Terminate cluster", key="T", kind="emr.cluster",
        service="emr", operation="terminate_job_flows", destructive=True,
        applies=lambda row: row.data.get("state") not in ("TERMINATED", "TERMINATED_WITH_ERRORS", "TERMINATING"),
        requires="a cluster that is not terminated or terminating",
        blocked=lambda row: f"{row.name} has termination protection on: turn it off first (P)."
        if row.data.get("protected") else None,
        params=lambda row, _: {"JobFlowIds": [row.data["cluster"]]},
    ),
    Action(
        id="emr.resize", title="Resize instance group", key="S", kind="emr.instance-group",
        service="emr", operation="modify_instance_groups",
        applies=lambda row: row.data.get("role") != "MASTER" and not row.data.get("fleet"),
        requires="a core or task instance group (not the primary, not a fleet)",
        asks=(Ask("count", "Instance count", default=lambda row: str(row.data["requested"]), integer=True),),
        params=lambda row, v: {"ClusterId": row.data["cluster"], "InstanceGroups": [
            {"InstanceGroupId": row.data["group"], "InstanceCount": v["count"]}]},
    ),
    Action(
        id="emr.cancel-step", title="Cancel step", key="X", kind="emr.step",
        service="emr", operation="cancel_steps",
        applies=lambda row: row.data.get("state") in ("PENDING", "RUNNING"), requires="a pending or running step",
        params=lambda row, _: {"ClusterId": row.data["cluster"], "StepIds": [row.data["step"]]},
    ),
    # -- Batch -------------------------------------------------------------------------------
    Action(
        id="batch.cancel", title="Cancel queued job", key="C", kind="batch.job",
        service="batch", operation="cancel_job", applies=lambda row: row.data.get("status") in QUEUED,
        requires="a queued job (submitted, pending, runnable)",
        asks=(Ask("reason", "Reason", default=lambda row: "Cancelled from watchkeeper"),),
        params=lambda row, v: {"jobId": row.data["job"], "reason": v["reason"]},
    ),
    Action(
        id="batch.terminate", title="Terminate running job", key="X", kind="batch.job",
        service="batch", operation="terminate_job", destructive=True,
        applies=lambda row: row.data.get("status") in ("STARTING", "RUNNING"), requires="a starting or running job",
        asks=(Ask("reason", "Reason", default=lambda row: "Terminated from watchkeeper"),),
        params=lambda row, v: {"jobId": row.data["job"], "reason": v["reason"]},
    ),
    Action(
        id="batch.resubmit", title="Resubmit job", key="R", kind="batch.job",
        service="batch", operation="submit_job", applies=lambda row: row.data.get("status") == "FAILED",
        requires="a failed job",
        blocked=lambda row: None if row.data.get("described", True) else
        f"The details of {row.name} could not be read (batch:DescribeJobs): a resubmit would lose its command.",
        params=lambda row, _: resubmit_params(row),
    ),
    # -- Inspector ---------------------------------------------------------------------------
    Action(
        id="inspector.suppress", title="Suppress this vulnerability (rule)", key="U", kind="inspector.finding",
        service="inspector2", operation="create_filter",
        asks=(Ask("scope", "Scope: resource (this resource only) or all (every resource)",
                  default=lambda row: "resource", choices=("resource", "all")),
              Ask("reason", "Reason (why the risk is accepted; kept with the rule)", required=True)),
        params=lambda row, v: suppression_filter(row, v["scope"], v["reason"]),
    ),
    # -- EBS ---------------------------------------------------------------------------------
    *(Action(
        id=f"ebs.snapshot-volume.{kind}", title="Snapshot the volume now", key="N", kind=kind,
        service="ec2", operation="create_snapshot", applies=lambda row: bool(row.data.get("volume")),
        requires="a snapshot or volume whose volume still exists",
        asks=(Ask("description", "Description", default=lambda row: "watchkeeper on-demand"),),
        params=lambda row, v: {"VolumeId": row.data["volume"], "Description": v["description"]},
    ) for kind in ("ebs.snapshot", "ebs.volume")),
    Action(
        id="ebs.copy", title="Copy the snapshot to another region", key="K", kind="ebs.snapshot",
        service="ec2", operation="copy_snapshot", region_ask="region",
        asks=(Ask("region", "Destination region", default=lambda row: "us-west-2"),),
        params=lambda row, v: {"SourceSnapshotId": row.data["snapshot"], "SourceRegion": row.data["region"],
                               "Description": f"Off-site copy of {row.data['snapshot']} (watchkeeper)"},
    ),
    Action(
        id="ebs.delete", title="Delete the snapshot", key="X", kind="ebs.snapshot",
        service="ec2", operation="delete_snapshot", destructive=True,
        params=lambda row, _: {"SnapshotId": row.data["snapshot"]},
    ),
    # -- RDS ---------------------------------------------------------------------------------
    Action(
        id="rds.snapshot", title="Snapshot the database now", key="N", kind="rds.snapshot",
        service="rds", operation="create_db_snapshot", applies=lambda row: row.data.get("kind") == "instance",
        requires="a DB instance snapshot (not a cluster)",
        asks=(Ask("name", "Snapshot name", default=lambda row: f"{row.data['db']}-watchkeeper"),),
        params=lambda row, v: {"DBInstanceIdentifier": row.data["db"], "DBSnapshotIdentifier": v["name"]},
    ),
)

BY_ID = {action.id: action for action in ACTIONS}


def json_input(text: str) -> str:
    """Execution input must be JSON: say where it is not, before anything is sent. Step Functions
    takes at most 256 KiB; a structure nested deeper than Python's stack is refused, not a crash."""
    try:
        load_json(text, limit=262_144, depth=500)
    except JsonTooComplex as exc:
        raise ValueError(f"Input is too large or too deep for watchkeeper to check ({exc}).") from None
    except ValueError as exc:
        raise ValueError(f"Input is not JSON: {exc}.") from None
    return text


def for_kind(kind: str) -> list[Action]:
    return [a for a in ACTIONS if a.kind == kind]
