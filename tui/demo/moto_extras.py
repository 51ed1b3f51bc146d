"""Operations the console needs that moto's server does not implement yet.

They are added to moto's response classes, in the demo process only, with the request and
response shapes of the real API; the console itself only ever speaks the wire protocol.
"""

from __future__ import annotations

import json
from typing import Any

CANCELLABLE_STEP_STATES = ("PENDING", "RUNNING")


def emr_cancel_steps(self: Any) -> Any:
    """EMR CancelSteps: pending and running steps become CANCELLED; others report why not."""
    from moto.core.responses import ActionResult
    from moto.emr.exceptions import ValidationException

    cluster_id, step_ids = self._get_param("ClusterId"), self._get_param("StepIds", [])
    cluster = self.backend.clusters.get(cluster_id)
    if cluster is None:
        raise ValidationException(f"Cluster id '{cluster_id}' is not valid.")
    found = {step.id: step for step in cluster.steps}
    info = []
    for step_id in step_ids:
        step = found.get(step_id)
        if step is not None and step.state in CANCELLABLE_STEP_STATES:
            step.state = "CANCELLED"
            info.append({"StepId": step_id, "Status": "SUBMITTED"})
        else:
            state = step.state if step is not None else "unknown"
            info.append({"StepId": step_id, "Status": "FAILED", "Reason": f"Step is in state {state}."})
    return ActionResult({"CancelStepsInfoList": info})


def backup_list_backup_jobs(self: Any) -> str:
    """AWS Backup ListBackupJobs over the jobs the demo put on the backend (moto keeps none)."""
    import json
    from datetime import datetime

    after = self.querystring.get("createdAfter", [None])[0]  # ISO 8601 in the query string
    jobs = getattr(self.backup_backend, "demo_backup_jobs", [])
    if after:
        since = datetime.fromisoformat(after.replace("Z", "+00:00")).timestamp()
        jobs = [j for j in jobs if j["CreationDate"] >= since]
    return json.dumps({"BackupJobs": jobs})


def _pipeline(self: Any) -> Any:
    from moto.codepipeline.exceptions import PipelineNotFoundException

    name = self._get_param("pipelineName") or self._get_param("name")
    pipeline = self.codepipeline_backend.pipelines.get(name)
    if pipeline is None:
        raise PipelineNotFoundException(f"Account does not have a pipeline with name '{name}'")
    return pipeline


def codepipeline_get_pipeline_state(self: Any) -> str:
    """GetPipelineState from the stage states the demo keeps on moto's pipeline."""
    import json

    pipeline = _pipeline(self)
    states = getattr(pipeline, "demo_stage_states", None) or [
        {"stageName": stage["name"], "actionStates": [{"actionName": a["name"]} for a in stage["actions"]]}
        for stage in pipeline.pipeline["stages"]
    ]
    return json.dumps({"pipelineName": pipeline.pipeline["name"], "pipelineVersion": pipeline.pipeline["version"],
                       "stageStates": states}, default=str)


def codepipeline_retry_stage_execution(self: Any) -> str:
    """RetryStageExecution: the stage's failed actions (or all) go back to InProgress."""
    import json

    pipeline = _pipeline(self)
    stage_name, mode = self._get_param("stageName"), self._get_param("retryMode")
    for stage in getattr(pipeline, "demo_stage_states", []):
        if stage["stageName"] == stage_name:
            stage["latestExecution"] = {**stage.get("latestExecution", {}), "status": "InProgress"}
            for action in stage["actionStates"]:
                latest = action.get("latestExecution", {})
                if mode == "ALL_ACTIONS" or latest.get("status") == "Failed":
                    action["latestExecution"] = {"status": "InProgress", "summary": "Retried"}
    return json.dumps({"pipelineExecutionId": self._get_param("pipelineExecutionId")})


def codepipeline_put_approval_result(self: Any) -> str:
    """PutApprovalResult: the waiting approval is answered with the given token."""
    import json

    from moto.codepipeline.exceptions import InvalidStructureException

    pipeline = _pipeline(self)
    result = self._get_param("result")
    for stage in getattr(pipeline, "demo_stage_states", []):
        for action in stage["actionStates"]:
            latest = action.get("latestExecution", {})
            if stage["stageName"] == self._get_param("stageName") and action["actionName"] == self._get_param(
                    "actionName"):
                if latest.get("token") != self._get_param("token"):
                    raise InvalidStructureException("The approval token is not valid for this action.")
                action["latestExecution"] = {"status": "Succeeded" if result["status"] == "Approved" else "Failed",
                                             "summary": result["summary"]}
    return json.dumps({"approvedAt": 0})


def codepipeline_stage_transition(enabled: bool) -> Any:
    """Enable/DisableStageTransition: kept on the stage state, as GetPipelineState reports it."""

    def handler(self: Any) -> str:
        from datetime import UTC, datetime

        pipeline = _pipeline(self)
        name = self._get_param("stageName")
        if not getattr(pipeline, "demo_stage_states", None):  # a pipeline the demo did not seed
            pipeline.demo_stage_states = json.loads(codepipeline_get_pipeline_state(self))["stageStates"]
        transition = {"enabled": enabled, "lastChangedAt": datetime.now(UTC).isoformat(),
                      **({} if enabled else {"disabledReason": self._get_param("reason")})}
        for stage in pipeline.demo_stage_states:
            if stage["stageName"] == name:
                stage["inboundTransitionState"] = transition
        return "{}"

    return handler


