"""IAM Identity Center (SSO) device login from inside the console, as `aws sso login` does it:
register a public client, start the device authorisation (a URL and a code for a browser anywhere:
over SSH there is none here), poll for the token, and write it to the AWS CLI's token cache so the
CLI, the SDKs and botocore's SSO provider all see it. No Textual here."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_SCOPES = ["sso:account:access"]


class SsoError(Exception):
    """One sentence: why the login did not complete."""


@dataclass(frozen=True)
class SsoSettings:
    profile: str
    start_url: str
    region: str
    session_name: str = ""  # [sso-session NAME]; empty for a legacy profile
    scopes: tuple[str, ...] = tuple(DEFAULT_SCOPES)

    @property
    def cache_key(self) -> str:
        """botocore's: the sha1 of the sso-session name, or of the start URL for legacy profiles."""
        return hashlib.sha1((self.session_name or self.start_url).encode()).hexdigest()


@dataclass(frozen=True)
class DeviceLogin:
    settings: SsoSettings
    client_id: str
    client_secret: str
    client_expires_at: datetime
    device_code: str
    user_code: str
    url: str  # verificationUriComplete where given: the code is in it
    interval: float
    expires_at: float  # time.monotonic() deadline


def settings_of(profile: str) -> SsoSettings | None:
    """The profile's SSO settings from ~/.aws/config, or None when it does not use SSO."""
    session = boto3.Session(profile_name=profile)._session
    config = session.get_scoped_config()
    name = config.get("sso_session")
    if name:
        section = session.full_config.get("sso_sessions", {}).get(name)
        if not section:
            raise SsoError(f"Profile {profile} names sso_session {name}, and ~/.aws/config has no "
                           f"[sso-session {name}] section.")
        scopes = [s.strip() for s in str(section.get("sso_registration_scopes", "")).split(",") if s.strip()]
        return SsoSettings(profile, section["sso_start_url"], section["sso_region"], name,
                           tuple(scopes or DEFAULT_SCOPES))
    if config.get("sso_start_url"):
        return SsoSettings(profile, config["sso_start_url"], config.get("sso_region") or "us-east-1")
    return None


def start(oidc: Any, settings: SsoSettings) -> DeviceLogin:
    """RegisterClient and StartDeviceAuthorization: what the user opens and types."""
    client = oidc.register_client(clientName="watchkeeper", clientType="public", scopes=list(settings.scopes))
    device = oidc.start_device_authorization(clientId=client["clientId"], clientSecret=client["clientSecret"],
                                             startUrl=settings.start_url)
    return DeviceLogin(
        settings, client["clientId"], client["clientSecret"],
        datetime.fromtimestamp(client.get("clientSecretExpiresAt") or time.time() + 86_400 * 90, UTC),
        device["deviceCode"], device["userCode"], device.get("verificationUriComplete") or device["verificationUri"],
        float(device.get("interval") or 5), time.monotonic() + float(device.get("expiresIn") or 600))


def finish(oidc: Any, login: DeviceLogin, *, cancelled: Callable[[], bool] = lambda: False,
           sleep: Callable[[float], None] = time.sleep, cache_dir: Path | None = None) -> Path:
    """Poll CreateToken until the user approves, then write the token cache; its path."""
    interval = login.interval
    while True:
        if cancelled():
            raise SsoError("Sign-in cancelled.")
        if time.monotonic() > login.expires_at:
            raise SsoError("The code expired before it was approved: press i to start again.")
        try:
            token = oidc.create_token(grantType=DEVICE_GRANT, deviceCode=login.device_code,
                                      clientId=login.client_id, clientSecret=login.client_secret)
            return write_cache(login, token, cache_dir)
        except oidc.exceptions.AuthorizationPendingException:
            pass
        except oidc.exceptions.SlowDownException:
            interval += 5  # as RFC 8628 asks
        except oidc.exceptions.ExpiredTokenException as exc:
            raise SsoError("The code expired before it was approved: press i to start again.") from exc
        except oidc.exceptions.AccessDeniedException as exc:
            raise SsoError("The sign-in was denied in the browser.") from exc
        sleep(interval)


def write_cache(login: DeviceLogin, token: dict[str, Any], cache_dir: Path | None = None) -> Path:
    """The file botocore's SSOTokenLoader and the AWS CLI read (~/.aws/sso/cache/<sha1>.json)."""
    directory = cache_dir or Path.home() / ".aws" / "sso" / "cache"
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    settings = login.settings
    entry = {
        "startUrl": settings.start_url, "region": settings.region, "accessToken": token["accessToken"],
        "expiresAt": (datetime.now(UTC) + timedelta(seconds=int(token.get("expiresIn") or 3600))).strftime(stamp),
        "clientId": login.client_id, "clientSecret": login.client_secret,
        "registrationExpiresAt": login.client_expires_at.strftime(stamp),
    }
    if token.get("refreshToken"):
        entry["refreshToken"] = token["refreshToken"]
    path = directory / f"{settings.cache_key}.json"
    temporary = path.with_suffix(".tmp")
    temporary.touch(mode=0o600)
    temporary.write_text(json.dumps(entry))
    temporary.replace(path)  # never a half-written token for the CLI to read
    return path
