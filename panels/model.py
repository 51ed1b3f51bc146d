"""The plain data every panel produces: rows for its table and problems for triage.

Nothing here touches the screen, so a source can be tested with only a boto3 session.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import IntEnum
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from rich.text import Text

from tui.errors import NOT_FOUND, Failure, failure_of

if TYPE_CHECKING:
    from tui.session import AwsSession

T = TypeVar("T")


class Severity(IntEnum):
    """How bad a problem is; triage sorts worst first."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def short(self) -> str:
        """The cell form, the same as Inspector's: CRIT, HIGH, MED, LOW, INFO."""
        return {"CRITICAL": "CRIT", "MEDIUM": "MED"}.get(self.name, self.name)


@dataclass(frozen=True, slots=True)  # tens of thousands of them: no __dict__ each
class Row:
    """One table row. `key` is stable across refreshes (an ARN where one exists)."""

    key: str
    name: str
    cells: tuple[Any, ...]
    status: str = ""
    # (label, value) pairs for the detail pane: a tuple, or an object that formats them each time it
    # is iterated (Inspector's 20,000 findings: formatted up front they held ~20 MB).
    detail: Iterable[tuple[str, Any]] = ()
    data: dict[str, Any] = field(default_factory=dict, compare=False)

    def text(self) -> str:
        """Everything the filter matches against."""
        return " ".join(str(c) for c in (self.name, *self.cells))


VIEW = "⇄"  # a path element naming another view of a level (`v`) by its Source.kind: see in_view


def in_view(kind: str) -> str:
    """The path element that switches a level to its view of `kind` (a failed backup job is a row
    of the Backup view, not of the panel's first one)."""
    return VIEW + kind


@dataclass(frozen=True)
class Problem:
    """Something failing, as triage shows it. `path` is the row keys from the panel's top level
    down to the resource, so triage can jump there; an in_view() element switches that level's view."""

    panel: str
    service: str
    resource: str
    status: str
    reason: str
    severity: Severity
    since: datetime | None = None
    path: tuple[str, ...] = ()
    arn: str = ""
    account: str = ""  # filled in by triage: which account and region it was found in
    region: str = ""
    at_risk: bool = False  # from an at_risk check (run_check stamps it)

    def as_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "region": self.region,
            "panel": self.panel,
            "service": self.service,
            "resource": self.resource,
            "arn": self.arn,
            "status": self.status,
            "reason": self.reason,
            "severity": self.severity.name,
            "since": self.since.isoformat() if self.since else None,
            "at_risk": self.at_risk,
        }


@dataclass(frozen=True)
class LogTarget:
    """Where a resource's logs are: a CloudWatch Logs group and stream."""

    group: str
    stream: str
    region: str | None = None


# -- partial failure --------------------------------------------------------------------------
# A source or check reads several things; what it cannot read is recorded here (where the data
# would be, which IAM action failed, why) and the rest is still shown.
_GAPS: ContextVar[list[Failure] | None] = ContextVar("gaps", default=None)


@contextmanager
def collecting_gaps() -> Iterator[list[Failure]]:
    """Collect the failures that `tolerate` absorbs inside this block."""
    found: list[Failure] = []
    token = _GAPS.set(found)
    try:
        yield found
    finally:
        _GAPS.reset(token)


def failed(exc: BaseException, what: str, aws: AwsSession) -> Failure:
    """`exc`, raised while reading `what`, as a Failure naming the call that was in flight."""
    from tui.session import last_call

    return failure_of(exc, what, call=getattr(exc, "wk_call", None) or last_call(), profile=aws.profile)


# -- partial results --------------------------------------------------------------------------
# A source that reads in parts (triage's checks) publishes the rows it has so far; a view that
# listens shows them at once instead of waiting for the slowest part.
Listener = Callable[[list["Row"], int | None], None]  # (rows so far, how many in all where known)
_PARTIAL: ContextVar[Listener | None] = ContextVar("partial", default=None)


@contextmanager
def publishing(show: Listener) -> Iterator[None]:
    """Inside this block, what a source publish()es goes to `show` (called in the source's thread)."""
    token = _PARTIAL.set(show)
    try:
        yield
    finally:
        _PARTIAL.reset(token)


def listener() -> Listener | None:
    """Who listens to publish() here (a source that reads in threads of its own passes it on)."""
    return _PARTIAL.get()


def publish(rows: list[Row], total: int | None = None) -> None:
    """The rows so far (of `total`, where known), while the rest is still being read; nothing
    when no view listens."""
    show = _PARTIAL.get()
    if show is not None:
        show(rows, total)


class Page(list[Any]):
    """One page of items that knows whether more follow (the answer carried a next token)."""

    def __init__(self, items: Iterable[Any], more: bool) -> None:
        super().__init__(items)
        self.more = more


