"""Snapshot status: EBS snapshots, volume freshness, RDS snapshots and AWS Backup jobs.

One question: if this volume or database dies tonight, is there a recent, good copy?
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from panels.model import (
    Check,
    Memo,
    Panel,
    Problem,
    Row,
    Severity,
    Source,
    age,
    in_view,
    newest,
    newest_first,
    now,
    paged,
    paginate,
    streamed,
    tolerate,
    utc,
    when,
)
from tui.recall import keep, recall
from tui.session import AwsSession
from tui.settings import TEN_YEARS_HOURS

DEFAULT_MAX_AGE_HOURS = 24.0  # newest good copy must be younger; per volume: the tag below
MAX_AGE_TAG = "watchkeeper:snapshot-max-age-hours"
STUCK_PENDING = timedelta(hours=2)
BACKUP_WINDOW = timedelta(days=1)
BACKUP_FAILED = ("FAILED", "ABORTED", "EXPIRED")
FRESHNESS_ORDER = ["STALE", "NONE", "?", "FRESH"]  # worst first; "?": a copy whose age is unknown
UNKNOWN = "?"  # a part that could not be read, not an empty one


# -- tolerant accessors: no member of EC2's Snapshot, Volume or Tag, RDS's snapshots or instances,
# -- or AWS Backup's BackupJob is marked required by the botocore model ---------------------------
def tag(resource: dict[str, Any], key: str) -> str:
    return next((t.get("Value") or "" for t in resource.get("Tags") or [] if t.get("Key") == key), "")


def max_age(volume: dict[str, Any], default_hours: float) -> timedelta:
    try:
        hours = float(tag(volume, MAX_AGE_TAG) or default_hours)
    except ValueError:
        hours = default_hours
    # A tag is anyone's text: nan, 0 or below mean the default; 1e20 or inf ten years (not an overflow).
    return timedelta(hours=min(hours, TEN_YEARS_HOURS) if hours > 0 else default_hours)


def span(delta: timedelta) -> str:
    """A length of time as people say it (50m, 26h, 4d6h, 23d), never Python's `1 day, 0:00:00`.
    Hours up to two days, so 26h is not rounded down to a 1d that reads as within a day's policy."""
    seconds = max(0, int(delta.total_seconds()))
    minutes, hours = seconds // 60, seconds // 3_600
    if seconds < 60:
        return f"{seconds}s"
    if hours < 1:
        return f"{minutes}m"
    if hours < 10 and minutes % 60:
        return f"{hours}h{minutes % 60}m"
    if hours < 48:
        return f"{hours}h"
    days, rest = divmod(hours, 24)
    return f"{days}d{rest}h" if rest and days < 10 else f"{days}d"


def policy_text(policy: timedelta) -> str:
    """The policy in the unit it is configured in (hours): 24h, 1000h, 0.5h."""
    return f"{policy.total_seconds() / 3_600:g}h"


def too_old(kind: str, snapshot_id: str, started: Any, policy: timedelta) -> str:
    """The reason of a stale copy: how old it is against the policy it breaks."""
    return (f"newest {kind} snapshot {snapshot_id} is {span(now() - started)} old, "
            f"older than the {policy_text(policy)} policy")


def volume_id(volume: dict[str, Any]) -> str:
    return volume.get("VolumeId") or ""


def volume_label(volume: dict[str, Any]) -> str:
    return tag(volume, "Name") or volume_id(volume) or UNKNOWN


def ebs_snapshots(aws: AwsSession, *filters: dict[str, Any]) -> list[dict[str, Any]]:
    """The account's own snapshots (not public or shared ones), newest first; undated ones last.
    `filters` are EC2 Filters, applied by the server."""
    found = paginate(aws.client("ec2"), "describe_snapshots", "Snapshots", OwnerIds=["self"],
                     **({"Filters": list(filters)} if filters else {}))
    return newest_first(found, lambda s: s.get("StartTime"))


UNFINISHED = {"Name": "status", "Values": ["error", "pending"]}  # what the error check looks at
COMPLETED = {"Name": "status", "Values": ["completed"]}
VOLUME_FILTER_MAX = 200  # values in one EC2 filter


def in_use_volumes(aws: AwsSession) -> list[dict[str, Any]]:
    return list(paginate(aws.client("ec2"), "describe_volumes", "Volumes",
                         Filters=[{"Name": "status", "Values": ["in-use"]}]))


