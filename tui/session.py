"""One boto3 Session per profile, lazily created clients, a read-only guard and a call log.

Every AWS call watchkeeper makes goes through the clients made here, so the read-only guard and
the call log below see all of them, whichever panel or action made the call.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.loaders import Loader, create_loader

from tui import __version__
from tui.errors import ReadOnlyRefused, error_kind

USER_AGENT = f"watchkeeper/{__version__}"

# Deny by default: in read-only mode only operations whose names start like this may be sent.
READ_ONLY_PREFIXES = ("Describe", "List", "Get", "BatchGet", "Filter", "Search", "Lookup", "Head")
READ_ONLY_OPERATIONS = frozenset({"StartLiveTail", "TestEventPattern"})


_LOADER: Loader | None = None


def shared_loader() -> Loader:
    """One botocore model loader per process: every session then parses each service's JSON
    model once, which is most of the cost of creating a client."""
    global _LOADER
    if _LOADER is None:
        _LOADER = create_loader()
    return _LOADER


def is_read_only_operation(operation_name: str) -> bool:
    return operation_name.startswith(READ_ONLY_PREFIXES) or operation_name in READ_ONLY_OPERATIONS


@dataclass(frozen=True)
class CallRecord:
    """One AWS API call as the command log shows it."""

    at: float
    service: str
    operation: str
    params: dict[str, Any]
    duration_ms: float
    ok: bool
    request_id: str = ""
    error: str = ""

    @property
    def mutating(self) -> bool:
        return not is_read_only_operation(self.operation)


@dataclass(frozen=True)
class Identity:
    account: str
    arn: str
    user_id: str = ""


@dataclass
class AwsSession:
    """The AWS side of one watchkeeper run: profile, region, endpoint and read-only mode."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    read_only: bool = False
    credentials: dict[str, str] | None = None  # explicit keys, used only by the demo
    # How many panels are checked at once. AWS answers in tens of milliseconds, so checks wait on
    # the network side by side; the demo's in-process server would only contend for the GIL.
    parallel_checks: int = 8
    calls: deque[CallRecord] = field(default_factory=lambda: deque(maxlen=2_000))

    def __post_init__(self) -> None:
        self._boto = boto3.Session(
            profile_name=self.profile, region_name=self.region, **(self.credentials or {})
        )
        self._boto._session.register_component("data_loader", shared_loader())
        self.region = self._boto.region_name
        self._clients: dict[tuple[str, str | None], Any] = {}
        self._lock = threading.Lock()
        self._identity: Identity | None = None
        self._config = Config(
            retries={"mode": "adaptive", "max_attempts": 5},
            connect_timeout=5,
            read_timeout=20,
            max_pool_connections=20,
            user_agent_extra=USER_AGENT,
            # AWS puts some operations on prefixed hosts (Live Tail on stream-logs…); an endpoint
            # override (LocalStack, moto, a proxy) serves them on its own host.
            inject_host_prefix=not self.endpoint,
        )
        events = self._boto.events
        events.register("before-parameter-build", self._before_call)
        events.register("after-call", self._after_call)
        events.register("after-call-error", self._after_call_error)

    # -- clients -------------------------------------------------------------------------------
    def client(self, service: str, region: str | None = None) -> Any:
        """A cached client for (service, region); created on first use, shared by all threads."""
        key = (service, region or self.region)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._boto.client(
                    service, region_name=key[1], endpoint_url=self.endpoint_url, config=self._config
                )
            return self._clients[key]

    @property
    def endpoint(self) -> str:
        """The endpoint override in force, explicit or from AWS_ENDPOINT_URL; empty for AWS."""
        return self.endpoint_url or os.environ.get("AWS_ENDPOINT_URL", "")

    @property
    def profile_name(self) -> str:
        return self._boto.profile_name or "default"

    def identity(self, *, refresh: bool = False) -> Identity:
        """The caller identity (STS), fetched once."""
        if self._identity is None or refresh:
            found = self.client("sts").get_caller_identity()
            self._identity = Identity(found["Account"], found["Arn"], found.get("UserId", ""))
        return self._identity

    @property
    def known_identity(self) -> Identity | None:
        return self._identity

    # -- botocore event hooks ----------------------------------------------------------------
    def _before_call(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if self.read_only and not is_read_only_operation(model.name):
            raise ReadOnlyRefused(
                f"Refused {model.name}: watchkeeper is running with --read-only."
            )
        context["wk_started"] = time.monotonic()
        context["wk_call"] = (model.service_model.service_name, model.name)
        context["wk_params"] = dict(params)

    def _record(self, context: dict[str, Any], ok: bool, request_id: str, error: str) -> None:
        if "wk_call" not in context:
            return
        service, operation = context["wk_call"]
        self.calls.append(
            CallRecord(
                at=time.time(),
                service=service,
                operation=operation,
                params=context.get("wk_params", {}),
                duration_ms=(time.monotonic() - context["wk_started"]) * 1000,
                ok=ok,
                request_id=request_id,
                error=error,
            )
        )

    def _after_call(self, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        error = parsed.get("Error", {}).get("Code", "")
        request_id = parsed.get("ResponseMetadata", {}).get("RequestId", "")
        self._record(context, not error, request_id, error)

    def _after_call_error(self, exception: BaseException, context: dict[str, Any], **_: Any) -> None:
        self._record(context, False, "", error_kind(exception))