def paged(pages: Iterable[dict[str, Any]], key: str, token: str = "NextToken") -> Iterator[Page]:
    """A paginator's answers as Pages of their `key` items."""
    for answer in pages:
        yield Page(answer.get(key) or [], bool(answer.get(token)))


def streamed(pages: Iterable[Sequence[T]], row: Callable[[T], Row], *, total: int | None = None,
             order: Callable[[T], Any] | None = None) -> list[Row]:
    """The rows of items read page by page, published while more pages follow: at the first page
    and each time their number has doubled since, so a 20,000-row list shows its first rows at once
    and publishing costs at most twice the rows in all. Whether more follow is known from `total`
    (items expected, where the source knows it), or a Page's own next token, else by reading the
    next page first (so a one-page list publishes nothing). Each item becomes its row, with its sort
    key `order(item)`, as its page arrives: a 20,000-item answer is not held whole beside its rows."""
    done: list[tuple[Any, Row]] = []
    next_at = 0

    def rows() -> list[Row]:
        return [r for _, r in sorted(done, key=lambda pair: pair[0])] if order else [r for _, r in done]

    pages = iter(pages)
    page = next(pages, None)
    while page is not None:
        done += [(order(item) if order else None, row(item)) for item in page]
        ahead = total is None and not isinstance(page, Page)  # a 1,000-snapshot page costs 0.5 s
        following = next(pages, None) if ahead else None
        more = following is not None if ahead else page.more if isinstance(page, Page) else len(done) < total
        if more and len(done) >= next_at:
            publish(rows(), total)
            next_at = 2 * len(done)
        page = following if ahead else next(pages, None)
    return rows()


def tolerate(aws: AwsSession, what: str, read: Callable[[], T], default: T) -> T:
    """`read()`, or `default` when it fails: the failure is recorded as a gap (shown where the
    data would be) instead of failing everything else. Outside collecting_gaps it raises."""
    got = attempt(aws, what, read)
    if isinstance(got, Failure):
        report(got)
        return default
    return got


def attempt(aws: AwsSession, what: str, read: Callable[[], T]) -> T | Failure:
    """`read()`, or the Failure it raised, for a caller that decides by its kind what to do and
    how to report it (`report`). Outside collecting_gaps it raises."""
    if _GAPS.get() is None:
        return read()
    try:
        return read()
    except Exception as exc:
        return failed(exc, what, aws)


def report(*failures: Failure) -> None:
    """Record gaps, where a caller collects them."""
    gaps = _GAPS.get()
    if gaps is not None:
        gaps.extend(failures)


def describe_failures(what: str, action: str, failures: list[dict[str, Any]]) -> None:
    """Items a batch describe call answered under `failures` (ECS, Batch): a gap, not silence."""
    gaps = _GAPS.get()
    if not failures or gaps is None:
        return
    names = ", ".join(f"{f.get('arn') or f.get('name') or '?'} ({f.get('reason') or f.get('detail') or '?'})"
                      for f in failures[:5])
    more = f" and {len(failures) - 5} more" if len(failures) > 5 else ""
    gaps.append(Failure(what, action, NOT_FOUND, "These were listed but could not be described; the rest is shown.",
                        f"{names}{more}"))


class Memo:
    """Reads shared by the checks of one triage run (a panel's list of clusters), made once
    even when its checks run in parallel; a failed read fails every check that needs it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._values: dict[str, Any] = {}

    def get(self, key: str, read: Callable[[], T]) -> T:
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._values:
                try:
                    self._values[key] = (True, read())
                except Exception as exc:
                    from tui.session import last_call

                    # Other threads re-raise it later: keep the call that failed with it.
                    exc.wk_call = getattr(exc, "wk_call", None) or last_call()  # type: ignore[attr-defined]
                    self._values[key] = (False, exc)
            ok, value = self._values[key]
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Check:
    """One independent part of a panel's problems. Its operations are declared in
    actions.operations as the user `check:<id>`; when it fails, only its problems are missing."""

    id: str  # e.g. "ecs.services"
    title: str  # what it looks at, e.g. "ECS service counts and crash loops"
    run: Callable[[AwsSession, Memo], list[Problem]]
    # What could hurt later (a vulnerability, an old copy), not what is failing now: triage lists
    # it after everything failing, whatever its severity (a 3-day-old CVE is not what paged you).
    at_risk: bool = False


@dataclass(frozen=True)
class CheckResult:
    check: Check
    problems: list[Problem]
    failures: list[Failure]  # the whole check (its problems are missing) or parts of it
    ran: bool = True  # False: it failed outright, so none of its problems are known


def run_check(check: Check, aws: AwsSession, memo: Memo | None = None) -> CheckResult:
    """The check's problems and what it could not read; never raises."""
    with collecting_gaps() as gaps:
        try:
            problems = check.run(aws, memo or Memo())
        except Exception as exc:
            return CheckResult(check, [], merged([*gaps, failed(exc, check.title, aws)]), ran=False)
    if check.at_risk:
        problems = [replace(p, at_risk=True) for p in problems]
    return CheckResult(check, problems, merged(gaps))


