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


def install() -> None:
    from moto.backup import urls as backup_urls
    from moto.backup.responses import BackupResponse
    from moto.emr.responses import ElasticMapReduceResponse

    ElasticMapReduceResponse.cancel_steps = emr_cancel_steps  # type: ignore[attr-defined]
    BackupResponse.list_backup_jobs = backup_list_backup_jobs  # type: ignore[attr-defined]
    backup_urls.url_paths.setdefault("{0}/backup-jobs/?$", BackupResponse.dispatch)
