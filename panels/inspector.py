"""Amazon Inspector (inspector2): severity summary, findings worst first, grouped by CVE or resource."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
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
             exploit: str | None = None, vulnerability: str | None = None) -> list[dict[str, Any]]:
    """Findings, worst first; `status`, `severities`, `exploit` and `vulnerability` (a CVE) are
    filtered by the server (values of one criterion are ORed, criteria ANDed), so triage does not
    page through every LOW finding, nor one CVE's list through every other CVE's."""
    criteria: dict[str, list[dict[str, str]]] = {}
    if status:
        criteria["findingStatus"] = [{"comparison": "EQUALS", "value": status}]
    if severities:
        criteria["severity"] = [{"comparison": "EQUALS", "value": s} for s in severities]
    if exploit:
        criteria["exploitAvailable"] = [{"comparison": "EQUALS", "value": exploit}]
    if vulnerability:
        criteria["vulnerabilityId"] = [{"comparison": "EQUALS", "value": vulnerability}]
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


def severity_bar(rows: list[Row], scans: str = "") -> Text:
    counts = Counter(r.data.get("severity") for r in rows)
    bar = Text()
    for severity in ORDER:
        style = status_style(severity) if counts[severity] else "dim"
        bar.append(f"{SHORT[severity]} {counts[severity]}  ", style=style)
    if scans:
        bar.append(f"│ {scans}", style="dim")
    return bar


class InspectorPanel(Panel):
    id, key, title, service, kind = "inspector", "7", "Inspector", "Inspector", "inspector.finding"
    columns = ("Sev", "Vulnerability", "Type", "Resource", "Package", "Fixed in", "Exploit", "Title")

    def __init__(self, status: str | None = "ACTIVE") -> None:
        self.status = status
        self.scans = ""

    @property
    def label(self) -> str:
        return "Inspector" if self.status == "ACTIVE" else "Inspector (all statuses)"

    def alternatives(self) -> tuple[Source, ...]:
        return (InspectorPanel(), InspectorGroups("cve"), InspectorGroups("resource"), InspectorPanel(None))

    def rows(self, aws: AwsSession) -> list[Row]:
        # Which scans are on only decorates the summary line: without it the findings still list.
        self.scans = tolerate(aws, "scan status", lambda: scan_status(aws), "scans ?")
        criteria = {"findingStatus": [{"comparison": "EQUALS", "value": self.status}]} if self.status else {}
        return streamed(finding_pages(aws, criteria), finding_row,  # 20,000: shown as they come
                        order=lambda f: rank(f.get("severity")))

    def summary(self, rows: list[Row]) -> Text:
        return severity_bar(rows, self.scans)

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


class InspectorGroups(Source):
    """Findings grouped by CVE ("which images carry this CVE") or by resource ("what is wrong here")."""

    kind = "inspector.group"
    columns = ("Worst", "Group", "Findings", "Crit", "High", "Exploit", "Spread")

    def __init__(self, by: str) -> None:
        self.by = by

    @property
    def label(self) -> str:
        return f"Inspector by {'CVE' if self.by == 'cve' else 'resource'}"

    def alternatives(self) -> tuple[Source, ...]:
        return InspectorPanel().alternatives()

    def group_of(self, f: dict[str, Any]) -> str:
        return vulnerability(f) if self.by == "cve" else resource_label(resource(f)[1])

    def rows(self, aws: AwsSession) -> list[Row]:
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for f in findings(aws):
            groups[self.group_of(f)].append(f)
        rows = []
        for name, members in sorted(groups.items(), key=lambda kv: (min(rank(f.get("severity")) for f in kv[1]),
                                                                     -len(kv[1]))):
            worst = ORDER[min(rank(f.get("severity")) for f in members)] if members else "-"
            other = {resource_label(resource(f)[1]) if self.by == "cve" else vulnerability(f) for f in members}
            rows.append(Row(
                key=f"{self.by}:{name}", name=name, status=worst,
                cells=(SHORT.get(worst, worst), name, len(members),
                       sum(f.get("severity") == "CRITICAL" for f in members),
                       sum(f.get("severity") == "HIGH" for f in members),
                       sum(f.get("exploitAvailable") == "YES" for f in members),
                       f"{len(other)} {'resources' if self.by == 'cve' else 'CVEs'}"),
                detail=((("Resources" if self.by == "cve" else "Vulnerabilities"), ", ".join(sorted(other))),),
                data={"group": name, "severity": worst},
            ))
        return rows

    def drill(self, row: Row) -> Source:
        return GroupFindings(self, row.name)


class GroupFindings(Source):
    kind = "inspector.finding"
    columns = InspectorPanel.columns

    def __init__(self, groups: InspectorGroups, name: str) -> None:
        self.groups, self.name = groups, name

    @property
    def label(self) -> str:
        return self.name

    def rows(self, aws: AwsSession) -> list[Row]:
        # One CVE's findings are asked of the server (reading 20,000 for one took 8 s); the match
        # stays, for a server that ignores the filter and for groups by resource label.
        cve = self.name if self.groups.by == "cve" and self.name != "-" else None
        return [finding_row(f) for f in findings(aws, vulnerability=cve) if self.groups.group_of(f) == self.name]