def newest_completed(snapshots: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    newest: dict[str, dict[str, Any]] = {}
    for s in snapshots:  # newest first, so the first completed one per volume wins
        if s.get("State") == "completed" and s.get("VolumeId"):
            newest.setdefault(s["VolumeId"], s)
    return newest


def freshness(latest: dict[str, Any] | None, policy: timedelta, at: datetime | None = None) -> str:
    """NONE (never copied), STALE, FRESH, or ? when the copy carries no start time; as of `at` (now)."""
    if latest is None:
        return "NONE"
    started = utc(latest.get("StartTime"))
    if started is None:
        return UNKNOWN
    return "STALE" if (at or now()) - started > policy else "FRESH"


def db_snapshot(s: dict[str, Any]) -> dict[str, Any]:
    sid = s.get("DBSnapshotIdentifier") or s.get("DBSnapshotArn") or UNKNOWN
    return {"id": sid, "db": s.get("DBInstanceIdentifier", ""), "kind": "instance",
            "type": s.get("SnapshotType", ""), "status": s.get("Status", ""),
            "created": utc(s.get("SnapshotCreateTime")), "arn": s.get("DBSnapshotArn") or sid}


def db_cluster_snapshot(s: dict[str, Any]) -> dict[str, Any]:
    sid = s.get("DBClusterSnapshotIdentifier") or s.get("DBClusterSnapshotArn") or UNKNOWN
    return {"id": sid, "db": s.get("DBClusterIdentifier", ""), "kind": "cluster",
            "type": s.get("SnapshotType", ""), "status": s.get("Status", ""),
            "created": utc(s.get("SnapshotCreateTime")), "arn": s.get("DBClusterSnapshotArn") or sid}


def instance_snapshots(aws: AwsSession) -> list[dict[str, Any]]:
    return [db_snapshot(s) for s in paginate(aws.client("rds"), "describe_db_snapshots", "DBSnapshots")]


def cluster_snapshots(aws: AwsSession) -> list[dict[str, Any]]:
    return [db_cluster_snapshot(s)
            for s in paginate(aws.client("rds"), "describe_db_cluster_snapshots", "DBClusterSnapshots")]


def rds_snapshots(aws: AwsSession) -> list[dict[str, Any]]:
    """Instance and cluster snapshots in one list, newest first, with a common shape. Without the
    cluster snapshots (Aurora) the instance snapshots are still listed, with a gap."""
    clusters = tolerate(aws, "Aurora cluster snapshots", lambda: cluster_snapshots(aws), [])
    return newest_first(instance_snapshots(aws) + clusters, lambda s: s["created"])


def newest_available(snapshots: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per database (instance or cluster id): its newest available snapshot."""
    newest: dict[str, dict[str, Any]] = {}
    for s in newest_first(snapshots, lambda s: s["created"]):
        if s["status"] == "available" and s["db"]:
            newest.setdefault(s["db"], s)
    return newest


def backup_jobs(aws: AwsSession) -> list[dict[str, Any]]:
    return list(paginate(aws.client("backup"), "list_backup_jobs", "BackupJobs",
                         ByCreatedAfter=now() - BACKUP_WINDOW))


def backup_resource(job: dict[str, Any]) -> str:
    return (job.get("ResourceArn") or "").rsplit(":", 1)[-1] or job.get("ResourceName") or UNKNOWN


# -- checks: each runs on its own, so a denied AWS Backup call leaves the EBS and RDS problems ------
def check_ebs(aws: AwsSession, memo: Memo) -> list[Problem]:
    """Snapshots in error, or pending for longer than a snapshot takes."""
    problems: list[Problem] = []
    for s in ebs_snapshots(aws, UNFINISHED):  # the server keeps the completed thousands to itself
        started = utc(s.get("StartTime"))
        state = s.get("State") or ""
        stuck = state == "pending" and started is not None and now() - started > STUCK_PENDING
        if state != "error" and not stuck:
            continue
        sid = s.get("SnapshotId") or ""
        problems.append(Problem(
            panel="snapshots", service="EBS", resource=sid or UNKNOWN, status=state.upper(),
            reason=s.get("StateMessage") or f"snapshot of {s.get('VolumeId') or UNKNOWN} "
                   f"{'failed' if state == 'error' else 'pending for ' + age(started)}",
            severity=Severity.HIGH if state == "error" else Severity.MEDIUM,
            since=started, path=(sid,) if sid else (), arn=sid,
        ))
    return problems


FULL_RECHECK = timedelta(hours=1)  # how often freshness reads every in-use volume's history again
MEMORY = "ebs.newest"  # (when every history was last read, {volume: its newest completed snapshot})
Memory = tuple[datetime, dict[str, dict[str, Any]]]


def remembered(aws: AwsSession) -> Memory | None:
    """The newest copies remembered in this session, else those the last launch kept on disk."""
    if (memory := aws.remembered.get(MEMORY)) is None and not aws.changed and isinstance(
            kept := recall(aws, MEMORY), dict):
        try:
            memory = (datetime.fromisoformat(kept["at"]), {
                vid: {"VolumeId": vid, "SnapshotId": s["id"], "State": "completed",
                      "StartTime": datetime.fromisoformat(s["started"])} for vid, s in kept["newest"].items()})
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        if not all(t.tzinfo and t <= now() for t in (memory[0], *(s["StartTime"] for s in memory[1].values()))) \
                or now() - memory[0] > FULL_RECHECK:
            return None  # due for a full read anyway, or from a clock that ran ahead
        memory = aws.remembered.setdefault(MEMORY, memory)
    return memory


def remember(aws: AwsSession, memory: Memory) -> None:
    """Kept in the session, and on disk for the next launch (only what freshness needs, and only
    when it changed: most refreshes read no history)."""
    if aws.remembered.get(MEMORY) == memory:
        return
    aws.remembered[MEMORY] = memory
    keep(aws, MEMORY, {"at": memory[0].isoformat(), "newest": {
        vid: {"id": s.get("SnapshotId") or UNKNOWN, "started": started.isoformat()}
        for vid, s in memory[1].items() if (started := utc(s.get("StartTime"))) is not None}})


RECENT_DAYS = 8  # copies read by day at most this far back; an older newest copy, by whole history
UNMATCHED = "ebs.start-time-unmatched"  # this endpoint does not match start-time by wildcard (moto)


def newest_read(aws: AwsSession, ids: list[str], *filters: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The newest completed snapshot of each of these volumes among those the filters select
    (one call where the volumes fit one filter, 200 each; only these volumes, whatever the
    endpoint answers)."""
    snapshots: list[dict[str, Any]] = []
    for start in range(0, len(ids), VOLUME_FILTER_MAX):
        some = ids[start:start + VOLUME_FILTER_MAX]
        snapshots += ebs_snapshots(aws, COMPLETED, *filters, {"Name": "volume-id", "Values": some})
    asked = set(ids)
    return {vid: s for vid, s in newest_completed(newest_first(snapshots, lambda s: s.get("StartTime"))).items()
            if vid in asked}


def started_on(newest: date, oldest: date) -> dict[str, Any]:
    """The start-time filter for the copies started on these UTC days (EC2 matches `2026-11-23*`)."""
    return {"Name": "start-time", "Values": [f"{newest - timedelta(days=back)}*"
                                             for back in range((newest - oldest).days + 1)]}


def newest_of_volumes(aws: AwsSession, policies: dict[str, timedelta], at: datetime) -> dict[str, dict[str, Any]]:
    """The newest completed snapshot of each of these volumes ({volume: its policy}), as of `at`.
    EC2 has no "newest per volume", so the copies are read a UTC day at a time, newest day first
    (the first read takes tomorrow's too: EC2's clock may be ahead of ours), with a start-time
    filter (the server keeps the older thousands to itself), as far back as each volume's policy
    reaches: a volume's first day with a copy holds its newest. Only the volumes with none there
    (stale for longer than a day, never copied) have their whole history read; on an endpoint
    that does not match start-time by wildcard (the whole read finds what the days missed), from
    then on every volume's."""
    newest: dict[str, dict[str, Any]] = {}
    at = at.astimezone(UTC)
    left, today, read_back = dict(policies), at.date(), dict[str, date]()
    for back in range(0 if aws.remembered.get(UNMATCHED) else RECENT_DAYS):
        day = today - timedelta(days=back)
        if not (reach := [vid for vid, policy in left.items() if (at - policy).date() <= day]):
            break
        newest |= newest_read(aws, reach, started_on(day + timedelta(days=1) if back == 0 else day, day))
        read_back |= dict.fromkeys(reach, day)
        left = {vid: policy for vid, policy in left.items() if vid not in newest}
    if left:
        newest |= (found := newest_read(aws, list(left)))
        if any((started := utc(s.get("StartTime"))) and started.date() >= read_back.get(vid, date.max)
               for vid, s in found.items()):
            aws.remembered[UNMATCHED] = True  # the day reads missed a copy in their days: whole reads only
    return newest


def newer_copies(aws: AwsSession, known: dict[str, dict[str, Any] | None], at: datetime
                 ) -> dict[str, dict[str, Any]]:
    """Between full reads, the newest copy of volumes that are new, never copied or stale ({volume:
    its remembered newest copy}): a stale one's copies since the day of its remembered one (one read
    for all of them; the remembered copy stands if none is newer), the others' whole histories."""
    today, unmatched = at.astimezone(UTC).date(), aws.remembered.get(UNMATCHED)
    since = {vid: (copy, started.date()) for vid, copy in known.items() if not unmatched and copy
             and (started := utc(copy.get("StartTime"))) and (today - started.date()).days < RECENT_DAYS}
    newest: dict[str, dict[str, Any]] = {}
    if since:
        oldest = min(today, *(day for _, day in since.values()))
        found = newest_read(aws, list(since), started_on(today + timedelta(days=1), oldest))
        newest = {vid: found.get(vid, copy) for vid, (copy, _) in since.items()}
    if whole := [vid for vid in known if vid not in since]:
        newest |= newest_read(aws, whole)
    return newest


def remembered_newest(aws: AwsSession, volumes: list[dict[str, Any]], max_age_hours: float, at: datetime
                      ) -> dict[str, dict[str, Any]]:
    """newest_of_volumes, remembered in the session: a volume whose remembered newest copy is
    within its policy at `at` stays fresh until that copy ages out (a newer copy only makes it
    fresher), so a refresh reads only the copies of volumes that are new, stale or never copied
    (newer_copies); every volume's newest is read again each FULL_RECHECK (a copy may have been
    deleted). The caller judges freshness at the same `at`: a copy that ages out during the reads
    is read next time."""
    memory = remembered(aws)
    full = memory is None or at - memory[0] > FULL_RECHECK
    known: dict[str, dict[str, Any]] = {} if full or memory is None else memory[1]
    policies = {vid: policy for v in volumes if (vid := volume_id(v))
                and freshness(known.get(vid), policy := max_age(v, max_age_hours), at) != "FRESH"}
    newest = {vid: s for vid, s in known.items() if vid not in policies}
    if policies and full:
        newest |= newest_of_volumes(aws, policies, at)
    elif policies:
        newest |= newer_copies(aws, {vid: known.get(vid) for vid in policies}, at)
    if aws.remembered.get(MEMORY) is memory:  # not replaced meanwhile by a fuller read (Volumes)
        remember(aws, (at if full or memory is None else memory[0], newest))
    return newest


def check_freshness(aws: AwsSession, memo: Memo, max_age_hours: float) -> list[Problem]:
    """In-use volumes whose newest completed snapshot is older than their policy, and those
    never snapshotted (one problem for all of them: a list, not a page of rows)."""
    at = now()
    volumes = in_use_volumes(aws)
    newest = remembered_newest(aws, volumes, max_age_hours, at)
    problems: list[Problem] = []
    never: list[str] = []
    never_ids: list[str] = []  # the first is where enter opens
    for v in volumes:
        latest, policy = newest.get(volume_id(v)), max_age(v, max_age_hours)
        status = freshness(latest, policy, at)
        if status == "NONE":
            never.append(volume_label(v))
            never_ids.append(volume_id(v))
        elif status == "STALE" and latest is not None:
            started = utc(latest.get("StartTime"))
            sid = latest.get("SnapshotId") or UNKNOWN
            problems.append(Problem(
                panel="snapshots", service="EBS", resource=volume_label(v), status="STALE",
                reason=too_old("completed", sid, started, policy), severity=Severity.MEDIUM, since=started,
                path=(sid,) if latest.get("SnapshotId") else (), arn=volume_id(v),
            ))
    if never:
        problems.append(Problem(
            panel="snapshots", service="EBS", resource=f"{len(never)} volumes", status="NO SNAPSHOT",
            reason="in-use volumes never snapshotted: " + ", ".join(never[:5]) + (" …" if len(never) > 5 else ""),
            severity=Severity.LOW, path=(in_view(Volumes.kind), *never_ids[:1]),
        ))
    return problems


def check_rds(aws: AwsSession, memo: Memo, max_age_hours: float) -> list[Problem]:
    """Databases without an available snapshot younger than the policy. An Aurora instance is
    copied through its cluster, so its cluster is checked (once) against the cluster snapshots."""
    policy = timedelta(hours=max_age_hours)
    databases = list(paginate(aws.client("rds"), "describe_db_instances", "DBInstances"))
    if not databases:
        return []
    newest = newest_available(instance_snapshots(aws))
    clustered = any(db.get("DBClusterIdentifier") for db in databases)
    cluster_newest = tolerate(aws, "Aurora cluster snapshots",
                              lambda: newest_available(cluster_snapshots(aws)), None) if clustered else {}
    problems: list[Problem] = []
    seen: set[str] = set()
    for db in databases:
        name = db.get("DBClusterIdentifier") or ""
        if name:  # unknown without the cluster snapshots: the gap says so
            if name in seen or cluster_newest is None:
                continue
            seen.add(name)
            latest, arn = cluster_newest.get(name), name
        else:
            name = db.get("DBInstanceIdentifier") or db.get("DBInstanceArn") or UNKNOWN
            latest, arn = newest.get(name), db.get("DBInstanceArn", "")
        created = latest["created"] if latest else None
        if latest is not None and (created is None or now() - created <= policy):
            continue  # fresh, or an available copy of unknown age: not evidence of a problem
        born = utc(db.get("InstanceCreateTime"))
        if latest is None and born is not None and now() - born <= policy:
            continue  # too new to have been copied yet
        problems.append(Problem(
            panel="snapshots", service="RDS", resource=name, status="STALE",
            reason=too_old("available", latest["id"], created, policy) if latest else "no available snapshot",
            severity=Severity.MEDIUM, since=created, arn=arn,
            path=(in_view(RdsSnapshots.kind), *([latest["arn"]] if latest else [])),
        ))
    return problems


def check_backup(aws: AwsSession, memo: Memo) -> list[Problem]:
    """AWS Backup jobs of the last 24 hours that failed, were aborted or expired."""
    problems: list[Problem] = []
    for job in backup_jobs(aws):
        state = job.get("State") or ""
        if state not in BACKUP_FAILED:
            continue
        problems.append(Problem(
            panel="snapshots", service="Backup", resource=backup_resource(job), status=state,
            reason=job.get("StatusMessage") or f"backup job {state.lower()}", severity=Severity.HIGH,
            since=utc(job.get("CompletionDate")) or utc(job.get("CreationDate")),
            arn=job.get("BackupJobId") or job.get("ResourceArn") or "",
            path=(in_view(BackupJobs.kind), *([job["BackupJobId"]] if job.get("BackupJobId") else [])),
        ))
    return problems


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
        # Volume names only decorate the list: without them the volume id stands in.
        names = tolerate(aws, "volume names", lambda: {volume_id(v): tag(v, "Name") for v in in_use_volumes(aws)}, {})
        # Pages of 1,000 (EC2 otherwise answers with every snapshot at once): the first rows show
        # while the rest of a 10,000-snapshot account is still being read.
        pages = paged(aws.client("ec2").get_paginator("describe_snapshots").paginate(
            OwnerIds=["self"], PaginationConfig={"PageSize": 1_000}), "Snapshots")
        unnamed = itertools.count()  # keys for snapshots without an id (required, but…)
        return streamed(pages, lambda s: self.snapshot_row(s, names, aws.region, unnamed),  # 10,000: as they come
                        order=newest(lambda s: s.get("StartTime")))

    @staticmethod
    def snapshot_row(s: dict[str, Any], names: dict[str, str], region: str | None, unnamed: Iterator[int]) -> Row:
        sid, volume = s.get("SnapshotId") or "", s.get("VolumeId") or ""
        return Row(
            key=sid or f"?{next(unnamed)}", name=sid or UNKNOWN, status=s.get("State", ""),
            cells=(sid or UNKNOWN, names.get(volume) or volume or "-",
                   s.get("State", ""), s.get("Progress", "-"), when(s.get("StartTime")),
                   age(s.get("StartTime")), s.get("Description", "")),
            detail=(("Snapshot", sid or UNKNOWN), ("Volume", volume or "-"),
                    ("Size", f"{s.get('VolumeSize', '-')} GiB"), ("State", s.get("State", "")),
                    ("State message", s.get("StateMessage", "-")),
                    ("Encrypted", s.get("Encrypted", False))),
            data={"snapshot": sid, "volume": volume, "region": region},
        )

    def checks(self) -> tuple[Check, ...]:
        return (
            Check("snapshots.ebs", "EBS snapshots in error or stuck", check_ebs),
            Check("snapshots.freshness", "EBS volume snapshot freshness",
                  partial(check_freshness, max_age_hours=self.max_age_hours), at_risk=True),
            Check("snapshots.rds", "RDS snapshot freshness", partial(check_rds, max_age_hours=self.max_age_hours),
                  at_risk=True),
            Check("snapshots.backup", "AWS Backup jobs (24 h)", check_backup),
        )


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
        at, volumes = now(), in_use_volumes(aws)
        policies = {vid: max_age(v, self.max_age_hours) for v in volumes if (vid := volume_id(v))}
        newest = newest_of_volumes(aws, policies, at)
        remember(aws, (at, newest))  # every volume's newest read: triage need not read them again
        rows = []
        for index, v in enumerate(volumes):
            vid = volume_id(v)
            latest, policy = newest.get(vid), max_age(v, self.max_age_hours)
            status = freshness(latest, policy, at)
            started = utc((latest or {}).get("StartTime"))
            newest_id = (latest or {}).get("SnapshotId") or (UNKNOWN if latest else "-")
            rows.append(Row(
                key=vid or f"?{index}", name=volume_label(v), status=status,
                # The age in the policy's terms (26h, not 1d, against a 24h policy).
                cells=(volume_label(v), status, span(at - started) if started else "-", policy_text(policy),
                       newest_id, vid or UNKNOWN),
                detail=(("Volume", vid or UNKNOWN), ("Size", f"{v.get('Size', '-')} GiB"),
                        ("Attached to", ", ".join(a.get("InstanceId", "") for a in v.get("Attachments") or [])),
                        ("Policy", f"newest good copy younger than {policy_text(policy)} "
                                   f"(tag {MAX_AGE_TAG} overrides)")),
                data={"volume": vid},
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
        # Retention only decorates the detail pane: without it the snapshots are still listed.
        databases = tolerate(aws, "backup retention (DB instances)", lambda: {
            d.get("DBInstanceIdentifier", ""): d
            for d in paginate(aws.client("rds"), "describe_db_instances", "DBInstances")}, None)
        rows = []
        for s in rds_snapshots(aws):
            db = (databases or {}).get(s["db"], {})
            retention = UNKNOWN if databases is None else db.get("BackupRetentionPeriod", "-")
            restorable = UNKNOWN if databases is None else when(db.get("LatestRestorableTime"))
            rows.append(Row(
                key=s["arn"], name=s["id"], status=s["status"],
                cells=(s["id"], s["db"], s["kind"], s["type"], s["status"], when(s["created"]), age(s["created"])),
                detail=(("Snapshot", s["arn"]), ("Database", s["db"]),
                        ("Backup retention", f"{retention} days"),
                        ("Latest restorable time", restorable)),
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
        rows = []
        for index, j in enumerate(backup_jobs(aws)):
            job = j.get("BackupJobId") or ""
            rows.append(Row(
                key=job or f"?{index}", name=job or UNKNOWN, status=j.get("State", ""),
                cells=((job or UNKNOWN)[:12], backup_resource(j), j.get("State", ""),
                       when(j.get("CreationDate")), j.get("BackupVaultName", "-"), j.get("StatusMessage", "")),
                detail=(("Job", job or UNKNOWN), ("Resource", j.get("ResourceArn", "-")),
                        ("Type", j.get("ResourceType", "-")),
                        ("Plan", (j.get("CreatedBy") or {}).get("BackupPlanId", "-")),
                        ("Message", j.get("StatusMessage", "-"))),
                data={"job": job},
            ))
        return rows
