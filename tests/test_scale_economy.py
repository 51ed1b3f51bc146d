"""Triage costs per service, not per task: the mechanisms (timings are the benchmark's, benchmarks/run.py --scale).

A small and a five times larger account are seeded into fresh regions of the test server
(tui/demo/scale.py); the triage's requests are counted from AwsSession.calls.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from actions.audit import AuditLog
from panels.ecs import EcsPanel
from panels.inspector import InspectorGroups, InspectorPanel
from panels.model import Memo, Row, publishing
from panels.snapshots import SnapshotsPanel
from panels.triage import TriagePanel
from tests.conftest import session
from tests.fault_proxy import FaultProxy, tag_operations
from tests.pilot import loaded, view_of, wait_for
from tui.app import WatchkeeperApp
from tui.demo.scale import Scale, seed_scale
from tui.demo.server import DEMO_CREDENTIALS, DEMO_REGION, DemoServer, plain_client
from tui.session import CLIENT_SIDE, AwsSession

SMALL, LARGE = "ap-southeast-1", "us-east-2"  # nothing else is seeded there
N = 1


def scale(factor: int) -> Scale:
    """The bulk grows with `factor`; what is failing (stopped tasks, severe findings, snapshots in
    error, failed executions) stays the same, as in an account that grew without breaking more."""
    return Scale(tasks=40 * factor, stopped=4, findings=300 * factor, severe=6, snapshots=100 * factor,
                 volumes=3, errored=1, executions=40 * factor, failed=2)


@pytest.fixture(scope="module")
def seeded(server: DemoServer) -> None:
    seed_scale(SMALL, scale(1))
    seed_scale(LARGE, scale(5))


@pytest.fixture
def accounts(server: DemoServer, seeded: None) -> dict[str, AwsSession]:
    """Fresh sessions (their call logs empty) on the two seeded accounts."""
    return {SMALL: session(server, SMALL), LARGE: session(server, LARGE)}


def requests(aws: AwsSession) -> Counter[str]:
    return Counter(f"{c.service}:{c.operation}" for c in aws.calls if c.service != CLIENT_SIDE)


def test_triage_requests_do_not_grow_with_tasks_findings_snapshots_or_executions(
        accounts: dict[str, AwsSession]) -> None:
    counts, problems = {}, {}
    for region, aws in accounts.items():
        rows = TriagePanel().rows(aws)
        counts[region], problems[region] = requests(aws), sorted(r.status for r in rows)
    assert counts[SMALL] == counts[LARGE], counts
    assert problems[SMALL] == problems[LARGE]  # the same problems found in both
    assert counts[LARGE]["ecs:DescribeTasks"] == 1  # the 4 stopped tasks, not the 196 running ones


def test_only_stopped_tasks_are_listed_and_described(accounts: dict[str, AwsSession]) -> None:
    aws = accounts[LARGE]
    problem = next(p for p in EcsPanel().problems(aws) if p.resource == "scale/api")
    assert problem.status == "CRASHLOOP" and "4 tasks stopped (exit 137)" in problem.reason
    listed = [c.params for c in aws.calls if c.operation == "ListTasks"]
    assert listed and all(p.get("desiredStatus") == "STOPPED" for p in listed)
    [described] = [c.params for c in aws.calls if c.operation == "DescribeTasks"]
    assert len(described["tasks"]) == 4


def test_a_healthy_cluster_costs_no_task_call(server: DemoServer) -> None:
    """In the demo, prod has a crash-looping service and staging is healthy: only prod's tasks are read."""
    aws = session(server)
    EcsPanel().problems(aws)
    clusters = {c.params["cluster"].rsplit("/", 1)[-1] for c in aws.calls if c.operation in ("ListTasks",
                                                                                           "DescribeTasks")}
    assert clusters == {"prod"}


