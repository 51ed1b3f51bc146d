"""Amazon Inspector (inspector2): severity summary, findings worst first, grouped by CVE or resource."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from rich.text import Text

from panels.model import (
    Check,
    Memo,
    Page,
    Panel,
    Problem,
    Row,
    Severity,
    Source,
    attempt,
    paged,
    report,
    streamed,
    tolerate,
    utc,
    when,
)
from panels.ordering import status_style
from tui.errors import DENIED, INVALID, UNSUPPORTED, Failure
from tui.session import AwsSession

ORDER = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNTRIAGED"]
SHORT = {"CRITICAL": "CRIT", "HIGH": "HIGH", "MEDIUM": "MED", "LOW": "LOW", "INFORMATIONAL": "INFO",
         "UNTRIAGED": "UNTR"}
SEVERE = ("CRITICAL", "HIGH")  # what triage asks the server for; HIGH counts only with an exploit
UNKNOWN = "?"
FILTER_MAX = 1024  # characters in a StringFilter's value
RESOURCE_TYPES = {"AWS_ECR_CONTAINER_IMAGE": "ECR", "AWS_EC2_INSTANCE": "EC2", "AWS_LAMBDA_FUNCTION": "Lambda",
                  "AWS_ECR_REPOSITORY": "ECR repo", "CODE_REPOSITORY": "Code"}


def rank(severity: str | None) -> int:
    return ORDER.index(severity) if severity in ORDER else len(ORDER)


def findings(aws: AwsSession, status: str | None = "ACTIVE", severities: tuple[str, ...] = (),
             exploit: str | None = None, equals: dict[str, str] | None = None,
             resource_types: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Findings, worst first; `status`, `severities`, `exploit` and `equals` (criterion -> value,
    e.g. one CVE's vulnerabilityId) are filtered by the server (values of one criterion are ORed,
    criteria ANDed), so triage does not page through every LOW finding, nor one CVE's list
    through every other CVE's."""
    criteria: dict[str, list[dict[str, str]]] = {}
    if status:
        criteria["findingStatus"] = [{"comparison": "EQUALS", "value": status}]
    if severities:
        criteria["severity"] = [{"comparison": "EQUALS", "value": s} for s in severities]
    if exploit:
        criteria["exploitAvailable"] = [{"comparison": "EQUALS", "value": exploit}]
    if resource_types:
        criteria["resourceType"] = [{"comparison": "EQUALS", "value": t} for t in resource_types]
    for name, value in (equals or {}).items():  # a longer value than a filter takes: its prefix (the caller matches)
        criteria[name] = [{"comparison": "EQUALS", "value": value} if len(value) <= FILTER_MAX else
                          {"comparison": "PREFIX", "value": value[:FILTER_MAX]}]
    found = [f for page in finding_pages(aws, criteria) for f in page]
    found.sort(key=lambda f: rank(f.get("severity")))
    return found


def finding_pages(aws: AwsSession, criteria: dict[str, Any]) -> Iterator[Page]:
    return paged(aws.client("inspector2").get_paginator("list_findings").paginate(
        filterCriteria=criteria, PaginationConfig={"PageSize": 100}), "findings", "nextToken")


# The botocore model requires a Finding's findingArn, severity, status, resources (each with type and
# id) and a few more; packageVulnerabilityDetails, title and exploitAvailable are optional.
def finding_arn(f: dict[str, Any]) -> str:
    return f.get("findingArn") or UNKNOWN


def vulnerability(f: dict[str, Any]) -> str:
    """The CVE ("-" for code and network findings, which have none)."""
    return (f.get("packageVulnerabilityDetails") or {}).get("vulnerabilityId") or "-"


def resource(f: dict[str, Any]) -> tuple[str, str]:
    first = (f.get("resources") or [{}])[0] or {}
    return first.get("type") or "-", first.get("id") or "-"


