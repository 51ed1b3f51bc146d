"""Write-ahead audit: the intent is on disk before a mutation leaves the process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from actions.audit import AuditLog

CHILD = textwrap.dedent("""
    import sys
    from actions.audit import AuditLog
    from tui.session import AwsSession

    aws = AwsSession(region="us-east-1", endpoint_url=sys.argv[1], read_only=False,
                     credentials={"aws_access_key_id": "demo", "aws_secret_access_key": "demo"},
                     audit=AuditLog(__import__("pathlib").Path(sys.argv[2])))
    with aws.intent(action="ecs.scale", target="checkout-api"):
        aws.client("ecs").update_service(cluster="prod", service="checkout-api", desiredCount=5)
""")


def test_kill_9_during_a_slow_mutation_leaves_its_intent(tmp_path: Path) -> None:
    """A server that accepts the request and never answers holds the call; the process is then
    killed outright: the audit log still says what was being changed, with no result."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(8)
    path = tmp_path / "audit.jsonl"
    child = subprocess.Popen([sys.executable, "-c", CHILD, f"http://127.0.0.1:{holder.getsockname()[1]}", str(path)],
                             cwd=Path(__file__).parent.parent, stderr=subprocess.PIPE)
    try:
        holder.settimeout(30)
        connection, _ = holder.accept()  # the request has left the process
        deadline = time.monotonic() + 10
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
        connection.close()
    finally:
        holder.close()
        if child.poll() is None:
            child.kill()
    [call] = AuditLog(path).calls()
    assert call["operation"] == "ecs:UpdateService" and call["parameters"]["desiredCount"] == 5
    assert call["action"] == "ecs.scale" and call["target"] == "checkout-api"
    assert call["result"] is None  # the outcome is unknown, and the log says so
