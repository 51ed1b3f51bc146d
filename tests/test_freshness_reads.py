"""Snapshot freshness reads a day of copies at a time (EC2 has no newest-per-volume query): its
answer must be the one reading every copy gives, against an endpoint that filters as EC2 does, one
that ignores a filter, and a clock behind EC2's; between full reads a stale volume costs its new
copies, not its history. (Review, helper 27.)"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from panels import snapshots
from panels.model import Memo
from panels.snapshots import freshness, newest_completed, newest_first, newest_of_volumes
from tests.conftest import session
from tests.test_checks_recovery import answer
from tui.demo.server import DemoServer


def ec2_like(copies: list[dict[str, Any]], *, ignore: tuple[str, ...] = (), returned: list[int] | None = None
             ) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """DescribeSnapshots filtered as EC2 does (start-time matched as text, wildcards included),
    except for the filters in `ignore`; `returned` collects how many copies each call answered."""
    def text(s: dict[str, Any], name: str) -> str:
        return {"start-time": s["StartTime"].strftime("%Y-%m-%dT%H:%M:%S.000Z"), "volume-id": s["VolumeId"],
                "status": s["State"]}[name]

    def parsed(params: dict[str, Any]) -> dict[str, Any]:
        body = params["body"]  # before-call sees the serialized request: Filter.1.Name, Filter.1.Value.1
        filters = [(body[k], [v for key, v in body.items() if key.startswith(k[:-4] + "Value.")])
                   for k in body if k.startswith("Filter.") and k.endswith(".Name")]
        found = [s for s in copies if all(name in ignore or any(fnmatch.fnmatchcase(text(s, name), v) for v in values)
                                          for name, values in filters)]
        if returned is not None:
            returned.append(len(found))
        return {"Snapshots": found}
    return parsed


def copy(sid: str, vid: str, start: datetime) -> dict[str, Any]:
    return {"SnapshotId": sid, "VolumeId": vid, "State": "completed", "StartTime": start}


def truth(copies: list[dict[str, Any]]) -> dict[str, str]:
    return {vid: s["SnapshotId"] for vid, s in newest_completed(newest_first(copies, lambda s: s["StartTime"])).items()}


def test_a_copy_started_past_utc_midnight_by_ec2s_clock(server: DemoServer) -> None:
    """Our clock a few minutes behind EC2's: at 23:58 the newest copy started at 00:01 tomorrow."""
    at = datetime(2026, 11, 23, 23, 58, tzinfo=UTC)
    copies = [copy("snap-new", "vol-1", datetime(2026, 11, 24, 0, 1, tzinfo=UTC)),
              copy("snap-old", "vol-1", datetime(2026, 11, 22, 23, 0, tzinfo=UTC))]
    aws = session(server)
    answer(aws, "ec2", "DescribeSnapshots", ec2_like(copies))
    got = newest_of_volumes(aws, {"vol-1": timedelta(hours=24)}, at)
    assert got["vol-1"]["SnapshotId"] == "snap-new"
    assert freshness(got["vol-1"], timedelta(hours=24), at) == "FRESH"


def test_an_endpoint_that_ignores_volume_id_does_not_make_a_fresh_volume_stale(server: DemoServer) -> None:
    at = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
    copies = [copy("snap-a-today", "vol-a", datetime(2026, 11, 23, 1, 0, tzinfo=UTC)),
              copy("snap-a-yesterday", "vol-a", datetime(2026, 11, 22, 1, 0, tzinfo=UTC)),
              copy("snap-b-yesterday", "vol-b", datetime(2026, 11, 22, 2, 0, tzinfo=UTC))]
    aws = session(server)
    answer(aws, "ec2", "DescribeSnapshots", ec2_like(copies, ignore=("volume-id",)))
    got = newest_of_volumes(aws, {"vol-a": timedelta(hours=24), "vol-b": timedelta(hours=48)}, at)
    assert {vid: s["SnapshotId"] for vid, s in got.items()} == truth(copies)


def test_many_volumes_and_policies_give_what_reading_every_copy_gives(server: DemoServer) -> None:
    at = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)  # just past midnight: the policies reach into yesterday
    copies = [copy(f"s{n}", f"vol-{n}", at - timedelta(hours=n % 40, minutes=1)) for n in range(450)]
    copies += [copy(f"o{n}", f"vol-{n}", at - timedelta(days=30 + n % 3)) for n in range(450)]
    aws = session(server)
    answer(aws, "ec2", "DescribeSnapshots", ec2_like(copies))
    policies = {f"vol-{n}": timedelta(hours=[0.5, 24, 1e5][n % 3]) for n in range(460)}  # 10 never copied
    got = newest_of_volumes(aws, policies, at)
    assert {vid: s["SnapshotId"] for vid, s in got.items()} == truth(copies)


def test_between_full_reads_a_stale_volume_costs_its_new_copies_not_its_history(server: DemoServer) -> None:
    """Daily copies against a 24h policy: the remembered copy ages out as today's lands; reading
    the days since the remembered copy finds it (500 days of history stay on the server)."""
    real = datetime.now(UTC)
    copies = [copy(f"snap-{n}", "vol-1", real - timedelta(days=n, hours=1)) for n in range(1, 500)]
    aws = session(server)
    returned: list[int] = []
    answer(aws, "ec2", "DescribeSnapshots", ec2_like(copies, returned=returned))
    answer(aws, "ec2", "DescribeVolumes", lambda params: {"Volumes": [{"VolumeId": "vol-1"}]})
    aws.remembered[snapshots.MEMORY] = (real - timedelta(minutes=10), {"vol-1": copies[0]})  # 25h old
    [stale] = snapshots.check_freshness(aws, Memo(), 24.0)
    assert stale.status == "STALE" and "snap-1 " in stale.reason  # none newer: the remembered copy stands
    copies.append(copy("snap-new", "vol-1", real - timedelta(minutes=1)))
    assert snapshots.check_freshness(aws, Memo(), 24.0) == []
    assert aws.remembered[snapshots.MEMORY][1]["vol-1"]["SnapshotId"] == "snap-new"
    assert max(returned) <= 2, returned