def resource_label(rid: str) -> str:
    """Short enough for a cell: repo@digest for images, the name for functions, else the id."""
    if ":repository/" in rid:
        repository, _, digest = rid.split(":repository/", 1)[1].partition("/")
        return f"{repository}@{digest}" if digest else repository
    if ":function:" in rid:
        return rid.split(":function:", 1)[1]
    return rid


def members(items: Any) -> list[dict[str, Any]]:
    """The dict entries of a list member (JSON lets a list hold nulls; botocore passes them on)."""
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


@dataclass(frozen=True, slots=True)
class FindingDetail:
    """A finding's detail pane, laid out when it is iterated (shown, exported): built up front, the
    eleven labelled lines of 20,000 findings held ~20 MB. Scalars are the response's own values;
    its lists (packages, CVSS scores) are kept as the one line each that the pane shows."""

    title: str
    severity: str | None
    score: Any
    status: str
    type: str
    exploit: str
    seen: tuple[Any, Any]  # first and last observed
    description: str
    kind: str
    rid: str
    packages: str
    cvss: str
    remediation: str
    url: str

    @classmethod
    def of(cls, f: dict[str, Any], details: dict[str, Any]) -> FindingDetail:
        recommendation = (f.get("remediation") or {}).get("recommendation") or {}
        packages = "; ".join(f"{p.get('name')} {p.get('version')} → fixed in {p.get('fixedInVersion', 'no fix yet')}"
                             for p in members(details.get("vulnerablePackages"))) or "-"
        cvss = "; ".join(f"{c.get('baseScore')} {c.get('scoringVector', '')} ({c.get('source', '')})"
                         for c in members(details.get("cvss"))) or "-"
        return cls(f.get("title", ""), f.get("severity"), f.get("inspectorScore", "-"), f.get("status", "-"),
                   f.get("type", "-"), f.get("exploitAvailable", "-"),
                   (f.get("firstObservedAt"), f.get("lastObservedAt")), f.get("description", "-"), *resource(f),
                   packages, cvss, recommendation.get("text", "-"),
                   recommendation.get("Url") or details.get("sourceUrl") or "-")

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        yield from (
            ("Title", self.title), ("Severity", f"{self.severity} · score {self.score}"),
            ("Status", f"{self.status} · {self.type}"), ("Resource", f"{self.kind} {self.rid}"),
            ("Packages", self.packages), ("Exploit available", self.exploit), ("CVSS", self.cvss),
            ("Remediation", self.remediation), ("Remediation URL", self.url),
            ("First / last seen", f"{when(self.seen[0])} / {when(self.seen[1])}"),
            ("Description", self.description),
        )


def finding_row(f: dict[str, Any]) -> Row:
    kind, rid = resource(f)
    details = f.get("packageVulnerabilityDetails") or {}
    packages = members(details.get("vulnerablePackages"))
    first = packages[0] if packages else {}
    return Row(
        key=finding_arn(f), name=vulnerability(f), status=f.get("severity", ""),
        cells=(SHORT.get(f.get("severity", ""), f.get("severity", "")), vulnerability(f),
               RESOURCE_TYPES.get(kind, kind), resource_label(rid), first.get("name", "-"),
               first.get("fixedInVersion", "-"), f.get("exploitAvailable", "-"), f.get("title", "")),
        detail=FindingDetail.of(f, details),
        data={"finding": finding_arn(f), "vulnerability": vulnerability(f), "resource": rid,
              "resource_type": kind, "severity": f.get("severity", "")},
    )


def suppression_filter(row: Row, scope: str, reason: str) -> dict[str, Any]:
    """CreateFilter parameters suppressing the row's vulnerability on its resource, or everywhere."""
    if scope not in ("resource", "all"):
        raise ValueError(f"Scope must be resource or all, not {scope!r}.")
    criteria: dict[str, Any] = {"vulnerabilityId": [{"comparison": "EQUALS", "value": row.data["vulnerability"]}]}
    if scope == "resource":
        criteria["resourceId"] = [{"comparison": "EQUALS", "value": row.data["resource"]}]
    target = resource_label(row.data["resource"]) if scope == "resource" else "all"
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", f"wk-suppress-{row.data['vulnerability']}-{target}")[:128]
    return {"name": name, "action": "SUPPRESS", "filterCriteria": criteria, "reason": reason,
            "description": f"Suppressed from watchkeeper: {row.data['vulnerability']} on {target}"}


