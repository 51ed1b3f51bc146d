"""Keys you can see: the footer lists what applies to the selected row first, a key that does not apply
says why, read-only shows mutating keys refused, and help starts with the panel on screen."""

from __future__ import annotations

from textual.widgets._footer import FooterKey

from actions.audit import AuditLog
from tests.conftest import session
from tests.pilot import jump_from_triage, loaded, select, wait_for
from tui.app import WatchkeeperApp
from tui.demo.server import DemoServer
from tui.screens import HelpScreen

SIZE = (80, 24)


def footer(app: WatchkeeperApp) -> list[FooterKey]:
    return list(app.screen.query(FooterKey))


def toasts(app: WatchkeeperApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_the_footer_shows_approve_and_reject_first_on_a_waiting_approval(server: DemoServer,
                                                                              audit: AuditLog) -> None:
    app = WatchkeeperApp(session(server), audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        await jump_from_triage(pilot, app, "api-release/ProductionGate", "pipelines", "ProductionGate")
        await wait_for(pilot, lambda: any(k.key == "A" for k in footer(app)))
        keys = footer(app)
        assert [k.key for k in keys[:2]] == ["A", "J"], [k.key for k in keys]
        assert all(k.region.right <= SIZE[0] for k in keys[:2])  # on screen at 80 columns
        assert "X" not in [k.key for k in keys]  # stop: not for this row, so not in the footer


async def test_a_key_that_does_not_apply_says_why(server: DemoServer, audit: AuditLog) -> None:
    app = WatchkeeperApp(session(server), audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        ecs = await jump_from_triage(pilot, app, "prod/checkout-api", "ecs", "checkout-api")
        await pilot.press("enter")
        await loaded(pilot, ecs, "prod › checkout-api › tasks")
        stopped = next(r for r in ecs.shown.values() if not r.data.get("running"))
        await select(pilot, ecs, stopped.name)
        await pilot.press("X")
        await wait_for(pilot, lambda: any("Stop task (X)" in t for t in toasts(app)))
        [said] = [t for t in toasts(app) if "Stop task (X)" in t]
        assert said == f"Stop task (X): not possible here — it needs a running task; {stopped.name} is " \
                       f"{stopped.status}."
        assert type(app.screen).__name__ != "ConfirmScreen"


async def test_read_only_shows_mutating_keys_refused_and_says_so(server: DemoServer, audit: AuditLog) -> None:
    app = WatchkeeperApp(session(server, read_only=True), audit=audit)
    async with app.run_test(size=(120, 24)) as pilot:
        await jump_from_triage(pilot, app, "prod/checkout-api", "ecs", "checkout-api")
        await wait_for(pilot, lambda: any(k.key == "S" for k in footer(app)))
        scale = next(k for k in footer(app) if k.key == "S" and k.description == "Set desired count")
        assert scale.has_class("-disabled")  # shown, dimmed: refused here
        await pilot.press("S")
        await wait_for(pilot, lambda: any("refused" in t for t in toasts(app)))
        assert "Set desired count (S): refused — watchkeeper is running with --read-only." in toasts(app)


async def test_help_starts_with_the_panel_on_screen(server: DemoServer, audit: AuditLog) -> None:
    app = WatchkeeperApp(session(server), audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        await jump_from_triage(pilot, app, "prod/checkout-api", "ecs", "checkout-api")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        first = str(app.screen.query("Static")[0].render())
        assert first.startswith("Here: ECS › prod › services")
        assert "Force new deployment" in first and "Set desired count" in first and "ecs-crash-loop" in first


async def test_raw_json_copy_arn_and_console_url(server: DemoServer, audit: AuditLog, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tui.screens import RawScreen

    app = WatchkeeperApp(session(server), audit=audit)
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=SIZE) as pilot:
        ecs = await jump_from_triage(pilot, app, "prod/checkout-api", "ecs", "checkout-api")
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, RawScreen))
        shown = str(app.screen.query("Static")[1].render())
        assert '"serviceName": "checkout-api"' in shown and '"desiredCount"' in shown
        assert "the describe call for this ecs.service" in str(app.screen.query("Static")[0].render())
        await pilot.press("escape")
        await pilot.press("k", "u")
        await wait_for(pilot, lambda: len(copied) == 2)
        arn = ecs.current_target()[0].data["arn"]  # type: ignore[union-attr]
    assert copied == [arn, "https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod/services/checkout-api/"
                           "health?region=us-east-1"]


async def test_colon_goes_to_a_panel_or_a_resource(server: DemoServer, audit: AuditLog) -> None:
    from textual.widgets import Input

    from tests.pilot import view_of

    app = WatchkeeperApp(session(server), audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, view_of(app, "triage"))
        await pilot.press("colon")
        await pilot.press(*"batch", "enter")
        await wait_for(pilot, lambda: app.current_view.panel.id == "batch")
        await loaded(pilot, app.current_view)
        await pilot.press("4")
        await loaded(pilot, view_of(app, "ecs"))
        await pilot.press("1")
        await pilot.press("colon")
        app.screen.query_one(Input).value = "staging"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current_view.panel.id == "ecs"
                       and app.current_view.current_row() is not None
                       and app.current_view.current_row().name == "staging")


async def test_k_copies_a_triage_problems_arn(server: DemoServer, audit: AuditLog, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.pilot import view_of

    app = WatchkeeperApp(session(server), audit=audit)
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=SIZE) as pilot:
        triage = view_of(app, "triage")
        await loaded(pilot, triage)
        await select(pilot, triage, "prod/checkout-api")
        await pilot.press("k")
        await wait_for(pilot, lambda: bool(copied))
    assert copied[0].startswith("arn:aws:ecs:us-east-1:123456789012:service/prod/checkout-api")
