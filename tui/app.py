"""The watchkeeper Textual app: header, one view per panel, footer, and the action flow."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events, on, work
from textual.actions import parse as parse_action
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer, Input, Static
from textual.worker import get_current_worker

from actions.audit import AuditLog
from actions.catalog import BY_ID
from actions.confirm import ConfirmScreen
from actions.model import PreparedCall
from actions.runner import ActionRunner
from actions.waiting import wait_for
from panels.model import Panel, Row
from panels.registry import service_panels
from panels.scoped import unscoped
from panels.triage import TriagePanel
from panels.view import PanelView, age_of
from themes import DEFAULT_THEME, THEMES
from tui.errors import Failure, ReadOnlyRefused, explain
from tui.header import HeaderBar
from tui.palette import WatchkeeperCommands
from tui.safe_text import clean
from tui.scope import Scope
from tui.screens import CommandLogScreen, HelpScreen
from tui.session import AwsSession
from tui.settings import Settings
from tui.startup import RESUME_AFTER_SECONDS, resume_collection
from tui.switcher import SwitcherScreen

if TYPE_CHECKING:
    from actions.runbooks.loader import Catalog
    from actions.runbooks.model import Runbook

SHORT_TITLES = {"stepfunctions": "SFN", "inspector": "Inspect", "snapshots": "Snaps", "pipelines": "Pipes"}
TOAST_LIMIT = 600  # characters of a toast's message; the full text is in the command log or detail
BURST_GAP = 0.05  # seconds: keys closer than this came in one burst (SSH, a paste), not typed one by one
TYPED_ON_KEPT = 256  # keys whose screen is remembered until they bubble back
TYPED_AHEAD_KEYS = ("backspace", "escape")  # besides characters
HOLD_POLL, HOLD_TRIES = 0.01, 50  # how long keys typed ahead wait for the new screen to take focus


def backspace_in_turn(target: object, key: events.Key) -> bool:
    """A backspace for an input, deleted in turn with the keys sent there before it (True): as a
    binding it would run only once it had bubbled back to the app, after the characters typed
    behind it (`ab`, backspace, `c` gave `ab`)."""
    if key.key != "backspace" or not isinstance(target, Input):
        return False
    target.call_later(target.action_delete_left)
    return True


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
    #banner { height: auto; max-height: 3; background: $error; color: $text; padding: 0 1; }
    #banner.hidden { display: none; }
    """
    BINDINGS = [
        # ids: the config's `keys:` remaps them (App.set_keymap), as it does actions' ids
        Binding("question_mark", "help", "Help", id="help"),
        Binding("at", "command_log", "Calls", id="calls"),
        Binding("q", "quit", "Quit", id="quit"),
        Binding("c", "cancel_wait", "Cancel wait", id="cancel-wait"),
        Binding("L", "log_groups", "Log groups", show=False, id="log-groups"),
        Binding("a", "switch_profiles", "Profiles", show=False, id="profiles"),
        Binding("m", "switch_regions", "Regions", show=False, id="regions"),
        Binding("i", "sign_in", "Sign in", show=False, id="sign-in"),
        Binding("y", "raw", "Raw JSON", show=False, id="raw"),
        Binding("k", "copy_arn", "Copy ARN", show=False, id="copy-arn"),
        Binding("u", "copy_url", "Copy console URL", show=False, id="copy-url"),
        Binding("colon", "jump_to", "Go to", show=False, id="jump"),
    ]
    COMMANDS = App.COMMANDS | {WatchkeeperCommands}

    def __init__(
        self,
        aws: AwsSession | Scope | None,
        *,
        audit: AuditLog,
        theme: str = DEFAULT_THEME,
        start: Callable[[], AwsSession | Scope] | None = None,
        panels: Sequence[Panel] | None = None,
        runbook_dirs: Sequence[Path] = (),
        settings: Settings | None = None,
        rescope: Callable[[list[str], list[str]], Scope] | None = None,
    ) -> None:
        """`start`, when given, makes the session in a worker (the demo starts its server there);
        `rescope` makes the sessions of other profiles and regions (the switchers)."""
        super().__init__()
        for item in THEMES:
            self.register_theme(item)
        self.theme = theme
        self.scope: Scope | None = Scope([aws]) if isinstance(aws, AwsSession) else aws
        self.aws: AwsSession | None = self.scope.primary if self.scope else None
        self.settings = settings or Settings()
        self.rescope = rescope
        self.audit = audit
        self.start = start
        self.expired: Failure | None = None  # credentials that need renewing: the banner says how
        self.set_keymap(self.settings.keys)
        services = list(panels) if panels is not None else service_panels()
        self.views = [PanelView(p) for p in [TriagePanel(services), *services]]
        for view in self.views:
            self.bind(view.panel.key, f"show_panel('{view.panel.id}')", description=view.panel.title, show=False)
        self.panel_keys = {view.panel.key for view in self.views}  # the only keys on_event looks at twice
        self.runner: ActionRunner | None = None
        self.runbooks: Catalog | None = None
        self.runbook_dirs = list(runbook_dirs)
        self.waiting = False
        self.account, self.principal = "…", ""
        self.first_paint_at: float | None = None  # perf_counter, for benchmarks/run.py
        self.last_key: tuple[float, bool] = (0.0, False)  # when the last key came, and whether it switched panel
        self.typed_on: dict[int, Screen[Any]] = {}  # a key (by id, until it bubbles back) -> the screen it was typed on
        self.held: tuple[Screen[Any], list[events.Key]] | None = None  # (the screen covered, keys typed ahead)

    def compose(self) -> ComposeResult:
        yield HeaderBar()
        yield Static(id="banner", classes="hidden")
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
        for problem in self.settings.problems:  # the config's mistakes: defaults are in use instead
            self.notify(problem, title="Config", severity="warning", timeout=20)
        if self.start is not None:
            self.views[0].query_one("#crumb").update("Starting the demo: moto on loopback, seeding the incident…")
        self.call_after_refresh(self.painted)

    def painted(self) -> None:
        """After the first paint: the session's work would otherwise compete with it for the GIL."""
        self.first_paint_at = time.perf_counter()
        if self.start is not None:
            self.start_session()
        elif self.scope is not None:
            self.ready(self.scope)

    @work(thread=True, exit_on_error=False)
    def start_session(self) -> None:
        try:
            aws = self.start()  # type: ignore[misc]
        except Exception as exc:
            self.call_from_thread(self.notify, explain(exc), severity="error", timeout=30)
            return
        self.call_from_thread(self.ready, aws)

    def ready(self, started: AwsSession | Scope) -> None:
        first = self.runner is None
        scope = started if isinstance(started, Scope) else Scope([started])
        self.scope, self.aws = scope, scope.primary
        self.runner = ActionRunner(scope.primary, self.audit)
        self.account, self.principal = "…", ""
        for view in self.views:
            view.rescope(scope.sessions)
        self.fetch_identity()
        if first:
            self.load_runbooks()
        self.current_view.tick()  # loads now unless it already has, or is backing off
        self.update_header()

    @work(thread=True, exit_on_error=False, group="identity")
    def fetch_identity(self) -> None:
        from tui.scope import identify

        scope = self.scope
        assert scope is not None
        for aws in scope.sessions:
            try:
                identify(aws, self.settings)
            except Exception as exc:
                if aws is scope.primary:
                    self.account = "unknown account"
                self.call_from_thread(self.notify, explain(exc, profile=aws.profile), severity="error", timeout=20)
        if scope.primary.known_identity is not None:
            identity = scope.primary.known_identity
            # arn:aws:sts::123456789012:assumed-role/OnCall/alice -> assumed-role/OnCall/alice
            self.account, self.principal = identity.account, identity.arn.split(":", 5)[-1]
        if scope.many:
            self.account, self.principal = "", ""  # the header shows the scope instead
        self.call_from_thread(self.update_header)

    # -- profiles, regions, credentials -------------------------------------------------------------
    def action_switch_profiles(self) -> None:
        from tui.identity.profiles import known_profiles

        scope = self.scope
        if scope is None or self.rescope is None:
            self.notify("Profiles cannot be switched in the demo.", severity="warning")
            return
        current = scope.profiles or [scope.primary.profile_name]
        self.push_screen(SwitcherScreen("Profiles", known_profiles(current), current),
                         lambda chosen: chosen and self.switch(chosen, scope.regions))

    def action_switch_regions(self) -> None:
        scope = self.scope
        if scope is None or self.rescope is None:
            self.notify("Regions cannot be switched in the demo: its incident is in one region.", severity="warning")
            return
        current = scope.regions or [scope.primary.region or ""]
        regions = sorted(set(scope.primary.regions()) | set(current))
        self.push_screen(SwitcherScreen("Regions", regions, current),
                         lambda chosen: chosen and self.switch(scope.profiles, chosen))

    def switch(self, profiles: list[str], regions: list[str]) -> None:
        from tui.identity.profiles import needs_terminal

        self.notify(f"Switching to {', '.join(profiles) or 'the default profile'} in {', '.join(regions)}…")
        if any(needs_terminal(profile) for profile in profiles):
            # An MFA code or a credential_process prompt: asked on the terminal, the console
            # suspended (not drawn over it), and the UI waits, as the user does.
            with self.suspend():
                print(f"watchkeeper: signing in to {', '.join(profiles)}", flush=True)
                self.scope_made(profiles, regions)
        else:
            self.make_scope(profiles, regions)

    @work(thread=True, exit_on_error=False, group="scope", exclusive=True)
    def make_scope(self, profiles: list[str], regions: list[str]) -> None:
        """Sessions are made off the UI thread (reading ~/.aws, the keyring, assuming roles)."""
        self.scope_made(profiles, regions, later=self.call_from_thread)

    def scope_made(self, profiles: list[str], regions: list[str],
                   later: Callable[..., Any] = lambda f, *a, **k: f(*a, **k)) -> None:
        assert self.rescope is not None
        try:
            scope = self.rescope(profiles, regions)
        except BaseException as exc:  # SystemExit too: the command line's sentences
            message = str(exc.code) if isinstance(exc, SystemExit) else explain(exc)
            later(self.notify, message, title="Not switched", severity="error", timeout=20)
            return
        from tui.settings import save_last_choice

        save_last_choice(scope.profiles, scope.regions)
        later(self.ready, scope)
        later(self.credentials_ok)

    def action_sign_in(self) -> None:
        """Renew credentials: an SSO profile's device login, else the chain read again (and an MFA
        code asked for), then every panel refreshes."""
        scope = self.scope
        if scope is None:
            return
        from tui.identity.profiles import is_sso_profile

        sso = next((aws for aws in scope.sessions if aws.profile and is_sso_profile(aws.profile)), None)
        if sso is not None:
            from tui.sso_screen import SsoLoginScreen

            self.push_screen(SsoLoginScreen(sso), lambda ok: ok and self.renew_all())
        elif self.rescope is not None:  # the chain read again; an MFA code asked with the console suspended
            self.switch(scope.profiles, scope.regions)
        else:
            self.renew_all()

    def renew_all(self) -> None:
        for aws in self.scope.sessions if self.scope else []:
            aws.renew()
        self.credentials_ok()

    @on(PanelView.AccessChecked)
    def access_checked(self, message: PanelView.AccessChecked) -> None:
        """A banner while credentials are expired (the data below stays, marked stale); gone at
        the first refresh that succeeds. Renewed from the chain while it shows: an `aws sso login`
        in another terminal is picked up without a restart."""
        if message.expired is None:
            if self.expired is not None:
                self.credentials_ok()
            return
        first = self.expired is None
        self.expired = message.expired
        profile = self.aws.profile_name if self.aws else "default"
        banner = self.query_one("#banner", Static)
        banner.update(Text.assemble(
            ("Credentials expired or invalid ", "bold"), f"({clean(message.expired.action or '-')}): ",
            clean(message.expired.advice, limit=200),
            f" Press i to sign in again (profile {clean(profile, limit=40)}); the data below is stale until then."))
        banner.remove_class("hidden")
        if first and self.scope is not None:
            for aws in self.scope.sessions:
                aws.renew()

    def credentials_ok(self) -> None:
        self.expired = None
        self.query_one("#banner", Static).add_class("hidden")
        self.current_view.refresh_now()

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
        aws, view, scope = self.aws, self.current_view, self.scope
        triage_rows = self.views[0].level.rows
        alarmed = {r.data.get("panel") for r in triage_rows}
        production = [s for s in scope.sessions if s.production] if scope else []
        many = bool(scope and scope.many)
        self.query_one(HeaderBar).show(
            profile=(scope.describe() if scope and many else aws.profile_name) if aws else "-",
            production=", ".join(dict.fromkeys(s.alias or s.account for s in production)),
            account=self.account,
            identity=self.principal,
            region=("" if many else aws.region or "-") if aws else "-",
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
        self.set_focus(view.table)  # now: focus() would wait behind keys already queued
        if view.level.loaded_at is None or not view.busy:
            view.tick()
        self.update_header()

    # A burst (SSH, a paste: `1/crash`) is queued before its first key is handled. As a binding a
    # panel key would run only once it had bubbled back up here, after the keys behind it had
    # reached the old panel (and the filter box `/` opened there had swallowed it). So a panel key
    # that starts a burst is handled as it arrives, and the keys behind it wait in the queue until
    # its panel has focus. One behind other keys (`X7`) keeps its place: those keys' bindings are
    # resolved only as they bubble back, and must not find the next panel already focused.
    #
    # A key typed on one screen can bubble back here after its key opened another (`S37`: S's
    # confirmation is up while 3 and 7 come back from the panel): bindings would now find the new
    # screen's chain and switch panel behind it. Such keys are held, with every key that arrives
    # after them, until the new screen has focus, and then typed into it in the order typed, as if
    # typed after it opened; only characters, backspace and escape: an enter typed ahead must not
    # run a confirmation nobody has seen.
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not self.screen_stack:
            return  # the app is closing: a key bubbling back now has no screen to go to
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self.held is not None:  # behind keys waiting for a new screen: they go first
                self.hold(event, self.held[0])
                return
            now, leads = event.time, self.last_key[1]  # when it arrived: a stall must not split a burst
            leads = leads or now - self.last_key[0] > BURST_GAP
            panel = self.panel_of_key(event.key) if (
                leads and event.key in self.panel_keys and len(self.screen_stack) == 1) else None
            self.last_key = (now, panel is not None)
            if panel is not None:
                await self.action_show_panel(panel)
                return
            if backspace_in_turn(self.focused, event):
                return
            self.typed_on[id(event)] = self.screen
            while len(self.typed_on) > TYPED_ON_KEPT:  # keys a widget kept (they never come back)
                del self.typed_on[next(iter(self.typed_on))]
        elif isinstance(event, events.Key) and (covered := self.covered_since_typed(event)) is not None:
            self.hold(event, covered)
            return
        await super().on_event(event)

    def covered_since_typed(self, key: events.Key) -> Screen[Any] | None:
        """The screen `key`, bubbling back, was typed on, if another has since opened over it."""
        typed_on = self.typed_on.pop(id(key), None)
        return typed_on if typed_on is not None and typed_on in self.screen_stack[:-1] else None

    def hold(self, key: events.Key, covered: Screen[Any]) -> None:
        if self.held is None:
            self.held = (covered, [])
            self.set_timer(HOLD_POLL, lambda: self.release(1))
        if key.is_printable or key.key in TYPED_AHEAD_KEYS:
            self.held[1].append(events.Key(key.key, key.character))

    def release(self, tries: int) -> None:
        """The held keys, to the screen on top once it has focus (its own: a screen that focuses a
        widget when mounted does not let Textual focus its first one before, see AUTO_FOCUS), or
        after HOLD_TRIES polls; none if the screen they were typed on is back on top."""
        if self.held is None or not self.screen_stack:
            return
        covered, keys = self.held
        top = self.screen
        waiting = top.focused is None and (not top.is_mounted or bool(top.focus_chain))  # help takes none
        if top is not covered and waiting and tries < HOLD_TRIES:
            self.set_timer(HOLD_POLL, lambda: self.release(tries + 1))
            return
        self.held = None
        if top is not covered:
            target = top.focused or top
            for key in keys:  # after the focus the widget was given (an input puts its cursor then)
                if not backspace_in_turn(target, key):
                    target._forward_event(key)  # as App.on_event forwards a key

    def panel_of_key(self, key: str) -> str | None:
        """The panel `key` shows, where the first binding of it that would run now, from the focus
        up (the config's remaps applied), is a panel's: an action remapped onto a digit keeps it
        on the rows it applies to, and the digit switches panel elsewhere."""
        for node, bindings in self.screen._binding_chain:
            for binding in bindings.key_to_bindings.get(key, ()):
                _, name, params = parse_action(binding.action)
                if node.check_action(name, params) is not True:
                    continue  # as Textual skips a disabled binding
                return str(params[0]) if name == "show_panel" else None
        return None

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
        from tui.screens import here_text, level_keys

        view = self.current_view
        title = f"{view.panel.title} › {view.level.source.label}"
        self.push_screen(HelpScreen(here_text(title, view.level.source.kind, view.current_target()[0],
                                              self.runbooks_for_selection(), level_keys(view))))

    # -- k9s habits: raw JSON, copy ARN / console URL, `:` to go somewhere --------------------------
    def action_raw(self) -> None:
        row, aws = self.current_view.current_target()
        if row is None or aws is None:
            self.notify("Select a row first.", severity="warning")
            return
        self.fetch_raw(self.current_view.level.source.kind, row, aws)

    @work(thread=True, exit_on_error=False, group="raw", exclusive=True)
    def fetch_raw(self, kind: str, row: Row, aws: AwsSession) -> None:
        from panels.raw import describe
        from tui.screens import RawScreen

        try:
            value, source = describe(kind, row, aws)
        except Exception as exc:
            self.call_from_thread(self.notify, explain(exc, profile=aws.profile), severity="error")
            return
        self.call_from_thread(self.push_screen, RawScreen(row.name, source, value))

    def action_copy_arn(self) -> None:
        from panels.raw import arn_of

        view = self.current_view
        row, aws = view.current_target()
        identity = aws.known_identity if aws else None  # an ARN built from an id needs the account
        arn = arn_of(row, view.level.source.kind, (aws.region if aws else None) or "",
                     identity.account if identity else "") if row else None
        self.copy(arn, "ARN", row)

    def action_copy_url(self) -> None:
        from panels.raw import console_url

        view = self.current_view
        row, aws = view.current_target()
        url = console_url(view.level.source.kind, row, (aws.region if aws else None) or "us-east-1") if row else None
        self.copy(url, "console URL", row)

    def copy(self, text: str | None, what: str, row: Row | None) -> None:
        """OSC 52: the terminal, local or at the end of SSH, puts it on the clipboard."""
        if row is None or not text:
            self.notify(f"No {what} for {'this row' if row else 'nothing selected'}.", severity="warning")
            return
        self.copy_to_clipboard(text)
        self.notify(f"Copied the {what}: {text}", title="Copied")

    def action_jump_to(self) -> None:
        from tui.screens import JumpScreen

        names = [v.panel.title for v in self.views] + [v.panel.id for v in self.views] + sorted(
            {clean(r.name, limit=200) for v in self.views for r in v.stack[0].rows})
        self.push_screen(JumpScreen(names), self.jump_named)

    async def jump_named(self, name: str | None) -> None:
        if not name:
            return
        wanted = name.casefold()
        for view in self.views:
            if wanted in (view.panel.id.casefold(), view.panel.title.casefold(), view.panel.key):
                await self.action_show_panel(view.panel.id)
                return
        # The name itself, then the last part of a path ("prod/checkout-api": the service), then any part.
        passes: tuple[Callable[[str], bool], ...] = (
            lambda shown: shown == wanted, lambda shown: shown.rsplit("/", 1)[-1] == wanted,
            lambda shown: wanted in shown)
        for matches in passes:
            for view in [*self.views[1:], self.views[0]]:  # a panel's own row before triage's copy
                for row in view.stack[0].rows:
                    if not matches(clean(row.name, limit=200).casefold()):
                        continue
                    if row.data.get("path"):  # a triage problem: its resource, as enter opens it
                        await self.jump(PanelView.Jump(row.data["panel"], tuple(row.data["path"])))
                    else:
                        await self.action_show_panel(view.panel.id)
                        view.jump((row.key,))
                    return
        self.notify(f"No panel or loaded resource is called {name!r}.", severity="warning")

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
            key = self.settings.keys.get(runbook.name, runbook.key)
            if key:
                self.bind(key, f"runbook('{runbook.name}')", description=runbook.name, show=False)
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
        row, aws = self.current_view.current_target()
        if runbook is None or row is None or aws is None:
            return
        if runbook not in self.runbooks_for_selection():
            why = "it is marked dangerous and watchkeeper runs with --read-only" if self.aws.read_only and \
                self.current_view.level.source.kind in runbook.applies_to else \
                f"it applies to {', '.join(runbook.applies_to)} rows"
            self.notify(f"Runbook {name} is not offered here: {why}.", severity="warning")
            return
        self.push_screen(RunbookScreen(aws, runbook, row_context(row)))

    def action_command_log(self) -> None:
        if self.aws is not None:
            self.push_screen(CommandLogScreen())

    # -- actions ---------------------------------------------------------------------------------
    def request_action(self, view: PanelView, action_id: str, row: Row) -> None:
        """Called by the view's binding, in the app's own turn (not a message behind the keys
        already queued): a confirmation is on top before the keys typed behind its key come back."""
        action, (row, aws) = BY_ID[action_id], unscoped(row)
        if self.runner is None:
            return
        runner = self.runner if aws is None or aws is self.runner.aws else ActionRunner(aws, self.audit)
        try:
            runner.refuse_if_read_only(action)
        except ReadOnlyRefused as exc:
            self.notify(str(exc), severity="error")
            return
        reason = action.blocked(row)
        if reason:
            self.notify(reason, title=f"{action.title}: not possible", severity="warning", timeout=10)
            return

        def confirmed(call: PreparedCall | None) -> None:
            if call is not None:
                self.send(call, view, runner)

        if action.mutates:
            self.push_screen(ConfirmScreen(runner, action, row), confirmed)
        else:
            self.send(runner.prepare(action, row), view, runner)

    @work(thread=True, exit_on_error=False, group="actions")
    def send(self, call: PreparedCall, view: PanelView, runner: ActionRunner) -> None:
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
            self.wait_after(call, response, view, runner.aws)

    def wait_after(self, call: PreparedCall, response: dict[str, Any], view: PanelView, aws: AwsSession) -> None:
        """Runs in the action's worker: the waiter, with progress in the panel; `c` cancels."""
        wait, worker = call.action.wait, get_current_worker()
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
