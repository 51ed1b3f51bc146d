"""The operation declaration is exact: each check and each panel level calls only what it declares."""

from __future__ import annotations

import pytest

from actions.operations import MUTATING, USES, operations, used_by
from panels.model import Panel, Source, run_check
from panels.registry import service_panels
from tests.conftest import session
from tui.demo.server import DemoServer
from tui.session import CLIENT_SIDE

PANELS = service_panels()
CHECKS = [(panel, check) for panel in PANELS for check in panel.checks()]


def calls_of(aws) -> set[str]:  # type: ignore[no-untyped-def]
    return {f"{c.service}:{c.operation}" for c in aws.calls if c.service != CLIENT_SIDE}


@pytest.mark.parametrize("panel,check", CHECKS, ids=[f"{c.id}" for _, c in CHECKS])
def test_each_check_calls_only_its_declared_operations(server: DemoServer, panel: Panel, check) -> None:  # type: ignore[no-untyped-def]
    aws = session(server)
    result = run_check(check, aws)
    assert result.ran and not result.failures, result.failures
    declared = {op.key for op in used_by(f"check:{check.id}")}
    assert calls_of(aws) <= declared, f"check:{check.id} also calls {sorted(calls_of(aws) - declared)}"


def levels(panel: Panel, aws) -> list[Source]:  # type: ignore[no-untyped-def]
    """The panel, its other views, and one row down from each (the first row that has a child)."""
    found: list[Source] = []
    for source in (panel, *panel.alternatives()):
        found.append(source)
        for row in source.load(aws).rows:
            child = source.drill(row)
            if child is not None:
                found.append(child)
                break
    return found


@pytest.mark.parametrize("panel", PANELS, ids=[p.id for p in PANELS])
def test_each_panel_level_calls_only_its_declared_operations(server: DemoServer, panel: Panel) -> None:
    for source in levels(panel, session(server)):
        aws = session(server)
        listing = source.load(aws)
        assert not listing.gaps, listing.gaps
        declared = {op.key for op in used_by(f"view:{source.kind}")}
        assert calls_of(aws) <= declared, f"view:{source.kind} also calls {sorted(calls_of(aws) - declared)}"


def test_the_declaration_is_consistent() -> None:
    ops = operations()
    assert ops.keys() >= MUTATING
    for user in USES:
        if user.startswith(("check:", "view:")):  # problems and lists only read
            assert not [op.key for op in used_by(user) if op.mutates], user
    checks = {f"check:{check.id}" for _, check in CHECKS}
    assert checks == {user for user in USES if user.startswith("check:")}  # no check undeclared, none stale
