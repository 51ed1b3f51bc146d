"""Keys that arrive in a burst (a paste, typing over SSH) before a just-opened input has focus.

Textual moves focus only after the keys already queued, and a key binding runs once the key has
bubbled up to the app: in a burst, `/sql` would open the search box *after* `s` had saved and `q`
had quit. Screens that open an input from a key handle that key in `on_key` (in key order) and
type what follows into the input until it has focus. Keys typed ahead of a whole new screen (a
confirmation, the `:` prompt) are held and given to it by the app (tui/app.py, on_event).
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


def type_ahead(box: Input, event: events.Key) -> bool:
    """Type `event` into `box` (not yet focused); True when it was taken. enter submits it."""
    if event.is_printable and event.character:
        box.insert_text_at_cursor(event.character)
    elif event.key == "backspace":
        box.action_delete_left()
    elif event.key == "enter":
        box.post_message(Input.Submitted(box, box.value))
    else:
        return False
    return True
