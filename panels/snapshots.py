"""Snapshot status: EBS snapshots, volume freshness, RDS snapshots and AWS Backup jobs.

One question: if this volume or database dies tonight, is there a recent, good copy?
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from panels.model import Panel, Problem, Row, Severity, Source, age, now, paginate, utc, when
from tui.session import AwsSession

DEFAULT_MAX_AGE_HOURS = 24.0  # newest good copy must be younger; per volume: the tag below
MAX_AGE_TAG = "watchkeeper:snapshot-max-age-hours"
STUCK_PENDING = timedelta(hours=2)
BACKUP_WINDOW = timedelta(days=1)
BACKUP_FAILED = ("FAILED", "ABORTED", "EXPIRED")
FRESHNESS_ORDER = ["STALE", "NONE", "FRESH"]  # worst first


def tag(resource: dict[str, Any], key: str) -> str:
    return next((t["Value"] for t in resource.get("Tags", []) if t.get("Key") == key), "")


def max_age(volume: dict[str, Any], default_hours: float) -> timedelta:
    try:
        return timedelta(hours=float(tag(volume, MAX_AGE_TAG) or default_hours))
    except ValueError:
        return timedelta(hours=default_hours)


def ebs_snapshots(aws: AwsSession) -> list[dict[str, Any]]:
    """The account's own snapshots (not public or shared ones), newest first."""
    found = list(paginate(aws.client("ec2"), "describe_snapshots", "Snapshots", OwnerIds=["self"]))
    found.sort(key=lambda s: utc(s.get("StartTime")) or now(), reverse=True)
    return found


def in_use_volumes(aws: AwsSession) -> list[dict[str, Any]]:
    return list(paginate(aws.client("ec2"), "describe_volumes", "Volumes",
                         Filters=[{"Name": "status", "Values": ["in-use"]}]))


