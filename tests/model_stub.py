"""Responses built from botocore's service models, answered without any server.

`minimal` holds only what the model marks required, plus one element of every list (so rows
exist); `full` holds every member. Pagination tokens are never set, so paginators stop.
`install(aws, mode)` answers every call of an AwsSession that way, as botocore.stub.Stubber does
(a `before-call` handler returning the HTTP response and the parsed dict).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.model import OperationModel, Shape

WHEN = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
MAX_DEPTH = 6
MODES = ("minimal", "full")


def is_token(name: str, tokens: set[str]) -> bool:
    lowered = name.lower()
    return name in tokens or "token" in lowered or "marker" in lowered


def value(shape: Shape, mode: str, depth: int = 0, tokens: frozenset[str] = frozenset()) -> Any:
    """A value of `shape`; None where the depth bound cuts a structure off."""
    kind = shape.type_name
    if kind == "structure":
        if depth >= MAX_DEPTH:
            return None
        required = set(shape.required_members)
        found: dict[str, Any] = {}
        for name, member in shape.members.items():
            if is_token(name, set(tokens)) and depth == 0:
                continue
            wanted = mode == "full" or name in required or member.type_name == "list"
            if not wanted:
                continue
            item = value(member, mode, depth + 1)
            if item is not None:
                found[name] = item
            if shape.metadata.get("union") and found:
                break  # a union holds exactly one member
        return found
    if kind == "list":
        item = value(shape.member, mode, depth + 1)
        return [] if item is None else [item]
    if kind == "map":
        item = value(shape.value, mode, depth + 1)
        return {} if item is None else {value(shape.key, mode, depth + 1): item}
    if kind == "string":
        return shape.enum[0] if shape.enum else "x1"
    if kind == "timestamp":
        return WHEN
    if kind in ("integer", "long"):
        return 1
    if kind in ("float", "double"):
        return 1.0
    if kind == "boolean":
        return False
    if kind == "blob":
        return b"x"
    return None  # documents and anything newer: absent


def output_tokens(operation: OperationModel, paginators: dict[str, Any]) -> frozenset[str]:
    """The output members that carry a paginator's continuation token (never set)."""
    config = paginators.get(operation.name, {})
    found = config.get("output_token", [])
    return frozenset(t.split(".")[0] for t in ([found] if isinstance(found, str) else found))


def response(operation: OperationModel, mode: str, paginators: dict[str, Any] | None = None) -> dict[str, Any]:
    shape = operation.output_shape
    if shape is None:
        return {}
    return value(shape, mode, tokens=output_tokens(operation, paginators or {})) or {}


class ModelStub:
    """Answers every call of one AwsSession from the model; counts what was called."""

    def __init__(self, mode: str) -> None:
        assert mode in MODES
        self.mode = mode
        self.calls: Counter[str] = Counter()
        self._paginators: dict[str, dict[str, Any]] = {}

    def paginators(self, service: str, loader: Any, api_version: str) -> dict[str, Any]:
        if service not in self._paginators:
            try:
                found = loader.load_service_model(service, "paginators-1", api_version)
                self._paginators[service] = found.get("pagination", {})
            except Exception:  # no paginators for this service
                self._paginators[service] = {}
        return self._paginators[service]

    def install(self, aws: Any) -> ModelStub:
        """Call before the session makes its first client (clients copy the handlers)."""
        from tui.session import shared_loader

        def answer(model: OperationModel, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
            service = model.service_model
            self.calls[f"{service.service_name}:{model.name}"] += 1
            pages = self.paginators(service.service_name, shared_loader(), service.api_version)
            parsed = response(model, self.mode, pages)
            parsed["ResponseMetadata"] = {"RequestId": "stub", "HTTPStatusCode": 200, "HTTPHeaders": {},
                                          "RetryAttempts": 0}
            return AWSResponse(params.get("url", "http://stub"), 200, {}, None), parsed

        aws._boto.events.register("before-call.*.*", answer)
        return self
