"""Amazon Inspector (inspector2): severity summary, findings worst first, grouped by CVE or resource."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from rich.text import Text

from panels.model import Check, Memo, Panel, Problem, Row, Severity, Source, streamed, tolerate, utc, when
from panels.ordering import status_style
from tui.session import AwsSession

ORDER = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNTRIAGED"]
SHORT = {"CRITICAL": "CRIT", "HIGH": "HIGH", "MEDIUM": "MED", "LOW": "LOW", "INFORMATIONAL": "INFO",
         "UNTRIAGED": "UNTR"}
SEVERE = ("CRITICAL", "HIGH")  # what triage asks the server for; HIGH counts only with an exploit
UNKNOWN = "?"
RESOURCE_TYPES = {"AWS_ECR_CONTAINER_IMAGE": "ECR", "AWS_EC2_INSTANCE": "EC2", "AWS_LAMBDA_FUNCTION": "Lambda",
                  "AWS_ECR_REPOSITORY": "ECR repo", "CODE_REPOSITORY": "Code"}


def rank(severity: str | None) -> int:
    return ORDER.index(severity) if severity in ORDER else len(ORDER)


def findings(aws: AwsSession, status: str | None = "ACTIVE", severities: tuple[str, ...] = (),
             exploit: str | None = None, equals: dict[str, str] | None = None) -> list[dict[str, Any]]:
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
    for name, value in (equals or {}).items():
        criteria[name] = [{"comparison": "EQUALS", "value": value}]
    found = [f for page in finding_pages(aws, criteria) for f in page]
    found.sort(key=lambda f: rank(f.get("severity")))
    return found


def finding_pages(aws: AwsSession, criteria: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    for page in aws.client("inspector2").get_paginator("list_findings").paginate(
            filterCriteria=criteria, PaginationConfig={"PageSize": 100}):
        yield page.get("findings", [])


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


def severity_bar(rows: list[Row], scans: str = "", counted: Counter[str] | None = None) -> Text:
    """Findings per severity: the server's count where it gave one, else the listed rows'."""
    counts = Counter(r.data.get("severity") for r in rows)
    bar = Text()
    for severity in ORDER:
        n = counted[severity] if counted is not None and severity in counted else counts[severity]
        bar.append(f"{SHORT[severity]} {n:,}  ", style=status_style(severity) if n else "dim")
    if scans:
        bar.append(f"│ {scans}", style="dim")
    return bar


# -- counts the server makes (ListFindingAggregations) ---------------------------------------------
def aggregations(aws: AwsSession, kind: str, member: str) -> Iterator[dict[str, Any]]:
    """The groups of one aggregation: active findings counted per severity by the server."""
    pages = aws.client("inspector2").get_paginator("list_finding_aggregations").paginate(
        aggregationType=kind, PaginationConfig={"PageSize": 100})
    for page in pages:
        for response in members(page.get("responses")):
            yield response.get(member) or {}


def severity_counts(group: dict[str, Any]) -> Counter[str]:
    """A group's severityCounts by severity name; the severities the server left out are absent."""
    counts = group.get("severityCounts") or {}
    return Counter({s: counts[s.lower()] for s in ORDER if isinstance(counts.get(s.lower()), int)})


def account_counts(aws: AwsSession) -> dict[str, Counter[str]]:
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
        self.counted: dict[str, Counter[str]] = {}  # the server's counts of active findings, by place

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
        return severity_bar(rows, self.scans, sum(known, Counter()) if whole else None)

    def checks(self) -> tuple[Check, ...]:
        return (Check("inspector.findings", "Inspector critical findings, and high ones with an exploit",
                      check_findings),)


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
    counts: Counter[str]
    total: int

    def merged(self, other: Group) -> Group:  # a CVE under two titles (two packages)
        about = self.about if other.about in self.about else f"{self.about}; {other.about}"
        return Group(self.name, about, self.criterion, self.value, self.counts + other.counts,
                     self.total + other.total)


def about_cve(cve: str | None, title: str) -> str:
    """A package finding's title leads with its CVE ("CVE-2024-3094 - xz-utils"): the rest says more."""
    return title[len(cve):].lstrip(" -") or title if cve and title.startswith(cve) else title


def group_of_title(a: dict[str, Any]) -> Group:
    title, cve = a.get("title") or UNKNOWN, a.get("vulnerabilityId")
    counts = severity_counts(a)
    return Group(cve or title, about_cve(cve, title), "vulnerabilityId" if cve else "title", cve or title, counts,
                 (a.get("severityCounts") or {}).get("all") or sum(counts.values()))


