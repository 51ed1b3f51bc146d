"""Start-up and output edges of the command line: no TUI into a pipe, one sentence for an unusable
directory, a loud crash with a report, safe exports, and the `audit` and `iam-policy` commands."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from textual.app import App

from actions.audit import AuditLog
from actions.operations import iam_policy
from panels.export import csv_cell, export_rows
from panels.model import Row
from tui.app import WatchkeeperApp
from tui.cli import main
from tui.crash import EXIT_CRASH, report_text

ROOT = Path(__file__).parent.parent
HOSTILE = "[/] [link=x]\x1b]0;pwned\x07\x1b[2J\u202e"


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL)


# -- refusing to start ---------------------------------------------------------------------------------

def test_the_console_refuses_a_stdout_that_is_not_a_terminal() -> None:
    started = time.monotonic()
    done = run_cli("--demo")
    assert done.returncode == 2
    assert done.stdout == ""  # not megabytes of escape sequences
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "needs a terminal" in lines[0]
    assert "watchkeeper triage" in lines[0] and "watchkeeper logs" in lines[0]
    assert time.monotonic() - started < 30  # no demo server was started first


def test_an_uncreatable_state_directory_is_one_sentence() -> None:
    done = run_cli("audit", env={"WATCHKEEPER_STATE_DIR": "/proc/nope/state"})
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Cannot create the state directory /proc/nope/state" in lines[0]
    assert "WATCHKEEPER_STATE_DIR" in lines[0] and "Traceback" not in done.stderr


def test_the_console_with_an_uncreatable_state_directory_is_one_sentence(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATCHKEEPER_STATE_DIR", "/proc/nope/state")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert main(["--demo"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Cannot create the state directory" in err


def test_an_unreadable_config_file_is_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATCHKEEPER_CONFIG_DIR", str(tmp_path))
    (tmp_path / "config.yaml").write_bytes(b"snapshots:\n  max_age_hours: \xff\xfe\n")
    assert main(["triage", "--region", "us-east-1"]) == 2
    err = capsys.readouterr().err
    assert "Cannot read the config file" in err and str(tmp_path / "config.yaml") in err
    assert "Traceback" not in err


# -- crashes -------------------------------------------------------------------------------------------

def test_a_crash_inside_the_app_is_loud_with_a_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception in a Textual handler: Textual exits the app; the command says so in one
    sentence, exits non-zero, and leaves a report without secrets or parameters."""
    monkeypatch.setenv("WATCHKEEPER_STATE_DIR", str(tmp_path))
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setattr(WatchkeeperApp, "run", lambda self: App.run(self, headless=True))

    def painted(self: WatchkeeperApp) -> None:
        raise RuntimeError("boom password=hunter2 AKIAABCDEFGHIJKLMNOP")

    monkeypatch.setattr(WatchkeeperApp, "painted", painted)
    code = main(["--demo"])
    err = capsys.readouterr().err
    assert code == EXIT_CRASH != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "internal error (RuntimeError)" in lines[0], err
    assert "Traceback" not in err and "hunter2" not in err
    [report] = tmp_path.glob("crash-*.txt")
    assert str(report) in lines[0]
    text = report.read_text()
    assert "Traceback" in text and "RuntimeError: boom" in text and "in painted" in text
    assert "watchkeeper " in text and "python 3." in text and "textual " in text
    assert "hunter2" not in text and "AKIAABCDEFGHIJKLMNOP" not in text
    assert "WATCHKEEPER_STATE_DIR" not in text  # no environment
    assert oct(report.stat().st_mode & 0o777) == "0o600"


def test_a_crash_outside_the_app_is_loud_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATCHKEEPER_STATE_DIR", str(tmp_path))

    def broken() -> None:
        raise KeyError("surprise")

    monkeypatch.setattr("tui.cli.configured_panels", broken)
    assert main(["triage", "--region", "us-east-1"]) == EXIT_CRASH
    err = capsys.readouterr().err
    assert "internal error (KeyError)" in err and "Traceback" not in err
    assert len(list(tmp_path.glob("crash-*.txt"))) == 1


def test_the_report_has_no_local_variables() -> None:
    def failing(secret_parameter: str) -> None:
        raise ValueError("bad")

    value = "-".join(["s3cr3t", "value"])  # not in the source lines the traceback quotes
    try:
        failing(value)
    except ValueError as exc:
        text = report_text(exc)
    assert "ValueError: bad" in text and "s3cr3t-value" not in text


# -- exports -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "escaped"), [
    ("-", False), ("-1", False), ("-12.5", False), ("+3", False), ("-1,234", False), ("1e-3", False),
    ("ok", False), ("", False), ("a-b", False), ("=", False),
    ("=1+1", True), ("-1+1", True), ("+cmd", True), ("@SUM(A1)", True), ("=HYPERLINK(\"x\")", True),
    ("- 2", True), ("\tx", True), ("\r=1", True), ("-x", True),
])
def test_only_text_that_starts_a_formula_is_escaped(value: str, escaped: bool) -> None:
    assert csv_cell(value) == ("'" + value if escaped else value)
    assert csv_cell(-5) == -5


