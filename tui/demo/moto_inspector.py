"""inspector2 as AWS answers it, over findings a seed puts on moto's backend (`held_findings`).

moto's ListFindings answers each distinct query with the next result from a queue, ignoring the
filters and paging, and it has no ListFindingAggregations. Here both are answered from the held
list: EQUALS criteria on the members the console filters by (values of one criterion ORed,
criteria ANDed), pages of at most 100, and aggregations counting active findings per severity.
A region with no held findings keeps moto's own ListFindings.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

PAGE_MAX = 100  # the largest page of ListFindings and of ListFindingAggregations
SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNTRIAGED")


def vulnerability_id(finding: dict[str, Any]) -> Any:
    return (finding.get("packageVulnerabilityDetails") or {}).get("vulnerabilityId")


def resource_ids(finding: dict[str, Any]) -> list[Any]:
    return [r.get("id") for r in finding.get("resources") or []]


# criterion -> the values of a finding it compares (a criterion not here is not filtered)
FIELDS: dict[str, Callable[[dict[str, Any]], list[Any]]] = {
    "findingStatus": lambda f: [f.get("status")],
    "severity": lambda f: [f.get("severity")],
    "exploitAvailable": lambda f: [f.get("exploitAvailable")],
    "title": lambda f: [f.get("title")],
    "vulnerabilityId": lambda f: [vulnerability_id(f)],
    "resourceId": resource_ids,
    "resourceType": lambda f: [r.get("type") for r in f.get("resources") or []],
}


def matches(finding: dict[str, Any], criteria: dict[str, list[dict[str, Any]]]) -> bool:
    for name, values in (criteria or {}).items():
        field = FIELDS.get(name)
        wanted = {v.get("value") for v in values if v.get("comparison", "EQUALS") == "EQUALS"}
        if field is not None and wanted and not wanted & set(field(finding)):
            return False
    return True


def page(items: list[Any], member: str, params: Callable[[str], Any]) -> str:
    size = min(int(params("maxResults") or PAGE_MAX), PAGE_MAX)
    offset = int(params("nextToken") or 0)
    answer: dict[str, Any] = {member: items[offset:offset + size]}
    if offset + size < len(items):
        answer["nextToken"] = str(offset + size)
    return json.dumps(answer)


_original_list_findings: Any = None


def held_findings(backend: Any) -> list[dict[str, Any]] | None:
    """The held findings, those a suppression rule (CreateFilter, action SUPPRESS) matches marked
    SUPPRESSED, as AWS marks them (there within minutes, here at once)."""
    held = getattr(backend, "held_findings", None)
    rules = [f.filter_criteria for f in getattr(backend, "filters", {}).values() if f.action == "SUPPRESS"]
    if held is None or not rules:
        return held
    return [{**f, "status": "SUPPRESSED"} if f.get("status") == "ACTIVE" and any(matches(f, r) for r in rules) else f
            for f in held]


def list_findings(self: Any) -> str:
    held = held_findings(self.inspector2_backend)
    if held is None:
        return _original_list_findings(self)  # type: ignore[no-any-return]
    criteria = self._get_param("filterCriteria") or {}
    return page([f for f in held if matches(f, criteria)], "findings", self._get_param)


# -- ListFindingAggregations -----------------------------------------------------------------------
def ecr_image(finding: dict[str, Any], rid: str) -> dict[str, Any]:
    details = ((finding.get("resources") or [{}])[0].get("details") or {}).get("awsEcrContainerImage") or {}
    repository, _, sha = rid.split(":repository/", 1)[-1].partition("/")
    return {"resourceId": rid, "repository": details.get("repositoryName", repository),
            "imageSha": details.get("imageHash", sha), "imageTags": details.get("imageTags", [])}


# aggregationType -> (response member, the resource type it counts or None for any, the group's members)
AGGREGATIONS: dict[str, tuple[str, str | None, Callable[[dict[str, Any], str], dict[str, Any]]]] = {
    "ACCOUNT": ("accountAggregation", None, lambda f, rid: {"accountId": f.get("awsAccountId")}),
    "TITLE": ("titleAggregation", None, lambda f, rid: {
        "title": f.get("title"), "vulnerabilityId": vulnerability_id(f), "accountId": f.get("awsAccountId")}),
    "AWS_ECR_CONTAINER": ("awsEcrContainerAggregation", "AWS_ECR_CONTAINER_IMAGE", ecr_image),
    "AWS_EC2_INSTANCE": ("ec2InstanceAggregation", "AWS_EC2_INSTANCE", lambda f, rid: {"instanceId": rid}),
    "AWS_LAMBDA_FUNCTION": ("lambdaFunctionAggregation", "AWS_LAMBDA_FUNCTION", lambda f, rid: {
        "resourceId": rid, "functionName": rid.rsplit(":function:", 1)[-1]}),
    "CODE_REPOSITORY": ("codeRepositoryAggregation", "CODE_REPOSITORY", lambda f, rid: {
        "resourceId": rid, "projectNames": rid.rsplit("/", 1)[-1]}),
}


def aggregate(findings: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """One response per group of active findings, most critical first (the API's default order)."""
    member, resource_type, describe = AGGREGATIONS[kind]
    groups: dict[str, dict[str, Any]] = {}
    for f in findings:
        if f.get("status") != "ACTIVE":
            continue
        first = (f.get("resources") or [{}])[0]
        if resource_type is not None and first.get("type") != resource_type:
            continue
        rid = str(first.get("id"))
        fields = describe(f, rid)
        group = groups.setdefault(json.dumps(fields, sort_keys=True, default=str),
                                  {**fields, "severityCounts": {"all": 0}, "exploitAvailableCount": 0})
        counts = group["severityCounts"]
        counts["all"] += 1
        severity = str(f.get("severity")).lower()
        counts[severity] = counts.get(severity, 0) + 1
        group["exploitAvailableCount"] += f.get("exploitAvailable") == "YES"
    for group in groups.values():
        group["severityCounts"] = {s.lower(): 0 for s in SEVERITIES} | group["severityCounts"]
        if kind != "ACCOUNT":  # only the account and finding-type answers count exploits
            del group["exploitAvailableCount"]
    ordered = sorted(groups.values(), key=lambda g: (-g["severityCounts"]["critical"], -g["severityCounts"]["high"],
                                                     -g["severityCounts"]["all"]))
    return [{member: group} for group in ordered]


def list_finding_aggregations(self: Any) -> str:
    from moto.core.exceptions import JsonRESTError

    kind = self._get_param("aggregationType")
    if kind not in AGGREGATIONS:
        raise JsonRESTError("ValidationException", f"aggregationType {kind} is not answered by the demo.")
    held = held_findings(self.inspector2_backend) or []
    answer = json.loads(page(aggregate(held, kind), "responses", self._get_param))
    return json.dumps({"aggregationType": kind, **answer})


def install() -> None:
    global _original_list_findings
    from moto.inspector2 import urls
    from moto.inspector2.responses import Inspector2Response

    if _original_list_findings is None:
        _original_list_findings = Inspector2Response.list_findings
        Inspector2Response.list_findings = list_findings  # type: ignore[method-assign]
    Inspector2Response.list_finding_aggregations = list_finding_aggregations  # type: ignore[attr-defined]
    urls.url_paths.setdefault("{0}/findings/aggregation/list$", Inspector2Response.dispatch)
