"""The real app, driven with Textual's pilot against the seeded moto server."""

from __future__ import annotations

import gc
import time

import pytest

from actions.audit import AuditLog
from panels.view import REFRESH_SECONDS
from tests.conftest import session
from tests.pilot import jump_from_triage, loaded, open_path, view_of, wait_for
from tui.app import WatchkeeperApp
from tui.demo.server import DemoServer
from tui.screens import CommandLogScreen, HelpScreen
from tui.startup import pause_collection

SIZE = (80, 24)
PANEL_KEYS = {"1": "triage", "2": "pipelines", "3": "stepfunctions", "4": "ecs", "5": "emr", "6": "batch",
              "7": "inspector", "8": "snapshots"}


@pytest.fixture
def app(server: DemoServer, audit: AuditLog) -> WatchkeeperApp:
    return WatchkeeperApp(session(server), audit=audit)


async def test_triage_first_then_every_panel_by_its_key(app: WatchkeeperApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        triage = view_of(app, "triage")
        await loaded(pilot, triage)
        assert app.current_view is triage
        resources = [r.name for r in triage.shown.values()]
        assert "prod/checkout-api" in resources and "web-release" in resources
        assert app.aws.known_identity.account == "123456789012"  # type: ignore[union-attr]
        for key, panel_id in PANEL_KEYS.items():
            await pilot.press(key)
            view = view_of(app, panel_id)
            assert app.current_view is view
            await loaded(pilot, view)
            assert view.shown, f"panel {panel_id} shows no rows"
            assert not view.error


async def test_filter_narrows_and_escape_clears(app: WatchkeeperApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        triage = view_of(app, "triage")
        await loaded(pilot, triage)
        everything = len(triage.shown)
        await pilot.press("slash", *"crash")
        assert [r.name for r in triage.shown.values()] == ["prod/checkout-api"]
        await pilot.press("enter")  # back to the table, filter kept
        assert len(triage.shown) == 1 and triage.level.filter == "crash"
        await pilot.press("escape")
        assert len(triage.shown) == everything


async def test_drill_down_and_back_up(app: WatchkeeperApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        ecs = await open_path(pilot, app, "ecs", "prod", "checkout-api")
        assert ecs.level.source.label == "prod › services"
        detail = str(ecs.query_one("#detail").render())
        assert "deployment PRIMARY" in detail
        await pilot.press("enter")
        await loaded(pilot, ecs, "prod › checkout-api › tasks")
        failed = [r for r in ecs.shown.values() if r.status == "FAILED"]
        assert failed and failed[0].cells[3] == "137"
        await pilot.press("escape", "escape")
        assert ecs.level.source is ecs.panel


async def test_enter_on_a_triage_problem_opens_it_in_its_panel(app: WatchkeeperApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        ecs = await jump_from_triage(pilot, app, "prod/checkout-api", "ecs", "checkout-api")
        assert ecs.level.source.label == "prod › services"
        await pilot.press("escape")  # back where the engineer came from, not up to the clusters
        assert app.current_view is view_of(app, "triage")
        triage_row = app.current_view.current_row()
        assert triage_row is not None and triage_row.name == "prod/checkout-api"


async def test_a_triage_problem_opens_in_the_panels_first_view_whichever_is_shown(app: WatchkeeperApp) -> None:
    """Triage's paths are the first view's keys: Inspector left grouped by CVE (v) still opens the finding."""
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, view_of(app, "triage"))
        await pilot.press("7")
        inspector = view_of(app, "inspector")
        await loaded(pilot, inspector)
        await pilot.press("v")
        await loaded(pilot, inspector, "Inspector by CVE")
        await pilot.press("1")
        await jump_from_triage(pilot, app, "checkout-api@sha256:9f1c", "inspector", "CVE-2024-3094")
        assert inspector.level.source.label == "Inspector"


async def test_a_triage_problem_of_another_view_opens_in_that_view(app: WatchkeeperApp) -> None:
    """A failed backup job is a row of the Backup view, a stale database of the RDS view, a group
    that lost nodes of its cluster's instance groups: Enter opens each there, on its row."""
    async with app.run_test(size=SIZE) as pilot:
        triage = view_of(app, "triage")
        for service, resource, panel, label, name in (
                ("Backup", "orders-db", "snapshots", "Snapshots: AWS Backup jobs", None),
                ("RDS", "orders-db", "snapshots", "Snapshots: RDS", None),
                ("EMR", "etl-nightly/core", "emr", "instance groups", "core")):
            await pilot.press("1")
            await loaded(pilot, triage)
            key = next(k for k, r in triage.shown.items() if r.name == resource and r.cells[2] == service)
            triage.table.move_cursor(row=triage.table.get_row_index(key))
            await pilot.press("enter")
            view = view_of(app, panel)
            await wait_for(pilot, lambda view=view, label=label: label in view.level.source.label
                           and view.current_row() is not None)
            row = view.current_row()
            assert row is not None and (name or resource) in (row.name, *map(str, row.cells)), row
        await pilot.press("1")  # the volumes never copied: the first of them, in the freshness view
        await loaded(pilot, triage)
        key = next(k for k, r in triage.shown.items() if str(r.cells[-1]).startswith("NO SNAPSHOT"))
        triage.table.move_cursor(row=triage.table.get_row_index(key))
        await pilot.press("enter")
        snapshots = view_of(app, "snapshots")
        await wait_for(pilot, lambda: snapshots.level.source.label == "Snapshots: volume freshness"
                       and snapshots.current_row() is not None and snapshots.current_row().status == "NONE")


async def test_sorting_marks_the_column_and_sorts_ages_as_durations(app: WatchkeeperApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        triage = view_of(app, "triage")
        await loaded(pilot, triage)
        await pilot.press("s", "s")  # Sev, then Age
        assert triage.table.labels[1].plain == "Age ▲"
        ages = [triage.table.cells(i)[1].plain for i in range(triage.table.row_count)]
        from panels.ordering import seconds

        known = [seconds(a) for a in ages if seconds(a) is not None]
        assert known == sorted(known) and len(known) > 3
        await pilot.press("o")
        assert triage.table.labels[1].plain == "Age ▼"


async def test_garbage_collection_resumes_once_the_first_panel_has_data(app: WatchkeeperApp) -> None:
    """`watchkeeper` pauses the collector for its start (tui/startup.py); it must not stay off."""
    pause_collection()
    try:
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot, view_of(app, "triage"))
            await wait_for(pilot, gc.isenabled)
    finally:
        gc.enable()
        gc.unfreeze()


async def test_help_command_log_and_palette(app: WatchkeeperApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, view_of(app, "triage"))
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("at")
        assert isinstance(app.screen, CommandLogScreen)
        await pilot.press("escape")
        await pilot.press("ctrl+p", *"ecs")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current_view.panel.id == "ecs")


async def test_a_broken_panel_shows_its_error_and_the_others_keep_working(server: DemoServer, audit: AuditLog) -> None:
    from panels.ecs import EcsPanel
    from panels.pipelines import PipelinesPanel

    class Broken(EcsPanel):
        def rows(self, aws):  # type: ignore[no-untyped-def,override]
            raise RuntimeError("ecs is on fire")

    app = WatchkeeperApp(session(server), audit=audit, panels=[PipelinesPanel(), Broken()])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        ecs = view_of(app, "ecs")
        await wait_for(pilot, lambda: bool(ecs.error))
        assert "ecs is on fire" not in str(ecs.query_one("#crumb").render())  # the message is one key away
        assert "unexpected response" in str(ecs.query_one("#crumb").render())
        assert ecs.failures == 1 and ecs.next_due - time.monotonic() > REFRESH_SECONDS  # backing off
        await pilot.press("2")
        await loaded(pilot, view_of(app, "pipelines"))
        assert view_of(app, "pipelines").shown



async def test_a_burst_with_a_panel_key_filters_the_panel_it_opens(app: WatchkeeperApp) -> None:
    """`1/crash` sent at once (SSH, a paste): the panel key is not lost behind the filter it is
    followed by, and the filter lands in the panel it opened, not the one left."""
    from textual import events

    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, view_of(app, "triage"))
        await pilot.press("7")
        await loaded(pilot, view_of(app, "inspector"))
        for burst, panel, text in (("1/crash", "triage", "crash"), ("27/xz", "inspector", "xz")):
            for character in burst:
                app.post_message(events.Key("slash" if character == "/" else character, character))
            await pilot.pause(0.5)
            assert app.current_view.panel.id == panel
            assert {v.panel.id: v.level.filter for v in app.views if v.level.filter} == {panel: text}
            await pilot.press("escape")
        # Every other key behind a panel key keeps its meaning there: bindings (?), the cursor (down).
        for key, name in (("1", "1"), ("down", None), ("down", None), ("7", "7"), ("question_mark", "?")):
            app.post_message(events.Key(key, name))
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert app.current_view.panel.id == "inspector"
        await pilot.press("escape")
        triage = view_of(app, "triage")
        assert triage.table.cursor_row == 2, (triage.level.filter, triage.table.row_count, triage.level.cursor_key)


async def test_a_stall_does_not_split_a_burst(app: WatchkeeperApp) -> None:
    """Keys are timed by when they arrived, not when the app got to them: `S` then `3` with the UI
    busy for 80 ms between them is still one burst, so `S` scales the service it was typed on (not
    a row of the panel `3` opens), and `/7` filters by "7"."""
    from textual import events

    from actions.confirm import ConfirmScreen

    async with app.run_test(size=SIZE) as pilot:
        triage = view_of(app, "triage")
        await loaded(pilot, triage)
        app.post_message(events.Key("slash", "/"))
        app.call_later(lambda: time.sleep(0.08))
        app.post_message(events.Key("7", "7"))
        await wait_for(pilot, lambda: triage.level.filter == "7")
        assert app.current_view is triage
        await pilot.press("escape")
        await open_path(pilot, app, "ecs", "prod", "checkout-api")
        app.post_message(events.Key("S", "S"))
        app.call_later(lambda: time.sleep(0.08))
        app.post_message(events.Key("3", "3"))
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert app.screen.action.id == "ecs.scale" and app.screen.row.name == "checkout-api"


async def test_triage_shows_what_is_failing_before_what_is_at_risk(app: WatchkeeperApp) -> None:
    """As ranked, not regrouped: the demo's 3-day-old CRITICAL CVE below the crash loop and the
    approval waiting (the table's own "failing first" would lift CRIT above MED again)."""
    async with app.run_test(size=SIZE) as pilot:
        triage = view_of(app, "triage")
        await loaded(pilot, triage)
        problems = [r.data for r in triage.shown.values() if "at_risk" in r.data]
        risk = [bool(d["at_risk"]) for d in problems]
        assert risk == sorted(risk) and any(risk) and not risk[0]
        for part in (False, True):
            severities = [d["severity"] for d in problems if d["at_risk"] == part]
            assert severities == sorted(severities, reverse=True)


async def test_keys_typed_behind_a_key_that_opens_a_screen_are_typed_into_it(app: WatchkeeperApp) -> None:
    """`S37` at once: 37 is the desired count in S's confirmation, not two panel switches behind
    it; an enter typed ahead does not run a confirmation nobody has seen, nor one that comes just
    after it opened; `:web` at once lands in the prompt whole."""
    from textual import events
    from textual.widgets import Input

    from actions.confirm import ConfirmScreen

    def burst(keys: str) -> None:
        for character in keys:
            key = {"\r": "enter", ":": "colon", "\x7f": "backspace"}.get(character, character)
            app.post_message(events.Key(key, None if key in ("enter", "backspace") else character))

    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, view_of(app, "triage"))
        burst(":Xyz")  # X is an action key no triage row takes: the panel must not keep it
        await wait_for(pilot, lambda: len(app.screen_stack) > 1 and app.screen.query(Input)
                       and app.screen.query_one(Input).value == "Xyz")
        await pilot.press("escape")
        await open_path(pilot, app, "ecs", "prod", "checkout-api")
        burst("S37")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen)
                       and app.screen.query_one(Input).value == "37")
        await pilot.pause(0.2)
        assert app.current_view.panel.id == "ecs" and app.screen.call is not None
        assert app.screen.call.params["desiredCount"] == 37
        await pilot.press("escape")
        for keys, value in (("S5\x7f6", "6"), ("S\x7f55", "55"), ("S56\x7f", "5")):  # backspace in turn
            burst(keys)
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.pause(0.3)
            assert app.screen.query_one(Input).value == value, keys
            await pilot.press("escape")
        burst("S5\r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen)
                       and app.screen.query_one(Input).value == "5")
        await pilot.pause(0.3)
        assert isinstance(app.screen, ConfirmScreen)  # still asking: the enter was not typed into it
        assert not [c for c in app.aws.calls if c.operation == "UpdateService"]
        await pilot.press("escape")
        burst(":web")
        await wait_for(pilot, lambda: len(app.screen_stack) > 1 and app.screen.query(Input)
                       and app.screen.query_one(Input).value == "web")
        assert app.current_view.panel.id == "ecs"
        await pilot.press("escape")
        # An enter that comes just after the confirmation opened (not typed ahead of it, but sooner
        # than anyone reads it) rings the bell; one after READ_FIRST_SECONDS runs it. (A minute
        # here: a loaded test machine must not make the first enter late.)
        ConfirmScreen.READ_FIRST_SECONDS = 60
        try:
            await pilot.press("D")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("enter")
            await pilot.pause(0.2)
            assert isinstance(app.screen, ConfirmScreen)
            assert not [c for c in app.aws.calls if c.operation == "UpdateService"]
            ConfirmScreen.READ_FIRST_SECONDS = 0.0
            await pilot.press("enter")
            await wait_for(pilot, lambda: [c for c in app.aws.calls if c.operation == "UpdateService"])
        finally:
            ConfirmScreen.READ_FIRST_SECONDS = 0.0


