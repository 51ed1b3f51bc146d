"""The view every panel shares: table, filter, drill-down, detail pane, refresh in a worker.

A panel only supplies Sources (panels.model); everything on screen is here. AWS calls run in
thread workers; the table is updated by row key (never cleared and refilled), so the cursor,
sort and filter survive a refresh.
"""

from __future__ import annotations

import gc
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from actions.catalog import ACTIONS, BY_ID, for_kind
from panels.export import export_rows
from panels.model import VIEW, Listing, Panel, Row, Source, age, failed, publishing
from panels.ordering import arrange, is_failing, status_style
from panels.scoped import ScopedSource, unscoped
from tui.errors import EXPIRED, UNEXPECTED, Failure, explain
from tui.keys import type_ahead
from tui.safe_text import cell, clean, clean_text, safe
from tui.session import AwsSession
from tui.table import VirtualTable

REFRESH_SECONDS = 15.0
RENDERED_ROWS = 1_000  # rows kept rendered as rich Text: a few screens' worth
FILTER_INLINE_ROWS = 2_000  # longer lists are filtered in FILTER_THREAD, so typing never waits on a pass
# Each row's cell widths by key, with the cells they were measured for.
Measured = dict[str, tuple[tuple[Any, ...], list[int]]]
# One long-lived thread for long lists' filter passes: a Textual thread worker took 5 ms to start,
# which often cost a keystroke a second frame.
FILTER_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="filter")
FILTER_CHUNK = 2_000  # rows scanned between checks that a newer keystroke has not cancelled the pass
WIDE_LIMIT = 500  # characters kept in a wide cell: more than the widest terminal shows
MAX_BACKOFF_SECONDS = 300.0


@dataclass
class Level:
    """One step of the drill-down stack, with what the user had chosen there."""

    source: Source
    filter: str = ""
    cursor_key: str | None = None
    sort_column: int | None = None
    sort_reverse: bool = False
    rows: list[Row] = field(default_factory=list)
    gaps: list[Failure] = field(default_factory=list)  # what this level could not read
    loaded_at: float | None = None
    as_of: float | None = None  # when its oldest data was read (triage keeps failed checks' last data)
    expected: int | None = None  # while a long list arrives: how many rows it will have, where known
    _haystacks: tuple[list[Row], dict[str, str]] | None = field(default=None, repr=False)
    _arranged: tuple[list[Row], object, list[Row], list[str]] | None = field(default=None, repr=False)
    _failing: tuple[list[Row], int] | None = field(default=None, repr=False)
    widths: tuple[list[Row], list[int]] | None = field(default=None, repr=False)  # each column's widest cell

    def adopt(self, rows: list[Row], ready: Ready | None) -> None:
        """New rows, with what the worker that read them worked out (their text, order and widths)
        so the UI thread does not; what it worked out for a sort changed since is left to be redone."""
        self.rows = rows
        if ready is None or ready.rows is not rows:
            return
        self._haystacks = (rows, ready.haystacks)
        self.widths = (rows, ready.widths)
        if ready.order == (self.sort_column, self.sort_reverse):
            self._arranged = (rows, ready.order, ready.arranged, ready.arranged_haystacks)
        if len(rows) > FILTER_INLINE_ROWS:
            gc.freeze()  # see PanelView.measure

    def haystacks(self) -> dict[str, str]:
        """Each row's text in lower case, built once per refresh: a filter keystroke only scans it."""
        if self._haystacks is None or self._haystacks[0] is not self.rows:
            self._haystacks = (self.rows, lowered(self.rows))
        return self._haystacks[1]

    def arranged(self) -> tuple[list[Row], list[str]]:
        """Every row in display order (the sort column, else failing first) with its lower-case
        text alongside; built once per refresh or sort, so a filter pass is one scan and no sort
        (filtering an ordered list keeps its order: the same rows as sorting the filtered ones)."""
        order = (self.sort_column, self.sort_reverse)
        if self._arranged is None or self._arranged[0] is not self.rows or self._arranged[1] != order:
            self._arranged = (self.rows, order, *in_order(self.rows, self.haystacks(), order, self.source))
        return self._arranged[2], self._arranged[3]

    def takes_partial_rows(self) -> bool:
        """Rows published before a refresh is done are shown only before the first load (a refresh
        never shrinks a list on screen), or always where each partial is the whole (triage)."""
        return self.loaded_at is None or self.source.publishes_whole

    def failing(self) -> int:
        """How many rows are failing (the crumb shows it every second): counted once per refresh."""
        if self._failing is None or self._failing[0] is not self.rows:
            # A folded triage row ("162 more like these") stands for its count.
            self._failing = (self.rows, sum(r.data.get("count", 1) for r in self.rows if is_failing(r.status)))
        return self._failing[1]


