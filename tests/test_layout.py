"""The console read at any width: triage's reason takes the width the other columns leave, the
plain `triage` output suits a pipe, and every confirmation runs with the same key."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from textual.widgets import Button, Input, Static

from actions.audit import AuditLog
from actions.confirm import ConfirmScreen
from panels.model import Problem, Severity
from panels.view import PanelView
from tests.conftest import session
from tests.pilot import loaded, open_confirmation, open_path, view_of, wait_for
from tui.app import WatchkeeperApp
from tui.cli import main, render_table
from tui.demo.server import DemoServer

CRASH_LOOP = ("CRASHLOOP: 1/3 tasks running; crash loop: 4 tasks stopped (exit 137) OutOfMemoryError: "
              "Container killed due to memory usage")


def wide_width(view: PanelView) -> int:
    index = view.wide_index()
    assert index is not None
    return view.table.widths[index]


def visible_reason(view: PanelView, starts: str) -> str:
    """The reason as the screen shows it, from its first characters to the end of the line."""
    table = view.table
    for y in range(table.size.height):
        line = table.render_line(y).text
        if starts in line:
            return line[line.index(starts):].rstrip()
    raise AssertionError(f"no line shows {starts!r}")


async def settled(pilot: object, view: PanelView, width: int) -> None:
    """Until the wide column has been fitted to a table `width` columns wide."""
    await wait_for(pilot, lambda: view.table.size.width == width and bool(view.table.widths))
    await pilot.pause(0.2)  # type: ignore[attr-defined]


# -- triage in the console ----------------------------------------------------------------------
async def test_the_reason_takes_the_width_at_80_columns(server: DemoServer, audit: AuditLog) -> None:
    app = WatchkeeperApp(session(server), audit=audit)
    async with app.run_test(size=(80, 24)) as pilot:
        triage = view_of(app, "triage")
        await loaded(pilot, triage)
        await settled(pilot, triage, 80)
        assert triage.wide_index() == 4  # Reason
        assert wide_width(triage) >= 36  # was 18: Sev, Age and Service are short, Resource bounded
        table = triage.table
        assert table.virtual_size.width <= table.size.width  # no sideways scrolling to read it
        first = next(iter(triage.shown.values()))
        shown = visible_reason(triage, first.cells[4][:12])
        assert len(shown) >= 34 and shown.endswith("…")  # cut with a marker; the detail pane has it all
        cells = [str(r.cells[3]) for r in triage.shown.values()]
        assert "…" + "order-fulfilment/order-fulfilment-002"[-15:] in cells  # a long resource keeps its end
        assert all(len(c) <= 16 for c in cells)
        assert {str(r.cells[2]) for r in triage.shown.values()} >= {"SFN", "Pipes", "ECS"}


async def test_the_reason_takes_the_width_at_200_columns_and_follows_a_resize(
    server: DemoServer, audit: AuditLog
) -> None:
    app = WatchkeeperApp(session(server), audit=audit)
    async with app.run_test(size=(80, 24)) as pilot:
        triage = view_of(app, "triage")
        await loaded(pilot, triage)
        await settled(pilot, triage, 80)
        narrow = wide_width(triage)
        await pilot.resize_terminal(200, 50)
        await settled(pilot, triage, 200)
        await wait_for(pilot, lambda: wide_width(triage) >= 150)
        assert wide_width(triage) > narrow
        # The whole of a 130-character reason, which the 80-character cell limit used to cut.
        assert visible_reason(triage, "CRASHLOOP:") == CRASH_LOOP
        await pilot.resize_terminal(80, 24)
        await settled(pilot, triage, 80)
        await wait_for(pilot, lambda: wide_width(triage) == narrow)


async def test_other_panels_give_their_last_column_the_width(server: DemoServer, audit: AuditLog) -> None:
    app = WatchkeeperApp(session(server), audit=audit)
    async with app.run_test(size=(200, 50)) as pilot:
        pipelines = await open_path(pilot, app, "pipelines")
        await settled(pilot, pipelines, 200)
        assert pipelines.level.source.columns[pipelines.wide_index()] == "Summary"  # type: ignore[index]
        table = pipelines.table
        assert wide_width(pipelines) > 80 and table.virtual_size.width >= table.size.width - 2  # fills it


# -- `watchkeeper triage` ---------------------------------------------------------------------------
def test_plain_triage_in_a_pipe_is_one_line_per_problem(
    server: DemoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["triage", "--endpoint-url", server.endpoint_url, "--region", "us-east-1"])
    out = capsys.readouterr().out
    assert code == 1
    lines = out.splitlines()
    assert not [line for line in lines if line != line.rstrip()]  # no padding at the end of a line
    assert lines[1].split() == ["SEV", "SERVICE", "RESOURCE", "STATUS", "AGE", "REASON"]
    [sfn] = [line for line in lines if "order-fulfilment/order-fulfilment-002" in line]  # whole, one line
    assert sfn.startswith("HIGH") and "Step Functions" in sfn and "Payment provider timed out" in sfn
    [ecs] = [line for line in lines if "prod/checkout-api" in line]
    assert ecs.endswith(CRASH_LOOP.split(": ", 1)[1])  # the reason last, never folded
    assert "\x1b" not in out


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


PROBLEMS = [
    Problem("stepfunctions", "Step Functions", "order-fulfilment/order-fulfilment-002", "FAILED",
            "in state ChargeCard: States.TaskFailed: Payment provider timed out after 30000 ms", Severity.HIGH),
    Problem("ecs", "ECS", "prod/checkout-api", "CRASHLOOP", CRASH_LOOP.split(": ", 1)[1], Severity.HIGH),
]


@pytest.mark.parametrize("width", [80, 120])
def test_the_terminal_table_folds_the_reason_never_a_name(width: int) -> None:
    screen = Tty()
    render_table(Console(file=screen, width=width, force_terminal=True, color_system=None), PROBLEMS, [], "1 r")
    lines = screen.getvalue().splitlines()
    assert all(len(line) <= width for line in lines)
    [sfn] = [line for line in lines if "SFN" in line]
    assert "prod/checkout-api" in screen.getvalue()  # fits: whole
    if width >= 120:
        assert "order-fulfilment/order-fulfilment-002" in sfn
    else:
        assert "…order-fulfilment-002" in sfn  # too long for 80 columns: its end, on one line
    assert "FAILED: in state" in sfn
    reason_lines = [line for line in lines if "Payment" in line or "30000" in line]
    assert reason_lines  # the reason folds onto lines of its own
    assert not any("fulfilment" in line for line in lines if line not in (sfn,))


# -- confirmations ----------------------------------------------------------------------------------
def call_text(screen: ConfirmScreen) -> str:
    return " ".join(str(screen.query_one(f"#{name}", Static).render()) for name in ("python", "cli"))


async def test_one_run_key_in_every_confirmation(server: DemoServer, audit: AuditLog) -> None:
    """Nothing is sent: every dialog here is cancelled."""
    app = WatchkeeperApp(session(server), audit=audit)
    async with app.run_test(size=(100, 40)) as pilot:
        # Nothing to type: Run has the focus, so enter runs; `y` does nothing.
        await open_path(pilot, app, "ecs", "prod", "checkout-api")
        screen = await open_confirmation(pilot, app, "D")
        assert str(screen.query_one("#run", Button).label) == f"Run ({ConfirmScreen.RUN_KEY})" == "Run (enter)"
        assert app.focused is screen.query_one("#run", Button)
        await pilot.press("y")
        await pilot.pause(0.1)
        assert app.screen is screen
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen))

        # A value to type: the same label; a `y` typed is a `y`; a wrong value clears the call shown.
        await open_path(pilot, app, "stepfunctions", "nightly-report")
        screen = await open_confirmation(pilot, app, "S")
        assert str(screen.query_one("#run", Button).label) == "Run (enter)"
        assert "start_execution" in call_text(screen)
        box = screen.query_one("#ask-input", Input)
        box.value = '{"day": '
        await pilot.pause()
        assert "start_execution" not in call_text(screen) and "start-execution" not in call_text(screen)
        assert screen.query_one("#run", Button).disabled
        box.value = ""
        await pilot.press("y")
        assert box.value == "y" and app.screen is screen
        box.value = '{"day": "2026-11-21"}'
        await pilot.pause()
        assert '2026-11-21' in call_text(screen) and not screen.query_one("#run", Button).disabled
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen))

        # Destructive: the prompt to type the name does not look like the name already typed.
        await open_path(pilot, app, "emr", "etl-nightly")
        screen = await open_confirmation(pilot, app, "T")
        typed = screen.query_one("#typed-name", Input)
        assert typed.placeholder == ConfirmScreen.TYPE_PROMPT and "etl-nightly" not in typed.placeholder
        assert str(screen.query_one("#run", Button).label) == "Run (enter)"
        await pilot.press("y", "enter")
        assert typed.value == "y" and app.screen is screen
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
    assert audit.entries() == []
