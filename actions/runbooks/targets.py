"""The `row` of a run started without a screen (`watchkeeper runbooks run NAME --target ARN`).

In the console a runbook gets the selected row's data; here the ARN stands in for the row. Every
target gives `arn`, `key`, `name`, `region` and `account`; the kinds the built-ins act on also get
the fields their panel rows carry:

- ECS service `arn:aws:ecs:REGION:ACCT:service/CLUSTER/NAME` (ecs.service): cluster, service, and,
  from one DescribeServices, task_definition, previous_task_definition and desired;
- Step Functions execution `arn:aws:states:…:execution:MACHINE:NAME` (sfn.execution): execution,
  machine (the state machine's ARN);
- Step Functions state machine `arn:aws:states:…:stateMachine:NAME` (sfn.machine): machine;
- EBS volume `arn:aws:ec2:…:volume/vol-…` or just `vol-…` (ebs.volume): volume;
- EBS snapshot `arn:aws:ec2:…::snapshot/snap-…` or `snap-…` (ebs.snapshot): snapshot.

`--row field=value` adds or replaces fields for anything else.
"""

from __future__ import annotations

from typing import Any

from actions.runbooks.model import Runbook
from panels.model import Row
from tui.session import AwsSession


class TargetError(ValueError):
    """A target that cannot be used for the runbook: the message is a sentence."""


def row_context(row: Row) -> dict[str, Any]:
    """The `row` of a run started on a selected row in the console: its data, name and key."""
    return {**row.data, "name": row.name, "key": row.key}


def parse_arn(arn: str) -> dict[str, str]:
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return {}
    return {"partition": parts[1], "service": parts[2], "region": parts[3], "account": parts[4],
            "resource": parts[5]}


def describe(target: str) -> tuple[str | None, dict[str, Any]]:
    """(the row kind, the row fields) that the target's text alone gives."""
    row: dict[str, Any] = {"arn": target, "key": target, "name": target.rsplit("/", 1)[-1].rsplit(":", 1)[-1]}
    if target.startswith("vol-"):
        return "ebs.volume", {**row, "arn": "", "volume": target}
    if target.startswith("snap-"):
        return "ebs.snapshot", {**row, "arn": "", "snapshot": target}
    arn = parse_arn(target)
    if not arn:
        return None, row
    row.update(region=arn["region"], account=arn["account"])
    service, resource = arn["service"], arn["resource"]
    if service == "ecs" and resource.startswith("service/"):
        path = resource.split("/")
        if len(path) == 3:
            return "ecs.service", {**row, "cluster": path[1], "service": path[2], "name": path[2]}
    if service == "states" and resource.startswith("execution:"):
        _, machine, name = [*resource.split(":"), "", ""][:3]
        machine_arn = f"arn:{arn['partition']}:states:{arn['region']}:{arn['account']}:stateMachine:{machine}"
        return "sfn.execution", {**row, "execution": target, "machine": machine_arn, "name": name}
    if service == "states" and resource.startswith("stateMachine:"):
        return "sfn.machine", {**row, "machine": target}
    if service == "ec2" and resource.startswith("volume/"):
        return "ebs.volume", {**row, "volume": resource.split("/", 1)[1]}
    if service == "ec2" and resource.startswith("snapshot/"):
        return "ebs.snapshot", {**row, "snapshot": resource.split("/", 1)[1]}
    return None, row


def enrich(aws: AwsSession, kind: str | None, row: dict[str, Any]) -> dict[str, Any]:
    """What the console's row would also carry, read once (an ECS service's task definitions)."""
    if kind == "ecs.service":
        from panels.ecs import previous_revision

        found = aws.client("ecs").describe_services(cluster=row["cluster"], services=[row["service"]])
        services = found.get("services") or []
        if not services:
            raise TargetError(f"No ECS service {row['service']} in cluster {row['cluster']} ({aws.region}).")
        service = services[0]
        current = service.get("taskDefinition", "")
        row = {**row, "task_definition": current, "previous_task_definition": previous_revision(current),
               "desired": service.get("desiredCount", 0)}
    return row


def row_for(aws: AwsSession, runbook: Runbook, target: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    kind, row = describe(target)
    if kind is not None and kind not in runbook.applies_to:
        raise TargetError(f"Runbook {runbook.name} applies to {', '.join(runbook.applies_to)}, not to {target} "
                          f"(an {kind}).")
    row = enrich(aws, kind, row)
    row.update(fields or {})
    return row
