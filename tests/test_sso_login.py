"""SSO device login (moto has no sso-oidc: botocore's Stubber plays the service), written where the
AWS CLI and botocore read the token, and the screen the `i` key opens."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber
from botocore.utils import JSONFileCache, SSOTokenLoader

from actions.audit import AuditLog
from tests.conftest import session
from tests.pilot import wait_for
from tui.app import WatchkeeperApp
from tui.demo.server import DemoServer
from tui.identity import sso
from tui.session import AwsSession

START_URL = "https://acme.awsapps.com/start"


def sso_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "aws-config"
    config.write_text(f"[profile oncall]\nsso_session = acme\nsso_account_id = 123456789012\n"
                      f"sso_role_name = OnCall\nregion = us-east-1\n\n[sso-session acme]\nsso_start_url = {START_URL}\n"
                      "sso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))


def stubbed(oidc: Any, *, pending: int, slow_down: int = 0) -> Stubber:
    stub = Stubber(oidc)
    stub.add_response("register_client", {"clientId": "cid", "clientSecret": "csecret",
                                          "clientSecretExpiresAt": 1_900_000_000},
                      {"clientName": "watchkeeper", "clientType": "public", "scopes": ["sso:account:access"]})
    stub.add_response("start_device_authorization", {
        "deviceCode": "dev", "userCode": "ABCD-EFGH", "verificationUri": "https://device.sso.eu-west-1.amazonaws.com/",
        "verificationUriComplete": "https://device.sso.eu-west-1.amazonaws.com/?user_code=ABCD-EFGH",
        "expiresIn": 600, "interval": 1}, {"clientId": "cid", "clientSecret": "csecret", "startUrl": START_URL})
    for _ in range(pending):
        stub.add_client_error("create_token", "AuthorizationPendingException", http_status_code=400)
    for _ in range(slow_down):
        stub.add_client_error("create_token", "SlowDownException", http_status_code=400)
    stub.add_response("create_token", {"accessToken": "the-token", "expiresIn": 28_800, "refreshToken": "refresh"})
    stub.activate()
    return stub


def test_device_login_writes_the_token_the_aws_cli_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sso_config(tmp_path, monkeypatch)
    settings = sso.settings_of("oncall")
    assert settings == sso.SsoSettings("oncall", START_URL, "eu-west-1", "acme", ("sso:account:access",))
    oidc = AwsSession(region="eu-west-1").client("sso-oidc")
    stub = stubbed(oidc, pending=2)
    login = sso.start(oidc, settings)
    assert (login.user_code, login.url) == ("ABCD-EFGH", "https://device.sso.eu-west-1.amazonaws.com/?user_code=ABCD-EFGH")
    waits: list[float] = []
    path = sso.finish(oidc, login, sleep=waits.append, cache_dir=tmp_path / "cache")
    stub.assert_no_pending_responses()
    assert waits == [1.0, 1.0] and (path.stat().st_mode & 0o777) == 0o600
    token = SSOTokenLoader(cache=JSONFileCache(tmp_path / "cache"))(START_URL, session_name="acme")
    assert token["accessToken"] == "the-token" and token["refreshToken"] == "refresh"


def test_slow_down_waits_longer_an_expired_code_says_so_and_a_legacy_profile_is_cached_by_url(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "aws-config"
    config.write_text(f"[profile legacy]\nsso_start_url = {START_URL}\nsso_region = eu-west-1\n"
                      "sso_account_id = 123456789012\nsso_role_name = OnCall\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    settings = sso.settings_of("legacy")
    assert settings == sso.SsoSettings("legacy", START_URL, "eu-west-1")
    oidc = AwsSession(region="eu-west-1").client("sso-oidc")
    stub = stubbed(oidc, pending=0, slow_down=1)
    waits: list[float] = []
    sso.finish(oidc, sso.start(oidc, settings), sleep=waits.append, cache_dir=tmp_path / "cache")
    stub.assert_no_pending_responses()
    assert waits == [6.0]  # RFC 8628: five seconds more after slow_down
    token = SSOTokenLoader(cache=JSONFileCache(tmp_path / "cache"))(START_URL)  # legacy: sha1 of the URL
    assert token["accessToken"] == "the-token" and token["region"] == "eu-west-1"
    stub.add_client_error("create_token", "ExpiredTokenException", http_status_code=400)
    with pytest.raises(sso.SsoError, match="The code expired before it was approved"):
        sso.finish(oidc, sso.DeviceLogin(settings, "cid", "csecret", datetime.now(UTC), "dev", "CODE", "url", 1.0,
                                         time.monotonic() + 600), sleep=waits.append, cache_dir=tmp_path / "cache")


def test_no_sso_profile_and_a_missing_session_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "aws-config"
    config.write_text("[profile keys]\nregion = us-east-1\n\n[profile broken]\nsso_session = gone\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    assert sso.settings_of("keys") is None
    with pytest.raises(sso.SsoError, match=r"no \[sso-session gone\] section"):
        sso.settings_of("broken")


async def test_the_sign_in_key_shows_the_code_and_finishes(server: DemoServer, audit: AuditLog, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    sso_config(tmp_path, monkeypatch)
    monkeypatch.setenv("HOME", str(tmp_path))  # the token cache under ~/.aws/sso/cache
    oidc = AwsSession(region="eu-west-1").client("sso-oidc")
    stubbed(oidc, pending=0)

    class Stubbed(AwsSession):
        def client(self, service: str, region: str | None = None) -> Any:
            return oidc if service == "sso-oidc" else super().client(service, region)

    monkeypatch.setattr("tui.sso_screen.AwsSession", Stubbed)
    aws = session(server)
    aws.profile = "oncall"  # the label the console knows it by; its keys stay the demo's
    copied: list[str] = []
    app = WatchkeeperApp(aws, audit=audit)
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("i")
        key = sso.SsoSettings("oncall", START_URL, "", "acme").cache_key
        cache = tmp_path / ".aws" / "sso" / "cache" / f"{key}.json"
        await wait_for(pilot, cache.exists)
        await wait_for(pilot, lambda: type(app.screen).__name__ != "SsoLoginScreen")
    assert copied == ["https://device.sso.eu-west-1.amazonaws.com/?user_code=ABCD-EFGH"]