@dataclass(frozen=True)
class Ready:
    """What showing new rows needs, worked out in the worker thread that read them (for 20,000
    rows it held the UI for 0.4 s): each row's lower-case text, the display order for the sort
    then chosen, and each column's widest cell."""

    rows: list[Row]
    haystacks: dict[str, str]
    order: tuple[int | None, bool]
    arranged: list[Row]
    arranged_haystacks: list[str]
    widths: list[int]


def lowered(rows: list[Row]) -> dict[str, str]:
    """Each row's text in lower case, by key: what a filter scans."""
    return {row.key: row.text().lower() for row in rows}


def in_order(rows: list[Row], haystacks: dict[str, str], order: tuple[int | None, bool], source: Source
             ) -> tuple[list[Row], list[str]]:
    """The rows in display order (the sort column, else failing first), their lower-case text alongside."""
    arranged = arrange(rows, column=order[0], reverse=order[1], failing_first=not source.keeps_order)
    return arranged, [haystacks[row.key] for row in arranged]


def make_ready(level: Level, rows: list[Row], measured: Measured) -> Ready:
    """Pure (no widget): runs in the worker. `measured` is the view's width cache, shared with the
    UI thread by single dict operations only."""
    haystacks, order = lowered(rows), (level.sort_column, level.sort_reverse)
    return Ready(rows, haystacks, order, *in_order(rows, haystacks, order, level.source),
                 measure_rows(level.source, rows, measured))


def wide_index(source: Source) -> int | None:
    """The source's wide column as an index from the left (None for a table without columns)."""
    count = len(source.columns)
    return source.wide_column % count if count else None


def measure_rows(source: Source, rows: list[Row], measured: Measured) -> list[int]:
    """Each column's widest cell over `rows`, measuring only rows whose cells are new or changed.
    `measured` is then these rows' only: a refresh's old rows and rows gone are not kept alive by it."""
    wide, widest = wide_index(source), [0] * len(source.columns)
    fresh: Measured = {}
    for row in rows:
        known = measured.get(row.key)
        if known is not None and (known[0] is row.cells or known[0] == row.cells):
            widths = known[1]
        else:
            widths = [(wide_cell if index == wide else cell)(v).cell_len for index, v in enumerate(row.cells)]
        fresh[row.key] = (row.cells, widths)
        for index, width in enumerate(widths[:len(widest)]):
            if width > widest[index]:
                widest[index] = width
    measured.clear()  # single dict operations: the UI thread may read it meanwhile (a miss re-measures)
    measured.update(fresh)
    return widest


def other_view(source: Source, element: str) -> Source | None:
    """The view of `source`'s level that a path's in_view() element names."""
    kind = element.removeprefix(VIEW)
    return next((v for v in source.alternatives() if v.kind == kind), None)


