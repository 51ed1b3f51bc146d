"""Keyring-backed credentials: `creds set/list/export/delete`, credential_process as botocore runs it,
MFA session credentials, and a keyring that is not there."""

from __future__ import annotations

import io
import json
import os
import shlex
import subprocess
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
    # Every place a file could land is under tmp_path, which is searched for the secret below.
    for name, sub in [("HOME", "home"), ("XDG_CONFIG_HOME", "xdg-config"), ("XDG_DATA_HOME", "xdg-data"),
                      ("XDG_STATE_HOME", "xdg-state"), ("XDG_CACHE_HOME", "xdg-cache"),
                      ("WATCHKEEPER_CONFIG_DIR", "config"), ("WATCHKEEPER_STATE_DIR", "state")]:
        monkeypatch.setenv(name, str(tmp_path / sub))
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
    (f"not a key\n{SECRET}\n", "The access key id is not one"),
    (f"{SECRET}\n{KEY_ID}\n", "give the key id first, then the secret"),  # swapped: the secret is not echoed
    (f"{KEY_ID}\nshort\n", "is not a secret access key"),
    (f"{KEY_ID}\n{SECRET}\nalice\n", "The MFA serial must be the device's ARN"),
])
def test_bad_keys_are_one_sentence(memory: MemoryKeyring, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch, stdin: str, message: str) -> None:
    code, out, err = run(capsys, monkeypatch, "set", "x", stdin=stdin)
    assert code == 1 and message in err and "Traceback" not in err and not memory.entries
    assert SECRET[:8] not in out + err and len(err.strip().splitlines()) == 1


def test_a_hardware_mfa_token_serial_is_accepted(memory: MemoryKeyring, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(capsys, monkeypatch, "set", "hw", "--mfa-serial", "GAHT12345678", stdin=f"{KEY_ID}\n{SECRET}\n")[0] == 0
    assert run(capsys, monkeypatch, "list")[1] == "hw\tMFA GAHT12345678\n"


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


def test_a_keyring_backend_that_does_not_load_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "nowhere.Keyring")
    def get_keyring() -> None:
        raise ModuleNotFoundError("No module named 'nowhere'")  # what keyring raises for such a variable

    monkeypatch.setattr(keyring, "get_keyring", get_keyring)
    problem = creds.backend_problem()
    assert problem and problem.startswith("PYTHON_KEYRING_BACKEND=nowhere.Keyring cannot be loaded")


@pytest.fixture
def shared_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FileKeyring]:
    """A keyring file this process and a credential_process child both use (the OS keyring's stand-in)."""
    monkeypatch.setenv("WK_TEST_KEYRING", str(tmp_path / "keyring.json"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.keyring_backend.FileKeyring")
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).parent.parent))
    saved = keyring.get_keyring()
    backend = FileKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(saved)


def aws_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, profile: str, line: str) -> None:
    config = tmp_path / "aws-config"
    config.write_text(f"[profile {profile}]\n{line}\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))


def test_credential_process_as_botocore_runs_it(shared_keyring: FileKeyring, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """The line `creds set` prints, put in the AWS config and resolved by botocore itself (a child, pipes)."""
    code, out, _ = run(capsys, monkeypatch, "set", "ci", stdin=f"{KEY_ID}\n{SECRET}\n")
    line = out.splitlines()[-1]
    assert code == 0 and line.startswith("credential_process = ") and line.endswith(" export ci")
    aws_config(tmp_path, monkeypatch, "ci", line)
    found = boto3.Session(profile_name="ci").get_credentials().get_frozen_credentials()
    assert (found.access_key, found.secret_key, found.token) == (KEY_ID, SECRET, None)


def test_credential_process_with_mfa_uses_the_cached_session_and_never_prompts_on_its_pipes(
        shared_keyring: FileKeyring, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    creds.store("mfa", creds.StoredKeys(KEY_ID, SECRET, MFA))
    command = [sys.executable, "-m", "tui.identity.creds_cli", "export", "mfa"]
    # No session cached and no terminal (a new session has none): one sentence, nothing on stdout.
    child = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                           start_new_session=True, timeout=60)
    assert child.returncode == 1 and child.stdout == "" and "there is no terminal to ask for it" in child.stderr
    assert len(child.stderr.strip().splitlines()) == 1 and "Traceback" not in child.stderr
    # A valid cached session: handed to botocore with its expiry, no code asked for.
    session = {"AccessKeyId": "ASIAWATCHKEEPER00002", "SecretAccessKey": "s" * 40, "SessionToken": "tok",
               "Expiration": "2099-01-01T00:00:00+00:00"}
    shared_keyring.set_password("watchkeeper", "session:mfa", json.dumps(session))
    aws_config(tmp_path, monkeypatch, "mfa", f"credential_process = {shlex.join(command)}")
    found = boto3.Session(profile_name="mfa").get_credentials()
    frozen = found.get_frozen_credentials()
    assert (frozen.access_key, frozen.token) == ("ASIAWATCHKEEPER00002", "tok")
    assert found._expiry_time.year == 2099  # botocore read the Expiration: it refreshes before then


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
