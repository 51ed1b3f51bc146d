"""A volume judged FRESH from its remembered copy is judged at the same moment to the end: a copy
that ages out while other volumes' histories are read is not reported STALE."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest

import panels.snapshots as snapshots
from panels.model import Memo, now
from tests.conftest import session
from tui.demo.scale import Scale, seed_scale
from tui.demo.server import DemoServer, plain_client


def test_a_volume_with_a_fresh_copy_is_not_reported_stale(server: DemoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    region = "eu-north-1"
    seed_scale(region, Scale(tasks=0, stopped=0, findings=0, severe=0, snapshots=4, volumes=2, errored=0,
                             executions=0, failed=0))
    aws = session(server, region)
    ec2 = plain_client(server.endpoint_url, "ec2", region)
    vols = sorted(v["VolumeId"] for v in ec2.describe_volumes(
        Filters=[{"Name": "status", "Values": ["in-use"]}])["Volumes"])
    for v in vols:
        ec2.create_snapshot(VolumeId=v)  # every volume has a copy taken just now
    instance = ec2.describe_instances()["Reservations"][0]["Instances"][0]["InstanceId"]
    new = ec2.create_volume(Size=1, AvailabilityZone=f"{region}a")["VolumeId"]
    ec2.attach_volume(VolumeId=new, InstanceId=instance, Device="/dev/sdz")  # never copied: read each refresh

    snapshots.check_freshness(aws, Memo(), 24.0)  # primes the memory
    stamp, newest = aws.remembered["ebs.newest"]
    # The memory holds yesterday's copy of vols[0] (e.g. from a Volumes refresh just before today's
    # copy finished): still within the 24 h policy by one second.
    yesterday = dict(newest[vols[0]], SnapshotId="snap-yesterday",
                     StartTime=now() - timedelta(hours=24) + timedelta(seconds=1))
    aws.remembered["ebs.newest"] = (stamp, {**newest, vols[0]: yesterday})

    read = snapshots.newest_of_volumes

    def slow(aws, *args):  # type: ignore[no-untyped-def]
        time.sleep(2)  # reading the histories of the new/stale volumes takes a couple of seconds
        return read(aws, *args)

    monkeypatch.setattr(snapshots, "newest_of_volumes", slow)
    problems = snapshots.check_freshness(aws, Memo(), 24.0)
    stale = [p for p in problems if p.status == "STALE"]
    # vols[0] has a completed snapshot minutes old, yet it is reported STALE with yesterday's copy.
    assert stale == [], [(p.resource, p.reason) for p in stale]