def test_exports_are_sanitised_and_keep_columns_and_detail_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATCHKEEPER_EXPORT_DIR", str(tmp_path))
    row = Row(key="arn:1", name=f"adhoc {HOSTILE}", cells=(f"adhoc {HOSTILE}", "-", -3, "=cmd|x"),
              status="FAILED", detail=(("Name", "the detail's name"), ("Reason", f"bad {HOSTILE}"),
                                       ("Reason", "second")))
    csv_path, json_path = export_rows("emr.clusters", ["Name", "Age", "Delta", "Note"], [row])
    for path in (csv_path, json_path):
        raw = path.read_text()
        assert "\x1b" not in raw and "pwned" not in raw and "\u202e" not in raw
    [header, cells] = list(csv.reader(csv_path.open()))
    assert header == ["key", "Name", "Age", "Delta", "Note"]
    assert cells[1].startswith("adhoc [/] [link=x]") and cells[2] == "-" and cells[3] == "-3"
    assert cells[4] == "'=cmd|x"
    [record] = json.loads(json_path.read_text())
    assert record["key"] == "arn:1" and record["status"] == "FAILED"
    assert record["columns"]["Name"].startswith("adhoc [/]")  # not overwritten by the detail's Name
    assert record["columns"]["Delta"] == -3 and record["columns"]["Age"] == "-"
    assert record["detail"]["Name"] == "the detail's name"
    assert record["detail"]["Reason"].startswith("bad [/]") and record["detail"]["Reason (2)"] == "second"


# -- audit and iam-policy ------------------------------------------------------------------------------

@pytest.fixture
def seeded_audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AuditLog:
    monkeypatch.setenv("WATCHKEEPER_STATE_DIR", str(tmp_path))
    log = AuditLog(tmp_path / "audit.jsonl")
    done = log.intent({"operation": "ecs:UpdateService", "action": "ecs.scale", "target": "checkout-api",
                       "account": "123456789012", "region": "us-east-1", "parameters": {"desiredCount": 5}})
    log.result(done, ok=True, request_id="req-1")
    failed = log.intent({"operation": "batch:TerminateJob", "target": "job-7", "parameters": {}})
    log.result(failed, ok=False, error=f"denied {HOSTILE}")
    log.intent({"operation": "emr:TerminateJobFlows", "target": f"adhoc {HOSTILE}",
                "parameters": {"JobFlowIds": ["j-1"]}})  # the process died before the result
    old = {"time": "2020-01-01T00:00:00.000+00:00", "event": "intent", "id": "old", "operation": "ecs:StopTask",
           "target": "ancient"}
    with log.path.open("a") as out:
        out.write(json.dumps(old) + "\n")
    return log


def test_audit_lists_calls_and_flags_unknown_outcomes(
    seeded_audit: AuditLog, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit"]) == 0
    out = capsys.readouterr().out
    assert "ecs:UpdateService" in out and "ok req-1" in out
    assert "UNKNOWN OUTCOME: no result recorded" in out and "emr:TerminateJobFlows" in out
    assert "error: denied [/]" in out and "ancient" in out
    assert "\x1b]" not in out and "pwned" not in out


def test_audit_json_and_since(seeded_audit: AuditLog, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--json", "--since", "1d"]) == 0
    report = json.loads(capsys.readouterr().out)
    by_operation = {c["operation"]: c for c in report["calls"]}
    assert set(by_operation) == {"ecs:UpdateService", "batch:TerminateJob", "emr:TerminateJobFlows"}  # not 2020
    assert by_operation["ecs:UpdateService"]["outcome"] == "ok"
    assert by_operation["batch:TerminateJob"]["outcome"] == "error"
    unknown = by_operation["emr:TerminateJobFlows"]
    assert unknown["outcome"] == "UNKNOWN OUTCOME: no result recorded" and unknown["result"] is None
    assert unknown["target"].startswith("adhoc [/] [link=x]") and "\x1b" not in json.dumps(report)
    assert unknown["parameters"] == {"JobFlowIds": ["j-1"]}


def test_audit_of_an_empty_log(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHKEEPER_STATE_DIR", str(tmp_path))
    assert main(["audit"]) == 0
    assert "No audited calls in" in capsys.readouterr().out
    assert main(["audit", "--since", "soon"]) == 2
    assert "is not a time" in capsys.readouterr().err


def test_iam_policy(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["iam-policy"]) == 0
    assert json.loads(capsys.readouterr().out) == iam_policy()
    for argv in (["iam-policy", "--read-only"], ["--read-only", "iam-policy"]):
        assert main(argv) == 0
        policy = json.loads(capsys.readouterr().out)
        assert policy == iam_policy(read_only=True)
        assert [s["Sid"] for s in policy["Statement"]] == ["WatchkeeperRead"]
