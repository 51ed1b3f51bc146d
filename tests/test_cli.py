"""`watchkeeper triage` as a script would use it: exit codes, JSON, and one-sentence errors."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.cli import main
from tui.demo.server import DemoServer


def triage(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["triage", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_triage_json_lists_the_seeded_problems(server: DemoServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = triage(capsys, "--json", "--endpoint-url", server.endpoint_url, "--region", "us-east-1")
    assert code == 1
    report = json.loads(out)
    assert report["account"] == "123456789012" and report["incomplete"] == []
    found = {(p["panel"], p["resource"]) for p in report["problems"]}
    assert ("ecs", "prod/checkout-api") in found
    assert ("stepfunctions", "order-fulfilment/order-fulfilment-002") in found
    assert ("pipelines", "web-release") in found
    assert ("batch", "analytics/export-2026-11-22") in found
    assert ("emr", "adhoc-analysis") in found
    assert ("snapshots", "checkout-cache") in found
    # What is failing first, worst first; what is at risk (a 3-day-old CRITICAL CVE, old copies) after it.
    risk = [p["at_risk"] for p in report["problems"]]
    assert risk == sorted(risk) and any(risk) and not risk[0]
    assert next(p for p in report["problems"] if p["at_risk"])["severity"] == "CRITICAL"


def test_options_work_after_the_subcommand_and_before_it(
    server: DemoServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.endpoint_url)  # as boto3 users expect
    code = main(["--region", "us-east-1", "triage"])
    out = capsys.readouterr().out
    assert code == 1
    assert "prod/checkout-api" in out and "CRASHLOOP" in out


def test_unknown_profile_is_one_sentence_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = triage(capsys, "--profile", "nope", "--region", "us-east-1")
    assert code == 2, err
    assert "AWS profile 'nope' is not in your AWS config" in err
    assert "Traceback" not in err


def test_missing_region_says_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = triage(capsys)
    assert code == 2 and "pass --region or set AWS_REGION" in err


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_endpoint_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = triage(capsys, "--endpoint-url", f"http://127.0.0.1:{free_port()}", "--region", "us-east-1")
    assert code == 2 and "Cannot reach the AWS endpoint" in err


EMPTY_SERVER = """
import sys, time
from tui.demo.server import start_server
print(start_server().endpoint_url, flush=True)
time.sleep(600)
"""


@pytest.fixture(scope="module")
def empty_server() -> Iterator[str]:
    """The demo's server, unseeded, in its own process, so its account is empty."""
    proc = subprocess.Popen([sys.executable, "-c", EMPTY_SERVER], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    yield proc.stdout.readline().strip()
    proc.terminate()
    proc.wait(10)


def test_nothing_failing_is_exit_0_from_the_installed_command(empty_server: str) -> None:
    command = Path(sys.executable).with_name("watchkeeper")  # the console script pip installed
    done = subprocess.run(
        [command, "triage", "--endpoint-url", empty_server, "--region", "us-east-1"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Nothing failing" in done.stdout


@pytest.mark.parametrize("term,theme", [("xterm", "ansi-dark"), ("linux", "ansi-dark"),
                                        ("xterm-256color", "watchkeeper")])
def test_sixteen_colour_terminals_get_the_terminal_palette(
    term: str, theme: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.console import Console

    from tui.cli import default_theme

    monkeypatch.setenv("TERM", term)
    monkeypatch.delenv("COLORTERM", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert default_theme(Console(force_terminal=True)) == theme


async def test_the_app_renders_in_sixteen_colours(server: DemoServer) -> None:
    from pathlib import Path

    from actions.audit import AuditLog
    from tests.conftest import session
    from tests.pilot import loaded
    from tui.app import WatchkeeperApp

    app = WatchkeeperApp(session(server), audit=AuditLog(Path("/dev/null")), theme="ansi-dark")
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot, app.views[0])
        assert app.theme == "ansi-dark" and app.views[0].shown


def test_a_malformed_config_file_names_file_and_line(
    tmp_path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("WATCHKEEPER_CONFIG_DIR", str(tmp_path))
    (tmp_path / "config.yaml").write_text("snapshots:\n  max_age_hours: [48\n")
    code, _, err = triage(capsys, "--region", "us-east-1")
    assert code == 2 and f"{tmp_path / 'config.yaml'}:3" in err and "not valid YAML" in err
    (tmp_path / "config.yaml").write_text("snapshots:\n  max_age_hours: soon\n")
    code, _, err = triage(capsys, "--region", "us-east-1")
    assert f"{tmp_path / 'config.yaml'}:2: snapshots.max_age_hours: must be a positive number of hours (ten years " \
        "at most: 87,600), not 'soon'; using the default" in err
    for text in (".nan", ".inf", "1e20", "-1", "true"):  # YAML's nan and infinity are floats
        (tmp_path / "config.yaml").write_text(f"snapshots:\n  max_age_hours: {text}\nrefresh:\n  seconds: {text}\n")
        code, _, err = triage(capsys, "--region", "us-east-1")
        assert "snapshots.max_age_hours: must be a positive number of hours" in err, text
        assert "refresh.seconds: must be a positive number" in err or text == "1e20", text


def test_the_config_file_sets_the_snapshot_policy(
    server: DemoServer, tmp_path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("WATCHKEEPER_CONFIG_DIR", str(tmp_path))
    (tmp_path / "config.yaml").write_text("snapshots:\n  max_age_hours: 1000\n")  # 41 days
    _, out, _ = triage(capsys, "--json", "--endpoint-url", server.endpoint_url, "--region", "us-east-1")
    stale = {p["resource"] for p in json.loads(out)["problems"] if p["status"] == "STALE"}
    assert "checkout-cache" not in stale  # 23 days old is within a 1,000-hour policy


@pytest.mark.parametrize("url", ["notaurl", "http://[::1", "ftp://example.com"])
def test_a_bad_endpoint_url_is_one_sentence_and_json_still(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = triage(capsys, "--json", "--endpoint-url", url, "--region", "us-east-1")
    assert code == 2 and "is not an http:// or https:// URL" in err
    assert "is not an http" in json.loads(out)["error"]


def test_a_web_server_that_is_not_aws_is_exit_2_with_json(capsys: pytest.CaptureFixture[str]) -> None:
    """An endpoint that answers, but not as AWS does (a web server, a proxy's error page)."""
    import http.server
    import threading

    class Plain(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = b"<html><body>hello</body></html>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Plain)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    try:
        code, out, err = triage(capsys, "--json", "--endpoint-url", f"http://127.0.0.1:{web.server_port}",
                                "--region", "us-east-1")
    finally:
        web.shutdown()
    assert code == 2 and "not an AWS response" in err and "Traceback" not in err
    assert "not an AWS response" in json.loads(out)["error"]