def merged(failures: list[Failure]) -> list[Failure]:
    """One failure per action and kind: a denied ListSteps is one line, not one per cluster."""
    groups: dict[tuple[str, str], list[Failure]] = {}
    for failure in failures:
        groups.setdefault((failure.action, failure.kind), []).append(failure)
    found = []
    for same in groups.values():
        first = same[0]
        if len(same) > 1:
            first = replace(first, what=f"{first.what} and {len(same) - 1} more like it")
        found.append(first)
    return found


@dataclass(frozen=True)
class Listing:
    """What a source's refresh produced: its rows and what it could not read."""

    rows: list[Row]
    gaps: list[Failure]


class Source:
    """One level of a panel: what it lists and where `enter` leads. Subclasses fill `rows`."""

    title: ClassVar[str] = ""
    kind: ClassVar[str] = ""  # actions are declared against a kind, e.g. "ecs.service"
    columns: ClassVar[tuple[str, ...]] = ()
    wide_column: ClassVar[int] = -1  # the column (a reason, a summary) given the width the others leave
    # What publish() hands over: False, the first rows of a list (shown on its first load only, so a
    # refresh never shrinks a list on screen); True, the whole list as known so far (triage).
    publishes_whole: ClassVar[bool] = False
    # Rows in an order of their own (events in time, triage's ranking): failures are not lifted to the top.
    keeps_order: ClassVar[bool] = False

    def rows(self, aws: AwsSession) -> list[Row]:
        """The rows; parts that may fail on their own are read through `tolerate`."""
        raise NotImplementedError

    def load(self, aws: AwsSession) -> Listing:
        """The rows and the gaps; raises only when the list itself cannot be read."""
        with collecting_gaps() as gaps:
            rows = self.rows(aws)
        return Listing(rows, gaps)

    def drill(self, row: Row) -> Source | None:
        """The source one level down from `row`, or None where there is nothing below."""
        return None

    def summary(self, rows: list[Row]) -> Text | None:
        """One line shown above the table (Inspector's severity counts); None for none."""
        return None

    def alternatives(self) -> tuple[Source, ...]:
        """Other views of the same parent, cycled with `v` (an EMR cluster's steps and its
        instance groups). Empty where there are none."""
        return ()

    def log_target(self, row: Row, aws: AwsSession) -> LogTarget | None:
        """Where `row`'s logs are (may call AWS, so it runs in a worker); None if it has none."""
        return None

    @property
    def label(self) -> str:
        """Breadcrumb text for this level."""
        return self.title


class Panel(Source):
    """A top-level source, bound to a digit key, that also reports problems for triage."""

    id: ClassVar[str] = ""
    key: ClassVar[str] = ""
    service: ClassVar[str] = ""

    def checks(self) -> tuple[Check, ...]:
        """The independent checks whose problems triage shows."""
        return ()

    def problems(self, aws: AwsSession) -> list[Problem]:
        """Every check's problems; raises the first failure (for tests and scripts that need all)."""
        memo, problems = Memo(), []
        for check in self.checks():
            with collecting_gaps() as gaps:
                problems += check.run(aws, memo)
            if gaps:
                raise RuntimeError(gaps[0].sentence())
        return problems


# -- helpers shared by sources ---------------------------------------------------------------
def utc(value: object) -> datetime | None:
    """A timezone-aware datetime, or None for anything else (absent, or not a time at all)."""
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def now() -> datetime:
    return datetime.now(UTC)


def age(value: object, *, at: datetime | None = None) -> str:
    """Compact age: 45s, 12m, 3h, 9d ("-" for anything that is not a time)."""
    moment = utc(value)
    if moment is None:
        return "-"
    seconds = max(0, int(((at or now()) - moment).total_seconds()))
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def when(value: object) -> str:
    """A timestamp short enough for a cell: 11-22 19:04 (UTC); "-" for anything else."""
    moment = utc(value)
    return moment.strftime("%m-%d %H:%M") if moment else "-"


def duration(start: object, end: object) -> str:
    return age(start, at=utc(end) or now())


def paginate(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[Any]:
    """Every item under `key` across all pages, through botocore's paginator."""
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key, [])


def newest(moment: Callable[[T], datetime | None]) -> Callable[[T], tuple[bool, float]]:
    """A sort key: newest first by a timestamp; items without one go last (never compared with it)."""

    def key(item: T) -> tuple[bool, float]:
        found = utc(moment(item))
        return (found is None, -found.timestamp() if found else 0.0)

    return key


def newest_first(items: Iterable[T], moment: Callable[[T], datetime | None]) -> list[T]:
    """Sorted by a timestamp, newest first; undated items last."""
    return sorted(items, key=newest(moment))


def chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