def test_status_filters_are_applied_by_the_server(server: DemoServer, accounts: dict[str, AwsSession]) -> None:
    aws = accounts[LARGE]
    TriagePanel().rows(aws)
    calls = [c for c in aws.calls if c.service != CLIENT_SIDE]
    executions = [c.params for c in calls if c.operation == "ListExecutions"]
    assert executions and all(p.get("statusFilter") in ("FAILED", "TIMED_OUT", "ABORTED", "RUNNING", "SUCCEEDED")
                              for p in executions)
    assert sum(c.operation == "DescribeExecution" for c in calls) == 1  # the newest failure, of 2
    findings = [c.params["filterCriteria"] for c in calls if c.operation == "ListFindings"]
    assert findings and all(f["findingStatus"][0]["value"] == "ACTIVE" and "severity" in f for f in findings)
    assert {v["value"] for f in findings for v in f["severity"]} == {"CRITICAL", "HIGH"}
    snapshots = [{f["Name"]: f["Values"] for f in c.params.get("Filters", [])} for c in calls
                 if c.operation == "DescribeSnapshots"]
    assert {"status": ["error", "pending"]} in snapshots
    assert all(f.get("status") in (["error", "pending"], ["completed"]) for f in snapshots)
    # Batch: the demo region has queues
    demo = session(server, DEMO_REGION)
    TriagePanel([p for p in TriagePanel().panels if p.id == "batch"]).rows(demo)
    jobs = [c.params for c in demo.calls if c.operation == "ListJobs"]
    assert jobs and {p.get("jobStatus") for p in jobs} == {"FAILED", "RUNNABLE"}


def test_inspector_pages_only_the_severe_findings(accounts: dict[str, AwsSession]) -> None:
    aws = accounts[LARGE]
    problems = InspectorPanel().problems(aws)
    assert problems and {p.status for p in problems} <= {"CRITICAL", "HIGH"}
    assert sum(c.operation == "ListFindings" for c in aws.calls) == 2  # 1,500 findings, 6 of them severe


def test_inspector_groups_cost_pages_of_groups_not_of_findings(accounts: dict[str, AwsSession]) -> None:
    """1,500 findings in 400 images: by resource is four pages of the server's counts (and one
    empty answer per other resource kind), where listing them took fifteen pages."""
    aws = accounts[LARGE]
    rows = InspectorGroups("resource").load(aws).rows
    assert len(rows) == 400 and sum(r.cells[2] for r in rows) == 1_500
    assert requests(aws) == Counter({"inspector2:ListFindingAggregations": 4 + 3})


# -- problems stream in as each check finishes ---------------------------------------------------
@pytest.fixture
def slow_inspector(server: DemoServer) -> Iterator[FaultProxy]:
    with FaultProxy(server.endpoint_url) as proxy:
        proxy.latency, proxy.latency_ops = 2.0, {"inspector2:ListFindings"}
        yield proxy


def through(proxy: FaultProxy) -> AwsSession:
    return tag_operations(AwsSession(region=DEMO_REGION, endpoint_url=proxy.url, credentials=DEMO_CREDENTIALS))


def test_triage_publishes_problems_before_the_slowest_check_returns(slow_inspector: FaultProxy) -> None:
    published: list[tuple[float, list[Row], int]] = []
    started = time.monotonic()

    def show(rows: list[Row], total: int | None) -> None:
        published.append((time.monotonic() - started, rows, slow_inspector.counts["inspector2:ListFindings"]))

    with publishing(show):
        final = TriagePanel().rows(through(slow_inspector))
    took = time.monotonic() - started
    assert took >= 2.0
    first_ecs = next(item for item in published if any(r.data.get("panel") == "ecs" for r in item[1]))
    assert first_ecs[0] < 2.0  # on its way before Inspector answered
    assert not any(r.data.get("panel") == "inspector" for r in first_ecs[1])
    assert {r.key for r in published[-1][1]} == {r.key for r in final}  # the last partial is the whole


