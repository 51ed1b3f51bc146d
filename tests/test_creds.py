"""Keyring-backed credentials: `creds set/list/export/delete`, credential_process as botocore runs it,
MFA session credentials, and a keyring that is not there."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import keyring
import pytest
from keyring.backends import fail

from tests.keyring_backend import FileKeyring, MemoryKeyring
from tui.demo.server import DemoServer
from tui.identity import creds, creds_cli
from tui.scope import keyring_credentials

KEY_ID, SECRET = "AKIAWATCHKEEPER00001", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
MFA = "arn:aws:iam::123456789012:mfa/alice"


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    saved = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(saved)


def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str,
        stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = creds_cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_set_list_export_delete_round_trip_and_no_file_holds_the_secret(
        memory: MemoryKeyring, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    monkeypatch.setenv("WATCHKEEPER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("WATCHKEEPER_STATE_DIR", str(tmp_path / "state"))
    code, out, _ = run(capsys, monkeypatch, "set", "ops-prod", stdin=f"{KEY_ID}\n{SECRET}\n")
    assert code == 0 and "credential_process = " in out and out.rstrip().endswith("export ops-prod")
    code, out, _ = run(capsys, monkeypatch, "list")
    assert out == "ops-prod\tno MFA\n" and SECRET not in out
    code, out, _ = run(capsys, monkeypatch, "export", "ops-prod")
    assert json.loads(out) == {"Version": 1, "AccessKeyId": KEY_ID, "SecretAccessKey": SECRET}
    assert keyring_credentials("ops-prod", region="us-east-1", endpoint_url=None, ask_token=input) == {
        "aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET}
    # Nowhere on disk: the home directory the tests use, the config and state directories, this tmp dir.
    homes = [Path(os.environ["AWS_CONFIG_FILE"]).parent, tmp_path]
    for root in homes:
        for path in root.rglob("*"):
            if path.is_file():
                assert SECRET.encode() not in path.read_bytes(), path
    assert run(capsys, monkeypatch, "delete", "ops-prod")[1] == "Deleted ops-prod from the keyring.\n"
    assert run(capsys, monkeypatch, "list")[1] == "" and memory.entries == {("watchkeeper", "profiles"): "[]"}
    code, _, err = run(capsys, monkeypatch, "export", "ops-prod")
    assert code == 1 and "No keys for ops-prod in the keyring: `watchkeeper creds set ops-prod`" in err


@pytest.mark.parametrize("stdin,message", [
    ("AKIA\n", "Give the access key id and the secret on two lines"),
    (f"not a key\n{SECRET}\n", "is not an access key id"),
    (f"{KEY_ID}\nshort\n", "is not a secret access key"),
    (f"{KEY_ID}\n{SECRET}\nalice\n", "The MFA serial must be the device's ARN"),
])
def test_bad_keys_are_one_sentence(memory: MemoryKeyring, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch, stdin: str, message: str) -> None:
    code, _, err = run(capsys, monkeypatch, "set", "x", stdin=stdin)
    assert code == 1 and message in err and "Traceback" not in err and not memory.entries


def test_a_hostile_profile_name_is_refused(memory: MemoryKeyring, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = run(capsys, monkeypatch, "set", "x]\x1b]0;pwned\x07", stdin=f"{KEY_ID}\n{SECRET}\n")
    assert code == 1 and "no spaces or brackets" in err and "\x1b" not in out + err and not memory.entries


def test_no_keyring_backend_says_what_to_do(capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    saved = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        code, _, err = run(capsys, monkeypatch, "set", "x", stdin=f"{KEY_ID}\n{SECRET}\n")
        assert code == 1 and "No usable OS keyring here (over SSH" in err and "keyrings.alt" in err
        # The console does not need one: the normal chain applies.
        assert keyring_credentials("x", region="us-east-1", endpoint_url=None, ask_token=input) is None
    finally:
        keyring.set_keyring(saved)


def test_credential_process_as_botocore_runs_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The exported command in ~/.aws/config, resolved by botocore itself (a child process, pipes)."""
    monkeypatch.setenv("WK_TEST_KEYRING", str(tmp_path / "keyring.json"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.keyring_backend.FileKeyring")
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).parent.parent))
    saved = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    try:
        creds.store("ci", creds.StoredKeys(KEY_ID, SECRET))
    finally:
        keyring.set_keyring(saved)
    command = f"{sys.executable} -m tui.identity.creds_cli export ci"
    assert creds_cli.quote(sys.executable) in creds_cli.export_command("ci") or "creds export ci" in \
        creds_cli.export_command("ci")
    config = tmp_path / "aws-config"
    config.write_text(f"[profile ci]\ncredential_process = {command}\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    found = boto3.Session(profile_name="ci").get_credentials().get_frozen_credentials()
    assert (found.access_key, found.secret_key) == (KEY_ID, SECRET)


def test_mfa_asks_once_and_caches_the_session_until_it_expires(memory: MemoryKeyring, server: DemoServer) -> None:
    creds.store("mfa", creds.StoredKeys(KEY_ID, SECRET, MFA))
    asked: list[str] = []

    def ask(serial: str) -> str:
        asked.append(serial)
        return "123456"

    assert creds.needs_token("mfa")
    first = creds.session_credentials("mfa", region="us-east-1", endpoint_url=server.endpoint_url, ask_token=ask)
    again = creds.session_credentials("mfa", region="us-east-1", endpoint_url=server.endpoint_url, ask_token=ask)
    assert asked == [MFA] and first == again and first["aws_session_token"]  # type: ignore[index]
    assert not creds.needs_token("mfa")
    cached = json.loads(memory.entries[("watchkeeper", "session:mfa")])
    assert cached["AccessKeyId"] == first["aws_access_key_id"]  # type: ignore[index]
    # Expired: asked again. A wrong code is one sentence, not an STS round trip.
    memory.entries[("watchkeeper", "session:mfa")] = json.dumps({**cached, "Expiration": "2020-01-01T00:00:00+00:00"})
    with pytest.raises(creds.CredsError, match="six digits"):
        creds.session_credentials("mfa", region="us-east-1", endpoint_url=server.endpoint_url,
                                  ask_token=lambda serial: "nope")


def test_a_keyring_that_refuses_is_one_sentence_for_the_console(capsys: pytest.CaptureFixture[str]) -> None:
    """A locked or broken keyring when a profile is used: one sentence and exit 2, not a crash report."""
    from tui.cli import main

    class Locked(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            raise RuntimeError("the collection is locked")

    saved = keyring.get_keyring()
    keyring.set_keyring(Locked())
    try:
        code = main(["triage", "--profile", "ops", "--region", "us-east-1"])
    finally:
        keyring.set_keyring(saved)
    err = capsys.readouterr().err
    assert code == 2 and "The keyring refused (RuntimeError: the collection is locked)" in err
    assert "Traceback" not in err
