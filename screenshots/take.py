"""Regenerate the screenshots from the real app on the demo incident, at 80x24.

    .venv/bin/python screenshots/take.py
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from actions.audit import AuditLog  # noqa: E402
from tests.pilot import loaded, open_path, screen_text, select, view_of, wait_for  # noqa: E402
from tui.app import WatchkeeperApp  # noqa: E402
from tui.demo.run import start_demo  # noqa: E402
from tui.demo.server import DEMO_CREDENTIALS  # noqa: E402
from tui.scope import Scope  # noqa: E402
from tui.session import AwsSession  # noqa: E402
from tui.settings import Settings  # noqa: E402

PANELS = {"2": "pipelines", "3": "stepfunctions", "4": "ecs", "5": "emr", "6": "batch", "7": "inspector",
          "8": "snapshots"}


async def main() -> None:
    aws = start_demo(ticker=False)
    app = WatchkeeperApp(aws, audit=AuditLog(Path("/tmp/watchkeeper-screenshots-audit.jsonl")))
    async with app.run_test(size=(80, 24)) as pilot:

        async def shot(name: str) -> None:
            await pilot.pause(0.3)
            app.save_screenshot(filename=f"{name}.svg", path=str(HERE))

        await loaded(pilot, view_of(app, "triage"))
        await shot("triage")
        for key, panel in PANELS.items():
            await pilot.press(key)
            await loaded(pilot, view_of(app, panel))
            await shot(panel)
        ecs = await open_path(pilot, app, "ecs", "prod", "checkout-api")
        await shot("ecs-services")
        await pilot.press("enter")
        await loaded(pilot, ecs, "prod › checkout-api › tasks")
        await shot("ecs-tasks")
        stopped = next(r for r in ecs.shown.values() if r.status == "FAILED")
        await select(pilot, ecs, stopped.name)
        await pilot.press("l")
        await wait_for(pilot, lambda: "OutOfMemoryError" in screen_text(app.screen))
        await shot("logs")
        await pilot.press("escape")
        await pilot.press("escape")
        await loaded(pilot, ecs, "prod › services")
        await select(pilot, ecs, "checkout-api")
        await pilot.press("S")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "ConfirmScreen")
        await shot("confirm-scale")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.runbooks is not None)
        await pilot.press("R")  # the ecs-crash-loop runbook, on the same service
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "InputsForm")
        await pilot.press("enter", "g")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "Question")
        await pilot.press("escape")  # no choice: the run ends there, and shows it
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "RunbookScreen"
                       and app.screen.run is not None and app.screen.run.finished)
        await shot("runbook")
        await pilot.press("escape")
        inspector = await open_path(pilot, app, "inspector")
        await pilot.press("v")
        await loaded(pilot, inspector, "Inspector by CVE")
        await shot("inspector-by-cve")
        snapshots = await open_path(pilot, app, "snapshots")
        await pilot.press("v")
        await loaded(pilot, snapshots, "Snapshots: volume freshness")
        await shot("snapshots-volumes")
        emr = await open_path(pilot, app, "emr", "etl-nightly", "export-warehouse")
        await shot("emr-steps")
        await pilot.press("v")
        await loaded(pilot, emr, "etl-nightly › instance groups")
        await shot("emr-instance-groups")
        pipes = await open_path(pilot, app, "pipelines", "web-release", "Build")
        await shot("pipelines-stages")
        await pilot.press("enter")
        await wait_for(pilot, lambda: pipes.level.source.label.startswith("build ") and bool(pipes.shown))
        await shot("codebuild-phases")
        sfn = await open_path(pilot, app, "stepfunctions", "order-fulfilment", "order-fulfilment-002")
        await shot("stepfunctions-executions")
        await pilot.press("enter")
        await loaded(pilot, sfn, "order-fulfilment-002 › history")
        await shot("stepfunctions-history")
        await pilot.press("question_mark")
        await shot("help")
    await identity_shots(aws)


async def identity_shots(aws: AwsSession) -> None:
    """Two regions at once (Account and Region columns), and a production account's confirmation."""
    other = AwsSession(region="eu-west-1", endpoint_url=aws.endpoint_url, credentials=DEMO_CREDENTIALS)
    app = WatchkeeperApp(Scope([aws, other], [], ["us-east-1", "eu-west-1"]),
                         audit=AuditLog(Path("/tmp/watchkeeper-screenshots-audit.jsonl")),
                         settings=Settings(production_accounts=["123456789012"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot, view_of(app, "triage"))
        await wait_for(pilot, lambda: "PRODUCTION" in str(app.query_one("HeaderBar").render()))
        await pilot.pause(0.3)
        app.save_screenshot(filename="triage-two-regions.svg", path=str(HERE))
        await open_path(pilot, app, "ecs", "prod", "checkout-api")
        await pilot.press("S")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "ConfirmScreen")
        await pilot.pause(0.3)
        app.save_screenshot(filename="confirm-production.svg", path=str(HERE))


if __name__ == "__main__":
    asyncio.run(main())