async def test_triage_rows_appear_on_screen_while_a_check_is_still_running(
        slow_inspector: FaultProxy, tmp_path: object) -> None:
    from pathlib import Path

    app = WatchkeeperApp(through(slow_inspector), audit=AuditLog(Path(str(tmp_path)) / "audit.jsonl"))
    async with app.run_test(size=(100, 30)) as pilot:
        triage = view_of(app, "triage")
        await wait_for(pilot, lambda: any(r.data.get("panel") == "ecs" for r in triage.shown.values()))
        assert triage.busy and triage.level.loaded_at is None  # the first refresh still waits on Inspector
        assert not any(r.data.get("panel") == "inspector" for r in triage.shown.values())
        # The crumb names what it still waits for.
        await wait_for(pilot, lambda: "waiting for Inspector" in str(triage.query_one("#crumb").render()))
        await loaded(pilot, triage)
        assert "waiting" not in str(triage.query_one("#crumb").render())
        assert any(r.data.get("panel") == "inspector" for r in triage.shown.values())
        slow_inspector.latency = 0  # the app waits for its workers at exit


def snapshot_reads(aws: AwsSession, since: int) -> list[tuple[list[str], bool]]:
    """Each DescribeSnapshots for freshness (the status=completed ones) since `since`: its volume
    ids, and whether it read their whole history (no start-time filter: not a day's copies)."""
    reads = []
    for call in list(aws.calls)[since:]:
        filters = {f["Name"]: f["Values"] for f in (call.params or {}).get("Filters", [])}
        if call.operation == "DescribeSnapshots" and filters.get("status") == ["completed"]:
            reads.append((sorted(filters.get("volume-id", [])), "start-time" not in filters))
    return reads


def histories(reads: list[tuple[list[str], bool]]) -> tuple[list[str], list[str]]:
    """The volumes whose copies were read (a day at a time, newest day first: one read, or two just
    after midnight UTC), and those whose whole history was."""
    return (sorted({v for ids, _ in reads for v in ids}), sorted({v for ids, whole in reads if whole for v in ids}))


def test_freshness_reads_only_the_histories_that_can_change_the_answer(server: DemoServer) -> None:
    """The newest copy of each volume is remembered: one within its policy stays fresh until it ages
    out, so a refresh reads no history at all while every volume is fresh; a new volume's or a stale
    one's history is read on each refresh, every volume's again after FULL_RECHECK."""
    from panels.snapshots import FULL_RECHECK, SnapshotsPanel

    region = "ap-northeast-3"  # nothing else uses it (test_identity switches to ca-central-1)
    seed_scale(region, Scale(tasks=0, stopped=0, findings=0, severe=0, snapshots=30, volumes=3, errored=0,
                             executions=0, failed=0))
    aws, panel = session(server, region), SnapshotsPanel()
    freshness = next(c for c in panel.checks() if c.id == "snapshots.freshness")
    ec2 = plain_client(server.endpoint_url, "ec2", region)  # the test's own changes, not the console's
    volumes = sorted(v["VolumeId"] for v in ec2.describe_volumes()["Volumes"])
    root = set(volumes) - {s["VolumeId"] for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]}
    for volume in root:  # the instance's root volume: copied too
        ec2.create_snapshot(VolumeId=volume)

    def refresh() -> tuple[tuple[list[str], list[str]], list[str]]:
        since = len(aws.calls)
        problems = freshness.run(aws, Memo())
        return histories(snapshot_reads(aws, since)), sorted(p.status for p in problems)

    assert refresh() == ((volumes, []), [])  # the first: every in-use volume's recent copies
    assert refresh() == (([], []), [])  # all fresh: none
    instance = ec2.describe_instances()["Reservations"][0]["Instances"][0]["InstanceId"]
    new = ec2.create_volume(Size=1, AvailabilityZone=f"{region}a")["VolumeId"]
    ec2.attach_volume(VolumeId=new, InstanceId=instance, Device="/dev/sdz")
    # Only the new volume's whole history (between full reads only new, stale or never-copied
    # volumes are read: a new one's history is short), and again until it has a copy.
    since = len(aws.calls)
    assert refresh() == (([new], [new]), ["NO SNAPSHOT"])
    assert len(snapshot_reads(aws, since)) == 1
    assert refresh() == (([new], [new]), ["NO SNAPSHOT"])
    ec2.create_snapshot(VolumeId=new)
    assert refresh() == (([new], [new]), [])
    assert refresh() == (([], []), [])
    stamp, newest = aws.remembered["ebs.newest"]
    aws.remembered["ebs.newest"] = (stamp - FULL_RECHECK - timedelta(seconds=1), newest)
    assert refresh() == ((sorted([*volumes, new]), []), [])  # an hour on: all of them again, recent days first
    # A remembered copy that ages past its policy makes the volume stale: the days since it are read.
    old = dict(newest[volumes[0]], StartTime=datetime.now(UTC) - timedelta(days=3))
    aws.remembered["ebs.newest"] = (datetime.now(UTC), {**aws.remembered["ebs.newest"][1], volumes[0]: old})
    assert refresh() == (([volumes[0]], []), [])  # its copies since: the newest an hour old, fresh again


