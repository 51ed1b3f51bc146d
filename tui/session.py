"""One boto3 Session per profile, lazily created clients, a read-only guard and a call log.

Every AWS call watchkeeper makes goes through the clients made here, so the read-only guard and
the call log below see all of them, whichever panel or action made the call.
"""

from __future__ import annotations

import gzip
import json
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.loaders import JSONFileLoader, Loader
from botocore.parsers import ResponseParserError

from actions.operations import find
from tui import __version__
from tui.errors import ReadOnlyRefused, error_kind, explain

if TYPE_CHECKING:
    from actions.audit import AuditLog

USER_AGENT = f"watchkeeper/{__version__}"
CLIENT_SIDE = "watchkeeper"  # the service of call-log records for failures in watchkeeper itself, not AWS


_THREAD = threading.local()  # the call each thread has in flight (a thread sends one at a time)


def last_call() -> tuple[str, str] | None:
    """(service, operation) of the newest call this thread started: the one that failed, when a
    call raises."""
    return getattr(_THREAD, "call", None)


class Undeclared(ReadOnlyRefused):
    """An operation that actions.operations does not declare: never sent (deny by default)."""


class ProductionRefused(ReadOnlyRefused):
    """A mutation in a production account without the account typed in its confirmation."""


class AuditUnavailable(Exception):
    """The write-ahead audit line could not be written, so the mutation was not sent."""


_LOADER: Loader | None = None


class PlainJsonLoader(JSONFileLoader):
    """botocore's model files read into plain dicts (ordered, as every dict is) rather than
    OrderedDicts: the console's clients' models take ~15 MB less and parse in two thirds of the time."""

    def load_file(self, file_path: str) -> Any:
        for extension, opener in ((".json", open), (".json.gz", gzip.open)):
            if os.path.isfile(file_path + extension):
                with opener(file_path + extension, "rb") as fp:
                    return json.loads(fp.read())
        return None


