"""Keeps the demo alive: log lines keep arriving and the crash-looping service keeps crashing."""

from __future__ import annotations

import itertools
import threading
import time

from tui.demo.seed import backend, stop_task_as_oom, task_network, write_oom_log
from tui.demo.server import DEMO_REGION

LOG_EVERY = 2.0
CRASH_EVERY = 30.0
LINES = itertools.cycle([
    "INFO  GET /cart 200 41ms",
    "INFO  POST /checkout 200 388ms",
    "WARN  heap usage 93% (476m/512m)",
    "ERROR java.lang.OutOfMemoryError: Java heap space",
    "INFO  POST /checkout 502 30001ms",
])


class Ticker(threading.Thread):
    """Writes to moto's backends like the seed does: the console sees the changes over the API."""

    def __init__(self, region: str = DEMO_REGION) -> None:
        super().__init__(name="demo-ticker", daemon=True)
        self.region = region
        self.stopped = threading.Event()

    def run(self) -> None:
        logs = backend("logs", self.region)
        last_crash = time.monotonic()
        while not self.stopped.wait(LOG_EVERY):
            try:
                logs.put_log_events("/ecs/checkout-api", "ecs/checkout-api/demo",
                                    [{"timestamp": int(time.time() * 1000), "message": next(LINES)}])
                if time.monotonic() - last_crash >= CRASH_EVERY:
                    last_crash = time.monotonic()
                    self.crash_again()
            except Exception:  # the demo is going away with the app; nothing to report
                return

    def crash_again(self) -> None:
        """A replacement checkout-api task starts, and is killed for memory again."""
        moto_ecs = backend("ecs", self.region)
        task = moto_ecs.run_task("prod", "checkout-api", 1, None, "ecs-svc/demo", None, "FARGATE",
                                 task_network(self.region), group="service:checkout-api")[0]
        stop_task_as_oom(task, minutes_ago=0)
        write_oom_log(self.region, "checkout-api", task.id)

    def stop(self) -> None:
        self.stopped.set()
