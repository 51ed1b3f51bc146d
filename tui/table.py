"""A table that renders only the rows on screen (Textual's Line API), so 20,000 rows cost what
20 do: setting the rows is one list assignment and a width pass, a key press repaints one screen.

Replaces DataTable for the panels: DataTable keeps a widget-side row index that it rebuilds and
re-sorts on every remove_row, which made one filter keystroke quadratic in the row count.
Cells are rich Text already sanitised by the view; they are rendered as segments, never parsed.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

GAP = 2  # spaces between columns
NARROW_LIMIT = 60  # no column but the wide one is wider than this
WIDE_MIN = 20  # the wide column is never narrower: the table scrolls sideways instead
CACHE_LINES = 2_000  # rendered rows kept (a few screens, at a few widths)


class VirtualTable(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    VirtualTable { background: $surface; }
    VirtualTable > .table--header { text-style: bold; background: $panel; }
    VirtualTable > .table--cursor { background: $block-cursor-background; color: $block-cursor-foreground;
                                    text-style: bold; }
    VirtualTable:blur > .table--cursor { background: $block-cursor-blurred-background; text-style: none; }
    VirtualTable > .table--even { background: $surface-lighten-1 30%; }
    """
    COMPONENT_CLASSES = {"table--header", "table--cursor", "table--even"}
    BINDINGS = [
        Binding("up", "move(-1)", show=False), Binding("down", "move(1)", show=False),
        Binding("pageup", "page(-1)", show=False), Binding("pagedown", "page(1)", show=False),
        Binding("home", "edge(0)", show=False), Binding("end", "edge(1)", show=False),
        Binding("enter", "select", show=False),
    ]

    class RowHighlighted(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    class RowSelected(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.labels: list[Text] = []
        self.wide: int | None = None  # the column given the width the others leave
        self.keys: list[str] = []
        self.cells: Callable[[int], Sequence[Text]] = lambda index: ()
        self.index: dict[str, int] = {}
        self.measured: list[int] = []  # each column's widest cell (header included)
        self.row_widths: list[int] = []  # each column's widest cell in the rows
        self.widths: list[int] = []  # as laid out for the current width
        self.cursor_row = -1
        self._lines: OrderedDict[tuple[object, ...], Strip] = OrderedDict()

    # -- data (the view's side) -----------------------------------------------------------------------
    def set_columns(self, labels: Sequence[Text | str], wide: int | None) -> None:
        self.labels = [label if isinstance(label, Text) else Text(label) for label in labels]
        self.wide = wide
        self.set_rows([], widths=[], cells=lambda index: ())

    def set_label(self, index: int, label: Text | str) -> None:
        """A new header for a column (the sort arrow): the column is as wide as it needs again."""
        self.labels[index] = label if isinstance(label, Text) else Text(label)
        self.measure_header()
        self.layout_columns()

    def measure_header(self) -> None:
        header = [label.cell_len for label in self.labels]
        self.measured = [max(h, r) for h, r in zip(header, self.row_widths, strict=False)] + header[
            len(self.row_widths):]

    def set_rows(self, keys: list[str], *, widths: Sequence[Sequence[int]],
                 cells: Callable[[int], Sequence[Text]]) -> None:
        """The rows to show, in order: O(n), no per-row widget work. `widths` are each row's
        cell widths (measured once, when the row arrives); `cells(index)` renders a row when it
        comes on screen, so only what is seen is ever held as rich Text."""
        current = self.keys[self.cursor_row] if 0 <= self.cursor_row < len(self.keys) else None
        self.keys, self.cells = keys, cells
        self.index = {key: i for i, key in enumerate(keys)}
        self.row_widths = [max(column) for column in zip(*widths, strict=False)]
        self.measure_header()
        self._lines.clear()
        self.layout_columns()
        found = self.index.get(current) if current is not None else None
        self.cursor_row = found if found is not None else min(max(self.cursor_row, 0), len(keys) - 1)
        self.refresh()

    @property
    def view_width(self) -> int:
        """The width the rows are laid out in: the widget's, less the vertical scrollbar a long list
        has (laid out in the whole width, the columns overflowed by the bar, and the sideways
        scrollbar that then appeared hid the last row on screen)."""
        overflows = len(self.keys) + 1 > self.size.height
        return self.size.width - (self.styles.scrollbar_size_vertical if overflows else 0)

    @property
    def visible_rows(self) -> int:
        """Rows on screen: below the header, above a sideways scrollbar if there is one."""
        return max(self.scrollable_content_region.height - 1, 1)

    def layout_columns(self) -> None:
        """Widths for the current size: narrow columns as measured (capped), the wide one the rest."""
        widths = [min(w, NARROW_LIMIT) for w in self.measured]
        room = self.view_width - 1
        if self.wide is not None and self.wide < len(widths):
            others = sum(w for i, w in enumerate(widths) if i != self.wide) + GAP * (len(widths) - 1)
            widths[self.wide] = max(WIDE_MIN, min(self.measured[self.wide], room - others))
            if room - others > widths[self.wide]:  # room to spare: the header may use it
                widths[self.wide] = max(widths[self.wide], room - others)
        self.widths = widths
        total = sum(widths) + GAP * max(len(widths) - 1, 0)
        self.virtual_size = Size(total, len(self.keys) + 1)
        self._lines.clear()
        self.refresh()

    @property
    def row_count(self) -> int:
        return len(self.keys)

    def get_row_index(self, key: str) -> int:
        return self.index[key]

    def row_key(self, index: int) -> str | None:
        return self.keys[index] if 0 <= index < len(self.keys) else None

    # -- cursor ------------------------------------------------------------------------------------------
    def move_cursor(self, *, row: int, announce: bool = True) -> None:
        if not self.keys:
            self.cursor_row = -1
            return
        row = min(max(row, 0), len(self.keys) - 1)
        old, changed = self.cursor_row, row != self.cursor_row
        self.cursor_row = row
        top = int(self.scroll_offset.y)
        self.scroll_to_row(row)
        if int(self.scroll_offset.y) == top and old >= 0:
            # Not scrolled: only the two rows whose highlight changed are drawn again (the line cache's
            # keys hold the highlight); a full repaint per key cost the compositor a whole screen.
            for index in {old, row}:
                self.refresh(Region(0, index - top + 1, self.size.width, 1))
        else:
            self.refresh()
        if changed and announce:
            self.post_message(self.RowHighlighted(self.keys[row]))

    def scroll_to_row(self, row: int) -> None:
        visible = self.visible_rows
        top = int(self.scroll_offset.y)
        if row < top:
            self.scroll_to(y=row, animate=False)
        elif row >= top + visible:
            self.scroll_to(y=row - visible + 1, animate=False)

    def action_move(self, step: int) -> None:
        self.move_cursor(row=self.cursor_row + step)

    def action_page(self, direction: int) -> None:
        self.move_cursor(row=self.cursor_row + direction * max(self.visible_rows - 1, 1))

    def action_edge(self, end: int) -> None:
        self.move_cursor(row=len(self.keys) - 1 if end else 0)

    def action_select(self) -> None:
        if 0 <= self.cursor_row < len(self.keys):
            self.post_message(self.RowSelected(self.keys[self.cursor_row]))

    def on_click(self, event: events.Click) -> None:
        row = int(self.scroll_offset.y) + event.y - 1
        if event.y == 0 or not 0 <= row < len(self.keys):
            return
        if row == self.cursor_row:
            self.action_select()  # a click on the highlighted row opens it, as DataTable's does
        else:
            self.move_cursor(row=row)

    def on_resize(self, event: events.Resize) -> None:
        self.layout_columns()
        if self.cursor_row >= 0:
            self.scroll_to_row(self.cursor_row)

    # -- rendering ---------------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        if y == 0:
            return self._line(("header", tuple(id(x) for x in self.labels)), self.labels,
                              self.get_component_rich_style("table--header"), scroll_x, width)
        row = scroll_y + y - 1
        if row >= len(self.keys):
            return Strip.blank(width, self.rich_style)
        if row == self.cursor_row:
            style = self.get_component_rich_style("table--cursor")
        elif row % 2:
            style = self.get_component_rich_style("table--even")
        else:
            style = self.rich_style
        return self._line((self.keys[row], row == self.cursor_row, row % 2), self.cells(row), style, scroll_x,
                          width)

    def _line(self, key: tuple[object, ...], cells: Sequence[Text], style: Style, scroll_x: int,
              width: int) -> Strip:
        cache_key = (*key, tuple(self.widths), scroll_x, width, self.has_focus)
        found = self._lines.get(cache_key)
        if found is not None:
            self._lines.move_to_end(cache_key)
            return found
        segments: list[Segment] = []
        console = self.app.console
        for index, column_width in enumerate(self.widths):
            text = cells[index].copy() if index < len(cells) else Text()
            text.no_wrap = True
            text.truncate(column_width, overflow="ellipsis", pad=True)
            if index:
                segments.append(Segment(" " * GAP))
            segments.extend(text.render(console, end=""))
        strip = Strip(Segment.apply_style(segments, style), sum(self.widths) + GAP * max(len(self.widths) - 1, 0))
        strip = strip.crop_extend(scroll_x, scroll_x + width, style)
        self._lines[cache_key] = strip
        if len(self._lines) > CACHE_LINES:
            self._lines.popitem(last=False)
        return strip
