"""Print watchkeeper's performance figures. Timing lives here, not in the tests.

    .venv/bin/python benchmarks/run.py

- startup: process start to first paint, and to the demo's triage list on screen (a fresh process,
  headless; then the same in a real terminal under tmux)
- table: 10,000 rows loaded and painted, rows per second, refresh with 5 % changed
- keystrokes with 10,000 rows: cursor move and filter, per key
- keystrokes with 20,000 rows: cursor keys, filter keys (each until the table shows its result),
  the longest event-loop stall while filtering, and a burst of filter keys (how long until it
  settles, how many times the table's rows were replaced)
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
        # "failed 1": the first key leaves 1/7 of the rows, the last about a third of those (the old
        # "resource-0" matched every synthetic row, so it never removed one).
        lat, _, _ = await filter_costs(pilot, view, FILTER_TEXT)
        out["filter_key_ms_median"] = statistics.median(lat)
        out["filter_key_ms_max"] = max(lat)
    return out


async def key_costs(pilot, keys: list[str]) -> list[float]:  # type: ignore[no-untyped-def]
    costs = []
    for key in keys:
        start = time.process_time()
        await pilot.press(key)
        costs.append((time.process_time() - start) * 1000)
    return costs


FILTER_TEXT = "failed 1"


def synthetic_app(count: int):  # type: ignore[no-untyped-def]
    """The app with its first view showing `count` synthetic rows (no AWS behind it)."""
    from actions.audit import AuditLog
    from tui.app import WatchkeeperApp

    panel = synthetic_panel(count)
    app = WatchkeeperApp(None, audit=AuditLog(Path("/tmp/wk-bench-audit.jsonl")), panels=[])
    app.views[0].panel = panel
    app.views[0].stack[0].source = panel
    return app


def bench_session():  # type: ignore[no-untyped-def]
    from tui.session import AwsSession

    return AwsSession(region="us-east-1", credentials={"aws_access_key_id": "x", "aws_secret_access_key": "x"},
                      endpoint_url="http://127.0.0.1:9")


class StallProbe:
    """The longest time the event loop could not wake a 1 ms sleep: what a user feels as a freeze
    (a filter pass on the UI thread, or one in a thread that holds the GIL too long)."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.task = asyncio.get_running_loop().create_task(self.watch())

    async def watch(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(0.001)
            self.longest = max(self.longest, time.perf_counter() - start - 0.001)

    def stop(self) -> float:
        self.task.cancel()
        return self.longest * 1000


def filter_targets(view, text: str) -> list[int]:  # type: ignore[no-untyped-def]
    """How many rows the table must show after each key of `text`."""
    from panels.ordering import matches

    return [sum(1 for r in view.level.rows if matches(r, text[:i + 1])) for i in range(len(text))]


def shows(view, text: str, count: int) -> bool:  # type: ignore[no-untyped-def]
    box = view.query_one("#filter")
    return box.value == text and view.level.filter == text and view.table.row_count == count


class Paints:
    """When the table last drew a line: a key's result counts once it is on screen."""

    def __init__(self, table) -> None:  # type: ignore[no-untyped-def]
        self.last = 0.0
        draw = table.render_line

        def render_line(y: int):  # type: ignore[no-untyped-def]
            self.last = time.perf_counter()
            return draw(y)

        table.render_line = render_line

    async def until_drawn(self, start: float, done) -> float:  # type: ignore[no-untyped-def]
        """ms from `start` until `done()` holds and the table has drawn since (or 0.5 s without a
        draw: nothing on screen changed)."""
        while not done():
            await asyncio.sleep(0.0005)
        ready = time.perf_counter()
        while self.last < ready and time.perf_counter() < ready + 0.5:
            await asyncio.sleep(0.0005)
        return ((self.last if self.last >= ready else ready) - start) * 1000


def key_event(key: str):  # type: ignore[no-untyped-def]
    from textual import events

    names = {" ": "space"}
    return events.Key(names.get(key, key), key if len(key) == 1 else None)


async def latencies(app, paints: Paints, keys: list[str], done) -> list[float]:  # type: ignore[no-untyped-def]
    """Each key posted as a terminal would send it, timed until `done(i)` holds and it is drawn.
    Not through the pilot: its press waits for the process to be idle in 20 ms steps."""
    out = []
    for i, key in enumerate(keys):
        start = time.perf_counter()
        app.post_message(key_event(key))
        out.append(await paints.until_drawn(start, lambda i=i: done(i)))  # type: ignore[misc]
        await asyncio.sleep(0.005)  # a typist's gap: each key is a key of its own
    return out


async def filter_costs(pilot, view, text: str) -> tuple[list[float], list[float], float]:  # type: ignore[no-untyped-def]
    """Per key typed into the (open, focused) filter box: ms until the table shows that key's
    result (a debounced pass in a worker included), CPU ms per key through the pilot (which also
    waits for it), and the longest event-loop stall while typing."""
    targets = filter_targets(view, text)
    paints = Paints(view.table)
    probe = StallProbe()
    walls = await latencies(view.app, paints, list(text), lambda i: shows(view, text[:i + 1], targets[i]))
    stall = probe.stop()
    for _ in text:  # back to every row, then the CPU figure through the pilot
        await pilot.press("backspace")
    cpus = []
    for i, character in enumerate(text):
        cpu = time.process_time()
        await pilot.press("space" if character == " " else character)
        while not shows(view, text[:i + 1], targets[i]):
            await asyncio.sleep(0.001)
        cpus.append((time.process_time() - cpu) * 1000)
    return walls, cpus, stall


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]


