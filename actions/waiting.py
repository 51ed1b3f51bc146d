"""Botocore waiters run one attempt at a time, so progress can be shown and the wait cancelled."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import WaiterError

from actions.model import Wait
from tui.session import AwsSession

POLL = 0.2  # how often a sleeping wait checks for cancellation


def wait_for(
    aws: AwsSession,
    wait: Wait,
    call_params: dict[str, Any],
    response: dict[str, Any],
    *,
    progress: Callable[[int, int], None],
    cancelled: Callable[[], bool],
) -> str:
    """'done', 'cancelled', or 'gave up after N attempts'; raises WaiterError on a failure state."""
    waiter = aws.client(wait.service).get_waiter(wait.waiter)
    delay, attempts = waiter.config.delay, waiter.config.max_attempts
    params = wait.params(call_params, response)
    for attempt in range(1, attempts + 1):
        if cancelled():
            return "cancelled"
        progress(attempt, attempts)
        try:
            waiter.wait(**params, WaiterConfig={"Delay": 0, "MaxAttempts": 1})
            return "done"
        except WaiterError as exc:
            if "Max attempts exceeded" not in str(exc):
                raise  # a failure state: the waiter knows this will not succeed
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline:
            if cancelled():
                return "cancelled"
            time.sleep(POLL)
    return f"gave up after {attempts} attempts"
