"""Snapshots and Inspector keep listing and reporting when one call is denied or answers with only
the members the botocore model requires: a denied AWS Backup call costs only the Backup problems."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from panels.inspector import GroupFindings, InspectorGroups, InspectorPanel
from panels.model import CheckResult, Memo, Panel, Row, run_check
from panels.snapshots import BackupJobs, RdsSnapshots, SnapshotsPanel, Volumes, span
from panels.triage import collect
from tests.conftest import CLEAN_REGION, session
from tui.demo.server import DemoServer
from tui.errors import DENIED, INVALID, THROTTLED
from tui.session import AwsSession


def deny(aws: AwsSession, service: str, operation: str) -> list[dict[str, Any]]:
    """`operation` fails as IAM would refuse it (moto cannot deny); returns the refused params."""
    refused: list[dict[str, Any]] = []

    def handler(params: dict[str, Any], **_: Any) -> None:
        refused.append(params)
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "denied"},
                           "ResponseMetadata": {"HTTPStatusCode": 403}}, operation)

    aws.client(service).meta.events.register_first(f"before-call.{service}.{operation}", handler)
    return refused


def answer(aws: AwsSession, service: str, operation: str, parsed: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """`operation` answers `parsed(params)` without reaching the server (as botocore's Stubber does)."""
    def handler(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        return AWSResponse("", 200, {}, None), parsed(params)  # type: ignore[arg-type]

    aws.client(service).meta.events.register_first(f"before-call.{service}.{operation}", handler)


def checks_of(panel: Panel, aws: AwsSession) -> dict[str, CheckResult]:
    memo = Memo()  # shared, as triage shares it between one panel's checks
    return {check.id: run_check(check, aws, memo) for check in panel.checks()}


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


# -- Snapshots: four independent checks -------------------------------------------------------
def test_backup_jobs_denied_keep_the_ebs_and_rds_problems(server: DemoServer) -> None:
    everything = collect(session(server), [SnapshotsPanel()])
    aws = session(server)
    deny(aws, "backup", "ListBackupJobs")
    triage = collect(aws, [SnapshotsPanel()])
    found = {(p.service, p.status): p for p in triage.problems}
    assert ("EBS", "ERROR") in found and found["EBS", "STALE"].resource == "checkout-cache"
    assert found["RDS", "STALE"].resource == "orders-db"
    assert not any(p.service == "Backup" for p in triage.problems)
    assert [p for p in everything.problems if p.service != "Backup"] == triage.problems
    [gap] = triage.incomplete
    assert (gap.check.id, gap.failure.action, gap.failure.kind) == ("snapshots.backup", "backup:ListBackupJobs", DENIED)
    assert triage.exit_code == 1 and triage.failed_outright == 1


def test_snapshots_denied_fail_only_the_two_checks_that_read_them(server: DemoServer) -> None:
    aws = session(server)
    refused = deny(aws, "ec2", "DescribeSnapshots")
    results = checks_of(SnapshotsPanel(), aws)
    assert not results["snapshots.ebs"].ran and not results["snapshots.freshness"].ran
    assert results["snapshots.ebs"].failures[0].action == "ec2:DescribeSnapshots"
    assert results["snapshots.rds"].problems and results["snapshots.backup"].problems
    # Each check asks the server its own filtered question (error/pending; completed of in-use volumes)
    assert len(refused) == 2


def test_volume_names_denied_keep_every_snapshot_row(server: DemoServer) -> None:
    everything = SnapshotsPanel().rows(session(server))
    aws = session(server)
    deny(aws, "ec2", "DescribeVolumes")
    listing = SnapshotsPanel().load(aws)
    assert [r.key for r in listing.rows] == [r.key for r in everything] and everything
    assert [(g.action, g.kind) for g in listing.gaps] == [("ec2:DescribeVolumes", DENIED)]
    assert "volume names" in listing.gaps[0].what
    for row in listing.rows:  # the volume id stands where the name would be
        assert row.cells[1] == row.data["volume"]
    assert "orders-db-data" in {r.cells[1] for r in everything}


def test_rds_snapshots_list_without_retention(server: DemoServer) -> None:
    aws = session(server)
    deny(aws, "rds", "DescribeDBInstances")
    listing = RdsSnapshots().load(aws)
    assert {r.name for r in listing.rows} >= {"orders-db-manual", "orders-db-weekly"}
    assert dict(listing.rows[0].detail)["Backup retention"] == "? days"
    assert [g.action for g in listing.gaps] == ["rds:DescribeDBInstances"]


def test_a_policy_tag_of_any_text_is_a_policy() -> None:
    from panels.snapshots import MAX_AGE_TAG, max_age

    def policy(value: str) -> timedelta:
        return max_age({"Tags": [{"Key": MAX_AGE_TAG, "Value": value}]}, 24.0)

    assert [policy(v) for v in ("6", "nan", "-3", "0", "soon", "")] == [timedelta(hours=6)] + [timedelta(hours=24)] * 5
    assert policy("1e20") == policy("inf") == timedelta(days=3650)  # no OverflowError, and a date still reachable


def test_stale_reason_says_how_much_older_than_allowed(server: DemoServer) -> None:
    aws = session(server)
    answer(aws, "ec2", "DescribeSnapshots", lambda params: {"Snapshots": [
        {"SnapshotId": "snap-1", "VolumeId": "vol-1", "State": "completed", "StartTime": ago(hours=26, minutes=5)}]})
    answer(aws, "ec2", "DescribeVolumes", lambda params: {"Volumes": [
        {"VolumeId": "vol-1", "Tags": [{"Key": "Name", "Value": "db"}]}]})
    [stale] = checks_of(SnapshotsPanel(), aws)["snapshots.freshness"].problems
    assert stale.reason == "newest completed snapshot snap-1 is 26h old, older than the 24h policy"
    [row] = Volumes().rows(aws)
    assert row.cells[:4] == ("db", "STALE", "26h", "24h")
    assert (span(timedelta(days=1)), span(timedelta(hours=50)), span(timedelta(days=23, minutes=3)),
            span(timedelta(hours=2, minutes=5)), span(timedelta(seconds=-5))) == ("24h", "2d2h", "23d", "2h5m", "0s")


def test_snapshot_checks_and_rows_from_minimal_responses(server: DemoServer) -> None:
    """Nothing in EC2's Snapshot and Volume, RDS's snapshots and instances or a BackupJob is
    required: every check and list still works, and undated items sort last."""
    aws = session(server)
    answer(aws, "ec2", "DescribeSnapshots", lambda params: {"Snapshots": [
        {}, {"State": "error"}, {"SnapshotId": "snap-a", "VolumeId": "vol-1", "State": "completed"},
        {"SnapshotId": "snap-b", "VolumeId": "vol-1", "State": "completed", "StartTime": ago(days=3)},
        {"SnapshotId": "snap-c", "State": "pending", "StartTime": ago(hours=5)}]})
    answer(aws, "ec2", "DescribeVolumes", lambda params: {"Volumes": [{}, {"VolumeId": "vol-1", "Tags": [{}]},
                                                                      {"VolumeId": "vol-2"}]})
    answer(aws, "rds", "DescribeDBInstances", lambda params: {"DBInstances": [{}]})
    answer(aws, "rds", "DescribeDBSnapshots", lambda params: {"DBSnapshots": [{}, {"Status": "available"}]})
    answer(aws, "rds", "DescribeDBClusterSnapshots", lambda params: {"DBClusterSnapshots": [{}]})
    answer(aws, "backup", "ListBackupJobs", lambda params: {"BackupJobs": [{}, {"State": "FAILED"}]})
    results = checks_of(SnapshotsPanel(), aws)
    assert all(r.ran and not r.failures for r in results.values()), results
    assert sorted((p.resource, p.status) for p in results["snapshots.ebs"].problems) == [
        ("?", "ERROR"), ("snap-c", "PENDING")]
    freshness = {p.status: p for p in results["snapshots.freshness"].problems}
    assert freshness["STALE"].resource == "vol-1" and "snap-b is 3d old" in freshness["STALE"].reason
    assert freshness["NO SNAPSHOT"].reason == "in-use volumes never snapshotted: ?, vol-2"
    [rds] = results["snapshots.rds"].problems
    assert (rds.resource, rds.reason) == ("?", "no available snapshot")
    [backup] = results["snapshots.backup"].problems
    assert (backup.resource, backup.reason) == ("?", "backup job failed")

    rows = SnapshotsPanel().load(aws).rows
    assert [r.name for r in rows[:2]] == ["snap-c", "snap-b"]  # newest first, undated last
    assert sorted(r.name for r in rows[2:]) == ["?", "?", "snap-a"]
    assert len({r.key for r in rows}) == len(rows) == 5  # every row kept, keys unique
    assert {r.status for r in Volumes().rows(aws)} == {"NONE", "STALE"}
    assert len(RdsSnapshots().load(aws).rows) == 3
    assert [r.name for r in BackupJobs().rows(aws)] == ["?", "?"]


def test_an_aurora_cluster_is_judged_by_its_cluster_snapshots(server: DemoServer) -> None:
    aws = session(server)
    members = [{"DBInstanceIdentifier": f"aurora-{n}", "DBClusterIdentifier": "aurora"} for n in (1, 2)]
    answer(aws, "rds", "DescribeDBInstances", lambda params: {"DBInstances": [
        *members, {"DBInstanceIdentifier": "new-db", "InstanceCreateTime": ago(minutes=10)}]})
    answer(aws, "rds", "DescribeDBSnapshots", lambda params: {"DBSnapshots": []})
    answer(aws, "rds", "DescribeDBClusterSnapshots", lambda params: {"DBClusterSnapshots": [
        {"DBClusterSnapshotIdentifier": "aurora-old", "DBClusterIdentifier": "aurora", "Status": "available",
         "SnapshotCreateTime": ago(hours=30)}]})
    [stale] = checks_of(SnapshotsPanel(), aws)["snapshots.rds"].problems  # once per cluster; new-db too new
    assert stale.resource == "aurora" and "aurora-old is 30h old, older than the 24h policy" in stale.reason

    denied = session(server)
    answer(denied, "rds", "DescribeDBInstances", lambda params: {"DBInstances": [*members, {
        "DBInstanceIdentifier": "plain"}]})
    answer(denied, "rds", "DescribeDBSnapshots", lambda params: {"DBSnapshots": []})
    deny(denied, "rds", "DescribeDBClusterSnapshots")
    result = checks_of(SnapshotsPanel(), denied)["snapshots.rds"]
    assert [p.resource for p in result.problems] == ["plain"]  # the cluster is unknown, not fine
    assert [f.action for f in result.failures] == ["rds:DescribeDBClusterSnapshots"]


# -- Inspector ----------------------------------------------------------------------------------
def test_the_inspector_check_asks_the_server_for_critical_and_high_only(server: DemoServer) -> None:
    aws = session(server)
    result = run_check(InspectorPanel().checks()[0], aws)
    assert [p.status for p in result.problems] == ["CRITICAL", "HIGH"] and not result.failures
    # Two questions: active CRITICAL ones, and active HIGH ones with an exploit (criteria are ANDed).
    critical, high = [c.params["filterCriteria"] for c in aws.calls if c.operation == "ListFindings"]
    for criteria in (critical, high):
        assert criteria["findingStatus"] == [{"comparison": "EQUALS", "value": "ACTIVE"}]
    assert critical["severity"] == [{"comparison": "EQUALS", "value": "CRITICAL"}]
    assert "exploitAvailable" not in critical
    assert high["severity"] == [{"comparison": "EQUALS", "value": "HIGH"}]
    assert high["exploitAvailable"] == [{"comparison": "EQUALS", "value": "YES"}]
    assert result.problems[0].reason == "CVE-2024-3094 - xz-utils (exploit available)"


def test_inspector_lists_findings_without_the_scan_status(server: DemoServer) -> None:
    for service, operation in (("inspector2", "BatchGetAccountStatus"), ("sts", "GetCallerIdentity")):
        aws = session(server)
        deny(aws, service, operation)
        panel = InspectorPanel()
        listing = panel.load(aws)
        assert len(listing.rows) == 4 and listing.rows[0].status == "CRITICAL"
        assert [g.action for g in listing.gaps] == [f"{service}:{operation}"]
        assert str(panel.summary(listing.rows)).endswith("│ scans ?")


def test_inspector_groups_and_counts_come_from_the_aggregation_api(server: DemoServer) -> None:
    """By CVE and by resource, the server counts (a few pages instead of every finding); denied
    or not implemented (plain moto: 404), the same groups are counted from the listed findings
    and the gap names the permission."""
    aws = session(server)
    listed = InspectorPanel().load(aws).rows
    for by, of in (("cve", lambda r: r.name), ("resource", lambda r: r.cells[3])):
        before = len(aws.calls)
        counted = InspectorGroups(by).load(aws)
        assert {c.operation for c in list(aws.calls)[before:]} == {"ListFindingAggregations"}
        assert not counted.gaps
        assert {r.name: r.cells[2] for r in counted.rows} == Counter(of(r) for r in listed)
        assert {r.name: r.cells[3] for r in counted.rows if r.cells[3]} == Counter(
            of(r) for r in listed if r.status == "CRITICAL")
        denied = session(server)
        deny(denied, "inspector2", "ListFindingAggregations")
        fallback = InspectorGroups(by).load(denied)
        assert [r.cells[:6] for r in fallback.rows] == [r.cells[:6] for r in counted.rows]
        assert [g.action for g in fallback.gaps] == ["inspector2:ListFindingAggregations"]
    group = InspectorGroups("resource").load(aws).rows[0]  # the worst resource's findings, asked by id
    before = len(aws.calls)
    findings = InspectorGroups("resource").drill(group).rows(aws)
    assert {r.cells[3] for r in findings} == {group.name} and len(findings) == group.cells[2]
    [call] = list(aws.calls)[before:]
    assert call.params["filterCriteria"]["resourceId"] == [{"comparison": "EQUALS", "value": group.data["value"]}]


THROTTLED_400, INVALID_400, DENIED_403 = ("ThrottlingException", 400), ("ValidationException", 400), \
    ("AccessDeniedException", 403)


def refuse(aws: AwsSession, refused: dict[str, tuple[str, int]]) -> list[str]:
    """ListFindingAggregations fails with (code, status) for these aggregationTypes only (a region
    lacking one); returns the types asked for, in order."""
    asked: list[str] = []

    def handler(params: dict[str, Any], **_: Any) -> None:
        asked.append(kind := params.get("aggregationType", ""))
        if kind in refused:
            code, status = refused[kind]
            raise ClientError({"Error": {"Code": code, "Message": "no"},
                               "ResponseMetadata": {"HTTPStatusCode": status}}, "ListFindingAggregations")

    aws.client("inspector2").meta.events.register_first("before-parameter-build.inspector2.ListFindingAggregations",
                                                        handler)
    return asked


def test_one_resource_kind_the_server_will_not_count_costs_only_its_own_groups(server: DemoServer) -> None:
    """A region refusing one aggregation type: the other kinds stay the server's counts, that kind's
    findings are listed (by its resource type) and counted here, and the gap names the kind."""
    counted = {r.name: r.cells[2:6] for r in InspectorGroups("resource").load(session(server)).rows}
    aws = session(server)
    refuse(aws, {"AWS_EC2_INSTANCE": INVALID_400})
    before = len(aws.calls)
    listing = InspectorGroups("resource").load(aws)
    [listed] = [c for c in list(aws.calls)[before:] if c.operation == "ListFindings"]  # only EC2's, by the server
    assert listed.params["filterCriteria"]["resourceType"] == [{"comparison": "EQUALS", "value": "AWS_EC2_INSTANCE"}]
    assert {r.name: r.cells[2:6] for r in listing.rows} == counted
    by = {r.name: r.data["counted_by"] for r in listing.rows}
    assert by.pop("i-0bastion0demo").startswith("watchkeeper from 1 listed")  # the demo's one EC2 finding
    assert set(by.values()) == {"Inspector (aggregation API)"}
    assert [g.what for g in listing.gaps] == ["EC2 instance counts by the server"]
    assert "counted by Inspector (aggregation API) and watchkeeper" in str(InspectorGroups("resource").summary(
        listing.rows))


def test_a_throttled_count_is_not_replaced_by_listing_every_finding(server: DemoServer) -> None:
    aws = session(server)
    refuse(aws, {"TITLE": THROTTLED_400})
    before = len(aws.calls)
    listing = InspectorGroups("cve").load(aws)
    assert listing.rows == [] and [g.kind for g in listing.gaps] == [THROTTLED]
    assert "ListFindings" not in {c.operation for c in list(aws.calls)[before:]}  # 20,000 would fare no better
    aws = session(server)  # the kinds share the operation's rate limit: the first throttled stops the rest
    asked = refuse(aws, {"AWS_ECR_CONTAINER": THROTTLED_400})
    listing = InspectorGroups("resource").load(aws)
    assert asked == ["AWS_ECR_CONTAINER"] and listing.rows == []
    assert [(g.what, g.kind) for g in listing.gaps] == [("counts by the server", THROTTLED)]


def test_each_reason_the_server_gave_names_the_kinds_it_cost(server: DemoServer) -> None:
    """Two kinds refused for two reasons: two gaps, each naming its kind; the listing that counts
    them instead, throttled, costs only those kinds (the server's other groups stay)."""
    aws = session(server)
    refuse(aws, {"AWS_EC2_INSTANCE": DENIED_403, "AWS_LAMBDA_FUNCTION": INVALID_400})
    listing = InspectorGroups("resource").load(aws)
    assert sorted(g.what for g in listing.gaps) == ["EC2 instance counts by the server",
                                                    "Lambda function counts by the server"]
    assert {r.name for r in listing.rows} >= {"i-0bastion0demo", "charge"}  # counted here instead
    aws = session(server)
    refuse(aws, {"AWS_EC2_INSTANCE": INVALID_400})
    answer(aws, "inspector2", "ListFindings", lambda params: (_ for _ in ()).throw(ClientError(
        {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "ListFindings")))
    listing = InspectorGroups("resource").load(aws)
    assert {r.data["counted_by"] for r in listing.rows} == {"Inspector (aggregation API)"} and listing.rows
    assert sorted((g.what, g.kind) for g in listing.gaps) == [("EC2 instance counts by the server", INVALID),
                                                              ("findings to count", THROTTLED)]


def test_the_servers_counts_missing_members_are_unknown_not_zero(server: DemoServer) -> None:
    """AWS documents severityCounts as all/critical/high/medium: what it leaves out shows "?" (the
    rows listed so far would undercount it); an entry without its member, a null tag and a code
    repository without a resourceId (only projectNames is required) do not become bogus groups."""
    aws = session(server)
    account = "123456789012"
    answer(aws, "inspector2", "ListFindingAggregations", lambda params: {"responses": {
        "ACCOUNT": [{"accountAggregation": {"accountId": account, "severityCounts": {"all": 9, "critical": 2,
                                                                                     "high": 3, "medium": 4}}}],
        "AWS_ECR_CONTAINER": [{}, {"awsEcrContainerAggregation": None}, {"awsEcrContainerAggregation": {
            "resourceId": "arn:aws:ecr:us-east-1:1:repository/web/sha256:1", "repository": "web",
            "imageTags": [None, "v1"], "severityCounts": {"all": 3, "high": 3}}}],
        "CODE_REPOSITORY": [{"codeRepositoryAggregation": {"projectNames": "payments",
                                                           "severityCounts": {"all": 1, "critical": 1}}}],
    }.get(json.loads(params["body"])["aggregationType"], [])})
    panel = InspectorPanel()
    rows = panel.rows(aws)
    assert str(panel.summary(rows[:1])).startswith("CRIT 2  HIGH 3  MED 4  LOW ?  INFO ?  UNTR ?")
    groups = {r.name: r for r in InspectorGroups("resource").load(aws).rows}
    assert set(groups) == {"web@sha256:1", "payments"}
    assert groups["web@sha256:1"].cells[2:] == (3, "?", 3, "?", "ECR web:v1")
    assert groups["payments"].data["criterion"] == "codeRepositoryProjectName"
    before = len(aws.calls)
    InspectorGroups("resource").drill(groups["payments"]).rows(aws)
    [call] = list(aws.calls)[before:]
    assert call.params["filterCriteria"]["codeRepositoryProjectName"] == [{"comparison": "EQUALS",
                                                                          "value": "payments"}]


def test_counts_merged_from_parts_are_lower_bounds_and_one_row_per_group(server: DemoServer) -> None:
    """A CVE under two titles, one without a critical count: its 50 known CRITICALs still make it
    CRIT and sort it first ("50+"); a negative count is unknown, not CRIT; an entry counting nothing
    is no group; the same resource under two kinds is one row."""
    aws = session(server)
    function = "arn:aws:lambda:us-east-1:1:function:api"
    answer(aws, "inspector2", "ListFindingAggregations", lambda params: {"responses": {
        "TITLE": [
            {"titleAggregation": {"title": "CVE-9 - a", "vulnerabilityId": "CVE-9", "severityCounts": {
                "all": 50, "critical": 50, "high": 0, "medium": 0}}},
            {"titleAggregation": {"title": "CVE-9 - b", "vulnerabilityId": "CVE-9", "severityCounts": {
                "all": 1, "medium": 1}}},
            {"titleAggregation": {"title": "CVE-1", "vulnerabilityId": "CVE-1", "severityCounts": {
                "all": 1, "critical": 0, "high": 1, "medium": 0}}},
            {"titleAggregation": {"title": "CVE-2", "vulnerabilityId": "CVE-2", "severityCounts": {
                "critical": -1, "high": 2}}},
            {"titleAggregation": {"title": "CVE-3", "vulnerabilityId": "CVE-3", "severityCounts": {"all": 0}}}],
        "AWS_LAMBDA_FUNCTION": [{"lambdaFunctionAggregation": {"resourceId": function,
                                                               "severityCounts": {"all": 1, "high": 1}}}],
        "CODE_REPOSITORY": [{"codeRepositoryAggregation": {"projectNames": "api", "resourceId": function,
                                                           "severityCounts": {"all": 2, "high": 2}}}],
    }.get(json.loads(params["body"])["aggregationType"], [])})
    rows = InspectorGroups("cve").load(aws).rows
    assert [r.cells[:6] for r in rows] == [("CRIT", "CVE-9", 51, "50+", "?", 1),
                                           ("HIGH", "CVE-2", "?", "?", 2, "?"),
                                           ("HIGH", "CVE-1", 1, 0, 1, 0)]
    [row] = InspectorGroups("resource").load(aws).rows
    assert row.cells[2:5] == (3, "?", 3)


def test_a_scopes_resources_are_told_apart_by_id_and_its_cves_by_name() -> None:
    def row(name: str, value: str) -> Row:
        return Row(key=value, name=name, status="HIGH", cells=(), data={"value": value, "counted_by": "x"})

    rows = [row("api", f"arn:aws:lambda:{region}:1:function:api") for region in ("us-east-1", "eu-west-1")]
    assert str(InspectorGroups("resource").summary(rows)).startswith("2 resources")
    assert str(InspectorGroups("cve").summary([row("CVE-1", "CVE-1"), row("CVE-1", "CVE-1")])).startswith("1 CVEs")


def test_a_title_longer_than_a_filter_takes_is_asked_by_its_prefix(server: DemoServer) -> None:
    aws = session(server)
    title = "A" * 3000
    before = len(aws.calls)
    GroupFindings(title, "title", title).rows(aws)
    [call] = list(aws.calls)[before:]
    assert call.params["filterCriteria"]["title"] == [{"comparison": "PREFIX", "value": "A" * 1024}]


def test_the_severity_bar_shows_the_servers_counts_before_the_findings_arrive(server: DemoServer) -> None:
    panel = InspectorPanel()
    first = panel.rows(session(server))[-1:]  # one row listed so far: the server's counts for its place
    assert str(panel.summary(first)).startswith("CRIT 1  HIGH 2  MED 1")
    panel.rows(session(server, CLEAN_REGION))  # another region, with no findings: nothing of the first kept
    assert str(panel.summary([])).startswith("CRIT 0  HIGH 0  MED 0")
    denied = session(server)
    deny(denied, "inspector2", "ListFindingAggregations")
    listing = (panel := InspectorPanel()).load(denied)
    assert str(panel.summary([])).startswith("CRIT 0  HIGH 0")
    assert str(panel.summary(listing.rows)).startswith("CRIT 1  HIGH 2  MED 1")  # counted as listed
    assert [g.action for g in listing.gaps] == ["inspector2:ListFindingAggregations"]


def test_inspector_from_findings_with_only_required_members(server: DemoServer) -> None:
    required = {"findingArn": "arn:aws:inspector2:us-east-1:123456789012:finding/bare", "awsAccountId": "1",
                "type": "NETWORK_REACHABILITY", "description": "port 22 open", "remediation": {},
                "severity": "CRITICAL", "firstObservedAt": ago(days=1), "lastObservedAt": ago(hours=1),
                "status": "ACTIVE", "resources": [{"type": "AWS_EC2_INSTANCE", "id": "i-bare"}]}
    aws = session(server)
    answer(aws, "inspector2", "ListFindings", lambda params: {"findings": [required, {**required, "severity": "HIGH",
                                                                                        "findingArn": "high"}]})
    [problem] = checks_of(InspectorPanel(), aws)["inspector.findings"].problems  # HIGH without an exploit: no
    assert (problem.resource, problem.reason, problem.path) == ("i-bare", "-", (required["findingArn"],))
    rows = InspectorPanel().load(aws).rows
    assert [r.name for r in rows] == ["-", "-"] and rows[0].cells[3] == "i-bare"
    deny(aws, "inspector2", "ListFindingAggregations")  # counted from the listed findings instead
    listing = InspectorGroups("resource").load(aws)
    assert [r.name for r in listing.rows] == ["i-bare"] and listing.rows[0].cells[2:6] == (2, 1, 1, 0)
    assert [g.action for g in listing.gaps] == ["inspector2:ListFindingAggregations"]
