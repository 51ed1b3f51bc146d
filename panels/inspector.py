"""Amazon Inspector (inspector2): active findings, worst first."""

from __future__ import annotations

from typing import Any

from panels.model import Panel, Problem, Row, Severity, paginate, utc, when
from tui.session import AwsSession

ORDER = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNTRIAGED"]
ACTIVE = {"findingStatus": [{"comparison": "EQUALS", "value": "ACTIVE"}]}


def findings(aws: AwsSession) -> list[dict[str, Any]]:
    found = list(paginate(aws.client("inspector2"), "list_findings", "findings", filterCriteria=ACTIVE,
                          PaginationConfig={"PageSize": 100}))
    found.sort(key=lambda f: ORDER.index(f["severity"]) if f.get("severity") in ORDER else len(ORDER))
    return found


def vulnerability(f: dict[str, Any]) -> str:
    return f.get("packageVulnerabilityDetails", {}).get("vulnerabilityId", "-")


def resource(f: dict[str, Any]) -> tuple[str, str]:
    first = (f.get("resources") or [{}])[0]
    return first.get("type", "-"), first.get("id", "-")


def resource_label(rid: str) -> str:
    """Short enough for a cell: repo@digest for images, the name for functions, else the id."""
    if ":repository/" in rid:
        repository, _, digest = rid.split(":repository/", 1)[1].partition("/")
        return f"{repository}@{digest}" if digest else repository
    if ":function:" in rid:
        return rid.split(":function:", 1)[1]
    return rid


class InspectorPanel(Panel):
    id, key, title, service, kind = "inspector", "7", "Inspector", "Inspector", "inspector.finding"
    columns = ("Severity", "Vulnerability", "Resource", "Exploit", "Fix", "Title")

    def rows(self, aws: AwsSession) -> list[Row]:
        rows = []
        for f in findings(aws):
            kind, rid = resource(f)
            packages = f.get("packageVulnerabilityDetails", {}).get("vulnerablePackages", [])
            rows.append(Row(
                key=f["findingArn"], name=vulnerability(f), status=f.get("severity", ""),
                cells=(f.get("severity", ""), vulnerability(f), resource_label(rid),
                       f.get("exploitAvailable", "-"), f.get("fixAvailable", "-"), f.get("title", "")),
                detail=(("Title", f.get("title", "")), ("Resource", f"{kind} {rid}"),
                        ("Score", f.get("inspectorScore", "-")),
                        ("Packages", "; ".join(f"{p.get('name')} {p.get('version')} → fixed in "
                                               f"{p.get('fixedInVersion', '?')}" for p in packages) or "-"),
                        ("Remediation", f.get("remediation", {}).get("recommendation", {}).get("text", "-")),
                        ("First / last seen", f"{when(utc(f.get('firstObservedAt')))} / "
                                              f"{when(utc(f.get('lastObservedAt')))}"),
                        ("Description", f.get("description", "-"))),
                data={"finding": f["findingArn"], "vulnerability": vulnerability(f), "resource": rid},
            ))
        return rows

    def problems(self, aws: AwsSession) -> list[Problem]:
        problems = []
        for f in findings(aws):
            severity = f.get("severity")
            if severity != "CRITICAL" and not (severity == "HIGH" and f.get("exploitAvailable") == "YES"):
                continue
            _, rid = resource(f)
            problems.append(Problem(
                panel="inspector", service="Inspector", resource=resource_label(rid),
                status=severity,
                reason=f"{vulnerability(f)} {f.get('title', '')}"
                       + (" (exploit available)" if f.get("exploitAvailable") == "YES" else ""),
                severity=Severity.CRITICAL if severity == "CRITICAL" else Severity.HIGH,
                since=utc(f.get("firstObservedAt")), path=(f["findingArn"],), arn=f["findingArn"],
            ))
        return problems

