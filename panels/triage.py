"""Triage: every problem from every panel on one screen, worst first.

Each panel is checked in its own thread; a panel whose check fails shows up as a problem of its
own ("could not check"), so an incomplete triage never looks like a clean one.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from panels.model import Panel, Problem, Row, age, utc, when
from panels.registry import service_panels
from tui.errors import explain
from tui.session import AwsSession


@dataclass(frozen=True)
class CheckError:
    panel: Panel
    message: str


def collect(aws: AwsSession, panels: Sequence[Panel]) -> tuple[list[Problem], list[CheckError]]:
    """All problems, worst and newest first, and the panels that could not be checked."""

    def check(panel: Panel) -> list[Problem] | CheckError:
        try:
            return panel.problems(aws)
        except Exception as exc:  # one failing service must not hide the others
            return CheckError(panel, explain(exc, profile=aws.profile))

    problems: list[Problem] = []
    errors: list[CheckError] = []
    workers = max(1, min(len(panels), aws.parallel_checks))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="triage") as pool:
        for result in pool.map(check, panels):
            if isinstance(result, CheckError):
                errors.append(result)
            else:
                problems += result
    problems.sort(key=lambda p: (-p.severity, -(utc(p.since).timestamp() if p.since else 0)))
    return problems, errors


RESOURCE_WIDTH = 30  # keep the reason on screen at 80 columns; the detail pane has the rest


class TriagePanel(Panel):
    id, key, title, service, kind = "triage", "1", "Triage", "All", "triage.problem"
    columns = ("Sev", "Age", "Service", "Resource", "Reason")

    def __init__(self, panels: Sequence[Panel] | None = None) -> None:
        self.panels = list(panels) if panels is not None else service_panels()

    def rows(self, aws: AwsSession) -> list[Row]:
        problems, errors = collect(aws, self.panels)
        rows = [
            Row(
                key=f"check:{e.panel.id}", name=e.panel.title, status="ERROR",
                cells=("?", "-", e.panel.service, "(whole panel)", f"CHECK FAILED: {e.message}"),
                detail=(("Panel", e.panel.title), ("Could not check", e.message)),
                data={"panel": e.panel.id, "path": ()},
            )
            for e in errors
        ]
        for p in problems:
            rows.append(Row(
                key=f"{p.panel}:{p.arn or p.resource}:{p.status}", name=p.resource, status=p.severity.name,
                cells=(p.severity.name[:4], age(p.since), p.service, tail(p.resource, RESOURCE_WIDTH),
                       f"{p.status}: {p.reason}"),
                detail=(("Reason", p.reason), ("Status", p.status), ("Resource", p.resource),
                        ("ARN", p.arn or "-"), ("Since", f"{when(p.since)} ({age(p.since)} ago)"),
                        ("Severity", p.severity.name), ("enter", f"opens it in the {p.panel} panel")),
                data={"panel": p.panel, "path": p.path, "severity": int(p.severity)},
            ))
        return rows


def tail(text: str, width: int) -> str:
    """The end of a long name is the part that tells resources apart."""
    return text if len(text) <= width else "…" + text[-(width - 1):]