@dataclass(frozen=True, slots=True)
class Tally:
    """Active findings per severity. A severity some part was not counted for (AWS documents only
    all, critical, high and medium in severityCounts) is `unknown`: its count is a lower bound,
    shown "12+", or "?" where nothing was counted; never the rows listed so far."""

    counts: dict[str, int]
    unknown: frozenset[str] = frozenset()

    def __add__(self, other: Tally) -> Tally:
        return Tally({s: self[s] + other[s] for s in ORDER}, self.unknown | other.unknown)

    def __getitem__(self, severity: str) -> int:
        return self.counts.get(severity, 0)

    def cell(self, severity: str) -> int | str:  # an int where exact: it sorts as a number
        return self[severity] if severity not in self.unknown else self.text(severity)

    def text(self, severity: str) -> str:
        n = self[severity]
        return f"{n:,}" if severity not in self.unknown else f"{n:,}+" if n else UNKNOWN

    def worst(self) -> str:
        return next((s for s in ORDER if self[s]), "-")

    @classmethod
    def of(cls, counts: dict[str, int]) -> Tally:
        """Exact counts, as from listed findings."""
        return cls(dict(counts))


def severity_bar(rows: list[Row], scans: str = "", counted: Tally | None = None) -> Text:
    """Findings per severity: the server's counts where it gave them, else the listed rows'."""
    tally = counted if counted is not None else Tally.of(Counter(str(r.data.get("severity")) for r in rows))
    bar = Text()
    for severity in ORDER:
        bar.append(f"{SHORT[severity]} {tally.text(severity)}  ",
                   style=status_style(severity) if tally[severity] else "dim")
    if scans:
        bar.append(f"│ {scans}", style="dim")
    return bar


# -- counts the server makes (ListFindingAggregations) ---------------------------------------------
def aggregations(aws: AwsSession, kind: str, member: str) -> Iterator[dict[str, Any]]:
    """The groups of one aggregation: active findings counted per severity by the server (an
    entry without its member counts nothing we could name, and is skipped)."""
    pages = aws.client("inspector2").get_paginator("list_finding_aggregations").paginate(
        aggregationType=kind, PaginationConfig={"PageSize": 100})
    for page in pages:
        for response in members(page.get("responses")):
            if isinstance(group := response.get(member), dict):
                yield group


def count(value: Any) -> int | None:
    return value if type(value) is int and value >= 0 else None


def severity_counts(group: dict[str, Any]) -> Tally:
    """A group's severityCounts; a severity left out (or not a count) is unknown."""
    given = group.get("severityCounts") or {}
    counts = {s: n for s in ORDER if (n := count(given.get(s.lower()))) is not None}
    return Tally(counts, frozenset(ORDER) - counts.keys())


def group_total(group: dict[str, Any], tally: Tally) -> int | None:
    """severityCounts.all, else the sum where every severity was counted; None: unknown."""
    whole = count((group.get("severityCounts") or {}).get("all"))
    return whole if whole is not None or tally.unknown else sum(tally.counts.values())


def account_counts(aws: AwsSession) -> dict[str, Tally]:
    """Active findings per severity for each account the session sees ("account/region")."""
    return {f"{a.get('accountId') or UNKNOWN}/{aws.region}": severity_counts(a)
            for a in aggregations(aws, "ACCOUNT", "accountAggregation")}


def place(arn: str) -> str:
    """arn:aws:inspector2:REGION:ACCOUNT:finding/… -> "ACCOUNT/REGION", as account_counts keys it."""
    parts = arn.split(":")
    return f"{parts[4]}/{parts[3]}" if len(parts) > 5 else UNKNOWN


