"""Credentials in the OS keyring (`keyring`), never in a file: a profile's access key, and the
session credentials an MFA code bought, kept until they expire.

The keyring cannot list its entries, so an index entry names the stored profiles. Every keyring
error becomes CredsError with one sentence; over SSH (no D-Bus Secret Service) that sentence says
which backend to set up, or to keep using the normal AWS credential chain.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

SERVICE = "watchkeeper"
INDEX = "profiles"
RENEW_BEFORE = timedelta(minutes=5)  # a cached MFA session this close to expiry is not handed out
NO_BACKEND = (
    "No usable OS keyring here (over SSH there is usually no D-Bus Secret Service): start or unlock one "
    "(gnome-keyring-daemon, KeePassXC's Secret Service), or `pip install keyrings.alt` and set "
    "PYTHON_KEYRING_BACKEND=keyrings.alt.file.EncryptedKeyring, or leave the keyring out and use the normal "
    "AWS credential chain (environment, ~/.aws/credentials, SSO)."
)
KEY_ID = re.compile(r"^[A-Z0-9]{16,128}$")
# STS's SerialNumber: a virtual device's ARN, or a hardware token's serial (GAHT12345678).
MFA_SERIAL = re.compile(r"^[\w+=/:,.@-]{9,256}$")


class CredsError(Exception):
    """One sentence: what went wrong with the keyring or the stored keys, and what to do."""


@dataclass(frozen=True)
class StoredKeys:
    access_key_id: str
    secret_access_key: str
    mfa_serial: str = ""


def backend_problem() -> str | None:
    """None when a keyring backend is usable, else the sentence saying what to do."""
    try:
        import keyring
        from keyring.backends import chainer, fail

        backend = keyring.get_keyring()
    except Exception as exc:  # PYTHON_KEYRING_BACKEND names something that does not load
        named = os.environ.get("PYTHON_KEYRING_BACKEND")
        if named:
            return (f"PYTHON_KEYRING_BACKEND={named[:80]} cannot be loaded ({type(exc).__name__}): install that "
                    "backend or unset the variable, or use the normal AWS credential chain.")
        return NO_BACKEND
    if isinstance(backend, fail.Keyring) or (isinstance(backend, chainer.ChainerBackend) and not backend.backends):
        return NO_BACKEND
    return None


def _keyring(operation: Callable[..., Any], *args: str) -> Any:
    problem = backend_problem()
    if problem:
        raise CredsError(problem)
    try:
        return operation(SERVICE, *args)
    except Exception as exc:  # KeyringError, a locked collection, D-Bus errors: never a traceback
        raise CredsError(f"The keyring refused ({type(exc).__name__}: {exc}); unlock it, or use the normal AWS "
                         "credential chain instead.") from exc


def _get(name: str) -> str | None:
    import keyring

    return _keyring(keyring.get_password, name)  # type: ignore[no-any-return]


def _set(name: str, value: str) -> None:
    import keyring

    _keyring(keyring.set_password, name, value)


def _delete(name: str) -> bool:
    import keyring
    from keyring.errors import PasswordDeleteError

    try:
        _keyring(keyring.delete_password, name)
    except CredsError as exc:
        if isinstance(exc.__cause__, PasswordDeleteError):
            return False
        raise
    return True


# -- the store -------------------------------------------------------------------------------------
def stored_profiles() -> list[str]:
    found = _get(INDEX)
    try:
        names = json.loads(found) if found else []
    except ValueError:
        names = []
    return sorted(str(n) for n in names) if isinstance(names, list) else []


PROFILE_NAME = re.compile(r"^[A-Za-z0-9_.@+=,/-]{1,64}$")  # what ~/.aws/config can hold as [profile NAME]


def store(profile: str, keys: StoredKeys) -> None:
    if not PROFILE_NAME.match(profile):
        raise CredsError("A profile name is letters, digits and _.@+=,/- (no spaces or brackets), as "
                         "~/.aws/config needs it.")
    if not KEY_ID.match(keys.access_key_id):  # not echoed: it may be the secret, given first by mistake
        raise CredsError("The access key id is not one (capitals and digits, e.g. AKIA… or ASIA…): give the "
                         "key id first, then the secret.")
    if len(keys.secret_access_key) < 16 or any(c.isspace() for c in keys.secret_access_key):
        raise CredsError("That is not a secret access key (40 characters, no spaces).")
    if keys.mfa_serial and not MFA_SERIAL.match(keys.mfa_serial):
        raise CredsError("The MFA serial must be the device's ARN (arn:aws:iam::123456789012:mfa/name) or a "
                         f"hardware token's serial number, not {keys.mfa_serial[:40]!r}.")
    _set(f"profile:{profile}", json.dumps(asdict(keys)))
    _delete(f"session:{profile}")  # new keys: the old session credentials are not theirs
    _set(INDEX, json.dumps(sorted({*stored_profiles(), profile})))


def load(profile: str) -> StoredKeys | None:
    found = _get(f"profile:{profile}")
    if not found:
        return None
    try:
        return StoredKeys(**json.loads(found))
    except (ValueError, TypeError) as exc:
        raise CredsError(f"The keyring entry of {profile} is damaged: `watchkeeper creds set {profile}` "
                         "stores it again.") from exc


def delete(profile: str) -> bool:
    removed = _delete(f"profile:{profile}")
    _delete(f"session:{profile}")
    _set(INDEX, json.dumps([p for p in stored_profiles() if p != profile]))
    return removed


# -- session credentials ------------------------------------------------------------------------------
def cached_session(profile: str) -> dict[str, str] | None:
    """The MFA session credentials kept for the profile, while they have more than RENEW_BEFORE left."""
    found = _get(f"session:{profile}")
    try:
        cached = json.loads(found) if found else None
        expires = datetime.fromisoformat(cached["Expiration"]) if cached else None
    except (ValueError, KeyError, TypeError):
        return None
    if cached is None or expires is None or expires - datetime.now(UTC) < RENEW_BEFORE:
        return None
    return cached  # type: ignore[no-any-return]


def needs_token(profile: str) -> bool:
    """Whether using the profile now would ask for an MFA code."""
    keys = load(profile)
    return bool(keys and keys.mfa_serial and cached_session(profile) is None)


def session_credentials(profile: str, *, region: str | None, endpoint_url: str | None = None,
                        ask_token: Callable[[str], str]) -> dict[str, str] | None:
    """boto3.Session keyword arguments for the profile's stored keys (None: nothing stored, so the
    normal chain applies). With an MFA device: session credentials from sts:GetSessionToken, sent
    through the console's own session (declared, logged), asked for once and cached until expiry."""
    keys = load(profile)
    if keys is None:
        return None
    if not keys.mfa_serial:
        return {"aws_access_key_id": keys.access_key_id, "aws_secret_access_key": keys.secret_access_key}
    cached = cached_session(profile)
    if cached is None:
        cached = mfa_session(profile, keys, ask_token(keys.mfa_serial), region=region, endpoint_url=endpoint_url)
    return {"aws_access_key_id": cached["AccessKeyId"], "aws_secret_access_key": cached["SecretAccessKey"],
            "aws_session_token": cached["SessionToken"]}


