"""Runs a prepared call: refuses mutations in read-only mode and sends it through the session,
which audits it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from actions.audit import AuditLog
from actions.cli_equivalent import cli_command, python_call
from actions.model import Action, PreparedCall
from panels.model import Row
from tui.errors import ReadOnlyRefused
from tui.session import AwsSession


class ActionRunner:
    def __init__(self, aws: AwsSession, audit: AuditLog) -> None:
        self.aws = aws
        self.audit = audit
        aws.audit = audit  # the session writes the audit lines of every mutation it sends

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
        """Send the call. The session refuses it in read-only mode and writes its audit intent
        before it leaves, its result after."""
        action = call.action
        self.refuse_if_read_only(action)
        with self.aws.intent(action=action.id, target=call.target_key, typed_account=call.typed_account):
            return getattr(self.aws.client(action.service, call.region), action.operation)(**call.params)
