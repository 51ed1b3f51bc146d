"""The watchkeeper Textual app: header, one view per panel, footer, and the action flow."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.widgets import ContentSwitcher, Footer
from textual.worker import get_current_worker

from actions.audit import AuditLog
from actions.catalog import BY_ID
from actions.confirm import ConfirmScreen
from actions.model import PreparedCall
from actions.runner import ActionRunner
from actions.waiting import wait_for
from panels.model import Panel
from panels.registry import service_panels
from panels.triage import TriagePanel
from panels.view import PanelView, age_of
from themes import DEFAULT_THEME, THEMES
from tui.errors import ReadOnlyRefused, explain
from tui.header import HeaderBar
from tui.palette import WatchkeeperCommands
from tui.safe_text import clean
from tui.screens import CommandLogScreen, HelpScreen
from tui.session import AwsSession
from tui.startup import RESUME_AFTER_SECONDS, resume_collection

if TYPE_CHECKING:
    from actions.runbooks.loader import Catalog
    from actions.runbooks.model import Runbook

SHORT_TITLES = {"stepfunctions": "SFN", "inspector": "Inspect", "snapshots": "Snaps", "pipelines": "Pipes"}
TOAST_LIMIT = 600  # characters of a toast's message; the full text is in the command log or detail


class WatchkeeperApp(App[None]):
    TITLE = "watchkeeper"
    CSS = """
    Screen { layout: vertical; }
    ContentSwitcher { height: 1fr; }
    PanelView { height: 1fr; }
    PanelView .crumb { height: 1; background: $boost; padding: 0 1; }
    PanelView #filter { height: 1; border: none; padding: 0 1; background: $boost; }
    PanelView #filter.hidden { display: none; }
    PanelView .summary { height: 1; padding: 0 1; }
    PanelView .summary.hidden { display: none; }
    PanelView .gaps { height: auto; max-height: 3; padding: 0 1; }
    PanelView .gaps.hidden { display: none; }
    PanelView #table { height: 2fr; }
    PanelView #detail-scroll { height: 1fr; min-height: 4; max-height: 12; border-top: solid $primary;
                               padding: 0 1; }
    """
    BINDINGS = [
        Binding("question_mark", "help", "Help"),
        Binding("at", "command_log", "Calls"),
        Binding("q", "quit", "Quit"),
        Binding("c", "cancel_wait", "Cancel wait"),
        Binding("L", "log_groups", "Log groups", show=False),
    ]
    COMMANDS = App.COMMANDS | {WatchkeeperCommands}

    def __init__(
        self,
        aws: AwsSession | None,
        *,
        audit: AuditLog,
        theme: str = DEFAULT_THEME,
        start: Callable[[], AwsSession] | None = None,
        panels: Sequence[Panel] | None = None,
        runbook_dirs: Sequence[Path] = (),
    ) -> None:
        """`start`, when given, makes the session in a worker (the demo starts its server there)."""
        super().__init__()
        for item in THEMES:
            self.register_theme(item)
        self.theme = theme
        self.aws: AwsSession | None = aws
        self.audit = audit
        self.start = start
        services = list(panels) if panels is not None else service_panels()
        self.views = [PanelView(p) for p in [TriagePanel(services), *services]]
        for view in self.views:
            self.bind(view.panel.key, f"show_panel('{view.panel.id}')", description=view.panel.title, show=False)
        self.runner: ActionRunner | None = None
        self.runbooks: Catalog | None = None
        self.runbook_dirs = list(runbook_dirs)
        self.waiting = False
        self.account, self.principal = "…", ""
        self.first_paint_at: float | None = None  # perf_counter, for benchmarks/run.py

    def compose(self) -> ComposeResult:
        yield HeaderBar()
        # Only the triage is mounted at start; each other panel on its first visit (a faster
        # first paint: eight panels' tables and styles cost a third of it).
        with ContentSwitcher(initial=self.views[0].id):
            yield self.views[0]
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(1.0, self.update_header)
        self.set_timer(RESUME_AFTER_SECONDS, resume_collection)
        self.views[0].active = True
        self.views[0].table.focus()
        self.update_header()
        if self.start is not None:
            self.views[0].query_one("#crumb").update("Starting the demo: moto on loopback, seeding the incident…")
        self.call_after_refresh(self.painted)

    def painted(self) -> None:
        """After the first paint: the session's work would otherwise compete with it for the GIL."""
        self.first_paint_at = time.perf_counter()
        if self.start is not None:
            self.start_session()
        elif self.aws is not None:
            self.ready(self.aws)

    @work(thread=True, exit_on_error=False)
    def start_session(self) -> None:
        try:
            aws = self.start()  # type: ignore[misc]
        except Exception as exc:
            self.call_from_thread(self.notify, explain(exc), severity="error", timeout=30)
            return
        self.call_from_thread(self.ready, aws)

    def ready(self, aws: AwsSession) -> None:
        self.aws = aws
        self.runner = ActionRunner(aws, self.audit)
        self.fetch_identity()
        self.load_runbooks()
        self.current_view.tick()  # loads now unless it already has, or is backing off
        self.update_header()

    @work(thread=True, exit_on_error=False, group="identity")
    def fetch_identity(self) -> None:
        aws = self.aws
        assert aws is not None
        try:
            identity = aws.identity()
            # arn:aws:sts::123456789012:assumed-role/OnCall/alice -> assumed-role/OnCall/alice
            self.account, self.principal = identity.account, identity.arn.split(":", 5)[-1]
        except Exception as exc:
            self.account = "unknown account"
            self.call_from_thread(self.notify, explain(exc, profile=aws.profile), severity="error", timeout=20)
        self.call_from_thread(self.update_header)

    # -- the one way to show a message ------------------------------------------------------------
    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Every toast, whoever raises it (views, screens, Textual itself): sanitised and never parsed
        as markup, since messages carry resource names and AWS error text (`Value [/dev/sda]…`).
        `markup` is accepted for compatibility and ignored."""
        super().notify(clean(message, limit=TOAST_LIMIT, multiline=True), title=clean(title, limit=80),
                       severity=severity, timeout=timeout, markup=False)

    def _handle_exception(self, error: Exception) -> None:
        """Textual prints a traceback with local variables (parameters, responses) at exit: drop
        it; `tui.cli.run_console` reports `_exception` in one sentence and a crash report."""
        super()._handle_exception(error)
        self._exit_renderables.clear()

    # -- header --------------------------------------------------------------------------------
    @property
    def current_view(self) -> PanelView:
        current = self.query_one(ContentSwitcher).current
        return next(v for v in self.views if v.id == current)

    def update_header(self) -> None:
        if not self.query(HeaderBar):  # the app's timer can outlive the widgets at exit
            return
        aws, view = self.aws, self.current_view
        triage_rows = self.views[0].level.rows
        alarmed = {r.data.get("panel") for r in triage_rows}
        self.query_one(HeaderBar).show(
            profile=aws.profile_name if aws else "-",
            account=self.account,
            identity=self.principal,
            region=(aws.region or "-") if aws else "-",
            endpoint=aws.endpoint if aws else "",
            read_only=bool(aws and aws.read_only),
            data_age=age_of(view.level.as_of or view.level.loaded_at) if view.level.loaded_at else "-",
            tabs=[(v.panel.key, SHORT_TITLES.get(v.panel.id, v.panel.title), v is view,
                   v.panel.id in alarmed) for v in self.views],
        )

    # -- navigation ------------------------------------------------------------------------------
    async def action_show_panel(self, panel_id: str) -> None:
        switcher = self.query_one(ContentSwitcher)
        for view in self.views:
            if view.panel.id == panel_id and not view.is_mounted:
                await switcher.mount(view)
            view.active = view.panel.id == panel_id
        switcher.current = f"panel-{panel_id}"
        view = self.current_view
        view.table.focus()
        if view.level.loaded_at is None or not view.busy:
            view.tick()
        self.update_header()

    @on(PanelView.Loaded)
    def first_load(self) -> None:
        resume_collection()  # the console has started (tui/startup.py)

    @on(PanelView.BackToTriage)
    async def back_to_triage(self) -> None:
        await self.action_show_panel("triage")

    @on(PanelView.Jump)
    async def jump(self, message: PanelView.Jump) -> None:
        await self.action_show_panel(message.panel)
        self.current_view.jump(message.path)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_log_groups(self) -> None:
        from tui.log_groups import LogGroupPicker  # the log viewer's imports wait for first use

        if self.aws is not None:
            self.push_screen(LogGroupPicker(self.aws))

    # -- runbooks ----------------------------------------------------------------------------------
    @work(thread=True, exit_on_error=False, group="runbooks")
    def load_runbooks(self) -> None:
        """Built-ins, the config directory's and --runbooks': a bad file is reported, never fatal."""
        from actions.runbooks.loader import load_all

        catalog = load_all(extra=self.runbook_dirs)
        self.call_from_thread(self.runbooks_loaded, catalog)

    def runbooks_loaded(self, catalog: Catalog) -> None:
        self.runbooks = catalog
        for runbook in catalog.runbooks.values():
            if runbook.key:
                self.bind(runbook.key, f"runbook('{runbook.name}')", description=runbook.name, show=False)
        if catalog.errors:
            first = catalog.errors[0]
            more = f" (and {len(catalog.errors) - 1} more: watchkeeper runbooks validate)" if len(catalog.errors) > 1 \
                else ""
            self.notify(f"{first}{more}", title="A runbook was not loaded", severity="warning", timeout=15)
        self.refresh_bindings()

    def runbooks_for_selection(self) -> list[Runbook]:
        """The runbooks offered on the selected row (dangerous ones hidden in read-only mode)."""
        view, catalog = self.current_view, self.runbooks
        if catalog is None or view.current_row() is None:
            return []
        return catalog.for_kind(view.level.source.kind, read_only=bool(self.aws and self.aws.read_only))

    def action_runbook(self, name: str) -> None:
        from actions.runbooks.targets import row_context
        from tui.runbook_screen import RunbookScreen

        runbook = self.runbooks.get(name) if self.runbooks else None
        row = self.current_view.current_row()
        if runbook is None or row is None or self.aws is None:
            return
        if runbook not in self.runbooks_for_selection():
            why = "it is marked dangerous and watchkeeper runs with --read-only" if self.aws.read_only and \
                self.current_view.level.source.kind in runbook.applies_to else \
                f"it applies to {', '.join(runbook.applies_to)} rows"
            self.notify(f"Runbook {name} is not offered here: {why}.", severity="warning")
            return
        self.push_screen(RunbookScreen(self.aws, runbook, row_context(row)))

    def action_command_log(self) -> None:
        if self.aws is not None:
            self.push_screen(CommandLogScreen())

    # -- actions ---------------------------------------------------------------------------------
    @on(PanelView.ActionRequested)
    def action_requested(self, message: PanelView.ActionRequested) -> None:
        action, runner = BY_ID[message.action_id], self.runner
        if runner is None:
            return
        try:
            runner.refuse_if_read_only(action)
        except ReadOnlyRefused as exc:
            self.notify(str(exc), severity="error")
            return
        reason = action.blocked(message.row)
        if reason:
            self.notify(reason, title=f"{action.title}: not possible", severity="warning", timeout=10)
            return
        view = message.view

        def confirmed(call: PreparedCall | None) -> None:
            if call is not None:
                self.send(call, view)

        if action.mutates:
            self.push_screen(ConfirmScreen(runner, action, message.row), confirmed)
        else:
            self.send(runner.prepare(action, message.row), view)

    @work(thread=True, exit_on_error=False, group="actions")
    def send(self, call: PreparedCall, view: PanelView) -> None:
        runner = self.runner
        assert runner is not None
        try:
            response = runner.run(call)
        except Exception as exc:
            self.call_from_thread(self.notify, explain(exc, profile=runner.aws.profile),
                                  title=f"{call.action.title} failed", severity="error", timeout=15)
            return
        request_id = response.get("ResponseMetadata", {}).get("RequestId", "")
        self.call_from_thread(self.notify, f"{call.action.title}: {call.target_name} (request {request_id})",
                              title="Sent")
        self.call_from_thread(view.refresh_now)
        if call.action.wait is not None:
            self.wait_after(call, response, view)

    def wait_after(self, call: PreparedCall, response: dict[str, Any], view: PanelView) -> None:
        """Runs in the action's worker: the waiter, with progress in the panel; `c` cancels."""
        wait, worker, aws = call.action.wait, get_current_worker(), self.aws
        assert wait is not None and aws is not None
        label = wait.waiter.replace("_", " ")

        def progress(attempt: int, attempts: int) -> None:
            self.call_from_thread(view.set_waiting, f"waiting: {label} {attempt}/{attempts} (c cancels)")

        self.waiting = True
        self.call_from_thread(self.refresh_bindings)
        try:
            outcome = wait_for(aws, wait, call.params, response, progress=progress,
                               cancelled=lambda: worker.is_cancelled)
        except Exception as exc:
            outcome = f"failed: {explain(exc, profile=aws.profile)}"
        finally:
            self.waiting = False
            self.call_from_thread(view.set_waiting, "")
            self.call_from_thread(self.refresh_bindings)
        self.call_from_thread(self.notify, f"{call.target_name}: {label}: {outcome}", title=call.action.title,
                              severity="information" if outcome == "done" else "warning")
        self.call_from_thread(view.refresh_now)

    def action_cancel_wait(self) -> None:
        self.workers.cancel_group(self, "actions")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_wait":
            return self.waiting
        if action == "runbook":  # a runbook's key works only on the rows it applies to
            return any(r.name == parameters[0] for r in self.runbooks_for_selection())
        return True
