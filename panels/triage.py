"""Triage: every problem from every panel on one screen: what is failing, worst first, then what
is at risk (a check's declared at_risk: vulnerabilities, old copies).

Each panel is a set of independent checks (panels.model.Check), run in parallel. A check that
fails costs only its own problems: triage keeps everything the others established and adds one
"check incomplete" row per failure, naming the IAM action and what to do. When a check fails
during an outage, its last good problems stay on screen, marked stale with their age.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from panels.model import Check, CheckResult, Memo, Panel, Problem, Row, age, publish, run_check, utc, when
from panels.registry import service_panels
from panels.scoped import PARALLEL_SESSIONS
from tui.errors import Failure
from tui.session import AwsSession


@dataclass(frozen=True)
class Incomplete:
    """A check, or a part of one, that could not be read."""

    panel: Panel
    check: Check
    failure: Failure
    account: str = ""
    region: str = ""

    def as_json(self) -> dict[str, str]:
        return {"account": self.account, "region": self.region, "panel": self.panel.id, "check_id": self.check.id,
                **self.failure.as_json()}


class AccessPanel(Panel):
    """Stands for "every panel" where an account or region could not be signed in to at all."""

    id, service, title = "access", "STS", "Sign-in"


ACCESS_CHECK = Check("access", "Credentials and account access", lambda aws, memo: [])


@dataclass
class Triage:
    problems: list[Problem] = field(default_factory=list)
    incomplete: list[Incomplete] = field(default_factory=list)
    checks: int = 0
    failed_outright: int = 0  # checks none of whose problems are known

    @property
    def exit_code(self) -> int:
        """0 all checked, nothing failing; 1 something failing; 2 nothing could be checked;
        3 some checks failed and the others found nothing."""
        if self.problems:
            return 1
        if self.checks and self.failed_outright == self.checks:
            return 2
        return 3 if self.incomplete else 0


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """What is failing before what is at risk; worst first, then newest first."""
    return sorted(problems, key=lambda p: (p.at_risk, -p.severity, -(when_ts(p))))


def when_ts(problem: Problem) -> float:
    moment = utc(problem.since)
    return moment.timestamp() if moment else 0.0


def run_checks(aws: AwsSession, panels: Sequence[Panel],
               arrived: Callable[[Panel, CheckResult], None] | None = None) -> list[tuple[Panel, CheckResult]]:
    """Every check of every panel, in parallel (one memo per panel, so the checks of a panel
    share its lists); results in declaration order. `arrived` is called with each result as its
    check finishes, in the calling thread (so the first problems can be shown before the slowest)."""
    jobs = [(panel, check, memo) for panel in panels for memo in [Memo()] for check in panel.checks()]
    if not jobs:
        return []
    workers = max(1, min(len(jobs), aws.parallel_checks))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="triage") as pool:
        futures = {pool.submit(run_check, check, aws, memo): index for index, (_, check, memo) in enumerate(jobs)}
        results: dict[int, CheckResult] = {}
        for future in as_completed(futures):
            index = futures[future]
            results[index] = future.result()  # run_check never raises
            if arrived is not None:
                arrived(jobs[index][0], results[index])
    return [(panel, results[index]) for index, (panel, _, _) in enumerate(jobs)]


def collect(aws: AwsSession, panels: Sequence[Panel]) -> Triage:
    """All problems, worst and newest first, and what could not be checked."""
    triage = Triage()
    where = {"account": aws.account, "region": aws.region or ""}
    for panel, result in run_checks(aws, panels):
        triage.checks += 1
        triage.failed_outright += not result.ran
        triage.problems += [replace(p, **where) for p in result.problems]
        triage.incomplete += [Incomplete(panel, result.check, f, **where) for f in result.failures]
    triage.problems = sort_problems(triage.problems)
    return triage


def collect_all(sessions: Sequence[AwsSession], panels: Sequence[Panel]) -> Triage:
    """collect() for several accounts and regions at once, in parallel, merged."""
    with ThreadPoolExecutor(max_workers=min(PARALLEL_SESSIONS, len(sessions)) or 1) as pool:
        parts = list(pool.map(lambda aws: collect(aws, panels), sessions))
    triage = Triage()
    for part in parts:
        triage.checks += part.checks
        triage.failed_outright += part.failed_outright
        triage.problems += part.problems
        triage.incomplete += part.incomplete
    triage.problems = sort_problems(triage.problems)
    return triage


# The reason takes the width the other columns leave (Source.wide_column): they stay narrow, so
# that at 80 columns it still gets about 40. The detail pane has the whole resource name.
RESOURCE_WIDTH = 16
SERVICE_WIDTH = 7  # no wider than the "Service" header
SHORT_SERVICES = {"Step Functions": "SFN", "CodePipeline": "Pipes", "Inspector": "Inspect"}


def short_service(name: str) -> str:
    return SHORT_SERVICES.get(name, name)[:SERVICE_WIDTH]


class TriagePanel(Panel):
    id, key, title, service, kind = "triage", "1", "Triage", "All", "triage.problem"
    publishes_whole = True  # each partial is every problem known so far, earlier ones kept meanwhile
    keeps_order = True  # ranked already: failing before at risk, then worst first
    columns = ("Sev", "Age", "Service", "Resource", "Reason")

    def __init__(self, panels: Sequence[Panel] | None = None) -> None:
        self.panels = list(panels) if panels is not None else service_panels()
        # check id -> (its problems, when they were read): shown, marked stale, while it fails.
        self.last_good: dict[str, tuple[list[Problem], float]] = {}
        self.as_of: float | None = None  # when the oldest data on screen was read
        # Per account and region, the titles of the checks its latest refresh still runs (a refresh
        # cancelled by a newer one may still be running: its checks are not waited for).
        self._running: dict[tuple[str, str], Counter[str]] = {}
        self._lock = threading.Lock()

    @property
    def pending(self) -> str:
        """What a refresh is still waiting for, for the crumb: "waiting for EBS volume snapshot freshness"."""
        with self._lock:
            titles = list(dict.fromkeys(title for left in self._running.values()
                                        for title, count in left.items() if count > 0))
        if not titles:
            return ""
        return "waiting for " + (" and ".join(titles) if len(titles) <= 2 else f"{len(titles)} checks")

    def rows(self, aws: AwsSession) -> list[Row]:
        """Every check's rows; while they run, the rows so far are published as each check
        finishes (the checks still running keep their last problems meanwhile, so a refresh does
        not blink)."""
        started = time.time()
        checks = [(panel, check) for panel in self.panels for check in panel.checks()]
        done: dict[str, CheckResult] = {}

        left = Counter(check.title for _, check in checks)  # this run's checks still running
        with self._lock:
            self._running[(aws.account, aws.region or "")] = left

        def arrived(panel: Panel, result: CheckResult) -> None:
            done[f"{panel.id}:{result.check.id}"] = result
            with self._lock:
                left[result.check.title] -= 1
            publish(self.assemble(aws, checks, done, started, partial=True))

        try:
            for panel, result in run_checks(aws, self.panels, arrived):
                done[f"{panel.id}:{result.check.id}"] = result
        finally:
            with self._lock:  # a run that ended early (an error) waits for nothing any more
                left.clear()
        return self.assemble(aws, checks, done, started)

    def assemble(self, aws: AwsSession, checks: list[tuple[Panel, Check]], done: dict[str, CheckResult],
                 started: float, partial: bool = False) -> list[Row]:
        rows: list[Row] = []
        problems: list[Found] = []
        oldest = started
        for panel, check in checks:
            key = f"{aws.account}/{aws.region}/{panel.id}:{check.id}"  # several sessions share it
            result = done.get(f"{panel.id}:{check.id}")
            if result is None:  # still running (a partial result): what it found last time
                if partial and key in self.last_good:
                    problems += [(p, None, panel, check) for p in self.last_good[key][0]]
                continue
            if result.ran:
                self.last_good[key] = (result.problems, started)
                problems += [(p, None, panel, check) for p in result.problems]
            elif key in self.last_good:
                kept, at = self.last_good[key]
                problems += [(p, at, panel, check) for p in kept]
                oldest = min(oldest, at)
            rows += [incomplete_row(Incomplete(panel, result.check, f)) for f in result.failures]
        if not partial:
            self.as_of = oldest if oldest < started else None  # only when a failed check kept older data
        order = {id(p): i for i, p in enumerate(sort_problems([item[0] for item in problems]))}
        problems.sort(key=lambda item: order[id(item[0])])
        return rows + folded(problems)


FOLD_AFTER = 5  # problems of one check shown in triage before the rest become one row
Found = tuple[Problem, float | None, Panel, Check]  # a problem, when it was read if stale, and its check


def folded(problems: list[Found]) -> list[Row]:
    """The problems' rows, worst first, but at most FOLD_AFTER of each check: the rest of a check
    that found many (167 critical CVEs) is one row where the first of them would be, so they do not
    bury the one crash loop below them. The panel has them all; `triage --json` lists them all."""
    counts = Counter(id(check) for *_, check in problems)
    shown: Counter[int] = Counter()
    rows: list[Row] = []
    for p, stale_at, panel, check in problems:
        shown[id(check)] += 1
        if counts[id(check)] <= FOLD_AFTER + 1 or shown[id(check)] <= FOLD_AFTER:
            rows.append(problem_row(p, stale_at))
        elif shown[id(check)] == FOLD_AFTER + 1:
            rows.append(more_row(panel, check, p, counts[id(check)] - FOLD_AFTER))
    return rows


def more_row(panel: Panel, check: Check, first: Problem, more: int) -> Row:
    return Row(
        key=f"more:{panel.id}:{check.id}", name=f"{more} more", status=first.severity.name,
        cells=(first.severity.short, age(first.since), short_service(first.service), f"+{more} more",
               f"{more} more like these: enter opens {panel.title}"),
        detail=(("Folded", f"{more} more from the check “{check.title}”, {first.severity.name} and below: only "
                           f"its worst {FOLD_AFTER} are listed here, so one check cannot bury the others"),
                ("enter", f"opens the {panel.title} panel, where all of them are")),
        data={"panel": panel.id, "path": (), "severity": int(first.severity), "count": more},
    )


def incomplete_row(item: Incomplete) -> Row:
    failure = item.failure
    return Row(
        key=f"incomplete:{item.panel.id}:{item.check.id}:{failure.what}:{failure.action}",
        name=item.check.title, status="INCOMPLETE",
        cells=("?", "-", short_service(item.panel.service), head(item.check.title, RESOURCE_WIDTH),
               f"CHECK INCOMPLETE: {failure.sentence()}"),
        detail=(("Check incomplete", failure.sentence()), ("IAM action", failure.action or "-"),
                ("Kind", failure.kind), ("What to do", failure.advice), ("Message", failure.message or "-"),
                ("Missing", f"{failure.what}: problems that need it are not shown; the rest are"),
                ("enter", f"opens the {item.panel.title} panel")),
        data={"panel": item.panel.id, "path": (), "failure": failure},
    )


def problem_row(p: Problem, stale_at: float | None = None) -> Row:
    stale = f"(stale: as of {age(utc_epoch(stale_at))} ago) " if stale_at else ""
    return Row(
        key=f"{p.panel}:{p.arn or p.resource}:{p.status}", name=p.resource, status=p.severity.name,
        cells=(p.severity.short, age(p.since), short_service(p.service), tail(p.resource, RESOURCE_WIDTH),
               f"{stale}{p.status}: {p.reason}"),
        detail=(("Reason", p.reason), ("Status", p.status), ("Resource", p.resource),
                ("ARN", p.arn or "-"), ("Since", f"{when(p.since)} ({age(p.since)} ago)"),
                ("Severity", p.severity.name + (" (at risk, not failing: listed after what is failing)"
                                                 if p.at_risk else "")),
                *((("Stale", f"its check failed; this is what it found {age(utc_epoch(stale_at))} ago"),)
                  if stale_at else ()),
                ("enter", f"opens it in the {p.panel} panel")),
        data={"panel": p.panel, "path": p.path, "severity": int(p.severity), "arn": p.arn,  # k copies it
              "at_risk": p.at_risk},
    )


def utc_epoch(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch else None


def head(text: str, width: int) -> str:
    """A title is told apart by its start."""
    return text if len(text) <= width else text[:width - 1] + "…"


def tail(text: str, width: int) -> str:
    """The end of a long name is the part that tells resources apart."""
    return text if len(text) <= width else "…" + text[-(width - 1):]
