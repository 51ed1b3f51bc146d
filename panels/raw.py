"""k9s habits for a selected row: its raw describe output (one call, made when asked: rows keep
only what their columns need), its ARN, and its AWS console URL (to open on the laptop: over SSH
there is no browser here)."""

from __future__ import annotations

import re
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
    if isinstance(row.data.get("raw"), dict):  # kept whole where no call describes one (a history event)
        return _plain(row.data["raw"]), f"this {kind} as the list call returned it"
    return {"name": row.name, "status": row.status, **{k: v for k, v in row.data.items() if not k.startswith("wk_")},
            "detail": dict(row.detail)}, "what watchkeeper read for this row (no describe call for it)"


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# arn:partition:service:region:account:resource (a `#` marks our own sub-keys, as a history event's)
ARN = re.compile(r"arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):(\d{12})?:([^#\s]+)")


def is_arn(value: object) -> bool:
    return isinstance(value, str) and ARN.fullmatch(value) is not None


def partition(region: str) -> str:
    return "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"


# the data member holding a row's own id (an ARN for some kinds), by kind
OWN_ID = {"ecs.cluster": "cluster", "ecs.task": "task", "sfn.machine": "machine", "sfn.execution": "execution",
          "batch.job": "job", "batch.queue": "queue", "inspector.finding": "finding", "rds.snapshot": "snapshot"}


def arn_of(row: Row, kind: str = "", region: str = "", account: str = "") -> str | None:
    """The row's own ARN (never its parent's, as a task's cluster): its key where that is one, else
    the ARN in its detail or its data's id, else one built from its id where the kind's ARN needs
    only the region (and the account, when known)."""
    own = row.data.get(OWN_ID.get(kind, "arn"))
    found = [row.key, *(v for label, v in row.detail if label == "ARN"), row.data.get("arn"), own]
    arn = next((v for v in found if is_arn(v)), None)
    if arn is not None or not region:
        return arn
    d, part = row.data, partition(region)
    built: dict[str, Callable[[], str]] = {
        "ebs.snapshot": lambda: f"arn:{part}:ec2:{region}::snapshot/{d['snapshot']}",
    }
    if account:
        built |= {
            "ebs.volume": lambda: f"arn:{part}:ec2:{region}:{account}:volume/{d['volume']}",
            "emr.cluster": lambda: f"arn:{part}:elasticmapreduce:{region}:{account}:cluster/{d['cluster']}",
            "codebuild.phase": lambda: f"arn:{part}:codebuild:{region}:{account}:build/{d['build']}",
            "codepipeline.pipeline": lambda: f"arn:{part}:codepipeline:{region}:{account}:{d['pipeline']}",
            "backup.job": lambda: f"arn:{part}:backup:{region}:{account}:backup-job/{d['job']}",
        }
    try:
        arn = built[kind]() if kind in built else None
    except KeyError:  # a row without the id its ARN needs
        return None
    return arn if is_arn(arn) else None


def home(region: str) -> str:
    domain = {"aws-cn": "console.amazonaws.cn", "aws-us-gov": "console.amazonaws-us-gov.com"}
    return f"https://{region}.{domain.get(partition(region), 'console.aws.amazon.com')}"


def q(value: object) -> str:
    return quote(str(value), safe="")


def last(value: object) -> str:
    return str(value).rsplit("/", 1)[-1]


# Console pages by kind, from the row's data (a KeyError: the row lacks the id its page needs).
PAGES: dict[str, Callable[[dict[str, Any], str], str]] = {
    "ecs.cluster": lambda d, r: f"{home(r)}/ecs/v2/clusters/{q(last(d['cluster']))}/services?region={r}",
    "ecs.service": lambda d, r: f"{home(r)}/ecs/v2/clusters/{q(last(d['cluster']))}/services/{q(d['service'])}"
                                f"/health?region={r}",
    "ecs.task": lambda d, r: f"{home(r)}/ecs/v2/clusters/{q(last(d['cluster']))}/tasks/{q(last(d['task']))}"
                             f"/configuration?region={r}",
    "sfn.machine": lambda d, r: f"{home(r)}/states/home?region={r}#/statemachines/view/{q(d['machine'])}",
    "sfn.execution": lambda d, r: f"{home(r)}/states/home?region={r}#/v2/executions/details/{q(d['execution'])}",
    "codepipeline.pipeline": lambda d, r: f"{home(r)}/codesuite/codepipeline/pipelines/{q(d['pipeline'])}/view"
                                          f"?region={r}",
    "codepipeline.action": lambda d, r: f"{home(r)}/codesuite/codepipeline/pipelines/{q(d['pipeline'])}/view"
                                        f"?region={r}",
    "codepipeline.execution": lambda d, r: f"{home(r)}/codesuite/codepipeline/pipelines/{q(d['pipeline'])}"
                                           f"/executions/{q(d['execution'])}/timeline?region={r}",
    "codebuild.phase": lambda d, r: f"{home(r)}/codesuite/codebuild/projects/{q(str(d['build']).split(':')[0])}"
                                    f"/build/{q(d['build'])}/?region={r}",
    "emr.cluster": lambda d, r: f"{home(r)}/emr/home?region={r}#/clusterDetails/{q(d['cluster'])}",
    "emr.step": lambda d, r: f"{home(r)}/emr/home?region={r}#/clusterDetails/{q(d['cluster'])}",
    "emr.instance-group": lambda d, r: f"{home(r)}/emr/home?region={r}#/clusterDetails/{q(d['cluster'])}",
    "batch.job": lambda d, r: f"{home(r)}/batch/home?region={r}#jobs/detail/{q(last(d['job']))}",
    "batch.queue": lambda d, r: f"{home(r)}/batch/home?region={r}#queues/detail/{q(d['queue'])}",
    # the findings list: the console has no stable address for one finding
    "inspector.finding": lambda d, r: f"{home(r)}/inspector/v2/home?region={r}#/findings/all",
    "inspector.group": lambda d, r: f"{home(r)}/inspector/v2/home?region={r}#/findings/all",
    "ebs.snapshot": lambda d, r: f"{home(r)}/ec2/home?region={r}#SnapshotDetails:snapshotId={q(d['snapshot'])}",
    "ebs.volume": lambda d, r: f"{home(r)}/ec2/home?region={r}#VolumeDetails:volumeId={q(d['volume'])}",
    "rds.snapshot": lambda d, r: f"{home(r)}/rds/home?region={r}#db-snapshot:id={q(d['snapshot'])}",
    "backup.job": lambda d, r: f"{home(r)}/backup/home?region={r}#/jobs/backup/details/{q(d['job'])}",
    "rds.db": lambda d, r: f"{home(r)}/rds/home?region={r}#database:id={q(d['db'])};is-cluster=false",  # triage's
}


