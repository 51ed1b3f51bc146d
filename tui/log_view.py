"""The log viewer's lines, drawn as toolong draws them: only the rows on screen are rendered (the
Line API), from the viewer's ring buffer, and rendered rows are cached. Appending lines is a
buffer extend and a size change, so a million lines go in at the speed they arrive.

One line is one row, unless wrapping or JSON expansion is on: then the newest WRAPPED_LINES lines
are laid out (each line's rows counted once) and older ones are reached by search and save.

Following is sticky: the view scrolls to the end as each batch arrives (immediately, so a second
batch before the next paint still sees the view at its end). A reader who is not following keeps
the lines they are reading in place while the full ring buffer drops its oldest lines.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Sequence

from rich.text import Text
from textual.events import Resize
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
        self._laid_width = 0  # the width the multirow layout was made for
        self._dropped = buffer.dropped  # the buffer's drop count when last seen: rows to move a reader up by

    # -- what the viewer calls ---------------------------------------------------------------------------
    def reset(self, buffer: LogBuffer, *, multirow: bool) -> None:
        """A new buffer, or new rendering options: everything is laid out again from the buffer."""
        self.buffer, self.multirow = buffer, multirow
        self.generation += 1
        self._rows.clear()
        self._starts, self._laid, self._dropped = [], [], buffer.dropped
        # Measured again here: a toggle must not lose the sideways scroll of the lines already in.
        self.widest = max((len(line.message) for line in buffer), default=-22) + 22
        self._laid_width = self.size.width
        self.appended(list(buffer)[-WRAPPED_LINES:] if multirow else [])

    def appended(self, lines: Sequence[LogLine]) -> None:
        """Lines were added to the buffer (the newest last): only sizes change here."""
        gone = self.buffer.dropped - self._dropped  # rows that left the top of the buffer
        self._dropped = self.buffer.dropped
        if self.multirow:
            gone = self._lay_out(lines)
            height = (self._starts[-1] + len(self._strips(self._laid[-1]))) if self._laid else 0
        else:
            height = len(self.buffer)
            # The widest line so far sets the sideways scroll; measured on arrival, cheaply.
            self.widest = max(self.widest, max(len(line.message) for line in lines) + 22) if lines else self.widest
        self.virtual_size = Size(self.size.width if self.multirow else self.widest, height)
        if self.follow:
            self.scroll_end(animate=False, immediate=True, force=True, x_axis=False)
        elif gone:  # the reader's lines moved up by as many rows as left: keep them under the eye
            self.scroll_to(y=max(0, self.scroll_offset.y - gone), animate=False)
        self.refresh()

    def scroll_to_line(self, index: int) -> None:
        """Show the buffer's line `index` (its position in the buffer) near the top (a search match)."""
        if self.multirow:
            offset = len(self.buffer) - len(self._laid)
            position = index - offset
            if not 0 <= position < len(self._starts):
                return
            row = self._starts[position]
        else:
            row = index
        self.scroll_to(y=max(0, row - 3), animate=False)  # which stops following (release_anchor)

    def plain_lines(self) -> list[str]:
        """Every row's text (what a reader would see scrolling through): for tests and copy."""
        if self.multirow:
            return [strip.text for line in self._laid for strip in self._strips(line)]
        return [self.render(line).plain for line in self.buffer]

    @property
    def at_end(self) -> bool:
        return self.scroll_offset.y >= self.max_scroll_y

    def release_anchor(self) -> None:
        """Textual calls this for every scroll but a scroll to the end (keys, wheel, scrollbar, scroll_to):
        the reader moved, so stop following. At the end still, the next batch follows again (the viewer
        asks `at_end`). Moves of the end itself (a horizontal scrollbar appearing) do not come here."""
        super().release_anchor()
        self.follow = False

    def on_resize(self, event: Resize) -> None:
        """Wrapped rows depend on the width: lay the lines out again, keeping the top line in view."""
        if not self.multirow or event.size.width == self._laid_width:
            return
        position = max(0, bisect_right(self._starts, self.scroll_offset.y) - 1)  # the line at the top
        self.reset(self.buffer, multirow=True)  # the same lines, so the same positions
        if not self.follow and position < len(self._starts):
            self.scroll_to(y=self._starts[position], animate=False)

    # -- layout --------------------------------------------------------------------------------------------
    def _lay_out(self, lines: Sequence[LogLine]) -> int:
        """Lay out new lines after the others; the oldest leave past WRAPPED_LINES. Returns the rows
        that left the top."""
        row = (self._starts[-1] + len(self._strips(self._laid[-1]))) if self._laid else 0
        for line in lines[-WRAPPED_LINES:]:
            self._starts.append(row)
            self._laid.append(line)
            row += len(self._strips(line))
        extra = len(self._laid) - WRAPPED_LINES
        if extra <= 0:
            return 0
        shift = self._starts[extra]
        self._laid, self._starts = self._laid[extra:], [start - shift for start in self._starts[extra:]]
        return shift

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
