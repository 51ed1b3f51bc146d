"""Every keyboard action, declared once. Panels bind the keys for the kinds they show."""

from __future__ import annotations

from actions.model import Action, Ask

ACTIONS: tuple[Action, ...] = (
    # -- ECS --------------------------------------------------------------------------------
    Action(
        id="ecs.force-deployment", title="Force new deployment", key="D", kind="ecs.service",
        service="ecs", operation="update_service",
        params=lambda row, _: {"cluster": row.data["cluster"], "service": row.data["service"],
                               "forceNewDeployment": True},
    ),
    Action(
        id="ecs.scale", title="Set desired count", key="S", kind="ecs.service",
        service="ecs", operation="update_service",
        asks=(Ask("desired", "Desired count", default=lambda row: str(row.data["desired"]), integer=True),),
        params=lambda row, v: {"cluster": row.data["cluster"], "service": row.data["service"],
                               "desiredCount": v["desired"]},
    ),
    Action(
        id="ecs.stop-task", title="Stop task", key="X", kind="ecs.task",
        service="ecs", operation="stop_task", applies=lambda row: row.data.get("running", False),
        asks=(Ask("reason", "Reason", default=lambda row: "Stopped from watchkeeper"),),
        params=lambda row, v: {"cluster": row.data["cluster"], "task": row.data["task"],
                               "reason": v["reason"]},
    ),
    # -- Step Functions ------------------------------------------------------------------------
    Action(
        id="sfn.stop-execution", title="Stop execution", key="X", kind="sfn.execution",
        service="stepfunctions", operation="stop_execution",
        applies=lambda row: row.data.get("running", False),
        asks=(Ask("cause", "Cause", default=lambda row: "Stopped from watchkeeper"),),
        params=lambda row, v: {"executionArn": row.data["execution"], "error": "watchkeeper.Stopped",
                               "cause": v["cause"]},
    ),
    Action(
        id="sfn.rerun", title="Re-run with same input", key="R", kind="sfn.execution",
        service="stepfunctions", operation="start_execution",
        params=lambda row, _: {"stateMachineArn": row.data["machine"], "input": row.data.get("input") or "{}"},
    ),
    # -- CodePipeline ------------------------------------------------------------------------
    Action(
        id="pipeline.start", title="Start pipeline", key="R", kind="codepipeline.pipeline",
        service="codepipeline", operation="start_pipeline_execution",
        params=lambda row, _: {"name": row.data["pipeline"]},
    ),
    # -- EMR -------------------------------------------------------------------------------------
    Action(
        id="emr.cancel-step", title="Cancel step", key="X", kind="emr.step",
        service="emr", operation="cancel_steps",
        applies=lambda row: row.data.get("state") in ("PENDING", "RUNNING"),
        params=lambda row, _: {"ClusterId": row.data["cluster"], "StepIds": [row.data["step"]]},
    ),
    # -- Batch -------------------------------------------------------------------------------
    Action(
        id="batch.terminate", title="Terminate job", key="X", kind="batch.job",
        service="batch", operation="terminate_job", destructive=True,
        applies=lambda row: row.data.get("status") not in ("SUCCEEDED", "FAILED"),
        asks=(Ask("reason", "Reason", default=lambda row: "Terminated from watchkeeper"),),
        params=lambda row, v: {"jobId": row.data["job"], "reason": v["reason"]},
    ),
    # -- EBS ---------------------------------------------------------------------------------
    Action(
        id="ebs.snapshot-volume", title="Snapshot this volume", key="N", kind="ebs.snapshot",
        service="ec2", operation="create_snapshot", applies=lambda row: bool(row.data.get("volume")),
        asks=(Ask("description", "Description", default=lambda row: "watchkeeper on-demand"),),
        params=lambda row, v: {"VolumeId": row.data["volume"], "Description": v["description"]},
    ),
)

BY_ID = {action.id: action for action in ACTIONS}


def for_kind(kind: str) -> list[Action]:
    return [a for a in ACTIONS if a.kind == kind]
