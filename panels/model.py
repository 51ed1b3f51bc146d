"""The plain data every panel produces: rows for its table and problems for triage.

Nothing here touches the screen, so a source can be tested with only a boto3 session.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text

if TYPE_CHECKING:
    from tui.session import AwsSession


class Severity(IntEnum):
    """How bad a problem is; triage sorts worst first."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4


@dataclass(frozen=True)
class Row:
    """One table row. `key` is stable across refreshes (an ARN where one exists)."""

    key: str
    name: str
    cells: tuple[Any, ...]
    status: str = ""
    detail: tuple[tuple[str, Any], ...] = ()
    data: dict[str, Any] = field(default_factory=dict, compare=False)

    def text(self) -> str:
        """Everything the filter matches against."""
        return " ".join(str(c) for c in (self.name, *self.cells))


@dataclass(frozen=True)
class Problem:
    """Something failing, as triage shows it. `path` is the row keys from the panel's top level
    down to the resource, so triage can jump there."""

    panel: str
    service: str
    resource: str
    status: str
    reason: str
    severity: Severity
    since: datetime | None = None
    path: tuple[str, ...] = ()
    arn: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "panel": self.panel,
            "service": self.service,
            "resource": self.resource,
            "arn": self.arn,
            "status": self.status,
            "reason": self.reason,
            "severity": self.severity.name,
            "since": self.since.isoformat() if self.since else None,
        }


@dataclass(frozen=True)
class LogTarget:
    """Where a resource's logs are: a CloudWatch Logs group and stream."""

    group: str
    stream: str
    region: str | None = None


class Source:
    """One level of a panel: what it lists and where `enter` leads. Subclasses fill `rows`."""

    title: ClassVar[str] = ""
    kind: ClassVar[str] = ""  # actions are declared against a kind, e.g. "ecs.service"
    columns: ClassVar[tuple[str, ...]] = ()

    def rows(self, aws: AwsSession) -> list[Row]:
        raise NotImplementedError

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

    def problems(self, aws: AwsSession) -> list[Problem]:
        return []


# -- helpers shared by sources ---------------------------------------------------------------
def utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def now() -> datetime:
    return datetime.now(UTC)


def age(value: datetime | None, *, at: datetime | None = None) -> str:
    """Compact age: 45s, 12m, 3h, 9d."""
    if value is None:
        return "-"
    seconds = max(0, int(((at or now()) - utc(value)).total_seconds()))  # type: ignore[operator]
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def when(value: datetime | None) -> str:
    """A timestamp short enough for a cell: 11-22 19:04 (UTC)."""
    return utc(value).strftime("%m-%d %H:%M") if value else "-"  # type: ignore[union-attr]


def duration(start: datetime | None, end: datetime | None) -> str:
    if start is None:
        return "-"
    return age(start, at=utc(end) or now())


def paginate(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[Any]:
    """Every item under `key` across all pages, through botocore's paginator."""
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key, [])


def chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
