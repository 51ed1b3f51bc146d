"""Which accounts and regions the console looks at: one AwsSession per profile (or organisation
account) and region. No Textual here: the command line and the app build scopes the same way."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from panels.model import paginate
from tui.identity import creds
from tui.identity.creds import CredsError
from tui.session import AwsSession, Identity
from tui.settings import Settings

AskToken = Callable[[str], str]  # MFA serial -> the code the user types
ROLE_SESSION_NAME = "watchkeeper"
RENEW_MARGIN = timedelta(minutes=20)  # botocore renews at 15 minutes left; hand it fresher ones


def names(values: Sequence[str] | str | None) -> list[str]:
    """`a,b` or ["a", "b,c"] -> ["a", "b", "c"]: the command line and the config alike."""
    if values is None:
        return []
    items = [values] if isinstance(values, str) else list(values)
    return [part.strip() for item in items for part in item.split(",") if part.strip()]


@dataclass
class Scope:
    sessions: list[AwsSession]
    profiles: list[str] = field(default_factory=list)  # as chosen (empty: the default chain)
    regions: list[str] = field(default_factory=list)
    org_role: str | None = None

    @property
    def primary(self) -> AwsSession:
        """The session of the header, the log group picker and the command log."""
        return self.sessions[0]

    @property
    def many(self) -> bool:
        return len(self.sessions) > 1

    def describe(self) -> str:
        """`2 accounts, 3 regions` style text: short enough for the header."""
        accounts = sorted({s.label for s in self.sessions})
        regions = sorted({s.region or "-" for s in self.sessions})
        return f"{_few(accounts, 'accounts')} × {_few(regions, 'regions')}"


def _few(items: list[str], noun: str) -> str:
    return items[0] if len(items) == 1 else f"{len(items)} {noun}"


def build(profiles: Sequence[str], regions: Sequence[str], *, settings: Settings, endpoint_url: str | None = None,
          read_only: bool = False, org_role: str | None = None, ask_token: AskToken | None = None) -> Scope:
    """One session per profile and region (the default chain and the profile's region when none
    are given); with org_role, one per active account of the organisation instead."""
    sessions: list[AwsSession] = []
    calls: deque[Any] = deque(maxlen=2_000)  # one command log for the whole scope
    for profile in profiles or [None]:
        credentials = keyring_credentials(profile, region=(regions or [None])[0], endpoint_url=endpoint_url,
                                          ask_token=ask_token)
        for region in regions or [None]:
            sessions.append(AwsSession(profile=profile, region=region, endpoint_url=endpoint_url,
                                       read_only=read_only, credentials=credentials, calls=calls,
                                       production=settings.is_production(profile=profile, account=None)))
    if org_role:
        sessions = organisation(sessions[0], org_role, list(regions), settings=settings)
    return Scope(sessions, list(profiles), list(regions), org_role)


def keyring_credentials(profile: str | None, *, region: str | None, endpoint_url: str | None,
                        ask_token: AskToken | None) -> dict[str, str] | None:
    """The profile's keys from the OS keyring (`watchkeeper creds set`), or None: then boto3's
    own chain (environment, ~/.aws, SSO, credential_process) applies as usual."""
    if not profile:
        return None
    if creds.backend_problem() is not None:
        return None
    return creds.session_credentials(profile, region=region, endpoint_url=endpoint_url,
                                     ask_token=ask_token or _no_terminal)


def _no_terminal(serial: str) -> str:
    raise CredsError(f"An MFA code for {serial} is needed and there is no terminal to ask for it.")


def identify(aws: AwsSession, settings: Settings) -> Identity:
    """Who the session is (one STS call, then kept) and its alias; marks it production when the
    config names its account or alias. The alias is optional: without iam:ListAccountAliases the
    id is typed instead."""
    identity = aws.identity()
    if not aws.alias and (aws.production or settings.production_accounts):  # for the header, and typing
        try:
            aws.alias = next(iter(aws.client("iam").list_account_aliases().get("AccountAliases") or []), "")
        except Exception:
            aws.alias = ""
    aws.production = aws.production or settings.is_production(profile=aws.profile, account=identity.account,
                                                              alias=aws.alias)
    return identity


# -- an organisation's accounts ----------------------------------------------------------------------
def organisation(base: AwsSession, role: str, regions: list[str], *, settings: Settings) -> list[AwsSession]:
    """A session per active account of base's organisation (organizations:ListAccounts) and region,
    each with `role` assumed through base, renewed before it expires."""
    accounts = [a for a in paginate(base.client("organizations"), "list_accounts", "Accounts")
                if a.get("Status", "ACTIVE") == "ACTIVE" and a.get("Id")]
    partition = "aws"
    sessions = []
    for account in sorted(accounts, key=lambda a: a.get("Name") or a["Id"]):
        arn = f"arn:{partition}:iam::{account['Id']}:role/{role}"
        source = assumed(base, arn)
        for region in regions or [base.region]:
            name = str(account.get("Name") or "")
            aws = AwsSession(profile=name or account["Id"], region=region, endpoint_url=base.endpoint_url,
                             read_only=base.read_only, credential_source=source, parallel_checks=base.parallel_checks,
                             calls=base.calls,
                             production=settings.is_production(profile=None, account=account["Id"], alias=name))
            aws.alias = name
            aws.known_as(Identity(account["Id"], f"arn:{partition}:sts::{account['Id']}:assumed-role/{role}/"
                                                 f"{ROLE_SESSION_NAME}"))
            sessions.append(aws)
    if not sessions:
        raise RuntimeError("organizations:ListAccounts listed no active account.")
    return sessions


def assumed(base: AwsSession, role_arn: str) -> Callable[[], dict[str, Any]]:
    """Credentials of role_arn for botocore's refreshable credentials; one AssumeRole per account
    however many regions share it."""
    lock, cached = threading.Lock(), {}

    def fetch() -> dict[str, Any]:
        with lock:
            expiry = cached.get("expiry")
            if expiry is None or expiry - datetime.now(UTC) < RENEW_MARGIN:
                found = base.client("sts").assume_role(RoleArn=role_arn, RoleSessionName=ROLE_SESSION_NAME)
                keys = found["Credentials"]
                expiry = keys["Expiration"]
                expiry = expiry if expiry.tzinfo else expiry.replace(tzinfo=UTC)
                cached.update(expiry=expiry, metadata={
                    "access_key": keys["AccessKeyId"], "secret_key": keys["SecretAccessKey"],
                    "token": keys["SessionToken"], "expiry_time": expiry.isoformat()})
            return dict(cached["metadata"])

    return fetch