def test_freshness_reads_recent_copies_and_the_whole_history_only_of_volumes_without_any(server: DemoServer) -> None:
    """EC2 has no "newest snapshot per volume": a day's copies are read at a time (start-time
    `2026-11-23*`), newest day first, back as far as the policy reaches; only a volume with no copy
    there (stale for days, never copied) has its whole history read. 600 hourly copies of three
    volumes cost a day's or two, not the 600."""
    from tui.demo.seed import seed_snapshots

    region = "me-central-1"  # nothing else uses it
    seed_scale(region, Scale(tasks=0, stopped=0, findings=0, severe=0, snapshots=600, volumes=3, errored=0,
                             executions=0, failed=0))
    seed_snapshots(region)  # beside them: a volume copied 2h ago, one 23 days ago, one never
    ec2 = plain_client(server.endpoint_url, "ec2", region)
    names = {t["Value"]: v["VolumeId"] for v in ec2.describe_volumes()["Volumes"] for t in v.get("Tags", [])}
    aws = session(server, region)
    answered: list[tuple[bool, int]] = []  # (a day's copies, how many came back) per DescribeSnapshots
    events = aws.client("ec2").meta.events
    events.register("before-parameter-build.ec2.DescribeSnapshots", lambda params, **_: answered.append(
        ("start-time" in {f["Name"] for f in params.get("Filters", [])}, 0)))
    events.register("after-call.ec2.DescribeSnapshots", lambda parsed, **_: answered.append(
        (answered.pop()[0], len(parsed.get("Snapshots", [])))))
    freshness = next(c for c in SnapshotsPanel().checks() if c.id == "snapshots.freshness")
    problems = {p.status: p for p in freshness.run(aws, Memo())}
    reads = snapshot_reads(aws, 0)
    _, whole = histories(reads)
    assert names["checkout-cache"] in whole and names["search-index"] in whole
    assert names["orders-db-data"] not in whole and len(whole) == 4  # and the two instances' root volumes
    assert [w for _, w in reads] == [False, False, True]  # today, yesterday, then the whole histories
    assert problems["STALE"].resource == "checkout-cache" and "23d old" in problems["STALE"].reason
    assert "search-index" in problems["NO SNAPSHOT"].reason
    assert sum(n for day, n in answered if day) <= 3 * 48 + 1  # two days of hourly copies at most, orders-db-data's
    assert sum(n for day, n in answered if not day) == 1  # checkout-cache's one copy