class InspectorPanel(Panel):
    id, key, title, service, kind = "inspector", "7", "Inspector", "Inspector", "inspector.finding"
    columns = ("Sev", "Vulnerability", "Type", "Resource", "Package", "Fixed in", "Exploit", "Title")

    def __init__(self, status: str | None = "ACTIVE") -> None:
        self.status = status
        self.scans = ""
        self.counted: dict[str, Tally] = {}  # the server's counts of active findings, by place

    @property
    def label(self) -> str:
        return "Inspector" if self.status == "ACTIVE" else "Inspector (all statuses)"

    def alternatives(self) -> tuple[Source, ...]:
        return (InspectorPanel(), InspectorGroups("cve"), InspectorGroups("resource"), InspectorPanel(None))

    def rows(self, aws: AwsSession) -> list[Row]:
        # Which scans are on and the server's counts only decorate the summary line: without
        # them the findings still list (and are counted as they arrive).
        self.scans = tolerate(aws, "scan status", lambda: scan_status(aws), "scans ?")
        if self.status == "ACTIVE":  # the aggregation API counts active findings only
            # This session's places are replaced, never kept from a refresh (or a region) before.
            fresh = tolerate(aws, "severity counts", lambda: account_counts(aws), {})
            self.counted = {k: v for k, v in self.counted.items() if not k.endswith(f"/{aws.region}")} | fresh
        criteria = {"findingStatus": [{"comparison": "EQUALS", "value": self.status}]} if self.status else {}
        return streamed(finding_pages(aws, criteria), finding_row,  # 20,000: shown as they come
                        order=lambda f: rank(f.get("severity")))

    def summary(self, rows: list[Row]) -> Text:
        """The server's counts for the accounts and regions the rows are in, from the first page on
        (20,000 findings take seconds to list); the rows' own counts where it gave none."""
        places = {place(r.key) for r in rows}  # none yet: none claimed (the places may be another scope's)
        known = [self.counted[p] for p in places if p in self.counted]
        whole = known and len(known) == len(places)
        return severity_bar(rows, self.scans, sum(known[1:], known[0]) if whole else None)

    def checks(self) -> tuple[Check, ...]:
        return (Check("inspector.findings", "Inspector critical findings, and high ones with an exploit",
                      check_findings, at_risk=True),)


def check_findings(aws: AwsSession, memo: Memo) -> list[Problem]:
    """Active CRITICAL findings, and HIGH ones with a known exploit: two server-side queries, so the
    answer holds only what becomes a problem (moto has no aggregation API to count the rest, and
    triage needs each finding anyway)."""
    problems: list[Problem] = []
    wanted = findings(aws, "ACTIVE", ("CRITICAL",)) + findings(aws, "ACTIVE", ("HIGH",), exploit="YES")
    for f in {f.get("findingArn") or id(f): f for f in wanted}.values():  # a server ignoring filters repeats them
        severity = f.get("severity")
        exploit = f.get("exploitAvailable") == "YES"
        if severity != "CRITICAL" and not (severity == "HIGH" and exploit):
            continue  # also what a server that ignores the filter sends
        _, rid = resource(f)
        title = f.get("title") or ""
        cve = vulnerability(f)
        # Package findings' titles lead with their CVE; others have no CVE ("-"), only a title.
        named = title if title and (cve == "-" or title.startswith(cve)) else f"{cve} {title}".strip()
        arn = f.get("findingArn") or ""
        problems.append(Problem(
            panel="inspector", service="Inspector", resource=resource_label(rid), status=severity,
            reason=named + (" (exploit available)" if exploit else ""),
            severity=Severity.CRITICAL if severity == "CRITICAL" else Severity.HIGH,
            since=utc(f.get("firstObservedAt")), path=(arn,) if arn else (), arn=arn,
        ))
    return problems


