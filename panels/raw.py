"""k9s habits for a selected row: its raw describe output (one call, made when asked: rows keep
only what their columns need), its ARN, and its AWS console URL (to open on the laptop: over SSH
there is no browser here)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from panels.model import Row

if TYPE_CHECKING:
    from tui.session import AwsSession

Describe = Callable[[Row, "AwsSession"], Any]


def _first(items: list[Any] | None) -> Any:
    return (items or [None])[0]


# kind -> the describe call of one row (its operation is declared for `view:<kind>`)
DESCRIBE: dict[str, Describe] = {
    "ecs.cluster": lambda r, aws: _first(aws.client("ecs").describe_clusters(clusters=[r.data["cluster"]])
                                         .get("clusters")),
    "ecs.service": lambda r, aws: _first(aws.client("ecs").describe_services(
        cluster=r.data["cluster"], services=[r.data.get("arn") or r.data["service"]]).get("services")),
    "ecs.task": lambda r, aws: _first(aws.client("ecs").describe_tasks(cluster=r.data["cluster"],
                                                                       tasks=[r.data["task"]]).get("tasks")),
    "sfn.machine": lambda r, aws: aws.client("stepfunctions").describe_state_machine(
        stateMachineArn=r.data["machine"]),
    "sfn.execution": lambda r, aws: aws.client("stepfunctions").describe_execution(executionArn=r.data["execution"]),
    "codepipeline.pipeline": lambda r, aws: aws.client("codepipeline").get_pipeline_state(name=r.data["pipeline"]),
    "codebuild.phase": lambda r, aws: _first(aws.client("codebuild").batch_get_builds(ids=[r.data["build"]])
                                             .get("builds")),
    "emr.cluster": lambda r, aws: aws.client("emr").describe_cluster(ClusterId=r.data["cluster"]).get("Cluster"),
    "emr.step": lambda r, aws: aws.client("emr").describe_step(ClusterId=r.data["cluster"],
                                                               StepId=r.data["step"]).get("Step"),
    "batch.queue": lambda r, aws: _first(aws.client("batch").describe_job_queues(jobQueues=[r.data["queue"]])
                                         .get("jobQueues")),
    "batch.job": lambda r, aws: _first(aws.client("batch").describe_jobs(jobs=[r.data["job"]]).get("jobs")),
    "inspector.finding": lambda r, aws: _first(aws.client("inspector2").list_findings(filterCriteria={
        "findingArn": [{"comparison": "EQUALS", "value": r.data["finding"]}]}).get("findings")),
    "ebs.snapshot": lambda r, aws: _first(aws.client("ec2").describe_snapshots(SnapshotIds=[r.data["snapshot"]])
                                          .get("Snapshots")),
    "ebs.volume": lambda r, aws: _first(aws.client("ec2").describe_volumes(VolumeIds=[r.data["volume"]])
                                        .get("Volumes")),
    "rds.snapshot": lambda r, aws: _first(aws.client("rds").describe_db_snapshots(
        DBSnapshotIdentifier=r.data["snapshot"]).get("DBSnapshots")),
}


def describe(kind: str, row: Row, aws: AwsSession) -> tuple[Any, str]:
    """(the resource as AWS describes it, where it came from); what watchkeeper keeps of the row
    where no single describe call exists for its kind."""
    read = DESCRIBE.get(kind)
    if read is not None:
        found = read(row, aws)
        if found is not None:
            return _plain(found), f"the describe call for this {kind}"
    return {"name": row.name, "status": row.status, **{k: v for k, v in row.data.items() if not k.startswith("wk_")},
            "detail": dict(row.detail)}, "what watchkeeper read for this row (no describe call for it)"


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def arn_of(row: Row) -> str | None:
    """The row's ARN: its key where that is one, else the first ARN among its data."""
    if row.key.startswith("arn:"):
        return row.key
    return next((v for v in row.data.values() if isinstance(v, str) and v.startswith("arn:")), None)


def console_url(kind: str, row: Row, region: str) -> str | None:
    """The AWS console page of the row's resource (None where there is none to link)."""
    home = f"https://{region}.console.aws.amazon.com"
    d = row.data

    def q(value: object) -> str:
        return quote(str(value), safe="")

    def last(value: object) -> str:
        return str(value).rsplit("/", 1)[-1]

    urls: dict[str, Callable[[], str]] = {
        "ecs.cluster": lambda: f"{home}/ecs/v2/clusters/{q(last(d['cluster']))}/services?region={region}",
        "ecs.service": lambda: f"{home}/ecs/v2/clusters/{q(last(d['cluster']))}/services/{q(d['service'])}/health"
                               f"?region={region}",
        "ecs.task": lambda: f"{home}/ecs/v2/clusters/{q(last(d['cluster']))}/tasks/{q(last(d['task']))}/configuration"
                            f"?region={region}",
        "sfn.machine": lambda: f"{home}/states/home?region={region}#/statemachines/view/{q(d['machine'])}",
        "sfn.execution": lambda: f"{home}/states/home?region={region}#/v2/executions/details/{q(d['execution'])}",
        "codepipeline.pipeline": lambda: f"{home}/codesuite/codepipeline/pipelines/{q(d['pipeline'])}/view"
                                         f"?region={region}",
        "codepipeline.action": lambda: f"{home}/codesuite/codepipeline/pipelines/{q(d['pipeline'])}/view"
                                       f"?region={region}",
        "codebuild.phase": lambda: f"{home}/codesuite/codebuild/projects/{q(str(d['build']).split(':')[0])}/build/"
                                   f"{q(d['build'])}/?region={region}",
        "emr.cluster": lambda: f"{home}/emr/home?region={region}#/clusterDetails/{q(d['cluster'])}",
        "emr.step": lambda: f"{home}/emr/home?region={region}#/clusterDetails/{q(d['cluster'])}",
        "batch.job": lambda: f"{home}/batch/home?region={region}#jobs/detail/{q(d['job'])}",
        "batch.queue": lambda: f"{home}/batch/home?region={region}#queues/detail/{q(d['queue'])}",
        "inspector.finding": lambda: f"{home}/inspector/v2/home?region={region}#/findings/all",
        "ebs.snapshot": lambda: f"{home}/ec2/home?region={region}#SnapshotDetails:snapshotId={q(d['snapshot'])}",
        "ebs.volume": lambda: f"{home}/ec2/home?region={region}#VolumeDetails:volumeId={q(d['volume'])}",
        "rds.snapshot": lambda: f"{home}/rds/home?region={region}#db-snapshot:id={q(d['snapshot'])}",
        "backup.job": lambda: f"{home}/backup/home?region={region}#/jobs/backup/details/{q(d['job'])}",
    }
    try:
        return urls[kind]() if kind in urls else None
    except KeyError:  # a row without the id its page needs
        return None
