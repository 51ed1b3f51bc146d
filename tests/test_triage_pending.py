"""Triage's crumb names only what the current refresh of each account and region waits for, not
the checks of a refresh that was cancelled."""
from __future__ import annotations

import threading
import time

from panels.model import Check, Panel
from panels.triage import TriagePanel
from tests.conftest import session
from tui.demo.server import DemoServer

release_a, release_b = threading.Event(), threading.Event()
runs = {"a": 0}


def check_a(aws, memo):  # type: ignore[no-untyped-def]
    runs["a"] += 1
    if runs["a"] == 1:  # the first (old, cancelled) refresh hangs here, e.g. retrying a slow API
        release_a.wait(10)
    return []


def check_b(aws, memo):  # type: ignore[no-untyped-def]
    release_b.wait(10)
    return []


class Two(Panel):
    id, key, title, service = "two", "9", "Two", "X"

    def checks(self):  # type: ignore[no-untyped-def]
        return (Check("two.a", "A things", check_a), Check("two.b", "B things", check_b))


def test_pending_names_only_what_the_current_refresh_waits_for(server: DemoServer) -> None:
    aws = session(server)
    triage = TriagePanel([Two()])
    old = threading.Thread(target=triage.rows, args=(aws,))
    old.start()  # a refresh cancelled (region switch, rescope): its thread goes on
    while "A things" not in triage.pending:
        time.sleep(0.01)
    release_b.set()
    while triage.pending != "waiting for A things":
        time.sleep(0.01)
    release_b.clear()
    new = threading.Thread(target=triage.rows, args=(aws,))
    new.start()  # the current refresh: A answers at once, only B is outstanding
    time.sleep(0.5)
    try:
        assert triage.pending == "waiting for B things", triage.pending
    finally:
        release_a.set()
        release_b.set()
        old.join()
        new.join()
