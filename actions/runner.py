"""Runs a prepared call: refuses mutations in read-only mode, sends it, audits it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from actions.audit import AuditLog
from actions.cli_equivalent import cli_command, python_call
from actions.model import Action, PreparedCall
from panels.model import Row
from tui.errors import ReadOnlyRefused, error_kind, explain
from tui.session import AwsSession


class ActionRunner:
    def __init__(self, aws: AwsSession, audit: AuditLog) -> None:
        self.aws = aws
        self.audit = audit

    def prepare(self, action: Action, row: Row, typed: Mapping[str, str] | None = None) -> PreparedCall:
        values = action.values(row, typed or {})
        region = values[action.region_ask] if action.region_ask else None
        return PreparedCall(action, row.name, row.key, action.params(row, values), region or None)

    def refuse_if_read_only(self, action: Action) -> None:
        if action.mutates and self.aws.read_only:
            raise ReadOnlyRefused(f"Refused {action.title}: watchkeeper is running with --read-only.")

    def describe(self, call: PreparedCall) -> tuple[str, str]:
        """The Python call and the AWS CLI equivalent, exactly as they will be sent."""
        action = call.action
        return (
            python_call(action.service, action.operation, call.params),
            cli_command(action.service, action.operation, call.params, region=call.region or self.aws.region,
                        profile=self.aws.profile, endpoint_url=self.aws.endpoint or None),
        )

    def run(self, call: PreparedCall) -> dict[str, Any]:
        """Send the call. Mutating calls are refused in read-only mode and always audited."""
        action = call.action
        self.refuse_if_read_only(action)
        identity = self.aws.known_identity
        entry: dict[str, Any] = {
            "identity": identity.arn if identity else None,
            "account": identity.account if identity else None,
            "profile": self.aws.profile_name,
            "region": call.region or self.aws.region,
            "endpoint": self.aws.endpoint or None,
            "action": action.id,
            "operation": f"{action.service}:{action.operation}",
            "target": call.target_key,
            "parameters": call.params,
        }
        try:
            response = getattr(self.aws.client(action.service, call.region), action.operation)(**call.params)
        except Exception as exc:
            if action.mutates:
                self.audit.append({**entry, "result": "error", "error_kind": error_kind(exc),
                                   "error": explain(exc, profile=self.aws.profile)})
            raise
        if action.mutates:
            request_id = response.get("ResponseMetadata", {}).get("RequestId", "")
            self.audit.append({**entry, "result": "ok", "request_id": request_id})
        return response
