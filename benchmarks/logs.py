"""Log viewer figures, run by benchmarks/run.py in a process without moto:

    python benchmarks/logs.py http://127.0.0.1:PORT   (a moto server)

Prints one JSON line: lines per second into the viewer, the buffer size after 1,000,000 lines,
peak RSS of this whole process, and the delay from put_log_events to the viewer when following.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from actions.audit import AuditLog
from panels.model import LogTarget
from tui.app import WatchkeeperApp
from tui.demo.server import plain_client
from tui.log_stream import LogLine
from tui.log_viewer import LogViewer
from tui.session import AwsSession
from tui.startup import pause_collection

TOTAL, BATCH = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000, 5_000
GROUP, STREAM = "/bench/app", "app/1"


async def main(endpoint: str) -> None:
    pause_collection()  # as the `watchkeeper` command does (tui/launch.py); the app resumes it
    aws = AwsSession(region="us-east-1", endpoint_url=endpoint,
                     credentials={"aws_access_key_id": "bench", "aws_secret_access_key": "bench"})
    logs: Any = plain_client(endpoint, "logs")  # writes data: outside the console's session
    logs.create_log_group(logGroupName=GROUP)
    logs.create_log_stream(logGroupName=GROUP, logStreamName=STREAM)
    app = WatchkeeperApp(aws, audit=AuditLog(Path("/tmp/wk-bench-audit.jsonl")), panels=[])
    out: dict[str, float] = {}
    async with app.run_test(size=(80, 24)) as pilot:
        while app.views[0].level.loaded_at is None:  # started, as a user opening logs would find it
            await pilot.pause(0.05)
        viewer = LogViewer(aws, LogTarget(GROUP, STREAM))
        app.push_screen(viewer)
        await pilot.pause(0.5)
        start = time.perf_counter()
        for n in range(0, TOTAL, BATCH):
            lines = [LogLine(n + i, f"ecs/app/{i % 4}", f"INFO request {n + i} GET /cart 200 41ms")
                     for i in range(BATCH)]
            viewer.arrived(viewer.follower, lines)
            await pilot.pause()  # the screen paints between batches, as it would live
        out["log_lines_per_s"] = TOTAL / (time.perf_counter() - start)
        out["log_buffer_lines_after_all"] = len(viewer.buffer)
        out["log_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        marker = f"latency-marker-{time.time()}"
        sent = time.perf_counter()
        logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM,
                            logEvents=[{"timestamp": int(time.time() * 1000), "message": marker}])
        while not any(marker in line.message for line in list(viewer.buffer)[-50:]):
            await pilot.pause(0.02)
        out["log_put_to_screen_s"] = time.perf_counter() - sent
    print(json.dumps(out))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