def codebuild_invalidate_project_cache(self: Any) -> str:
    """InvalidateProjectCache: moto keeps no cache; the project must exist."""
    from moto.codebuild.exceptions import ResourceNotFoundException

    name = self._get_param("projectName")
    if name not in self.codebuild_backend.codebuild_projects:
        raise ResourceNotFoundException(f"Project cannot be found: {name}")
    return "{}"


def codebuild_batch_get_builds(self: Any) -> str:
    """BatchGetBuilds that returns builds as they are: moto's own marks every build SUCCEEDED."""
    import json

    ids = set(self._get_param("ids"))
    builds = [b for history in self.codebuild_backend.build_metadata_history.values() for b in history
              if b["id"] in ids]
    return json.dumps({"builds": builds, "buildsNotFound": sorted(ids - {b["id"] for b in builds})}, default=str)


HISTORY_PAGE_DEFAULT, HISTORY_PAGE_MAX = 100, 1000


def sfn_get_execution_history(self: Any) -> Any:
    """GetExecutionHistory from the history the demo seeded (moto's own is one canned success for
    every execution), paged as Step Functions pages it: reverseOrder, maxResults, nextToken."""
    from datetime import UTC

    from moto.core.responses import ActionResult
    from moto.stepfunctions.exceptions import InvalidToken

    from tui.demo.seed import started_history

    arn = self._get_param("executionArn")
    backend = self.stepfunction_backend
    execution = backend.describe_execution(arn)  # the real errors for a bad or unknown ARN
    events = getattr(execution, "demo_history", None)
    if events is None:
        definition = getattr(backend.describe_state_machine_for_execution(arn), "demo_definition", None)
        if definition is None:  # not the demo's: moto's answer
            return _moto_execution_history(self)
        # Started after the seed (a rerun): what it has done so far is start.
        events = execution.demo_history = started_history(
            definition, execution.start_date.replace(tzinfo=UTC), execution.execution_input)
    events = list(events)
    if execution.status == "ABORTED" and events[-1]["type"] != "ExecutionAborted":  # stopped from the console
        events.append({"timestamp": (execution.stop_date or events[-1]["timestamp"]).replace(tzinfo=UTC),
                       "type": "ExecutionAborted", "id": len(events) + 1, "previousEventId": len(events),
                       "executionAbortedEventDetails": {}})
    if self._get_param("reverseOrder"):
        events.reverse()
    size = min(max(int(self._get_param("maxResults") or HISTORY_PAGE_DEFAULT), 1), HISTORY_PAGE_MAX)
    token = self._get_param("nextToken")
    if token is not None and not (isinstance(token, str) and token.isdigit()):
        raise InvalidToken(str(token))
    offset = int(token or 0)
    result: dict[str, Any] = {"events": events[offset:offset + size]}
    if offset + size < len(events):
        result["nextToken"] = str(offset + size)
    return ActionResult(result)


_moto_execution_history: Any = None
_moto_snapshot_filter_value: Any = None


def ec2_snapshot_filter_value(self: Any, filter_name: str, method_name: str | None = None) -> Any:
    """EC2 matches a snapshot's start-time as text, wildcards included (`2026-11-23*`: that day's
    copies); moto compares the whole timestamp only."""
    if filter_name == "start-time":
        from moto.ec2.utils import format_timestamp

        return format_timestamp(self.start_time)
    return _moto_snapshot_filter_value(self, filter_name, method_name)


def install() -> None:
    from moto.backup import urls as backup_urls
    from moto.backup.responses import BackupResponse
    from moto.codebuild.responses import CodeBuildResponse
    from moto.codepipeline.responses import CodePipelineResponse
    from moto.ec2.models.elastic_block_store import Snapshot
    from moto.emr.responses import ElasticMapReduceResponse
    from moto.stepfunctions.responses import StepFunctionResponse

    global _moto_execution_history, _moto_snapshot_filter_value
    if _moto_execution_history is None:  # installed once; the original answers for other executions
        _moto_execution_history = StepFunctionResponse.get_execution_history
        StepFunctionResponse.get_execution_history = sfn_get_execution_history  # type: ignore[method-assign]
    if _moto_snapshot_filter_value is None:
        _moto_snapshot_filter_value = Snapshot.get_filter_value
        Snapshot.get_filter_value = ec2_snapshot_filter_value  # type: ignore[method-assign]

    CodePipelineResponse.get_pipeline_state = codepipeline_get_pipeline_state  # type: ignore[attr-defined]
    CodePipelineResponse.retry_stage_execution = codepipeline_retry_stage_execution  # type: ignore[attr-defined]
    CodePipelineResponse.put_approval_result = codepipeline_put_approval_result  # type: ignore[attr-defined]
    CodePipelineResponse.enable_stage_transition = codepipeline_stage_transition(True)  # type: ignore[attr-defined]
    CodePipelineResponse.disable_stage_transition = codepipeline_stage_transition(False)  # type: ignore[attr-defined]
    CodeBuildResponse.invalidate_project_cache = codebuild_invalidate_project_cache  # type: ignore[attr-defined]
    CodeBuildResponse.batch_get_builds = codebuild_batch_get_builds  # type: ignore[method-assign]

    ElasticMapReduceResponse.cancel_steps = emr_cancel_steps  # type: ignore[attr-defined]
    BackupResponse.list_backup_jobs = backup_list_backup_jobs  # type: ignore[attr-defined]
    backup_urls.url_paths.setdefault("{0}/backup-jobs/?$", BackupResponse.dispatch)