def scan_status(aws: AwsSession) -> str:
    """Which scan types the account has on, e.g. "scans EC2 on · ECR on · Lambda off"."""
    accounts = aws.client("inspector2").batch_get_account_status(
        accountIds=[aws.identity().account]
    ).get("accounts") or []
    if not accounts:
        return ""
    state = accounts[0].get("resourceState") or {}
    names = {"ec2": "EC2", "ecr": "ECR", "lambda": "Lambda"}
    return "scans " + " · ".join(
        f"{label} {'on' if (state.get(key) or {}).get('status') == 'ENABLED' else 'off'}"
        for key, label in names.items()
    )


@dataclass(frozen=True, slots=True)
class Group:
    """Active findings sharing a CVE (a title when they have none) or a resource, by severity."""

    name: str  # the cell: a CVE, a title, a resource's short label
    about: str  # what else tells it apart: the title, the resource's kind and tags
    criterion: str  # the ListFindings criterion that lists its findings, and its value
    value: str
    counts: Tally
    total: int | None  # None: the server did not say

    def merged(self, other: Group) -> Group:  # a CVE under two titles (two packages)
        about = self.about if other.about in self.about else f"{self.about}; {other.about}"
        total = None if self.total is None or other.total is None else self.total + other.total
        return Group(self.name, about, self.criterion, self.value, self.counts + other.counts, total)


def about_cve(cve: str | None, title: str) -> str:
    """A package finding's title leads with its CVE ("CVE-2024-3094 - xz-utils"): the rest says more."""
    return title[len(cve):].lstrip(" -") or title if cve and title.startswith(cve) else title


def group_of_title(a: dict[str, Any]) -> Group:
    title = a.get("title") if isinstance(a.get("title"), str) and a.get("title") else UNKNOWN
    cve = a.get("vulnerabilityId") if isinstance(a.get("vulnerabilityId"), str) else None
    counts = severity_counts(a)
    return Group(cve or title, about_cve(cve, title), "vulnerabilityId" if cve else "title", cve or title, counts,
                 group_total(a, counts))


def words(*values: Any) -> str:
    """The values that are text, joined: a null or odd member in the response is left out."""
    return " ".join(v for v in values if isinstance(v, str) and v)


def ecr_about(a: dict[str, Any]) -> str:
    tags = ",".join(t for t in a.get("imageTags") or [] if isinstance(t, str))
    return words("ECR", words(a.get("repository")) + (f":{tags}" if tags else ""))


@dataclass(frozen=True, slots=True)
class Counted:
    """One resource aggregation: what it counts and how its groups are named and listed."""

    label: str  # for the gap when the server will not count these
    member: str  # the response's member holding one group, and that group's member naming the resource
    named: str
    about: Callable[[dict[str, Any]], str]
    resource_type: str  # the type its findings' resources have (to count them ourselves instead)


RESOURCE_AGGREGATIONS = {
    "AWS_ECR_CONTAINER": Counted("ECR image", "awsEcrContainerAggregation", "resourceId", ecr_about,
                                 "AWS_ECR_CONTAINER_IMAGE"),
    "AWS_EC2_INSTANCE": Counted("EC2 instance", "ec2InstanceAggregation", "instanceId",
                                lambda a: words("EC2", a.get("ami"), a.get("operatingSystem")), "AWS_EC2_INSTANCE"),
    "AWS_LAMBDA_FUNCTION": Counted("Lambda function", "lambdaFunctionAggregation", "resourceId",
                                   lambda a: words("Lambda", a.get("runtime")), "AWS_LAMBDA_FUNCTION"),
    "CODE_REPOSITORY": Counted("code repository", "codeRepositoryAggregation", "resourceId",
                               lambda a: words("Code", a.get("projectNames")), "CODE_REPOSITORY"),
}


