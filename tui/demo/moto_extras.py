"""Operations the console needs that moto's server does not implement yet.

They are added to moto's response classes, in the demo process only, with the request and
response shapes of the real API; the console itself only ever speaks the wire protocol.
"""

from __future__ import annotations

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


def install() -> None:
    from moto.emr.responses import ElasticMapReduceResponse

    ElasticMapReduceResponse.cancel_steps = emr_cancel_steps  # type: ignore[attr-defined]
