"""The log viewer's lines, drawn as toolong draws them: only the rows on screen are rendered (the
Line API), from the viewer's ring buffer, and rendered rows are cached. Appending lines is a
buffer extend and a size change, so a million lines go in at the speed they arrive.

One line is one row, unless wrapping or JSON expansion is on: then the newest WRAPPED_LINES lines
are laid out (each line's rows counted once) and older ones are reached by search and save.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence

from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.log_stream import LogBuffer, LogLine

CACHE_ROWS = 4_000  # rendered rows kept: a few screens at a few widths
WRAPPED_LINES = 10_000  # lines laid out when one line may take several rows


class LogView(ScrollView, can_focus=True):
    DEFAULT_CSS = "LogView { height: 1fr; }"

    def __init__(self, buffer: LogBuffer, render: Callable[[LogLine], Text], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.buffer, self.render = buffer, render
        self.wrap = False  # or an expanded line: several rows per line
        self.multirow = False
        self.follow = True  # keep the newest line in view as lines arrive
        self.widest = 0
        self.generation = 0  # bumped when the rendering changes (search, local time, wrap…)
        # Keyed by the line itself (frozen, hashable): an id() could be reused by a newer line.
        self._rows: OrderedDict[tuple[LogLine, int, int], list[Strip]] = OrderedDict()
        self._starts: list[int] = []  # multirow: first row of each laid-out line
        self._laid: list[LogLine] = []

    # -- what the viewer calls ---------------------------------------------------------------------------
    def reset(self, buffer: LogBuffer, *, multirow: bool) -> None:
        """A new buffer, or new rendering options: everything is laid out again from the buffer."""
        self.buffer, self.multirow = buffer, multirow
        self.generation += 1
        self._rows.clear()
        self._starts, self._laid, self.widest = [], [], 0
        self.appended(list(buffer)[-WRAPPED_LINES:] if multirow else [])

    def appended(self, lines: Sequence[LogLine]) -> None:
        """Lines were added to the buffer (the newest last): only sizes change here."""
        if self.multirow:
            self._lay_out(lines)
            height = (self._starts[-1] + len(self._strips(self._laid[-1]))) if self._laid else 0
        else:
            height = len(self.buffer)
            # The widest line so far sets the sideways scroll; measured on arrival, cheaply.
            self.widest = max(self.widest, *(len(line.message) + 22 for line in lines)) if lines else self.widest
        self.virtual_size = Size(self.size.width if self.multirow else self.widest, height)
        if self.follow:
            self.scroll_end(animate=False, immediate=False, x_axis=False)
        self.refresh()

    def scroll_to_line(self, index: int) -> None:
        """Show the buffer's line `index` near the top (a search match)."""
        if self.multirow:
            offset = len(self.buffer) - len(self._laid)
            position = index - offset
            if not 0 <= position < len(self._starts):
                return
            row = self._starts[position]
        else:
            row = index
        self.scroll_to(y=max(0, row - 3), animate=False)

    def plain_lines(self) -> list[str]:
        """Every row's text (what a reader would see scrolling through): for tests and copy."""
        if self.multirow:
            return [strip.text for line in self._laid for strip in self._strips(line)]
        return [self.render(line).plain for line in self.buffer]

    @property
    def at_end(self) -> bool:
        return self.scroll_offset.y >= self.max_scroll_y

    # -- layout --------------------------------------------------------------------------------------------
    def _lay_out(self, lines: Sequence[LogLine]) -> None:
        row = (self._starts[-1] + len(self._strips(self._laid[-1]))) if self._laid else 0
        for line in lines:
            self._starts.append(row)
            self._laid.append(line)
            row += len(self._strips(line))
        extra = len(self._laid) - WRAPPED_LINES
        if extra > 0:  # the oldest laid-out lines leave; the rest move up
            shift = self._starts[extra]
            self._laid, self._starts = self._laid[extra:], [start - shift for start in self._starts[extra:]]

    def _strips(self, line: LogLine) -> list[Strip]:
        """The rows of one line, rendered once per generation and width."""
        width = max(self.size.width, 20)
        key = (line, self.generation, width if self.multirow else 0)
        found = self._rows.get(key)
        if found is not None:
            self._rows.move_to_end(key)
            return found
        text = self.render(line)
        console = self.app.console
        if self.multirow:
            text.no_wrap = not self.wrap
            lines = text.split("\n") if not self.wrap else text.wrap(console, width)
            strips = [Strip(list(part.render(console, end=""))) for part in lines] or [Strip.blank(0)]
        else:
            strips = [Strip(list(text.render(console, end="")))]
        self._rows[key] = strips
        if len(self._rows) > CACHE_ROWS:
            self._rows.popitem(last=False)
        return strips

    # -- rendering -------------------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row, width = scroll_y + y, self.size.width
        strip = None
        if self.multirow:
            from bisect import bisect_right

            position = bisect_right(self._starts, row) - 1
            if 0 <= position < len(self._laid):
                strips = self._strips(self._laid[position])
                part = row - self._starts[position]
                strip = strips[part] if part < len(strips) else None
        elif row < len(self.buffer):
            strip = self._strips(self.buffer.lines[row])[0]
        if strip is None:
            return Strip.blank(width, self.rich_style)
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style).apply_style(self.rich_style)