def mfa_session(profile: str, keys: StoredKeys, code: str, *, region: str | None,
                endpoint_url: str | None) -> dict[str, str]:
    from tui.session import AwsSession

    if not re.fullmatch(r"\d{6}", code.strip()):
        raise CredsError(f"An MFA code is six digits; {profile} was not signed in.")
    long_term = AwsSession(region=region or "us-east-1", endpoint_url=endpoint_url, credentials={
        "aws_access_key_id": keys.access_key_id, "aws_secret_access_key": keys.secret_access_key})
    found = long_term.client("sts").get_session_token(SerialNumber=keys.mfa_serial, TokenCode=code.strip())
    issued = found["Credentials"]
    expiry = issued["Expiration"]
    cached = {"AccessKeyId": issued["AccessKeyId"], "SecretAccessKey": issued["SecretAccessKey"],
              "SessionToken": issued["SessionToken"],
              "Expiration": (expiry if expiry.tzinfo else expiry.replace(tzinfo=UTC)).isoformat()}
    _set(f"session:{profile}", json.dumps(cached))
    return cached


def process_output(profile: str, *, region: str | None, endpoint_url: str | None = None,
                   ask_token: Callable[[str], str]) -> dict[str, Any]:
    """What `credential_process` prints (Version 1), for the AWS CLI and every SDK."""
    keys = load(profile)
    if keys is None:
        raise CredsError(f"No keys for {profile} in the keyring: `watchkeeper creds set {profile}` stores them.")
    if not keys.mfa_serial:
        return {"Version": 1, "AccessKeyId": keys.access_key_id, "SecretAccessKey": keys.secret_access_key}
    cached = cached_session(profile) or mfa_session(profile, keys, ask_token(keys.mfa_serial), region=region,
                                                    endpoint_url=endpoint_url)
    return {"Version": 1, **cached}
