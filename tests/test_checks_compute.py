"""EMR and Batch keep listing and reporting when one call is denied or answers with only the
members the botocore model requires."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from panels.batch import BatchJobs, BatchPanel, millis
from panels.emr import EmrPanel, nodes
from panels.model import CheckResult, Memo, newest_first, run_check
from tests.conftest import session
from tui.demo.server import DemoServer
from tui.errors import DENIED
from tui.session import AwsSession


def deny(aws: AwsSession, service: str, operation: str) -> None:
    """`operation` fails as IAM would refuse it (moto cannot deny)."""
    def handler(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "denied"},
                           "ResponseMetadata": {"HTTPStatusCode": 400}}, operation)

    aws.client(service).meta.events.register_first(f"before-call.{service}.{operation}", handler)


def answer(aws: AwsSession, service: str, operation: str, parsed: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """`operation` answers `parsed(params)` without reaching the server (as botocore's Stubber does)."""
    def handler(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        return AWSResponse("", 200, {}, None), parsed(params)  # type: ignore[arg-type]

    aws.client(service).meta.events.register_first(f"before-call.{service}.{operation}", handler)


def checks_of(panel: EmrPanel | BatchPanel, aws: AwsSession) -> dict[str, CheckResult]:
    memo = Memo()  # shared, as triage shares it between one panel's checks
    return {check.id: run_check(check, aws, memo) for check in panel.checks()}


# -- EMR -----------------------------------------------------------------------------------------
def test_emr_lists_and_reports_without_describe_cluster(server: DemoServer) -> None:
    everything = {r.name for r in EmrPanel().rows(session(server))}
    aws = session(server)
    deny(aws, "emr", "DescribeCluster")
    listing = EmrPanel().load(aws)
    assert {r.name for r in listing.rows} == everything >= {"etl-nightly", "adhoc-analysis"}
    etl = next(r for r in listing.rows if r.name == "etl-nightly")
    assert etl.cells[2] == "?" and etl.cells[4] == "?"  # nodes and release unknown, not zero
    assert dict(etl.detail)["Release / apps"] == "? · ?"
    assert listing.gaps and {(g.action, g.kind) for g in listing.gaps} == {("elasticmapreduce:DescribeCluster", DENIED)}

    results = checks_of(EmrPanel(), aws)
    assert [p.resource for p in results["emr.clusters"].problems] == ["adhoc-analysis"]
    assert results["emr.clusters"].problems[0].reason.startswith("BOOTSTRAP_FAILURE")
    assert [p.resource for p in results["emr.steps"].problems] == ["etl-nightly/export-warehouse"]
    assert not results["emr.clusters"].failures and not results["emr.steps"].failures
    nodes_check = results["emr.nodes"]  # it needs the description: it says so instead of going quiet
    assert not nodes_check.problems and nodes_check.failures[0].action == "elasticmapreduce:DescribeCluster"


def test_emr_instance_groups_denied_leave_nodes_unknown(server: DemoServer) -> None:
    aws = session(server)
    deny(aws, "emr", "ListInstanceGroups")
    listing = EmrPanel().load(aws)
    etl = next(r for r in listing.rows if r.name == "etl-nightly")
    assert etl.cells[2] == "?" and etl.cells[4] == "emr-7.2.0"
    assert {g.action for g in listing.gaps} == {"elasticmapreduce:ListInstanceGroups"}


def test_emr_rows_from_minimal_responses(server: DemoServer) -> None:
    """Nothing in EMR's output shapes is required: an application without a Name, a cluster
    summary without a Name or timeline, and groups with no counts still make rows."""
    aws = session(server)
    answer(aws, "emr", "DescribeCluster", lambda params: {"Cluster": {"Applications": [{}]}})
    listing = EmrPanel().load(aws)
    assert not listing.gaps and {"etl-nightly", "adhoc-analysis"} <= {r.name for r in listing.rows}
    etl = next(r for r in listing.rows if r.name == "etl-nightly")
    assert dict(etl.detail)["Release / apps"] == "- · ?"

    bare = session(server)
    answer(bare, "emr", "ListClusters", lambda params: {"Clusters": [{"Id": "j-BARE"}, {}]})
    answer(bare, "emr", "DescribeCluster", lambda params: {})
    answer(bare, "emr", "ListInstanceGroups", lambda params: {"InstanceGroups": [{}, {"RequestedInstanceCount": 2}]})
    answer(bare, "emr", "ListSteps", lambda params: {"Steps": [{}]})
    rows = EmrPanel().load(bare).rows
    assert [r.name for r in rows] == ["j-BARE", "?"]
    assert rows[0].cells[2] == "0/2" and rows[1].cells[2] == "?"  # no id: nothing to describe
    assert EmrPanel().drill(rows[1]) is None
    results = checks_of(EmrPanel(), bare)
    assert all(r.ran and not r.failures for r in results.values())
    assert not results["emr.clusters"].problems and not results["emr.nodes"].problems  # no state: not failed, not up
    [step] = results["emr.steps"].problems
    assert (step.resource, step.reason, step.path) == ("j-BARE/?", "step failed", ("j-BARE",))


def test_a_terminated_cluster_runs_no_nodes(server: DemoServer) -> None:
    groups = [{"RunningInstanceCount": 4, "RequestedInstanceCount": 4}, {"RunningInstanceCount": 1}]
    assert nodes(groups, "TERMINATED") == nodes(groups, "TERMINATED_WITH_ERRORS") == "0/4"
    assert nodes(groups, "WAITING") == "5/4"
    adhoc = next(r for r in EmrPanel().rows(session(server)) if r.name == "adhoc-analysis")
    assert adhoc.cells[2].startswith("0/")


# -- Batch ---------------------------------------------------------------------------------------
def test_batch_reports_failed_jobs_without_compute_environments(server: DemoServer) -> None:
    aws = session(server)
    deny(aws, "batch", "DescribeComputeEnvironments")
    result = checks_of(BatchPanel(), aws)["batch.jobs"]
    found = {p.status: p for p in result.problems}
    assert "exit 1" in found["FAILED"].reason
    assert found["STUCK RUNNABLE"].reason.endswith("compute: ?")
    assert [(f.action, f.kind) for f in result.failures] == [("batch:DescribeComputeEnvironments", DENIED)]

    listing = BatchPanel().load(aws)
    analytics = next(r for r in listing.rows if r.name == "analytics")
    assert analytics.cells[4:6] == (1, 1) and dict(analytics.detail)["Compute"] == "?"


def test_batch_queue_rows_without_job_counts(server: DemoServer) -> None:
    aws = session(server)
    deny(aws, "batch", "ListJobs")
    listing = BatchPanel().load(aws)
    analytics = next(r for r in listing.rows if r.name == "analytics")
    assert analytics.cells[4:] == ("?", "?", "?") and "max 16 vCPU" in dict(analytics.detail)["Compute"]
    assert {g.action for g in listing.gaps} == {"batch:ListJobs"}


def test_batch_jobs_from_summaries_when_describe_jobs_fails(server: DemoServer) -> None:
    queue = next(r for r in BatchPanel().rows(session(server)) if r.name == "analytics")
    aws = session(server)
    deny(aws, "batch", "DescribeJobs")
    listing = BatchJobs(queue.data["queue"], "analytics").load(aws)
    rows = {r.name: r for r in listing.rows}
    assert rows["export-2026-11-22"].status == "FAILED" and rows["export-2026-11-22"].cells[5] == 1
    assert rows["export-2026-11-22"].cells[4] == "?" and not rows["export-2026-11-22"].data["described"]
    assert [g.action for g in listing.gaps] == ["batch:DescribeJobs"]


def test_batch_minimal_job_summaries(server: DemoServer) -> None:
    """A job summary is sure to hold only jobId and jobName; times may be anything."""
    aws = session(server)
    answer(aws, "batch", "ListJobs", lambda params: {"jobSummaryList": [
        {"jobId": "a", "jobName": "no-times"},
        {"jobId": "b", "jobName": "odd-time", "createdAt": "soon", "status": "FAILED"},
        {"jobId": "c", "jobName": "runnable", "createdAt": 1, "status": "RUNNABLE"}]})
    answer(aws, "batch", "DescribeJobs", lambda params: {"jobs": []})
    jobs = BatchJobs("arn:aws:batch:us-east-1:123456789012:job-queue/x", "x").load(aws).rows
    assert [r.name for r in jobs] == ["runnable", "no-times", "odd-time"]  # timeless ones last
    problems = {p.resource.split("/")[-1]: p for p in checks_of(BatchPanel(), aws)["batch.jobs"].problems}
    assert problems["odd-time"].status == "FAILED" and problems["odd-time"].reason == "failed"
    assert problems["runnable"].status == "STUCK RUNNABLE"


def test_millis_takes_anything() -> None:
    assert millis(None) is None and millis("x") is None and millis(True) is None and millis(-5) is None
    assert millis(10**30) is None  # out of range, not an OverflowError
    assert millis(1_700_000_000_000) == millis("1700000000000") is not None
    assert [x for x, _ in newest_first([(1, None), (2, millis(1_000))], lambda p: p[1])] == [2, 1]


def test_one_unreadable_ecs_cluster_costs_only_its_own_services(server: DemoServer) -> None:
    """A cluster deleted mid-scan (or denied by a resource policy) must not hide the others."""
    from panels.ecs import EcsPanel
    from panels.triage import collect

    aws = session(server)

    def gone(params: dict, **_: object) -> None:  # type: ignore[type-arg]
        if params.get("cluster", "").endswith("/staging"):
            raise ClientError({"Error": {"Code": "ClusterNotFoundException", "Message": "Cluster not found."},
                               "ResponseMetadata": {"HTTPStatusCode": 400}}, "ListServices")

    aws.client("ecs").meta.events.register_first("before-parameter-build.ecs.ListServices", gone)
    triage = collect(aws, [EcsPanel()])
    assert "prod/checkout-api" in {p.resource for p in triage.problems} and triage.exit_code == 1
    [incomplete] = triage.incomplete
    assert incomplete.failure.action == "ecs:ListServices" and "staging" in incomplete.failure.what


def test_services_ecs_could_not_describe_are_a_gap_not_silence(server: DemoServer) -> None:
    from panels.ecs import EcsServices

    aws = session(server)

    def half(http_response: object = None, parsed: dict | None = None, **_: object) -> None:  # type: ignore[type-arg]
        if parsed and parsed.get("services"):
            lost = parsed["services"].pop()
            parsed.setdefault("failures", []).append({"arn": lost["serviceArn"], "reason": "MISSING"})

    aws.client("ecs").meta.events.register("after-call.ecs.DescribeServices", half)
    clusters = {r.name: r for r in __import__("panels.ecs", fromlist=["EcsPanel"]).EcsPanel().rows(aws)}
    listing = EcsServices(clusters["prod"].key, "prod").load(aws)
    [gap] = listing.gaps
    assert gap.action == "ecs:DescribeServices" and "MISSING" in gap.message
