"""`benchmarks/run.py --scale`: a large account in a moto server of its own process (as AWS is not
in ours), and what triage and the big lists cost there (time, requests, and the console's memory
with them all loaded; medians of several runs, with min to max).

Seeded (tui/demo/scale.py): 5,000 ECS tasks in one service (30 stopped by a crash), 20,000
Inspector findings (500 CRITICAL/HIGH), 10,000 EBS snapshots, 2,000 Step Functions executions;
the demo's small account is seeded beside it for comparison.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCALE_REGION = "us-east-2"


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):,.3f}  ({min(values):,.3f}–{max(values):,.3f})"


def requests(aws: Any, since: int = 0) -> Counter[str]:
    return Counter(f"{c.service}:{c.operation}" for c in list(aws.calls)[since:] if c.service != "watchkeeper")


def fresh(endpoint: str, region: str) -> Any:
    from tui.demo.server import DEMO_CREDENTIALS
    from tui.session import AwsSession

    aws = AwsSession(region=region, endpoint_url=endpoint, credentials=DEMO_CREDENTIALS)
    aws.calls = __import__("collections").deque(maxlen=100_000)  # every call of a large refresh
    return aws


def timed_load(source: Any, aws: Any) -> tuple[float, float, int]:
    """(seconds to the first rows a source publishes, to all its rows, rows): a source that does
    not publish partial rows has its first rows with the last."""
    try:
        from panels.model import publishing
    except ImportError:  # an older tree
        publishing = None
    first: list[float] = []
    start = time.perf_counter()

    def show(rows: list[Any], total: int | None = None) -> None:
        if rows and not first:
            first.append(time.perf_counter() - start)

    if publishing is None:
        rows = source.load(aws).rows
    else:
        with publishing(show):
            rows = source.load(aws).rows
    took = time.perf_counter() - start
    return (first[0] if first else took), took, len(rows)


async def launch(aws: Any) -> tuple[float, float, int]:
    """App start to the first triage row on screen, and to the whole triage (headless)."""
    from actions.audit import AuditLog
    from tui.app import WatchkeeperApp

    start = time.perf_counter()
    app = WatchkeeperApp(aws, audit=AuditLog(Path("/tmp/wk-bench-audit.jsonl")))
    first = 0.0
    async with app.run_test(size=(120, 36)) as pilot:
        triage = app.views[0]
        while not triage.shown:
            await pilot.pause(0.005)
        first = time.perf_counter() - start
        while triage.busy or triage.level.loaded_at is None:
            await pilot.pause(0.005)
        return first, time.perf_counter() - start, len(triage.shown)


async def everything_loaded(endpoint: str) -> dict[str, float]:
    """The console with every large list of the scale account loaded (triage, 5,000 tasks, 20,000
    findings, 10,000 snapshots, 2,000 executions), each level open in its panel as a user leaves
    them, then refreshed: its peak and current resident memory, in MB."""
    from rss import rss_mb

    from actions.audit import AuditLog
    from panels.ecs import EcsTasks
    from panels.stepfunctions import Executions, StepFunctionsPanel
    from tui.app import WatchkeeperApp

    aws = fresh(endpoint, SCALE_REGION)
    app = WatchkeeperApp(aws, audit=AuditLog(Path("/tmp/wk-bench-audit.jsonl")))
    machine = StepFunctionsPanel().rows(fresh(endpoint, SCALE_REGION))[0]
    levels = {"triage": None, "ecs": EcsTasks("scale", "scale", "api"), "inspector": None, "snapshots": None,
              "stepfunctions": Executions(machine.key, machine.name)}
    rows = {}
    async with app.run_test(size=(120, 36)) as pilot:
        for panel, level in levels.items():
            await app.action_show_panel(panel)
            view = app.current_view
            if level is not None:
                view.push(level)
            await pilot.pause(0.05)
            while view.busy or view.level.loaded_at is None:
                await pilot.pause(0.02)
            rows[panel] = len(view.level.rows)
        for view in app.views:  # and refreshed once, as each is every 15 s while on screen
            if view.is_mounted:
                view.refresh_now()
                await pilot.pause(0.05)
                while view.busy:
                    await pilot.pause(0.02)
        await pilot.pause(1)
        return {"peak_mb": rss_mb(), "now_mb": rss_mb("VmRSS"),
                **{f"rows_{k}": float(v) for k, v in rows.items()}}


def memory(endpoint: str) -> dict[str, float]:
    """everything_loaded() in a process of its own, so nothing measured before counts."""
    out = subprocess.run([sys.executable, __file__, "--memory", endpoint], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parent.parent, check=True, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def raw_tasks(endpoint: str) -> float:
    from panels.model import chunks
    from tui.demo.server import plain_client

    ecs: Any = plain_client(endpoint, "ecs", SCALE_REGION)
    start = time.perf_counter()
    arns = []
    for status in ("RUNNING", "STOPPED"):
        for page in ecs.get_paginator("list_tasks").paginate(cluster="scale", desiredStatus=status):
            arns += page["taskArns"]
    for batch in chunks(arns, 100):
        ecs.describe_tasks(cluster="scale", tasks=list(batch))
    return time.perf_counter() - start


def raw_findings(endpoint: str) -> float:
    from tui.demo.server import plain_client

    inspector: Any = plain_client(endpoint, "inspector2", SCALE_REGION)
    start = time.perf_counter()
    for _ in inspector.get_paginator("list_findings").paginate(
            filterCriteria={"findingStatus": [{"comparison": "EQUALS", "value": "ACTIVE"}]}):
        pass
    return time.perf_counter() - start


def raw_snapshots(endpoint: str) -> float:
    from tui.demo.server import plain_client

    ec2: Any = plain_client(endpoint, "ec2", SCALE_REGION)
    start = time.perf_counter()
    ec2.describe_snapshots(OwnerIds=["self"])
    return time.perf_counter() - start


def serve() -> None:
    """`scale.py --serve`: the demo and the scale account in a moto server, its endpoint on stdout;
    it serves until stdin closes. The console's process then has no server to share its GIL with,
    as against AWS, so parallel requests overlap with the server's work instead of queueing behind it."""
    from tui.demo.scale import Scale, seed_scale
    from tui.demo.seed import seed_all
    from tui.demo.server import start_server

    server = start_server()
    seed_all()
    seed_scale(SCALE_REGION, Scale())
    print(server.endpoint_url, flush=True)
    sys.stdin.read()
    server.stop()