def resource_groups(aws: AwsSession, kind: str) -> Iterator[Group]:
    counted = RESOURCE_AGGREGATIONS[kind]
    for a in aggregations(aws, kind, counted.member):
        counts = severity_counts(a)
        total = group_total(a, counts)
        if isinstance(rid := a.get(counted.named), str) and rid:
            yield Group(resource_label(rid), counted.about(a), "resourceId", rid, counts, total)
        elif isinstance(project := a.get("projectNames"), str) and project:  # a repository's only required member
            yield Group(project, counted.about(a), "codeRepositoryProjectName", project, counts, total)


# Where the server refuses to count (denied, not implemented, a type this region lacks), the
# findings are listed and counted here; throttled or unreachable, listing them would fare no better.
COUNT_OURSELVES = {DENIED, UNSUPPORTED, INVALID}


def listed_groups(found: list[dict[str, Any]], by: str) -> Iterator[Group]:
    """The same groups counted from every listed finding, when the server will not count them."""
    for f in found:
        kind, rid = resource(f)
        counts = Tally.of({str(f.get("severity")): 1})
        cve, title = vulnerability(f), f.get("title") or UNKNOWN
        if by == "cve" and cve != "-":
            yield Group(cve, about_cve(cve, title), "vulnerabilityId", cve, counts, 1)
        elif by == "cve":  # code and network findings have no CVE: grouped by title, as the server does
            yield Group(title, title, "title", title, counts, 1)
        else:
            yield Group(resource_label(rid), RESOURCE_TYPES.get(kind, kind), "resourceId", rid, counts, 1)


def merged(found: Iterable[tuple[Group, str]]) -> list[tuple[Group, str]]:
    """One group per criterion and value (the server counts a CVE once per title, i.e. package),
    with how it was counted."""
    groups: dict[tuple[str, str], tuple[Group, str]] = {}
    for g, by in found:
        if (key := (g.criterion, g.value)) in groups:
            was, was_by = groups[key]
            g, by = was.merged(g), was_by if by in was_by else f"{was_by} and {by}"
        groups[key] = g, by
    return list(groups.values())


def group_row(by: str, g: Group, counted_by: str) -> Row:
    worst = g.counts.worst()
    total = UNKNOWN if g.total is None else g.total
    return Row(
        key=f"{by}:{g.criterion}:{g.value}", name=g.name, status=worst,
        cells=(SHORT.get(worst, worst), g.name, total, *(g.counts.cell(s) for s in ORDER[:3]), g.about),
        detail=(("Group", g.name), ("About", g.about),
                ("Findings", f"{total} active · " + " · ".join(f"{SHORT[s]} {g.counts.text(s)}" for s in ORDER)),
                ("Listed by", f"{g.criterion} = {g.value}"), ("Counted by", counted_by)),
        data={"group": g.name, "severity": worst, "criterion": g.criterion, "value": g.value, "counted_by": counted_by},
    )