def newest_completed(snapshots: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    newest: dict[str, dict[str, Any]] = {}
    for s in snapshots:  # newest first, so the first completed one per volume wins
        if s.get("State") == "completed":
            newest.setdefault(s.get("VolumeId", ""), s)
    return newest


def rds_snapshots(aws: AwsSession) -> list[dict[str, Any]]:
    """Instance and cluster snapshots in one list, newest first, with a common shape."""
    rds = aws.client("rds")
    found = [{"id": s["DBSnapshotIdentifier"], "db": s.get("DBInstanceIdentifier", ""), "kind": "instance",
              "type": s.get("SnapshotType", ""), "status": s.get("Status", ""),
              "created": utc(s.get("SnapshotCreateTime")), "arn": s.get("DBSnapshotArn", s["DBSnapshotIdentifier"])}
             for s in paginate(rds, "describe_db_snapshots", "DBSnapshots")]
    found += [{"id": s["DBClusterSnapshotIdentifier"], "db": s.get("DBClusterIdentifier", ""), "kind": "cluster",
               "type": s.get("SnapshotType", ""), "status": s.get("Status", ""),
               "created": utc(s.get("SnapshotCreateTime")),
               "arn": s.get("DBClusterSnapshotArn", s["DBClusterSnapshotIdentifier"])}
              for s in paginate(rds, "describe_db_cluster_snapshots", "DBClusterSnapshots")]
    found.sort(key=lambda s: s["created"] or now(), reverse=True)
    return found


def backup_jobs(aws: AwsSession) -> list[dict[str, Any]]:
    return list(paginate(aws.client("backup"), "list_backup_jobs", "BackupJobs",
                         ByCreatedAfter=now() - BACKUP_WINDOW))


class SnapshotsPanel(Panel):
    id, key, title, service, kind = "snapshots", "8", "Snapshots", "EBS", "ebs.snapshot"
    columns = ("Snapshot", "Volume", "State", "Progress", "Started", "Age", "Description")

    def __init__(self, max_age_hours: float = DEFAULT_MAX_AGE_HOURS) -> None:
        self.max_age_hours = max_age_hours

    @property
    def label(self) -> str:
        return "Snapshots: EBS"

    def alternatives(self) -> tuple[Source, ...]:
        return (SnapshotsPanel(self.max_age_hours), Volumes(self.max_age_hours), RdsSnapshots(self.max_age_hours),
                BackupJobs())

    def rows(self, aws: AwsSession) -> list[Row]:
        names = {v["VolumeId"]: tag(v, "Name") for v in in_use_volumes(aws)}
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
                data={"snapshot": s["SnapshotId"], "volume": s.get("VolumeId", ""), "region": aws.region},
            )
            for s in ebs_snapshots(aws)
        ]

    def problems(self, aws: AwsSession) -> list[Problem]:
        snapshots = ebs_snapshots(aws)
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
        newest = newest_completed(snapshots)
        never = []
        for v in in_use_volumes(aws):
            label = tag(v, "Name") or v["VolumeId"]
            latest = newest.get(v["VolumeId"])
            policy = max_age(v, self.max_age_hours)
            if latest is None:
                never.append(label)
            elif now() - utc(latest["StartTime"]) > policy:  # type: ignore[operator]
                problems.append(Problem(
                    panel="snapshots", service="EBS", resource=label, status="STALE",
                    reason=f"newest completed snapshot {latest['SnapshotId']} is "
                           f"{age(utc(latest['StartTime']))} old (policy {age(now() - policy)})",
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
        problems += rds_problems(aws, self.max_age_hours) + backup_problems(aws)
        return problems


def rds_problems(aws: AwsSession, max_age_hours: float) -> list[Problem]:
    newest: dict[str, dict[str, Any]] = {}
    for s in rds_snapshots(aws):
        if s["status"] == "available" and s["kind"] == "instance":
            newest.setdefault(s["db"], s)
    problems = []
    policy = timedelta(hours=max_age_hours)
    for db in paginate(aws.client("rds"), "describe_db_instances", "DBInstances"):
        latest = newest.get(db["DBInstanceIdentifier"])
        if latest is not None and now() - latest["created"] <= policy:
            continue
        problems.append(Problem(
            panel="snapshots", service="RDS", resource=db["DBInstanceIdentifier"], status="STALE",
            reason=(f"newest available snapshot {latest['id']} is {age(latest['created'])} old "
                    f"(policy {age(now() - policy)})") if latest else "no available snapshot",
            severity=Severity.MEDIUM, since=latest["created"] if latest else None,
            arn=db.get("DBInstanceArn", ""),
        ))
    return problems


def backup_problems(aws: AwsSession) -> list[Problem]:
    return [
        Problem(
            panel="snapshots", service="Backup", resource=job.get("ResourceArn", "").rsplit(":", 1)[-1],
            status=job["State"], reason=job.get("StatusMessage") or f"backup job {job['State'].lower()}",
            severity=Severity.HIGH, since=utc(job.get("CompletionDate") or job.get("CreationDate")),
            arn=job["BackupJobId"],
        )
        for job in backup_jobs(aws)
        if job.get("State") in BACKUP_FAILED
    ]


class Volumes(Source):
    """Each in-use volume against its freshness policy."""

    kind = "ebs.volume"
    columns = ("Volume", "Status", "Age", "Policy", "Newest snapshot", "Id")

    def __init__(self, max_age_hours: float = DEFAULT_MAX_AGE_HOURS) -> None:
        self.max_age_hours = max_age_hours

    @property
    def label(self) -> str:
        return "Snapshots: volume freshness"

    def alternatives(self) -> tuple[Source, ...]:
        return SnapshotsPanel(self.max_age_hours).alternatives()

    def rows(self, aws: AwsSession) -> list[Row]:
        newest = newest_completed(ebs_snapshots(aws))
        rows = []
        for v in in_use_volumes(aws):
            latest, policy = newest.get(v["VolumeId"]), max_age(v, self.max_age_hours)
            started = utc(latest["StartTime"]) if latest else None
            status = "NONE" if latest is None else ("STALE" if now() - started > policy else "FRESH")  # type: ignore[operator]
            rows.append(Row(
                key=v["VolumeId"], name=tag(v, "Name") or v["VolumeId"], status=status,
                cells=(tag(v, "Name") or v["VolumeId"], status, age(started) if started else "-",
                       age(now() - policy), latest["SnapshotId"] if latest else "-", v["VolumeId"]),
                detail=(("Volume", v["VolumeId"]), ("Size", f"{v.get('Size', '-')} GiB"),
                        ("Attached to", ", ".join(a.get("InstanceId", "") for a in v.get("Attachments", []))),
                        ("Policy", f"newest good copy younger than {age(now() - policy)} "
                                   f"(tag {MAX_AGE_TAG} overrides)")),
                data={"volume": v["VolumeId"]},
            ))
        return sorted(rows, key=lambda r: FRESHNESS_ORDER.index(r.status))


class RdsSnapshots(Source):
    kind = "rds.snapshot"
    columns = ("Snapshot", "Database", "Kind", "Type", "Status", "Created", "Age")

    def __init__(self, max_age_hours: float = DEFAULT_MAX_AGE_HOURS) -> None:
        self.max_age_hours = max_age_hours

    @property
    def label(self) -> str:
        return "Snapshots: RDS"

    def alternatives(self) -> tuple[Source, ...]:
        return SnapshotsPanel(self.max_age_hours).alternatives()

    def rows(self, aws: AwsSession) -> list[Row]:
        databases = {d["DBInstanceIdentifier"]: d
                     for d in paginate(aws.client("rds"), "describe_db_instances", "DBInstances")}
        rows = []
        for s in rds_snapshots(aws):
            db = databases.get(s["db"], {})
            rows.append(Row(
                key=s["arn"], name=s["id"], status=s["status"],
                cells=(s["id"], s["db"], s["kind"], s["type"], s["status"], when(s["created"]), age(s["created"])),
                detail=(("Snapshot", s["arn"]), ("Database", s["db"]),
                        ("Backup retention", f"{db.get('BackupRetentionPeriod', '-')} days"),
                        ("Latest restorable time", when(utc(db.get("LatestRestorableTime"))))),
                data={"db": s["db"], "snapshot": s["id"], "kind": s["kind"]},
            ))
        return rows


class BackupJobs(Source):
    kind = "backup.job"
    columns = ("Job", "Resource", "State", "Created", "Vault", "Message")

    @property
    def label(self) -> str:
        return "Snapshots: AWS Backup jobs (24 h)"

    def alternatives(self) -> tuple[Source, ...]:
        return SnapshotsPanel().alternatives()

    def rows(self, aws: AwsSession) -> list[Row]:
        return [
            Row(
                key=j["BackupJobId"], name=j["BackupJobId"], status=j.get("State", ""),
                cells=(j["BackupJobId"][:12], j.get("ResourceArn", "").rsplit(":", 1)[-1], j.get("State", ""),
                       when(utc(j.get("CreationDate"))), j.get("BackupVaultName", "-"), j.get("StatusMessage", "")),
                detail=(("Job", j["BackupJobId"]), ("Resource", j.get("ResourceArn", "-")),
                        ("Type", j.get("ResourceType", "-")), ("Plan", j.get("CreatedBy", {}).get("BackupPlanId", "-")),
                        ("Message", j.get("StatusMessage", "-"))),
                data={"job": j["BackupJobId"]},
            )
            for j in backup_jobs(aws)
        ]