class PanelView(Vertical):
    """One panel: its drill-down stack, table, filter box and detail pane."""

    BINDINGS = [
        # Actions first: the footer lists bindings in this order, and the keys that act on the
        # selected row are what an engineer looks for (the ones that do not apply are hidden).
        # ids: the config's `keys:` remaps them (App.set_keymap)
        *(Binding(a.key, f"run_action('{a.id}')", a.title, id=a.id) for a in ACTIONS),
        Binding("slash", "start_filter", "Filter"),
        Binding("escape", "back", "Back"),
        Binding("r", "reload", "Refresh"),
        Binding("s", "sort", "Sort"),
        Binding("o", "sort_reverse", "Reverse order", show=False),
        Binding("l", "logs", "Logs"),
        Binding("v", "next_view", "Other view"),
        Binding("e", "export", "Export", show=False),
        Binding("exclamation_mark", "show_gaps", "What failed", show=False),
    ]

    class Jump(Message):
        """Triage asks the app to open a problem's resource in its panel."""

        def __init__(self, panel: str, path: tuple[str, ...]) -> None:
            super().__init__()
            self.panel, self.path = panel, path

    class BackToTriage(Message):
        """esc on a resource opened from triage: go back there."""

    class AccessChecked(Message):
        """After each refresh: the expired-credentials failure it met, or None (they worked)."""

        def __init__(self, expired: Failure | None) -> None:
            super().__init__()
            self.expired = expired

    class Loaded(Message):
        """A refresh finished, with data or with an error."""

    class Filtered(Message, bubble=False):
        """A filter pass's result, from the filter thread (through the message queue, so what its
        handler raises reaches the app like any other handler's error)."""

        def __init__(self, generation: int, level: Level, source_rows: list[Row], arranged: list[Row], text: str,
                     shown: list[Row]) -> None:
            super().__init__()
            self.generation, self.level, self.source_rows = generation, level, source_rows
            self.arranged, self.text, self.shown = arranged, text, shown

    def __init__(self, panel: Panel, **kwargs: object) -> None:
        super().__init__(id=f"panel-{panel.id}", **kwargs)  # type: ignore[arg-type]
        self.panel = panel
        self.stack: list[Level] = [Level(panel)]
        self.generation = 0  # bumped when the level changes, so late results are dropped
        self.busy = False
        self.failures = 0
        self.error = ""
        self.next_due = 0.0
        self.active = False
        self.pending_path: list[str] = []
        self.shown: dict[str, Row] = {}
        # Each row's cell widths, measured once; its rendered cells only while recently on screen.
        self.measured: Measured = {}
        self.rendered: OrderedDict[str, tuple[Row, list[Text]]] = OrderedDict()
        self.footer_actions: frozenset[str] = frozenset()
        self.waiting = ""
        self.from_triage = False  # opened by a jump from triage: esc returns there
        self.filter_opening = False  # `/` pressed, the filter box not focused yet
        self.filter_passes = 0  # numbers each pass of a long list's filter: only the newest may finish
        self.last_failure: Failure | None = None  # of the last refresh that failed outright

    # -- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="crumb", classes="crumb")
        yield Static(id="gaps", classes="gaps hidden")
        yield Static(id="summary", classes="summary hidden")
        yield Input(placeholder="filter: words to match, esc to close", id="filter", classes="hidden",
                    select_on_focus=False)  # keys typed before focus arrived must not be replaced
        yield VirtualTable(id="table")
        with VerticalScroll(id="detail-scroll"):
            yield Static(id="detail")

    def on_mount(self) -> None:
        self.reset_columns()
        self.set_interval(1.0, self.tick)

    @property
    def level(self) -> Level:
        return self.stack[-1]

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#table", VirtualTable)

    def reset_columns(self) -> None:
        self.table.set_columns([self.column_label(i, name) for i, name in enumerate(self.level.source.columns)],
                               self.wide_index())
        self.shown, self.measured, self.rendered = {}, {}, OrderedDict()
        self.update_crumb()
        self.show_detail(None)

    # -- refresh -----------------------------------------------------------------------------
    def tick(self) -> None:
        """Once a second: load when due, unless busy or a dialog is open. A hidden panel waits for
        its next visit, or (refresh.hidden_seconds in the config) refreshes that rarely."""
        if not self.active:
            hidden = getattr(getattr(self.app, "settings", None), "hidden_refresh_seconds", 0.0)
            if hidden and not self.busy and self.level.loaded_at and time.time() - self.level.loaded_at >= hidden:
                self.load()
            return
        if self.busy or self.app.screen is not self.screen:
            self.update_crumb()
            return
        if time.monotonic() >= self.next_due:
            self.load()
        else:
            self.update_crumb()

    def load(self) -> None:
        aws = getattr(self.app, "aws", None)
        if aws is None:  # the demo is still starting
            return
        self.busy = True
        self.update_crumb()
        self.fetch(self.level.source, self.generation)

    @work(thread=True, group="refresh", exit_on_error=False)
    def fetch(self, source: Source, generation: int) -> None:
        aws = self.app.aws  # type: ignore[attr-defined]
        worker = get_current_worker()
        level, measured = self.level, self.measured

        def ready(rows: list[Row]) -> Ready | None:
            return make_ready(level, rows, measured) if level.source is source else None

        def show(rows: list[Row], total: int | None) -> None:  # rows so far: a list's first pages, triage's checks
            if worker.is_cancelled or not level.takes_partial_rows():
                return  # no work for rows the view would drop
            self.app.call_from_thread(self.partial, generation, rows, total, ready(rows))

        try:
            with publishing(show):
                listing = source.load(aws)
        except Exception as exc:  # shown in this panel only; its last rows stay, marked stale
            if not get_current_worker().is_cancelled:
                failure = failed(exc, source.label, aws)
                self.last_failure = failure
                note_ours(aws, source, [failure])
                self.app.call_from_thread(self.loaded, generation, None, failure.sentence())
            return
        note_ours(aws, source, listing.gaps)
        if not worker.is_cancelled:
            self.app.call_from_thread(self.loaded, generation, listing, "", ready(listing.rows))

    def partial(self, generation: int, rows: list[Row], total: int | None, ready: Ready | None = None) -> None:
        """Rows published before the refresh is done: shown at once (cursor, sort and filter kept),
        still marked loading, with a counter. A list's first pages only before its first load: a
        refresh never shrinks the list on screen."""
        level = self.level
        if generation != self.generation or not self.busy or not level.takes_partial_rows():
            return
        level.adopt(rows, ready)
        level.expected = total
        self.apply_rows()
        self.update_crumb()

    def loaded(self, generation: int, listing: Listing | None, error: str, ready: Ready | None = None) -> None:
        if generation != self.generation:
            return
        self.busy = False
        if listing is None:
            self.failures += 1
            self.error = error
            self.next_due = time.monotonic() + min(self.refresh_seconds * 2**self.failures, MAX_BACKOFF_SECONDS)
        else:
            self.failures, self.error = 0, ""
            level = self.level
            level.adopt(listing.rows, ready)
            level.gaps, level.loaded_at = listing.gaps, time.time()
            level.as_of = getattr(level.source, "as_of", None) or level.loaded_at
            self.next_due = time.monotonic() + self.refresh_seconds
            self.apply_rows()
            self.follow_path()
        self.update_crumb()
        self.post_message(self.AccessChecked(self.expired_failure(listing)))
        self.post_message(self.Loaded())

    def expired_failure(self, listing: Listing | None) -> Failure | None:
        """The refresh's expired-credentials failure: its own, a gap's, or a triage check's."""
        if listing is None:
            return self.last_failure if self.last_failure and self.last_failure.kind == EXPIRED else None
        gaps = [*listing.gaps, *(r.data["failure"] for r in listing.rows if "failure" in r.data)]
        expired = [gap for gap in gaps if gap.kind == EXPIRED]
        # Every part expired: the credentials. One part in a region that refuses: not a banner.
        return expired[0] if expired and len(expired) == len(gaps) and not any(
            "failure" not in r.data for r in listing.rows) else None

    def rescope(self, sessions: list[AwsSession]) -> None:
        """Look at these accounts and regions from now on: back to the top level, reloaded."""
        root: Source = self.panel if len(sessions) <= 1 else ScopedSource(self.panel, sessions)
        self.stack = [Level(root)]
        self.from_triage, self.pending_path = False, []
        if self.is_mounted:
            self.changed_level()

    def current_target(self) -> tuple[Row | None, AwsSession | None]:
        """The selected row as its source made it, and the session it belongs to."""
        row = self.current_row()
        if row is None:
            return None, None
        inner, aws = unscoped(row)
        return inner, aws or getattr(self.app, "aws", None)

    @property
    def refresh_seconds(self) -> float:
        """refresh.seconds from the config (REFRESH_SECONDS without one)."""
        return getattr(getattr(self.app, "settings", None), "refresh_seconds", REFRESH_SECONDS)

    def set_waiting(self, text: str) -> None:
        self.waiting = text
        self.update_crumb()

    def refresh_now(self) -> None:
        self.next_due = 0.0
        if self.active and not self.busy:
            self.load()

    # -- table -------------------------------------------------------------------------------
    def render_cells(self, row: Row) -> list[Text]:
        """The cell showing the row's status (or its abbreviation, CRIT for CRITICAL) is coloured."""
        style = status_style(row.status)
        wide = self.wide_index()
        return [(wide_cell if index == wide else cell)(v, style=style if is_status_cell(str(v), row.status) else "")
                for index, v in enumerate(row.cells)]

    def cells_of(self, row: Row) -> list[Text]:
        """The row's rendered cells, from a small cache (the rows on screen and around them)."""
        known = self.rendered.get(row.key)
        if known is not None and known[0] is row:
            self.rendered.move_to_end(row.key)
            return known[1]
        cells = self.render_cells(row)
        self.rendered[row.key] = (row, cells)
        if len(self.rendered) > RENDERED_ROWS:
            self.rendered.popitem(last=False)
        return cells

    def wide_index(self) -> int | None:
        return wide_index(self.level.source)

    def apply_rows(self) -> None:
        """Show the level's rows, filtered and sorted: the table takes the whole list at once (it
        renders only what is on screen); a row's cells are rendered and measured once, when it
        arrives or changes, never on a keystroke."""
        level = self.level
        self.measure(level)
        rows, haystacks = level.arranged()
        self.show_rows(matching(rows, haystacks, level.filter) or [])
        summary = level.source.summary(level.rows)
        box = self.query_one("#summary", Static)
        box.set_class(summary is None, "hidden")
        box.update(clean_text(summary) if summary is not None else "")
        self.show_gaps()

    def measure(self, level: Level) -> None:
        """Each column's widest cell over all the level's rows (so columns keep their widths while
        a filter narrows the list): once per refresh (usually done by the worker: make_ready)."""
        if level.widths is not None and level.widths[0] is level.rows:
            return
        level.widths = (level.rows, measure_rows(level.source, level.rows, self.measured))
        if len(level.rows) > FILTER_INLINE_ROWS:
            # A long list lives until the next refresh; a full collection walking its objects paused a
            # keystroke for 170 ms at 20,000 rows. Rows hold no cycles: refcounting still frees them.
            gc.freeze()

    def show_rows(self, ordered: list[Row]) -> None:
        """The table takes the list at once (it renders only what is on screen): no per-row work."""
        self.shown = {row.key: row for row in ordered}
        keys = list(self.shown)
        widths = self.level.widths[1] if self.level.widths else []
        self.table.set_rows(keys, widths=[widths], cells=lambda index: self.cells_of(self.shown[keys[index]]))
        self.restore_cursor()

    def show_gaps(self) -> None:
        """What this level could not read, where its data would be; `!` shows the full messages."""
        gaps = self.level.gaps
        box = self.query_one("#gaps", Static)
        box.set_class(not gaps, "hidden")
        text = Text(style="bold red")
        for gap in gaps[:2]:
            text.append(f"⚠ {clean(gap.sentence(), limit=300)}\n")
        if len(gaps) > 2:
            text.append(f"⚠ and {len(gaps) - 2} more", style="bold red")
        text.append("(! shows the full messages)", style="dim")
        box.update(text)

    def restore_cursor(self) -> None:
        """Rows arrived or changed: the cursor stays on the top row until the user moves it (the
        worst problem, as rows arrive above the first ones), then on the row they chose, kept in view."""
        table, key = self.table, self.level.cursor_key
        if key is None:
            table.move_cursor(row=0, announce=False)
        elif key in self.shown:
            table.move_cursor(row=table.get_row_index(key), announce=False)
        self.selection_shown(self.current_row())

    def current_row(self) -> Row | None:
        table = self.table
        if not self.shown or table.cursor_row < 0 or table.cursor_row >= table.row_count:
            return None
        return self.shown.get(table.row_key(table.cursor_row) or "")

    @on(VirtualTable.RowHighlighted)
    def highlighted(self, event: VirtualTable.RowHighlighted) -> None:
        if event.key in self.shown:
            self.level.cursor_key = event.key
        self.selection_shown(self.current_row())

    def selection_shown(self, row: Row | None) -> None:
        """The detail pane and the footer's keys for the selected row: on a cursor move, and when
        new rows arrive under a cursor that stayed where it was (no highlight event then)."""
        self.show_detail(row)
        # Recomposing the footer costs more than the rest of a keystroke: only when the keys change.
        enabled = self.enabled_actions(row)
        if enabled != self.footer_actions:
            self.footer_actions = enabled
            self.screen.refresh_bindings()

    def show_detail(self, row: Row | None) -> None:
        detail = self.query_one("#detail", Static)
        if row is None:
            detail.update(Text("No rows." if self.level.loaded_at else "", style="dim"))
            return
        text = Text()
        for label, value in row.detail:
            text.append(f"{clean(label, limit=80)}: ", style="bold")  # labels can carry names (EMR groups)
            text.append_text(safe(value, multiline=True))
            text.append("\n")
        detail.update(text)

    def update_crumb(self) -> None:
        level = self.level
        # Each level's label already names its parents (e.g. "prod › checkout-api › tasks").
        root = self.stack[0].source.label
        crumb = root if len(self.stack) == 1 else f"{root} › {level.source.label}"
        parts = Text(clean(crumb, limit=60), style="bold")
        count = plural(len(level.rows), "row")
        parts.append(f"  {len(self.shown)}/{count}" if level.filter else f"  {count}")
        failing = level.failing()
        if failing:
            parts.append(f"  {failing} failing", style="bold red")
        if level.filter:
            parts.append(f"  filter: {clean(level.filter, limit=30)}", style="italic")
        if self.waiting:
            parts.append(f"  ⏳ {clean(self.waiting)}", style="bold yellow")
        if self.error:
            since = f"stale: data {age_of(level.loaded_at)} old" if level.loaded_at else "not loaded"
            parts.append(f"  ⚠ {since}: {clean(self.error, limit=200)}", style="bold red")
        elif self.busy and (pending := getattr(level.source, "pending", "")):  # triage: the checks not back
            parts.append(f"  {pending}…", style="yellow")
        elif self.busy and level.loaded_at is None and level.rows:  # a long list arriving page by page
            of = f" / {level.expected:,}" if level.expected else ""
            parts.append(f"  loading {len(level.rows):,}{of}…", style="yellow")
        elif self.busy:
            parts.append("  loading…", style="yellow")
        elif level.as_of and level.loaded_at and level.loaded_at - level.as_of > 1:
            parts.append(f"  partly stale: oldest data {age_of(level.as_of)} old", style="bold yellow")
        elif level.loaded_at:
            parts.append(f"  updated {age_of(level.loaded_at)} ago", style="dim")
        self.query_one("#crumb", Static).update(parts, layout=False)  # one line, always: no relayout each second

    # -- navigation --------------------------------------------------------------------------
    def push(self, source: Source) -> None:
        self.stack.append(Level(source))
        self.changed_level()

    def changed_level(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = self.level.filter  # each level has its own filter; none leaks into the next
        box.set_class(not self.level.filter, "hidden")
        self.generation += 1
        self.busy, self.error, self.failures = False, "", 0
        self.workers.cancel_group(self, "refresh")
        self.reset_columns()
        self.apply_rows()  # shows a level's last rows at once when going back
        self.refresh_now()
        self.screen.refresh_bindings()

    def jump(self, path: tuple[str, ...]) -> None:
        """Open the resource at `path` (row keys from the top level down), in the panel's first view
        (the paths are its keys; another view, `v`, has keys of its own)."""
        del self.stack[1:]
        root = self.stack[0].source
        top: Source = ScopedSource(self.panel, root.sessions) if isinstance(root, ScopedSource) else self.panel
        path = list(path)
        if path and path[0].startswith(VIEW):  # switched before loading: the first view may be 10,000 rows
            top = other_view(top, path.pop(0)) or top
        if root.label != top.label:
            self.stack[0] = Level(top)
        self.from_triage = True
        self.pending_path = path
        self.level.filter = ""
        self.changed_level()

    def follow_path(self) -> None:
        if not self.pending_path:
            return
        key = self.pending_path.pop(0)
        if key.startswith(VIEW) and (view := other_view(self.level.source, key)) is not None:
            self.stack[-1] = Level(view)  # the rest of the path follows once it has loaded
            self.changed_level()
            return
        if key not in self.shown:
            self.pending_path = []
            self.app.notify("That resource is no longer listed.", severity="warning")
            return
        self.level.cursor_key = key
        self.restore_cursor()
        if self.pending_path:
            child = self.level.source.drill(self.shown[key])
            if child is None:
                self.pending_path = []
            else:
                self.push(child)

    @on(VirtualTable.RowSelected)
    def selected(self, event: VirtualTable.RowSelected) -> None:
        event.stop()
        row = self.shown.get(event.key)
        if row is None:
            return
        if "panel" in row.data and "path" in row.data:  # a triage row
            self.post_message(self.Jump(row.data["panel"], tuple(row.data["path"])))
            return
        child = self.level.source.drill(row)
        if child is not None:
            self.from_triage = False  # the user went further: esc walks back up as usual
            self.push(child)

    def action_back(self) -> None:
        box = self.query_one("#filter", Input)
        if box.has_focus or self.level.filter:
            self.set_filter("")
            box.add_class("hidden")
            self.table.focus()
        elif self.from_triage:
            self.from_triage = False
            self.post_message(self.BackToTriage())
        elif len(self.stack) > 1:
            self.stack.pop()
            self.changed_level()

    def action_reload(self) -> None:
        self.refresh_now()

    def action_sort(self) -> None:
        level = self.level
        columns = len(level.source.columns)
        level.sort_column = 0 if level.sort_column is None else (level.sort_column + 1) % columns
        level.sort_reverse = False
        self.apply_rows()
        self.mark_sort()
        self.app.notify(f"Sorted by {level.source.columns[level.sort_column]}", timeout=2)

    def action_sort_reverse(self) -> None:
        self.level.sort_reverse = not self.level.sort_reverse
        self.apply_rows()
        self.mark_sort()

    def column_label(self, index: int, name: str) -> str:
        """The header names the sort column and its direction."""
        level = self.level
        if index != level.sort_column:
            return name
        return f"{name} {'▼' if level.sort_reverse else '▲'}"

    def mark_sort(self) -> None:
        for index, name in enumerate(self.level.source.columns):
            self.table.set_label(index, self.column_label(index, name))

    # -- filter ------------------------------------------------------------------------------
    def action_start_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.remove_class("hidden")
        box.value = self.level.filter
        box.cursor_position = len(box.value)
        self.filter_opening = True
        box.focus()

    def on_key(self, event: events.Key) -> None:
        """Keys typed right after `/` in a burst (over SSH, a paste) arrive before the filter box
        has focus: they would reach the table's bindings (`q` quits, `X` stops a task). Until the
        box has focus, they are typed into it here."""
        box = self.query_one("#filter", Input)
        if box.has_focus or self.screen is not self.app.screen:
            return  # a screen opened over this one since: the app gives the key to it (tui/app.py)
        if event.character == "/" and not self.filter_opening:
            # Handled here, in key order: as a binding it would run only after the burst's
            # other keys had already bubbled past this view.
            self.action_start_filter()
        elif self.filter_opening and type_ahead(box, event):
            pass
        elif (reason := self.why_not(event.key)) is not None:
            # A key never does nothing silently; but it is told only if no screen has opened over
            # this one by then (`:X` in a burst: the X is the prompt's, and it bubbles on to the app,
            # which gives it there, tui/app.py).
            screen = self.screen
            self.app.call_later(lambda: self.app.screen is screen and self.app.notify(
                reason, severity="warning", timeout=8))
            return
        else:
            return
        event.stop()
        event.prevent_default()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if event.widget is not self.query_one("#filter", Input):
            return
        self.filter_opening = False

    def set_filter(self, text: str) -> None:
        self.level.filter = text
        box = self.query_one("#filter", Input)
        if box.value != text:
            box.value = text
        if not text:
            box.add_class("hidden")
        self.apply_rows()
        self.update_crumb()

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        """The input owns its text: the latest text wins and nothing is written back, so a burst
        of keys (a paste, SSH) cannot make older Changed messages put older text back."""
        text = event.input.value
        if event.value != text:  # a newer change is queued behind this one (a burst): it does the work
            return
        if text != self.level.filter:
            self.level.filter = text
            self.run_filter()

    def run_filter(self) -> None:
        """One pass for the filter's current text: a short list at once; a long one in the filter
        thread, where a newer keystroke's pass makes the older one stop at its next chunk."""
        level = self.level
        rows, haystacks = level.arranged()  # built here; the filter thread only reads them
        if len(rows) <= FILTER_INLINE_ROWS:
            self.show_rows(matching(rows, haystacks, level.filter) or [])
            self.update_crumb()
            return
        self.filter_passes += 1
        generation, number, text, source_rows = self.generation, self.filter_passes, level.filter, level.rows

        def run() -> None:
            try:
                shown = matching(rows, haystacks, text, lambda: number != self.filter_passes)
            except Exception as exc:  # said on screen, not lost in a future nobody reads
                self.app.call_from_thread(self.app.notify, clean(f"Filter failed: {exc}"), severity="error")
                return
            if shown is not None and number == self.filter_passes:
                self.post_message(self.Filtered(generation, level, source_rows, rows, text, shown))

        FILTER_THREAD.submit(run)

    @on(Filtered)
    def filtered(self, message: Filtered) -> None:
        """A pass's result, unless the level, its rows, its sort or its text changed meanwhile
        (whatever changed them has shown the newer list already)."""
        level = message.level
        if (message.generation != self.generation or level is not self.level or level.rows is not message.source_rows
                or message.text != level.filter or level.arranged()[0] is not message.arranged):
            return
        self.show_rows(message.shown)
        self.update_crumb()

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        self.filter_opening = False
        self.table.focus()

    # -- actions -----------------------------------------------------------------------------
    def enabled_actions(self, row: Row | None) -> frozenset[str]:
        return frozenset(a.id for a in for_kind(self.level.source.kind)
                         if row is not None and a.applies(unscoped(row)[0]))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "logs":
            source = type(getattr(self.level.source, "inner", self.level.source))
            return source.log_target is not Source.log_target  # only where the source has logs
        if action == "next_view":
            return bool(self.level.source.alternatives())
        if action != "run_action":
            return True
        found = BY_ID.get(str(parameters[0]))
        if found is None or found.kind != self.level.source.kind:
            return False  # not this level's action: hidden, and the key falls through
        row = self.current_row()
        if row is None or not found.applies(unscoped(row)[0]):
            return False  # hidden: the footer shows what applies; the key still says why (why_not)
        read_only = bool(getattr(getattr(self.app, "aws", None), "read_only", False))
        return None if read_only and found.mutates else True  # shown refused in read-only mode

    def why_not(self, key: str) -> str | None:
        """One sentence when `key` is an action of this level that cannot run on the selected row,
        or an action of other rows only (None when it can run, or when the key is no action)."""
        bound = [action for binding in self._bindings.key_to_bindings.get(key, ())
                 if (action := BY_ID.get(binding.action.removeprefix("run_action('").removesuffix("')")))]
        refused = [action for action in bound if action.kind == self.level.source.kind]
        if not refused and bound and key not in self.app._bindings.key_to_bindings:  # not a runbook's key
            elsewhere = "; ".join(f"{a.title} on {a.kind} rows" for a in bound[:3]) + ("; …" if len(bound) > 3 else "")
            where = "enter opens the resource" if self.panel.id == "triage" else "? lists the keys here"
            return f"{key}: no action on {clean(self.level.source.label, limit=60)} rows — it is {elsewhere} ({where})."
        if not refused or any(self.check_action("run_action", (a.id,)) is True for a in refused):
            return None
        action, row = refused[0], self.current_target()[0]
        label = f"{action.title} ({key})"
        if row is None:
            return f"{label}: select a row first."
        if action.applies(row):  # it applies, so only the mode refuses it
            return f"{label}: refused — watchkeeper is running with --read-only."
        state = f"{clean(row.name, limit=60)} is {clean(row.status, limit=30)}" if row.status else \
            f"not {clean(row.name, limit=60)}"
        return f"{label}: not possible here — it needs {action.requires or 'another kind of row'}; {state}."

    def action_next_view(self) -> None:
        """Swap this level for the next view of the same parent (e.g. steps -> instance groups)."""
        self.from_triage = False
        views = self.level.source.alternatives()
        labels = [v.label for v in views]
        current = labels.index(self.level.source.label) if self.level.source.label in labels else -1
        self.stack[-1] = Level(views[(current + 1) % len(views)])
        self.changed_level()

    def action_export(self) -> None:
        """The rows as shown (filtered and sorted) to CSV and JSON files, for tickets and reports."""
        level = self.level
        rows = arrange(level.rows, text=level.filter, column=level.sort_column, reverse=level.sort_reverse,
                       failing_first=not level.source.keeps_order)
        try:
            kind = level.source.kind  # triage.problem, not triage-triage.problem
            name = kind if kind.split(".")[0] == self.panel.id else f"{self.panel.id}-{kind}"
            paths = export_rows(name, level.source.columns, rows)
        except OSError as exc:
            self.app.notify(f"Export failed: {exc}", severity="error")
            return
        self.app.notify(f"{plural(len(rows), 'row')} written to {paths[0]} and {paths[1].name}", title="Exported",
                        timeout=10)

    def action_show_gaps(self) -> None:
        from tui.screens import FailuresScreen

        failures = list(self.level.gaps)
        if self.error:
            failures.insert(0, Failure(self.level.source.label, "", "refresh failed", self.error))
        if failures:
            self.app.push_screen(FailuresScreen(failures))
        else:  # a key never does nothing silently
            self.app.notify(f"Nothing failed reading {clean(self.level.source.label, limit=60)}.", timeout=4)

    def action_logs(self) -> None:
        row = self.current_row()
        if row is not None:
            self.open_logs(self.level.source, row)

    @work(thread=True, exit_on_error=False, group="logs")
    def open_logs(self, source: Source, row: Row) -> None:
        aws = unscoped(row)[1] or self.app.aws  # type: ignore[attr-defined]
        try:
            target = source.log_target(row, aws)
        except Exception as exc:
            self.app.call_from_thread(self.app.notify, explain(exc, profile=aws.profile), severity="error")
            return
        if target is None:
            self.app.call_from_thread(self.app.notify, f"No log stream is configured for {row.name}.",
                                      severity="warning")
            return
        from tui.log_viewer import LogViewer  # the viewer's imports are paid when it first opens

        self.app.call_from_thread(self.app.push_screen, LogViewer(aws, target))

    def action_run_action(self, action_id: str) -> None:
        row = self.current_row()
        if row is not None:
            self.app.request_action(self, action_id, row)  # type: ignore[attr-defined]  # WatchkeeperApp


def wide_cell(value: object, *, style: str = "") -> Text:
    """The wide column's cell: longer than other cells, ending in … where the column cuts it
    (the detail pane has all of it)."""
    text = safe(value, style=style, limit=WIDE_LIMIT)
    text.overflow = "ellipsis"
    return text


def matching(rows: list[Row], haystacks: list[str], text: str,
             cancelled: Callable[[], bool] = lambda: False) -> list[Row] | None:
    """The rows (in their order) whose lower-case text holds every word of `text`; None when
    `cancelled()` turns true between chunks (a newer keystroke started its own pass)."""
    words = text.lower().split()
    if not words:
        return list(rows)
    picked: Sequence[int] = range(len(rows))
    for word in words:  # each word narrows the last one's survivors (a plain `in` per row: no generator)
        kept: list[int] = []
        for start in range(0, len(picked), FILTER_CHUNK):
            if cancelled():
                return None
            kept += [i for i in picked[start:start + FILTER_CHUNK] if word in haystacks[i]]
        picked = kept
    return [rows[i] for i in picked]


def is_status_cell(text: str, status: str) -> bool:
    return bool(status) and (text == status or (len(text) >= 3 and status.startswith(text)))


def note_ours(aws: AwsSession, source: Source, failures: list[Failure]) -> None:
    """Failures of our own parsing go into the command log too: its calls all read `ok`."""
    for failure in failures:
        if failure.kind == UNEXPECTED:
            aws.note_failure(f"refresh {source.label}", failure.message)


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def age_of(epoch: float | None) -> str:
    return age(datetime.fromtimestamp(epoch, UTC)) if epoch else "-"