@contextmanager
def served() -> Iterator[tuple[str, float]]:
    """The endpoint of a seeded moto server in a process of its own, and how long seeding took."""
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, __file__, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True, cwd=Path(__file__).resolve().parent.parent)
    try:
        assert child.stdout is not None
        endpoint = child.stdout.readline().strip()
        if not endpoint:
            raise SystemExit("the scale server did not start")
        yield endpoint, time.perf_counter() - start
    finally:
        child.communicate(timeout=30)


def scale_figures(runs: int = 3) -> list[tuple[str, str]]:
    from panels.ecs import EcsTasks
    from panels.inspector import InspectorGroups, InspectorPanel
    from panels.registry import service_panels
    from panels.snapshots import SnapshotsPanel
    from panels.stepfunctions import Executions, StepFunctionsPanel
    from panels.triage import TriagePanel
    from tui.demo.scale import Scale
    from tui.demo.server import DEMO_REGION

    out: list[tuple[str, str]] = []
    scale = Scale()
    with served() as (endpoint, seeding):
        out.append(("seed (demo + scale account, own process)", f"{seeding:,.1f} s"))

        kept = Path(os.environ["WATCHKEEPER_STATE_DIR"]) / "recall"  # what a launch keeps for the next
        for label, region in (("small account (demo)", DEMO_REGION), ("scale account", SCALE_REGION)):
            for launched, forget in (("first launch", True), ("relaunch", False)):
                firsts, alls = [], []
                for _ in range(runs):
                    if forget:
                        shutil.rmtree(kept, ignore_errors=True)
                    first, whole, _ = asyncio.run(launch(fresh(endpoint, region)))
                    firsts.append(first)
                    alls.append(whole)
                out.append((f"launch → first triage row, {label}, {launched} s", spread(firsts)))
                out.append((f"launch → triage complete, {label}, {launched} s", spread(alls)))

        for label, region in (("small account", DEMO_REGION), ("scale account", SCALE_REGION)):
            times, counts = [], []
            panel = TriagePanel()
            aws = fresh(endpoint, region)
            panel.rows(aws)  # clients made, as in a running console
            for _ in range(runs):
                since = len(aws.calls)
                start = time.perf_counter()
                panel.rows(aws)
                times.append(time.perf_counter() - start)
                counts.append(float(sum(requests(aws, since).values())))
            out.append((f"triage refresh, {label} s", spread(times)))
            out.append((f"triage requests per refresh, {label}", spread(counts)))
            if region == SCALE_REGION:
                per_op = requests(aws, since)
                out.append(("  by operation (scale)", ", ".join(f"{k} {v}" for k, v in sorted(per_op.items()))))

        aws = fresh(endpoint, SCALE_REGION)
        levels: list[tuple[str, Callable[[], Any], Callable[[str], float]]] = [
            ("5,000 ECS tasks", lambda: EcsTasks("scale", "scale", "api"), raw_tasks),
            ("20,000 Inspector findings", InspectorPanel, raw_findings),
            # `v`: counted by the server; raw is listing every finding, as the grouping did before
            ("Inspector by CVE (2,000)", lambda: InspectorGroups("cve"), raw_findings),
            ("Inspector by resource (400)", lambda: InspectorGroups("resource"), raw_findings),
            ("10,000 EBS snapshots", SnapshotsPanel, raw_snapshots),
        ]
        for label, make, raw in levels:
            timed_load(make(), aws)  # warm clients
            results, raws = [], []
            for _ in range(runs):  # taking turns, so a server that slows down or warms up weighs on both
                results.append(timed_load(make(), aws))
                raws.append(raw(endpoint))
            out.append((f"{label}: first rows s", spread([r[0] for r in results])))
            out.append((f"{label}: all rows s", spread([r[1] for r in results])))
            out.append((f"{label}: raw boto3 s", spread(raws)))

        out += economy(endpoint, scale, service_panels(), Executions, StepFunctionsPanel)
        loaded = [memory(endpoint) for _ in range(runs)]
        out.append(("everything loaded and refreshed: peak RSS MB", spread([m["peak_mb"] for m in loaded])))
        out.append(("  rows", ", ".join(f"{k[5:]} {int(v):,}" for k, v in loaded[0].items() if k.startswith("rows_"))))
    return out