def shared_loader() -> Loader:
    """One botocore model loader per process: every session then parses each service's JSON
    model once, which is most of the cost of creating a client."""
    global _LOADER
    if _LOADER is None:
        _LOADER = Loader(file_loader=PlainJsonLoader())
    return _LOADER


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
    mutating: bool = False


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
    # Where mutations are recorded before they are sent; without one, no mutation is sent.
    audit: AuditLog | None = None
    # How many panels are checked at once. AWS answers in tens of milliseconds, so checks wait on
    # the network side by side; the demo's in-process server would only contend for the GIL.
    parallel_checks: int = 8
    calls: deque[CallRecord] = field(default_factory=lambda: deque(maxlen=2_000))
    # Assumed-role credentials (an organisation's accounts): called again before they expire.
    credential_source: Callable[[], dict[str, str]] | None = None
    # Production (from the config): every mutation also needs the account typed (see intent()).
    production: bool = False
    alias: str = ""  # the account alias, where one is known
    # Slow-changing answers kept across refreshes of this account and region (see their readers).
    remembered: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    changed: bool = False  # this session has changed something: what an earlier launch kept is not recalled

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._local = threading.local()  # per thread: the intent's context
        self._identity: Identity | None = None  # kept across renew(): the same profile, the same account
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
        self._connect()

    def _connect(self) -> None:
        """A boto3 session with the credentials as they are now (the chain is read again)."""
        # Explicit keys (the keyring's, the demo's) belong to a profile that may exist nowhere in
        # ~/.aws/config: boto3 would refuse the name, so it is only our label then.
        explicit = self.credentials is not None or self.credential_source is not None
        self._boto = boto3.Session(profile_name=None if explicit else self.profile,
                                   region_name=self.region, **(self.credentials or {}))
        self._boto._session.register_component("data_loader", shared_loader())
        if explicit and self.profile and self._boto.region_name is None:  # the profile's region still applies
            with suppress(Exception):
                self._boto = boto3.Session(region_name=boto3.Session(profile_name=self.profile).region_name,
                                           **(self.credentials or {}))
                self._boto._session.register_component("data_loader", shared_loader())
        if self.credential_source is not None:  # an assumed role: renewed before it expires
            from botocore.credentials import DeferredRefreshableCredentials

            # Deferred: the first call assumes the role, so an account that refuses it is a gap
            # in that account's rows, not a console that cannot start.
            self._boto._session._credentials = DeferredRefreshableCredentials(
                refresh_using=self.credential_source, method="assume-role")
        self.region = self._boto.region_name
        self._clients: dict[tuple[str, str | None], Any] = {}
        events = self._boto.events
        events.register("before-parameter-build", self._before_call)
        events.register("after-call", self._after_call)
        events.register("after-call-error", self._after_call_error)

    def renew(self) -> None:
        """Start again from the credential chain: after an expired token or an SSO login, the
        next refresh uses whatever is valid now, without restarting the console."""
        with self._lock:
            self._connect()

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
        return self.profile or self._boto.profile_name or "default"

    def regions(self) -> list[str]:
        """The regions botocore knows (from its data files: no call)."""
        return self._boto.get_available_regions("ec2")

    @property
    def label(self) -> str:
        """The Account column's text: the alias, else the profile chosen, else the account id."""
        return self.alias or self.profile or self.account

    @property
    def where(self) -> str:
        """The account in full: `ops-prod (123456789012)`."""
        return self.account if self.label == self.account else f"{self.label} ({self.account})"

    @property
    def account(self) -> str:
        """The account id once known (identity), else the profile: the Account column's text."""
        return self._identity.account if self._identity else self.profile_name

    def identity(self, *, refresh: bool = False) -> Identity:
        """The caller identity (STS), fetched once."""
        if self._identity is None or refresh:
            try:
                found = self.client("sts").get_caller_identity()
            except (BotoCoreError, ClientError):
                raise
            except Exception as exc:  # botocore's parsers raise KeyError and the like on a non-AWS body
                raise ResponseParserError(f"not an AWS response to sts:GetCallerIdentity ({exc!r})") from exc
            self._identity = Identity(found.get("Account", "?"), found.get("Arn", "?"), found.get("UserId", ""))
        return self._identity

    @property
    def known_identity(self) -> Identity | None:
        return self._identity

    def known_as(self, identity: Identity) -> None:
        """The identity, known without asking STS (an organisation's account and role)."""
        self._identity = identity

    @contextmanager
    def intent(self, **context: Any) -> Iterator[None]:
        """Extra context (action id, target…) for the audit lines of mutations sent in this block."""
        self._local.intent = context
        try:
            yield
        finally:
            self._local.intent = {}

    def note_failure(self, what: str, message: str) -> None:
        """A failure on our side after the calls succeeded (parsing a response raised): the command
        log shows it as a failed `watchkeeper` record, so a broken refresh never reads as all `ok`."""
        self.calls.append(CallRecord(at=time.time(), service=CLIENT_SIDE, operation=what, params={},
                                     duration_ms=0.0, ok=False, error=message))

    # -- botocore event hooks ----------------------------------------------------------------
    def _before_call(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        service = model.service_model.service_name
        _THREAD.call = (service, model.name)
        declared = find(service, model.name)
        if declared is None:
            raise Undeclared(f"Refused {service}:{model.name}: watchkeeper does not declare this operation "
                             "(actions/operations.py), so it never sends it.")
        if declared.mutates:
            if self.read_only:
                raise ReadOnlyRefused(f"Refused {declared.iam_action}: watchkeeper is running with --read-only.")
            if self.production:
                self._check_typed_account(declared.iam_action)
            context["wk_audit"] = self._write_intent(declared.iam_action, params,
                                                     context.get("client_region") or self.region)
        context["wk_started"] = time.monotonic()
        context["wk_call"] = (service, model.name)
        context["wk_params"] = dict(params)
        context["wk_mutating"] = declared.mutates

    def accepts_account(self, typed: str) -> bool:
        """Whether `typed` names this account: its id or its alias."""
        typed = typed.strip()
        identity = self._identity
        return bool(typed) and typed in {identity.account if identity else None, self.alias or None}

    def _check_typed_account(self, operation: str) -> None:
        typed = str(getattr(self._local, "intent", {}).get("typed_account", ""))
        if not self.accepts_account(typed):
            who = self._identity.account if self._identity else self.profile_name
            raise ProductionRefused(f"Refused {operation}: account {who} is production, and the account id or "
                                    "alias was not typed to confirm it.")

    def _write_intent(self, operation: str, params: dict[str, Any], region: str | None) -> str:
        """The intent line, synced to disk before the request leaves; refuses the call if it cannot."""
        if self.audit is None:
            raise AuditUnavailable(f"Refused {operation}: no audit log is open, and watchkeeper sends no "
                                   "mutation it cannot record first.")
        identity = self._identity
        entry = {
            "identity": identity.arn if identity else None, "account": identity.account if identity else None,
            "profile": self.profile_name, "region": region, "endpoint": self.endpoint or None,
            **getattr(self._local, "intent", {}), "operation": operation, "parameters": params,
        }
        try:
            return self.audit.intent(entry)
        except OSError as exc:
            raise AuditUnavailable(f"Refused {operation}: the audit log {self.audit.path} cannot be written "
                                   f"({exc.strerror or exc}); fix that, then retry.") from exc

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
                mutating=context.get("wk_mutating", False),
            )
        )
        if ok and context.get("wk_mutating"):  # a change made here (a snapshot deleted): nothing kept holds
            self.remembered.clear()
            self.changed = True
        if "wk_audit" in context and self.audit is not None:
            # The result line; if it cannot be written the intent without a result says so.
            with suppress(OSError):
                self.audit.result(context["wk_audit"], ok=ok, request_id=request_id, error=error)

    def _after_call(self, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        error = parsed.get("Error", {})
        request_id = parsed.get("ResponseMetadata", {}).get("RequestId", "")
        message = f"{error.get('Code', '')}: {error.get('Message', '')}" if error else ""
        self._record(context, not error, request_id, message)

    def _after_call_error(self, exception: BaseException, context: dict[str, Any], **_: Any) -> None:
        self._record(context, False, "", f"{error_kind(exception)}: {explain(exception)}")