async def keystrokes_at_scale(count: int = 20_000) -> dict[str, float]:
    """Keys against `count` rows: cursor keys (until the moved cursor is drawn; and CPU per key as
    table() measures it), filter keys typed one at a time (until each result is drawn), then the
    same text as a burst posted at once (a paste, keys over SSH)."""
    app = synthetic_app(count)
    out: dict[str, float] = {}
    async with app.run_test(size=(120, 36)) as pilot:
        view = app.views[0]
        app.aws = bench_session()
        for name in ("arrival", "refresh"):  # the rows arriving, then a refresh where every 20th changed
            probe = StallProbe()
            view.refresh_now()
            while view.table.row_count < count or view.busy:
                await pilot.pause(0.005)
            out[f"{name}_20k_longest_stall_ms"] = probe.stop()
        view.next_due = float("inf")  # no periodic refresh of 20,000 rows in the middle of the keys
        await pilot.pause()
        table = view.table
        table.focus()
        await pilot.pause()
        paints = Paints(table)
        keys = ["down"] * 100 + ["pagedown"] * 10 + ["up"] * 50 + ["pageup"] * 10
        if count < 1_000:  # a short list for comparison: every key must still move the cursor
            keys = ["down"] * (count // 2) + ["up"] * (count // 4)
        before = [table.cursor_row]

        def moved(i: int) -> bool:
            if table.cursor_row != before[0]:
                before[0] = table.cursor_row
                return True
            return False

        lat = await latencies(app, paints, keys, moved)
        out["cursor_key_20k_ms_median"] = statistics.median(lat)
        out["cursor_key_20k_ms_p95"] = p95(lat)
        cpu = await key_costs(pilot, keys)
        out["cursor_key_20k_cpu_ms_median"] = statistics.median(cpu)
        out["cursor_key_20k_cpu_ms_p95"] = p95(cpu)
        await pilot.press("slash")
        walls, cpus, stall = await filter_costs(pilot, view, FILTER_TEXT)
        out["filter_key_20k_ms_median"] = statistics.median(walls)
        out["filter_key_20k_ms_p95"] = p95(walls)
        out["filter_key_20k_cpu_ms_median"] = statistics.median(cpus)
        out["filter_key_20k_longest_stall_ms"] = stall
        start = time.perf_counter()
        for _ in FILTER_TEXT:  # back to every row at once: the widest swap
            app.post_message(key_event("backspace"))
        out["filter_clear_20k_ms"] = await paints.until_drawn(start, lambda: table.row_count == count)
        # A burst: every key posted before the first is handled.
        target = filter_targets(view, FILTER_TEXT)[-1]
        swaps = [0]
        if hasattr(table, "set_rows"):  # the virtual table: how many times its rows were replaced
            replace = table.set_rows

            def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
                swaps[0] += 1
                return replace(*args, **kwargs)

            table.set_rows = counted
        await pilot.pause(0.2)
        swaps[0] = 0
        probe = StallProbe()
        start = time.perf_counter()
        for character in FILTER_TEXT:
            app.post_message(key_event(character))
        out["filter_burst_20k_settled_ms"] = await paints.until_drawn(
            start, lambda: shows(view, FILTER_TEXT, target))
        await pilot.pause(0.3)  # a pass still running after the burst would count now
        out["filter_burst_20k_longest_stall_ms"] = probe.stop()
        if hasattr(table, "set_rows"):
            out["filter_burst_20k_row_swaps"] = float(swaps[0])
        out["filter_burst_20k_final_ok"] = float(shows(view, FILTER_TEXT, target))
    return out


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
    if "--scale" in sys.argv[1:]:  # the large account: benchmarks/scale.py
        sys.path.insert(0, str(ROOT / "benchmarks"))
        import scale

        scale.main()
        return
    figures: dict[str, float] = {}
    figures.update(startup())
    figures.update(startup_tty())
    figures.update(asyncio.run(table()))
    figures.update(asyncio.run(keystrokes_at_scale()))
    figures.update(api_calls())
    figures.update(logs())
    width = max(map(len, figures))
    for name, value in figures.items():
        print(f"{name:<{width}}  {value:,.3f}" if isinstance(value, float) else f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