def ecr_about(a: dict[str, Any]) -> str:
    tags = ",".join(str(t) for t in a.get("imageTags") or [])
    return f"ECR {a.get('repository') or ''}{':' + tags if tags else ''}".strip()


# aggregationType -> (response member, the member naming the resource, its cell, its kind and details)
RESOURCE_AGGREGATIONS: dict[str, tuple[str, str, Any]] = {
    "AWS_ECR_CONTAINER": ("awsEcrContainerAggregation", "resourceId", ecr_about),
    "AWS_EC2_INSTANCE": ("ec2InstanceAggregation", "instanceId",
                         lambda a: " ".join(str(v) for v in ("EC2", a.get("ami"), a.get("operatingSystem")) if v)),
    "AWS_LAMBDA_FUNCTION": ("lambdaFunctionAggregation", "resourceId",
                            lambda a: " ".join(str(v) for v in ("Lambda", a.get("runtime")) if v)),
    "CODE_REPOSITORY": ("codeRepositoryAggregation", "resourceId",
                        lambda a: f"Code {a.get('projectNames') or ''}".strip()),
}


def resource_groups(aws: AwsSession) -> Iterator[Group]:
    for kind, (member, named, about) in RESOURCE_AGGREGATIONS.items():
        for a in aggregations(aws, kind, member):
            rid = str(a.get(named) or a.get("projectNames") or UNKNOWN)
            counts = severity_counts(a)
            yield Group(resource_label(rid), about(a), "resourceId", rid, counts,
                        (a.get("severityCounts") or {}).get("all") or sum(counts.values()))


def listed_groups(found: list[dict[str, Any]], by: str) -> Iterator[Group]:
    """The same groups counted from every listed finding, when the server will not count them."""
    for f in found:
        kind, rid = resource(f)
        counts = Counter({f.get("severity") or UNKNOWN: 1})
        cve, title = vulnerability(f), f.get("title") or UNKNOWN
        if by == "cve" and cve != "-":
            yield Group(cve, about_cve(cve, title), "vulnerabilityId", cve, counts, 1)
        elif by == "cve":  # code and network findings have no CVE: grouped by title, as the server does
            yield Group(title, title, "title", title, counts, 1)
        else:
            yield Group(resource_label(rid), RESOURCE_TYPES.get(kind, kind), "resourceId", rid, counts, 1)


def group_row(by: str, g: Group, counted_by: str) -> Row:
    worst = next((s for s in ORDER if g.counts[s]), "-")
    return Row(
        key=f"{by}:{g.criterion}:{g.value}", name=g.name, status=worst,
        cells=(SHORT.get(worst, worst), g.name, g.total, g.counts["CRITICAL"], g.counts["HIGH"],
               g.counts["MEDIUM"], g.about),
        detail=(("Group", g.name), ("About", g.about),
                ("Findings", f"{g.total} active · " + " · ".join(f"{SHORT[s]} {g.counts[s]}" for s in ORDER
                                                               if s in g.counts)),
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
        def counted() -> list[Group]:
            return list(resource_groups(aws) if self.by == "resource" else
                        (group_of_title(a) for a in aggregations(aws, "TITLE", "titleAggregation")))

        found = tolerate(aws, "counts by the server", counted, None)
        counted_by = "Inspector (aggregation API)"
        if found is None:  # the gap says why; every finding is read instead
            listed = findings(aws)
            found = list(listed_groups(listed, self.by))
            counted_by = f"watchkeeper from {len(listed):,} listed findings"
        groups: dict[tuple[str, str], Group] = {}
        for g in found:
            key = (g.criterion, g.value)
            groups[key] = groups[key].merged(g) if key in groups else g
        ordered = sorted(groups.values(), key=lambda g: (*(-g.counts[s] for s in ORDER), -g.total, g.name))
        return [group_row(self.by, g, counted_by) for g in ordered]

    def summary(self, rows: list[Row]) -> Text:
        # Each session's rows say how they were counted (a scope's threads share this source).
        by = " and ".join(sorted({str(r.data.get("counted_by")) for r in rows})) or "-"
        return Text(f"{len({r.name for r in rows}):,} {'CVEs' if self.by == 'cve' else 'resources'} with active "
                    f"findings, counted by {by}", style="dim")

    def drill(self, row: Row) -> Source:
        return GroupFindings(row.name, row.data["criterion"], row.data["value"])


# How a listed finding is matched to a group's criterion, for a server that ignores the filter.
MATCHED_BY = {"vulnerabilityId": lambda f: {vulnerability(f)}, "title": lambda f: {f.get("title") or UNKNOWN},
              "resourceId": lambda f: {r.get("id") for r in members(f.get("resources"))}}


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
