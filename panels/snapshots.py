"""Snapshot status: the account's EBS snapshots, and in-use volumes without a recent good copy."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from panels.model import Panel, Problem, Row, Severity, age, now, paginate, utc, when
from tui.session import AwsSession

FRESHNESS = timedelta(hours=24)  # newest completed snapshot of an in-use volume must be younger
STUCK_PENDING = timedelta(hours=2)


def name_tag(resource: dict[str, Any]) -> str:
    return next((t["Value"] for t in resource.get("Tags", []) if t.get("Key") == "Name"), "")


class SnapshotsPanel(Panel):
    id, key, title, service, kind = "snapshots", "8", "Snapshots", "EBS", "ebs.snapshot"
    columns = ("Snapshot", "Volume", "State", "Progress", "Started", "Age", "Description")

    def snapshots(self, aws: AwsSession) -> list[dict[str, Any]]:
        found = list(paginate(aws.client("ec2"), "describe_snapshots", "Snapshots", OwnerIds=["self"]))
        found.sort(key=lambda s: utc(s.get("StartTime")) or now(), reverse=True)
        return found

    def rows(self, aws: AwsSession) -> list[Row]:
        names = {v["VolumeId"]: name_tag(v) for v in self.volumes(aws)}
        return [
            Row(
                key=s["SnapshotId"], name=s["SnapshotId"], status=s.get("State", ""),
                cells=(s["SnapshotId"], names.get(s.get("VolumeId", "")) or s.get("VolumeId", "-"),
                       s.get("State", ""), s.get("Progress", "-"), when(s.get("StartTime")),
                       age(utc(s.get("StartTime"))), s.get("Description", "")),
                detail=(("Snapshot", s["SnapshotId"]), ("Volume", s.get("VolumeId", "-")),
                        ("Size", f"{s.get('VolumeSize', '-')} GiB"), ("State", s.get("State", "")),
                        ("State message", s.get("StateMessage", "-")),
                        ("Encrypted", s.get("Encrypted", False))),
                data={"snapshot": s["SnapshotId"], "volume": s.get("VolumeId", "")},
            )
            for s in self.snapshots(aws)
        ]

    def volumes(self, aws: AwsSession) -> list[dict[str, Any]]:
        return list(paginate(aws.client("ec2"), "describe_volumes", "Volumes",
                             Filters=[{"Name": "status", "Values": ["in-use"]}]))

    def problems(self, aws: AwsSession) -> list[Problem]:
        snapshots = self.snapshots(aws)
        problems = []
        for s in snapshots:
            started = utc(s.get("StartTime"))
            state = s.get("State", "")
            stuck = state == "pending" and started and now() - started > STUCK_PENDING
            if state == "error" or stuck:
                problems.append(Problem(
                    panel="snapshots", service="EBS", resource=s["SnapshotId"], status=state.upper(),
                    reason=s.get("StateMessage") or f"snapshot of {s.get('VolumeId', '?')} "
                           f"{'failed' if state == 'error' else 'pending for ' + age(started)}",
                    severity=Severity.HIGH if state == "error" else Severity.MEDIUM,
                    since=started, path=(s["SnapshotId"],), arn=s["SnapshotId"],
                ))
        newest: dict[str, Any] = {}
        for s in snapshots:  # newest first, so the first completed one per volume wins
            if s.get("State") == "completed":
                newest.setdefault(s.get("VolumeId"), s)
        never = []
        for v in self.volumes(aws):
            label = name_tag(v) or v["VolumeId"]
            latest = newest.get(v["VolumeId"])
            if latest is None:
                never.append(label)
            elif now() - utc(latest["StartTime"]) > FRESHNESS:  # type: ignore[operator]
                problems.append(Problem(
                    panel="snapshots", service="EBS", resource=label, status="STALE",
                    reason=f"newest completed snapshot {latest['SnapshotId']} is "
                           f"{age(utc(latest['StartTime']))} old (policy {age(now() - FRESHNESS)})",
                    severity=Severity.MEDIUM, since=utc(latest["StartTime"]),
                    path=(latest["SnapshotId"],), arn=v["VolumeId"],
                ))
        if never:
            problems.append(Problem(
                panel="snapshots", service="EBS", resource=f"{len(never)} volumes", status="NO SNAPSHOT",
                reason="in-use volumes never snapshotted: " + ", ".join(never[:5])
                       + (" …" if len(never) > 5 else ""),
                severity=Severity.LOW,
            ))
        return problems