# (service, resource type in the ARN) -> the kind whose page it is, and that page's data from the ARN
# and the resource part after the type ("prod/checkout-api" of an ECS service)
BY_ARN: dict[tuple[str, str], tuple[str, Callable[[str, str], dict[str, Any]]]] = {
    ("ecs", "cluster"): ("ecs.cluster", lambda arn, rest: {"cluster": rest}),
    ("ecs", "service"): ("ecs.service", lambda arn, rest: {"cluster": rest.split("/")[-2], "service": last(rest)}),
    ("ecs", "task"): ("ecs.task", lambda arn, rest: {"cluster": rest.split("/")[-2], "task": last(rest)}),
    ("states", "stateMachine"): ("sfn.machine", lambda arn, rest: {"machine": arn}),
    ("states", "execution"): ("sfn.execution", lambda arn, rest: {"execution": arn}),
    ("batch", "job"): ("batch.job", lambda arn, rest: {"job": rest}),
    ("batch", "job-queue"): ("batch.queue", lambda arn, rest: {"queue": arn}),
    ("elasticmapreduce", "cluster"): ("emr.cluster", lambda arn, rest: {"cluster": rest}),
    ("inspector2", "finding"): ("inspector.finding", lambda arn, rest: {}),
    ("rds", "snapshot"): ("rds.snapshot", lambda arn, rest: {"snapshot": rest}),
    ("rds", "db"): ("rds.db", lambda arn, rest: {"db": rest}),
    ("ec2", "snapshot"): ("ebs.snapshot", lambda arn, rest: {"snapshot": rest}),
    ("ec2", "volume"): ("ebs.volume", lambda arn, rest: {"volume": rest}),
    ("codebuild", "build"): ("codebuild.phase", lambda arn, rest: {"build": rest}),
}


def page_of_arn(arn: str) -> str | None:
    """The console page of a resource known only by its ARN (a triage problem's)."""
    match = ARN.fullmatch(arn)
    if match is None or not match[3]:
        return None
    service, region, resource = match[2], match[3], match[5]
    sep = min((i for i in (resource.find("/"), resource.find(":")) if i >= 0), default=-1)
    if sep < 0:
        return None
    found = BY_ARN.get((service, resource[:sep]))
    if found is None:
        return None
    kind, data = found
    try:
        return PAGES[kind](data(arn, resource[sep + 1:]), region)
    except IndexError:  # an ARN shorter than its type's (an old-format ECS task ARN has no cluster)
        return None


def triage_page(data: dict[str, Any], region: str) -> str | None:
    """A triage problem's page: from its ARN, else from its panel and path (ids that are not ARNs)."""
    arn, path, panel = data.get("arn") or "", tuple(data.get("path") or ()), data.get("panel")
    if is_arn(arn) and (found := page_of_arn(arn)):
        return found
    if not path:
        return None
    first = str(path[0])
    by_panel: dict[str, Callable[[], dict[str, Any] | None]] = {
        "pipelines": lambda: {"pipeline": first},
        "emr": lambda: {"cluster": first},
        "batch": lambda: {"job": path[1]} if len(path) > 1 else None,
        "snapshots": lambda: {"snapshot": first} if first.startswith("snap-") else None,
    }
    kinds = {"pipelines": "codepipeline.pipeline", "emr": "emr.cluster", "batch": "batch.job",
             "snapshots": "ebs.snapshot"}
    found_data = by_panel.get(str(panel), lambda: None)()
    return PAGES[kinds[str(panel)]](found_data, region) if found_data is not None else None


def console_url(kind: str, row: Row, region: str) -> str | None:
    """The AWS console page of the row's resource (None where there is none to link)."""
    try:
        if kind == "triage.problem":
            return triage_page(row.data, region)
        if kind in PAGES:
            return PAGES[kind](row.data, region)
    except (KeyError, IndexError):  # a row without the id its page needs
        return None
    arn = arn_of(row)
    return page_of_arn(arn) if arn else None
