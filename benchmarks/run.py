"""Print watchkeeper's performance figures. Timing lives here, not in the tests.

    .venv/bin/python benchmarks/run.py

- startup: process start to first paint, and to the demo's triage list on screen (a fresh process,
  headless; then the same in a real terminal under tmux)
- table: 10,000 rows loaded and painted, rows per second, refresh with 5 % changed
- keystrokes with 10,000 rows: cursor move and filter, per key
- API calls per refresh against the seeded demo, and for an ECS service with 5,000 tasks
- logs: lines per second into the viewer, peak memory after 1,000,000 lines through a 100,000-line
  buffer, and the delay from put_log_events to the screen when following
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STARTUP = r"""
import time
t0 = time.perf_counter()
from tui.startup import pause_collection
pause_collection()  # as the `watchkeeper` command does (tui/launch.py)
import asyncio, json
from actions.audit import AuditLog
from tui.app import WatchkeeperApp
from tui.demo.run import start_demo

async def main():
    app = WatchkeeperApp(None, audit=AuditLog(__import__("pathlib").Path("/tmp/wk-bench-audit.jsonl")),
                         start=lambda: start_demo(ticker=False))
    marks = {}
    async with app.run_test(size=(80, 24)) as pilot:
        while app.first_paint_at is None:
            await pilot.pause(0.01)
        marks["first_paint_s"] = app.first_paint_at - t0
        triage = app.views[0]
        while not triage.shown:
            await pilot.pause(0.01)
        marks["triage_on_screen_s"] = time.perf_counter() - t0
        marks["problems"] = len(triage.shown)
    print(json.dumps(marks))