def test_a_relaunch_recalls_the_newest_copies_the_last_launch_read(server: DemoServer, tmp_path: Path) -> None:
    """The newest copy per volume is kept on disk (per account, region and endpoint): a new session
    within FULL_RECHECK reads no history on its first triage; a file that is unreadable, from
    another version or older than FULL_RECHECK is not recalled (every history is read)."""
    from panels.snapshots import FULL_RECHECK, MEMORY, SnapshotsPanel
    from tui.recall import place

    region = "af-south-1"  # nothing else uses it
    seed_scale(region, Scale(tasks=0, stopped=0, findings=0, severe=0, snapshots=6, volumes=2, errored=0,
                             executions=0, failed=0))
    ec2 = plain_client(server.endpoint_url, "ec2", region)
    for volume in {v["VolumeId"] for v in ec2.describe_volumes()["Volumes"]} - {
            s["VolumeId"] for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]}:
        ec2.create_snapshot(VolumeId=volume)  # the instance's root volume: copied too
    freshness = next(c for c in SnapshotsPanel().checks() if c.id == "snapshots.freshness")

    def first_refresh() -> list[tuple[list[str], bool]]:  # of a new session, as a relaunch makes
        aws = session(server, region)
        aws.identity()  # as the console and `watchkeeper triage` read it at start
        since = len(aws.calls)
        assert freshness.run(aws, Memo()) == []
        return snapshot_reads(aws, since)

    assert first_refresh() != []  # nothing kept yet: every in-use volume's copies
    (known := session(server, region)).identity()
    path = place(known, MEMORY)
    assert path is not None and path.stat().st_mode & 0o777 == 0o600
    assert first_refresh() == []  # relaunched: recalled
    kept = json.loads(path.read_text())
    hour_ago = (datetime.now(UTC) - FULL_RECHECK).isoformat()
    for broken in ("{not json", json.dumps({**kept, "version": 0}),
                   json.dumps({**kept, "value": {**kept["value"], "at": hour_ago}}),
                   json.dumps({**kept, "value": {"at": kept["value"]["at"], "newest": {"vol-1": {"id": "snap-1"}}}}),
                   json.dumps({**kept, "value": {"at": kept["value"]["at"], "newest": {  # a clock ahead
                       vid: {**copy, "started": "2999-01-01T00:00:00+00:00"}
                       for vid, copy in kept["value"]["newest"].items()}}})):
        path.write_text(broken)
        assert first_refresh() != [], broken
    path.write_text(json.dumps(kept))
    assert first_refresh() == []
    # A change made from the console (a snapshot deleted, here one taken): nothing kept is recalled.
    changing = session(server, region)
    changing.audit = AuditLog(tmp_path / "audit.jsonl")
    changing.identity()
    changing.client("ec2").create_snapshot(VolumeId=next(iter(kept["value"]["newest"])))
    since = len(changing.calls)
    freshness.run(changing, Memo())
    assert snapshot_reads(changing, since) != []
    # Where the file cannot be replaced (a directory in its way), nothing is left behind.
    path.unlink()
    path.mkdir()
    first_refresh()
    assert not list(path.parent.glob("*.tmp"))


async def test_a_check_that_finds_many_problems_is_folded_in_triage(server: DemoServer, tmp_path: object) -> None:
    """167 critical CVEs must not bury a crash loop: triage lists the worst FOLD_AFTER of a check and
    one row for the rest (enter opens the panel, which has them all); `triage --json` keeps them all."""
    from pathlib import Path

    from panels.registry import service_panels
    from panels.triage import FOLD_AFTER, collect
    from tests.pilot import select

    region = "eu-west-2"  # nothing else is seeded there
    seed_scale(region, Scale(tasks=0, stopped=0, findings=90, severe=30, snapshots=0, volumes=0, errored=0,
                             executions=0, failed=0))
    aws = session(server, region)
    every = [p for p in collect(aws, service_panels()).problems if p.panel == "inspector"]
    assert len(every) > FOLD_AFTER + 1
    listed = [r for r in TriagePanel().rows(aws) if r.data.get("panel") == "inspector"]
    assert [r.name for r in listed[:FOLD_AFTER]] == [p.resource for p in every[:FOLD_AFTER]]  # the worst
    assert len(listed) == FOLD_AFTER + 1 and listed[-1].name == f"{len(every) - FOLD_AFTER} more"

    app = WatchkeeperApp(session(server, region), audit=AuditLog(Path(str(tmp_path)) / "audit.jsonl"))
    async with app.run_test(size=(100, 30)) as pilot:
        triage = view_of(app, "triage")
        await loaded(pilot, triage)
        assert triage.level.failing() >= len(every)  # the crumb counts what the folded row stands for
        await select(pilot, triage, f"{len(every) - FOLD_AFTER} more")
        await pilot.press("enter")
        inspector = view_of(app, "inspector")
        assert app.current_view is inspector
        await loaded(pilot, inspector)
        assert sum(r.status in ("CRITICAL", "HIGH") for r in inspector.shown.values()) >= len(every)