def economy(endpoint: str, scale: Any, panels: list[Any], executions: Any, machines: Any) -> list[tuple[str, str]]:
    """Requests of one refresh of each panel's top level (and the big levels below) against the
    fewest the API allows for the same rows."""
    aws = fresh(endpoint, SCALE_REGION)
    out = []
    page = 100  # ListTasks, DescribeTasks, ListFindings, ListExecutions: 100 a request at most
    minimum = {
        "ecs": 2,  # ListClusters, DescribeClusters (100 clusters a call)
        "stepfunctions": 1 + 2,  # ListStateMachines; per machine one ListExecutions page, ListRuleNamesByTarget
        # every finding is a row; account status, identity, the server's severity counts
        "inspector": math.ceil(scale.findings / page) + 3,
        # DescribeSnapshots in pages of 1,000 (so the first rows show at once; one request without
        # MaxResults would answer everything, and nothing would show until all had arrived); DescribeVolumes
        "snapshots": math.ceil(scale.snapshots / 1_000) + 1,
    }
    for panel in panels:
        since = len(aws.calls)
        panel.load(aws)
        count = sum(requests(aws, since).values())
        out.append((f"requests per refresh: {panel.id}", f"{count} (minimum {minimum.get(panel.id, '-')})"))
    tasks = 2 * math.ceil(scale.tasks / page)  # ListTasks and DescribeTasks pages (moto lists in one page)
    from panels.ecs import EcsTasks

    since = len(aws.calls)
    EcsTasks("scale", "scale", "api").load(aws)
    out.append(("requests per refresh: ECS tasks level", f"{sum(requests(aws, since).values())} (minimum {tasks} "
                                                         "on AWS)"))
    machine = machines().rows(aws)[0]
    level = executions(machine.key, machine.name)
    for label in ("first", "next"):
        since = len(aws.calls)
        level.load(aws)
        out.append((f"requests per refresh: executions level ({label})",
                    f"{sum(requests(aws, since).values())} (minimum 1 + describes of newly stopped)"))
    out.append(("hidden panels", "no refresh while hidden (refresh.hidden_seconds in the config: that rarely)"))
    return out


def main() -> None:
    # Its own state directory: a launch keeps what it learned there for the next (tui/recall.py).
    os.environ.setdefault("WATCHKEEPER_STATE_DIR", tempfile.mkdtemp(prefix="wk-bench-state-"))
    if "--serve" in sys.argv[1:]:
        serve()
        return
    if "--memory" in sys.argv[1:]:
        print(json.dumps(asyncio.run(everything_loaded(sys.argv[-1]))))
        return
    figures = scale_figures()
    width = max(len(name) for name, _ in figures)
    for name, value in figures:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