asyncio.run(main())
"""


def startup(runs: int = 3) -> dict[str, float]:
    results = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", STARTUP], capture_output=True, text=True, cwd=ROOT,
                              timeout=120, check=True)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


def synthetic_panel(count: int):  # type: ignore[no-untyped-def]
    from panels.model import Panel, Row

    class Synthetic(Panel):
        id, key, title, kind = "triage", "1", "Synthetic", "bench"
        columns = ("Name", "Status", "Count", "Reason")
        generation = 0

        def rows(self, aws):  # type: ignore[no-untyped-def,override]
            self.generation += 1
            changed = self.generation > 1
            return [
                Row(key=f"arn:aws:bench:{i}", name=f"resource-{i:05d}",
                    status="FAILED" if i % 7 == 0 else "OK",
                    cells=(f"resource-{i:05d}", "FAILED" if i % 7 == 0 else "OK",
                           i + (1 if changed and i % 20 == 0 else 0), f"reason {i % 97}"))
                for i in range(count)
            ]

    return Synthetic()


async def table(count: int = 10_000) -> dict[str, float]:
    from actions.audit import AuditLog
    from tui.app import WatchkeeperApp
    from tui.session import AwsSession

    panel = synthetic_panel(count)
    aws = AwsSession(region="us-east-1", credentials={"aws_access_key_id": "x", "aws_secret_access_key": "x"},
                     endpoint_url="http://127.0.0.1:9")
    app = WatchkeeperApp(None, audit=AuditLog(Path("/tmp/wk-bench-audit.jsonl")), panels=[])
    app.views[0].panel = panel
    app.views[0].stack[0].source = panel
    out: dict[str, float] = {}
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.views[0]
        app.aws = aws
        start = time.perf_counter()
        view.refresh_now()
        while len(view.shown) < count:
            await pilot.pause(0.005)
        await pilot.pause()
        out["load_10k_rows_s"] = time.perf_counter() - start
        out["rows_per_s"] = count / out["load_10k_rows_s"]
        start = time.perf_counter()
        view.refresh_now()
        while view.busy or view.level.loaded_at is None or view.shown["arn:aws:bench:0"].cells[2] != 1:
            await pilot.pause(0.005)
        await pilot.pause()
        out["refresh_5pct_changed_s"] = time.perf_counter() - start
        view.table.focus()
        # CPU time per key (handling, layout and render); wall time under the pilot adds its own
        # waits, which do not depend on the app (about 100 ms a key, with 100 rows as with 10,000).
        lat = await key_costs(pilot, ["down"] * 100)
        out["cursor_key_cpu_ms_median"] = statistics.median(lat)
        out["cursor_key_cpu_ms_p95"] = sorted(lat)[94]
        await pilot.press("slash")
        lat = await key_costs(pilot, list("resource-0"))
        out["filter_key_cpu_ms_median"] = statistics.median(lat)
        out["filter_key_cpu_ms_max"] = max(lat)
    return out


async def key_costs(pilot, keys: list[str]) -> list[float]:  # type: ignore[no-untyped-def]
    costs = []
    for key in keys:
        start = time.process_time()
        await pilot.press(key)
        costs.append((time.process_time() - start) * 1000)
    return costs


def ecs_at_scale(aws, tasks: int = 5_000) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """A service with 5,000 tasks: calls and time for one load of its task list."""
    from panels.ecs import EcsTasks
    from tui.demo.server import plain_client

    ecs: Any = plain_client(aws.endpoint_url, "ecs")  # writes data: outside the console's session
    ecs.create_cluster(clusterName="scale")
    network = ecs.describe_services(cluster="prod", services=["web"])["services"][0]["networkConfiguration"]
    for _ in range(tasks // 10):
        ecs.run_task(cluster="scale", taskDefinition="web", launchType="FARGATE", count=10,
                     networkConfiguration=network, group="service:web")
    before = len(aws.calls)
    start = time.perf_counter()
    rows = EcsTasks("scale", "scale", "web").rows(aws)
    return {"ecs_5000_tasks_rows": len(rows), "ecs_5000_tasks_calls": len(aws.calls) - before,
            "ecs_5000_tasks_load_s": time.perf_counter() - start}


def logs() -> dict[str, float]:
    """The log viewer in a process of its own without moto (as in real use), against a moto server
    in another process: see benchmarks/logs.py."""
    server = subprocess.Popen([sys.executable, "-c", EMPTY_SERVER], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert server.stdout is not None
        endpoint = server.stdout.readline().strip()
        done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "logs.py"), endpoint], capture_output=True,
                              text=True, cwd=ROOT, timeout=900, check=True)
    finally:
        server.terminate()
        server.wait(10)
    return json.loads(done.stdout.strip().splitlines()[-1])


EMPTY_SERVER = """
import time
from tui.demo.server import start_server
print(start_server().endpoint_url, flush=True)
time.sleep(3600)
"""


def api_calls() -> dict[str, float]:
    from panels.registry import service_panels
    from panels.triage import TriagePanel
    from tui.demo.run import start_demo

    aws = start_demo(ticker=False)
    counts: dict[str, float] = {}
    TriagePanel().rows(aws)  # warm clients
    for panel in [TriagePanel(), *service_panels()]:
        before = len(aws.calls)
        panel.rows(aws)
        counts[f"calls_per_refresh_{panel.id}"] = len(aws.calls) - before
    counts.update(ecs_at_scale(aws))
    return counts


def startup_tty(runs: int = 7) -> dict[str, float]:
    """The same in a real terminal (tmux), as a user sees it: median and worst of several launches;
    skipped where tmux is missing."""
    results = []
    for _ in range(runs):
        done = subprocess.run(["bash", str(ROOT / "benchmarks" / "startup_tty.sh")], capture_output=True,
                              text=True, timeout=120, check=True)
        pairs = (line.split() for line in done.stdout.splitlines())
        results.append({name: float(value) for name, value in (p for p in pairs if len(p) == 2)})
    if not results[0]:
        return {}
    figures = {key: statistics.median(r[key] for r in results) for key in results[0]}
    figures["tty_triage_on_screen_worst_s"] = max(r["tty_triage_on_screen_s"] for r in results)
    return figures


def main() -> None:
    figures: dict[str, float] = {}
    figures.update(startup())
    figures.update(startup_tty())
    figures.update(asyncio.run(table()))
    figures.update(api_calls())
    figures.update(logs())
    width = max(map(len, figures))
    for name, value in figures.items():
        print(f"{name:<{width}}  {value:,.3f}" if isinstance(value, float) else f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