async def test_an_action_remapped_onto_a_panel_key_keeps_it(server: DemoServer, audit: AuditLog) -> None:
    """The config's `keys:` may put an action on a digit: on its rows the digit is the action."""
    from textual import events

    from actions.confirm import ConfirmScreen
    from tui.settings import Settings

    app = WatchkeeperApp(session(server), audit=audit, settings=Settings(keys={"ecs.scale": "2"}))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, view_of(app, "triage"))
        for character in "2/xz":  # where the action does not apply, the digit is still a panel key
            app.post_message(events.Key("slash" if character == "/" else character, character))
        await wait_for(pilot, lambda: view_of(app, "pipelines").level.filter == "xz")
        await pilot.press("escape", "1")
        await jump_from_triage(pilot, app, "prod/checkout-api", "ecs", "checkout-api")
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert app.current_view.panel.id == "ecs"


async def test_a_burst_of_keys_after_slash_goes_into_the_filter(app: WatchkeeperApp) -> None:
    """Over SSH or in a paste the keys arrive together, before the filter box has focus: none of
    them may reach the table's bindings (`q` would quit, `o` reverse the order)."""
    from textual import events

    async with app.run_test(size=SIZE) as pilot:
        triage = view_of(app, "triage")
        await loaded(pilot, triage)
        for character in "/checkq":
            app.post_message(events.Key("slash" if character == "/" else character, character))
        await pilot.pause(0.5)
        assert app.is_running and triage.level.filter == "checkq" and triage.level.sort_reverse is False
        await pilot.press(*"out")  # and it goes on from there
        assert triage.level.filter == "checkqout"