class InspectorGroups(Source):
    """Active findings grouped by CVE ("which images carry this CVE") or by resource ("what is wrong
    here"), counted by the server (ListFindingAggregations: a few pages, where listing 20,000
    findings takes seconds); counted from every listed finding where the server will not."""

    kind = "inspector.group"
    columns = ("Worst", "Group", "Findings", "Crit", "High", "Med", "About")

    def __init__(self, by: str) -> None:
        self.by = by

    @property
    def label(self) -> str:
        return f"Inspector by {'CVE' if self.by == 'cve' else 'resource'}"

    def alternatives(self) -> tuple[Source, ...]:
        return InspectorPanel().alternatives()

    def rows(self, aws: AwsSession) -> list[Row]:
        # The resource kinds are counted one aggregation each: one this region refuses costs only
        # its own groups, which are then counted from the listed findings of that kind.
        kinds = list(RESOURCE_AGGREGATIONS) if self.by == "resource" else ["TITLE"]
        found: list[tuple[Group, str]] = []
        failed: dict[str, Failure] = {}  # the kinds the server did not count, and why
        for kind in kinds:
            got = attempt(aws, "counts by the server", partial(self.counted, aws, kind))
            if not isinstance(got, Failure):
                found += [(g, "Inspector (aggregation API)") for g in got]
                continue
            failed[kind] = got
            if got.kind not in COUNT_OURSELVES:  # throttled, unreachable: the next kind would fare no better
                failed |= {k: got for k in kinds[kinds.index(kind) + 1:]}
                break
        self.report_failed(failed, len(kinds))
        if refused := [k for k, f in failed.items() if f.kind in COUNT_OURSELVES]:
            types = tuple(RESOURCE_AGGREGATIONS[k].resource_type for k in refused if k in RESOURCE_AGGREGATIONS)
            listed = tolerate(aws, "findings to count", lambda: findings(aws, resource_types=types), None)
            if listed is not None:
                listed = [f for f in listed if not types or resource(f)[0] in types]  # a server ignoring the filter
                counted_by = f"watchkeeper from {len(listed):,} listed findings"
                found += [(g, counted_by) for g in listed_groups(listed, self.by)]
        ordered = sorted(merged(found), key=lambda gb: (
            *(-gb[0].counts[s] for s in ORDER), -(gb[0].total or 0), gb[0].name))
        return [group_row(self.by, g, counted_by) for g, counted_by in ordered]

    @staticmethod
    def counted(aws: AwsSession, kind: str) -> list[Group]:
        found = (group_of_title(a) for a in aggregations(aws, "TITLE", "titleAggregation")) if kind == "TITLE" \
            else resource_groups(aws, kind)
        return [g for g in found if g.total != 0]  # an entry counting nothing is no group

    @staticmethod
    def report_failed(failed: dict[str, Failure], kinds: int) -> None:
        """One gap per reason, naming the kinds it cost (none named: it cost them all)."""
        reasons: dict[tuple[str, str, str], list[str]] = {}
        for kind, f in failed.items():
            reasons.setdefault((f.action, f.kind, f.message), []).append(kind)
        for which in reasons.values():
            labels = " and ".join(RESOURCE_AGGREGATIONS[k].label for k in which) if len(which) < kinds else ""
            report(replace(failed[which[0]], what=f"{labels} counts by the server".lstrip()))

    def summary(self, rows: list[Row]) -> Text:
        # Each session's rows say how they were counted (a scope's threads share this source). A
        # CVE in two regions is one CVE; a function named "api" in two regions is two resources.
        by = " and ".join(sorted({str(r.data.get("counted_by")) for r in rows})) or "-"
        distinct = {r.name for r in rows} if self.by == "cve" else {r.data.get("value") for r in rows}
        return Text(f"{len(distinct):,} {'CVEs' if self.by == 'cve' else 'resources'} with active "
                    f"findings, counted by {by}", style="dim")

    def drill(self, row: Row) -> Source:
        return GroupFindings(row.name, row.data["criterion"], row.data["value"])


# How a listed finding is matched to a group's criterion, for a server that ignores the filter.
MATCHED_BY = {"vulnerabilityId": lambda f: {vulnerability(f)}, "title": lambda f: {f.get("title") or UNKNOWN},
              "resourceId": lambda f: {r.get("id") for r in members(f.get("resources"))},
              "codeRepositoryProjectName": lambda f: {((r.get("details") or {}).get("codeRepository") or {})
                                                      .get("projectName") for r in members(f.get("resources"))}}


class GroupFindings(Source):
    kind = "inspector.finding"
    columns = InspectorPanel.columns

    def __init__(self, name: str, criterion: str, value: str) -> None:
        self.name, self.criterion, self.value = name, criterion, value

    @property
    def label(self) -> str:
        return self.name

    def rows(self, aws: AwsSession) -> list[Row]:
        # One group's findings are asked of the server (reading 20,000 for one took 8 s).
        return [finding_row(f) for f in findings(aws, equals={self.criterion: self.value})
                if self.value in MATCHED_BY[self.criterion](f)]
