"""Keeps the demo alive: log lines keep arriving and the crash-looping service keeps crashing."""

from __future__ import annotations

import itertools
import threading
import time

from tui.demo.seed import backend, stop_task_as_oom, write_oom_log
from tui.demo.server import DEMO_REGION
from tui.session import AwsSession

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
    def __init__(self, aws: AwsSession) -> None:
        super().__init__(name="demo-ticker", daemon=True)
        self.aws = aws
        self.stopped = threading.Event()

    def run(self) -> None:
        logs = self.aws.client("logs")
        last_crash = time.monotonic()
        while not self.stopped.wait(LOG_EVERY):
            try:
                logs.put_log_events(
                    logGroupName="/ecs/checkout-api", logStreamName="ecs/checkout-api/demo",
                    logEvents=[{"timestamp": int(time.time() * 1000), "message": next(LINES)}],
                )
                if time.monotonic() - last_crash >= CRASH_EVERY:
                    last_crash = time.monotonic()
                    self.crash_again()
            except Exception:  # the demo server is going away with the app; nothing to report
                return

    def crash_again(self) -> None:
        """A replacement checkout-api task starts, and is killed for memory again."""
        ecs = self.aws.client("ecs")
        service = ecs.describe_services(cluster="prod", services=["checkout-api"])["services"][0]
        task_arn = ecs.run_task(
            cluster="prod", taskDefinition="checkout-api", launchType="FARGATE", startedBy="ecs-svc/demo",
            group="service:checkout-api", networkConfiguration=service["networkConfiguration"],
        )["tasks"][0]["taskArn"]
        task = backend("ecs", self.aws.region).tasks["prod"][task_arn.rsplit("/", 1)[-1]]
        stop_task_as_oom(task, minutes_ago=0)
        write_oom_log(self.aws.region or DEMO_REGION, "checkout-api", task.id)

    def stop(self) -> None:
        self.stopped.set()
