"""Python's cyclic garbage collector, paused while the console starts.

Starting creates a few hundred thousand long-lived objects (Textual's widgets and styles,
botocore's service models, and in the demo moto's backends). Each full collection walks all of
them again: in the demo, collections were a fifth of the time from launch to the triage on
screen. Collection stays off until the first panel has data; then everything alive is frozen
out of later collections (gc.freeze, as long-running services do after start) and collection
resumes for what the console allocates from then on.
"""

from __future__ import annotations

import gc

RESUME_AFTER_SECONDS = 15.0  # whatever happens to the first load, collection is not off for long


def pause_collection() -> None:
    gc.disable()


def resume_collection() -> None:
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
