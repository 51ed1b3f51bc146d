"""Log viewer figures, run by benchmarks/run.py in a process without moto:

    python benchmarks/logs.py http://127.0.0.1:PORT [LINES]   (a moto server; LINES defaults to 1,000,000)

Prints what it measures, then one JSON line (the last line, read by run.py):
- log_lines_per_s: lines into the viewer (a headless app at 120x36) in batches of 5,000 as the follower
  delivers them (LogLine already sanitised), the screen painting between batches;
- log_follower_lines_per_s: the same with the follower's own work counted (de-duplication and sanitising
  of the raw events, `LogFollower.accept`), as it runs on the worker thread;
- log_wrapped_lines_per_s: ingest with wrap on (every arriving line is laid out, newest 10,000 kept);
- log_peak_rss_mb: peak RSS of this whole process (app, boto3, the 100,000-line buffer);
- log_screen_render_ms: one full screen rendered from nothing (cache emptied), median of 20;
- log_search_ms: a search over the full buffer (100,000 lines), median of 5;
- log_put_to_screen_s: from put_log_events to the line in the viewer when following (polls every 2 s).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rss import rss_mb  # benchmarks/, the script's own directory

from actions.audit import AuditLog
from panels.model import LogTarget
from tui.app import WatchkeeperApp
from tui.demo.server import plain_client
from tui.log_stream import LogFollower, LogLine
from tui.log_viewer import LogViewer, find
from tui.session import AwsSession
from tui.startup import pause_collection, resume_collection

TOTAL, BATCH = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000, 5_000
GROUP, STREAM = "/bench/app", "app/1"
SIZE = (120, 36)


def message(n: int) -> str:
    """Lines as a busy service writes them: mostly short access lines, some JSON, some errors."""
    if n % 50 == 0:
        return f'{{"level": "error", "request": {n}, "path": "/cart", "error": "ERROR upstream timeout"}}'
    return f"INFO request {n} GET /cart/{n % 977} 200 41ms user-agent=Mozilla/5.0"


def events(n: int) -> list[dict[str, Any]]:
    return [{"timestamp": 1_700_000_000_000 + n + i, "logStreamName": f"ecs/app/{i % 4}", "message": message(n + i)}
            for i in range(BATCH)]


async def ingest(pilot: Any, viewer: LogViewer, total: int, *, raw: bool) -> float:
    """Lines per second into the viewer; raw: from event dicts through a follower's accept() (not the
    viewer's own, whose window must stay at the present for the latency figure)."""
    source = LogFollower(viewer.aws, GROUP, start=datetime.fromtimestamp(0, UTC))
    start = time.perf_counter()
    for n in range(0, total, BATCH):
        if raw:
            lines = source.accept(events(n))
        else:
            lines = [LogLine(1_700_000_000_000 + n + i, f"ecs/app/{i % 4}", message(n + i)) for i in range(BATCH)]
        viewer.arrived(viewer.follower, lines)
        await pilot.pause()  # the screen paints between batches, as it would live
    return total / (time.perf_counter() - start)


async def open_viewer(app: WatchkeeperApp, pilot: Any, aws: AwsSession) -> LogViewer:
    viewer = LogViewer(aws, LogTarget(GROUP, STREAM), since="1m")
    await app.push_screen(viewer)
    await pilot.pause(0.5)
    return viewer


async def main(endpoint: str) -> None:
    pause_collection()  # as the `watchkeeper` command does (tui/launch.py); the app resumes it
    aws = AwsSession(region="us-east-1", endpoint_url=endpoint,
                     credentials={"aws_access_key_id": "bench", "aws_secret_access_key": "bench"})
    logs: Any = plain_client(endpoint, "logs")  # writes data: outside the console's session
    if not logs.describe_log_groups(logGroupNamePrefix=GROUP)["logGroups"]:  # a server used before keeps it
        logs.create_log_group(logGroupName=GROUP)
        logs.create_log_stream(logGroupName=GROUP, logStreamName=STREAM)
    app = WatchkeeperApp(aws, audit=AuditLog(Path("/tmp/wk-bench-audit.jsonl")), panels=[])
    out: dict[str, float] = {}
    async with app.run_test(size=SIZE) as pilot:
        while app.views and app.views[0].level.loaded_at is None:  # started, as a user opening logs would find it
            await pilot.pause(0.05)
        resume_collection()  # as the app does once its first panel has data (this one has no panels)
        viewer = await open_viewer(app, pilot, aws)
        out["log_lines_per_s"] = await ingest(pilot, viewer, TOTAL, raw=False)
        out["log_buffer_lines_after_all"] = len(viewer.buffer)
        out["log_peak_rss_mb"] = rss_mb()
        view = viewer.log_widget
        out["log_rows_rendered_cached"] = len(view._rows)

        renders = []
        for _ in range(20):
            view.generation += 1  # nothing cached: every row rendered again
            started = time.perf_counter()
            for y in range(view.size.height):
                view.render_line(y)
            renders.append((time.perf_counter() - started) * 1000)
        out["log_screen_render_ms"] = statistics.median(renders)

        searches = []
        for word in ("request 99", "timeout", "GET /cart/12 ", "nothing-matches", "ERROR"):
            started = time.perf_counter()
            find(viewer.buffer, word)
            searches.append((time.perf_counter() - started) * 1000)
        out["log_search_ms"] = statistics.median(searches)
        await pilot.press("slash", *"request 99", "enter")  # the search as a user runs it: matches, jump
        started = time.perf_counter()
        await pilot.press("n")
        await pilot.pause()
        out["log_next_match_ms"] = (time.perf_counter() - started) * 1000
        app.pop_screen()
        await pilot.pause()

        viewer = await open_viewer(app, pilot, aws)
        out["log_follower_lines_per_s"] = await ingest(pilot, viewer, min(TOTAL, 200_000), raw=True)
        app.pop_screen()
        await pilot.pause()

        viewer = await open_viewer(app, pilot, aws)
        await pilot.press("w")
        out["log_wrapped_lines_per_s"] = await ingest(pilot, viewer, min(TOTAL, 100_000), raw=False)
        await pilot.press("w")
        out["log_peak_rss_mb_after_all"] = rss_mb()

        marker = f"latency-marker-{time.time()}"
        sent = time.perf_counter()
        logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM,
                            logEvents=[{"timestamp": int(time.time() * 1000), "message": marker}])
        while not any(marker in line.message for line in list(viewer.buffer)[-50:]):
            await pilot.pause(0.02)
        out["log_put_to_screen_s"] = time.perf_counter() - sent
    for key, value in out.items():
        print(f"{key:32} {value:,.1f}")
    print(json.dumps(out))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
