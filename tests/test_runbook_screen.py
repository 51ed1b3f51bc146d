"""Runbooks in the console: launched from their key or the palette on the selected row, run step
by step on their own screen, every action shown as its exact call before it is sent."""

from __future__ import annotations

from actions.audit import AuditLog
from tests.conftest import session
from tests.pilot import open_path, wait_for
from tui.app import WatchkeeperApp
from tui.demo.server import DemoServer
from tui.runbook_screen import InputsForm, Question, RunbookScreen

SIZE = (100, 30)


async def test_a_runbook_key_launches_it_on_the_selected_row(server: DemoServer, audit: AuditLog) -> None:
    aws = session(server)
    app = WatchkeeperApp(aws, audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.runbooks is not None)
        await open_path(pilot, app, "ecs", "prod", "checkout-api")
        await pilot.press("R")  # ecs-crash-loop's key, on an ECS service
        await wait_for(pilot, lambda: isinstance(app.screen, InputsForm))
        await pilot.press("enter")  # the default remedy, from the runbook
        await wait_for(pilot, lambda: isinstance(app.screen, RunbookScreen))
        screen = app.screen
        assert isinstance(screen, RunbookScreen) and screen.row["service"] == "checkout-api"
        await pilot.press("enter")  # step by step: one step
        await wait_for(pilot, lambda: len(screen.run.records) == 1 and not screen.busy)  # type: ignore[union-attr]
        assert screen.run.records[0].outcome == "passed"  # type: ignore[union-attr]
        await pilot.press("g")  # run on: it stops at the choice, then at the action's call
        await wait_for(pilot, lambda: isinstance(app.screen, Question))
        assert app.screen.options[0] == "rollback"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, Question) and "Run" in app.screen.options)
        body = str(app.screen.body)  # type: ignore[attr-defined]
        assert "ecs.update_service(" in body and "aws ecs update-service" in body
        await pilot.press("escape")  # not confirmed: nothing is sent, the run ends
        await wait_for(pilot, lambda: screen.run.finished)  # type: ignore[union-attr]
        assert screen.run.result == "abandoned"  # type: ignore[union-attr]
    assert not [c for c in aws.calls if c.mutating]
    [record] = [e for e in audit.entries() if e.get("event") == "runbook"]
    assert record["name"] == "ecs-crash-loop" and record["result"] == "abandoned"
    assert [s["outcome"] for s in record["steps"]][:2] == ["passed", "done"]


async def test_runbooks_are_in_the_palette_for_the_selection_only(server: DemoServer, audit: AuditLog) -> None:
    app = WatchkeeperApp(session(server), audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.runbooks is not None)
        await open_path(pilot, app, "ecs", "prod", "checkout-api")
        assert [r.name for r in app.runbooks_for_selection()] == ["ecs-crash-loop"]
        from tui.palette import WatchkeeperCommands

        names = [name for name, _, _ in WatchkeeperCommands(app.screen).commands()]
        assert "Runbook ecs-crash-loop: checkout-api" in names
        await pilot.press("escape", "escape")  # back to the clusters: no runbook applies there
        await wait_for(pilot, lambda: len(app.current_view.stack) == 1)
        assert app.runbooks_for_selection() == []
        await pilot.press("R")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, InputsForm | RunbookScreen)


async def test_a_bad_runbook_file_is_reported_and_the_others_load(
    server: DemoServer, audit: AuditLog, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "broken.yaml").write_text("name: broken\nsteps: [\n")
    app = WatchkeeperApp(session(server), audit=audit, runbook_dirs=[tmp_path])
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.runbooks is not None)
        assert "ecs-crash-loop" in app.runbooks.runbooks  # type: ignore[union-attr]
        assert any(f"{tmp_path / 'broken.yaml'}:" in str(e) for e in app.runbooks.errors)  # type: ignore[union-attr]


def test_runbook_keys_cannot_take_the_consoles_own_keys() -> None:
    """The loader keeps a plain list (it must not import Textual); it must match the bindings."""
    from actions.runbooks.loader import RESERVED_KEYS
    from panels.view import PanelView

    single = {b.key for b in (*WatchkeeperApp.BINDINGS, *PanelView.BINDINGS)
              if len(b.key) == 1 and b.action.split("(")[0] not in ("run_action",)}
    assert single <= RESERVED_KEYS | {"?", "@", "/", "!"}, single - RESERVED_KEYS
