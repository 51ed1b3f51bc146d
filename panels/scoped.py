"""One panel level across several accounts and regions, with Account and Region columns.

Each session (a profile or an organisation's account, in one region) is read in parallel; one
that fails is a gap naming its account and region, and the others are still shown. Rows keep the
inner row and its session, so drilling down, actions, runbooks and logs reach the right account.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from rich.text import Text

from panels.model import VIEW, Listing, LogTarget, Row, Source, failed, listener, publishing
from tui.errors import Failure

if TYPE_CHECKING:
    from tui.session import AwsSession

PARALLEL_SESSIONS = 4  # each session's checks run in parallel too (AwsSession.parallel_checks)
SCOPE, INNER = "wk_scope", "wk_row"


def scoped_key(aws: AwsSession, key: str) -> str:
    return f"{aws.account}/{aws.region}/{key}"


def where(aws: AwsSession) -> str:
    return f"{aws.account} {aws.region}"


def unscoped(row: Row) -> tuple[Row, AwsSession | None]:
    """The row as its own source made it, and the session it came from (None: the console's)."""
    return row.data.get(INNER, row), row.data.get(SCOPE)


@dataclass(frozen=True, slots=True, eq=False)  # a session is compared by identity
class ScopedDetail:
    """A row's detail led by the account and region it was read in, laid out when shown (as the
    row's own may be: Inspector's findings)."""

    session: AwsSession
    inner: Iterable[tuple[str, Any]]

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        yield from (("Account", self.session.where), ("Region", self.session.region or "-"))
        yield from self.inner


class ScopedSource(Source):
    def __init__(self, inner: Source, sessions: Sequence[AwsSession]) -> None:
        self.inner, self.sessions = inner, list(sessions)
        self.title, self.kind = inner.title, inner.kind
        self.columns = ("Account", "Region", *inner.columns)
        self.wide_column = inner.wide_column + 2 if inner.wide_column >= 0 else inner.wide_column
        self.publishes_whole = inner.publishes_whole
        self.keeps_order = inner.keeps_order

    @property
    def label(self) -> str:
        return self.inner.label

    @property
    def as_of(self) -> float | None:  # triage's age of its oldest data
        return getattr(self.inner, "as_of", None)

    @property
    def pending(self) -> str:  # triage's checks still running
        return getattr(self.inner, "pending", "")

    def load(self, aws: AwsSession) -> Listing:
        """Every session's rows; raises only when none of them could be read. A listening view
        sees each session's rows as they arrive (theirs published so far, or all once read)."""
        show, lock, sofar = listener(), threading.Lock(), {}

        def arrived(session: AwsSession, rows: list[Row]) -> None:
            if show is None:
                return
            with lock:
                sofar[id(session)] = [self.wrap(session, row) for row in rows]
                merged = [row for rows in sofar.values() for row in rows]
            show(merged, None)

        def one(session: AwsSession) -> tuple[AwsSession, Listing | None, BaseException | None, Failure | None]:
            try:
                if session.known_identity is None:  # the Account column: an id, not a profile name
                    session.identity()
                with publishing(lambda rows, total: arrived(session, rows)):
                    listing = self.inner.load(session)
                arrived(session, listing.rows)
                return session, listing, None, None
            except Exception as exc:  # the failure is read here: the call in flight is this thread's
                return session, None, exc, failed(exc, f"{self.inner.label} in {where(session)}", session)

        with ThreadPoolExecutor(max_workers=min(PARALLEL_SESSIONS, len(self.sessions)) or 1,
                                thread_name_prefix="scope") as pool:
            results = list(pool.map(one, self.sessions))
        if all(listing is None for _, listing, _, _ in results):
            raise next(exc for _, _, exc, _ in results if exc is not None)
        rows, gaps = [], []
        for session, listing, _, failure in results:
            if listing is None:
                gaps.append(failure)  # type: ignore[arg-type]
                continue
            rows += [self.wrap(session, row) for row in listing.rows]
            gaps += [replace(gap, what=f"{gap.what} ({where(session)})") for gap in listing.gaps]
        return Listing(rows, gaps)

    @staticmethod
    def wrap(session: AwsSession, row: Row) -> Row:
        data: dict[str, Any] = {**row.data, SCOPE: session, INNER: row}
        if "panel" in row.data and "path" in row.data and row.data["path"]:  # a triage row: jump in scope
            # Every level below is scoped too (drill() keeps the session), so is each of its keys.
            data["path"] = tuple(k if k.startswith(VIEW) else scoped_key(session, k) for k in row.data["path"])
        return replace(row, key=scoped_key(session, row.key), cells=(session.label, session.region, *row.cells),
                       detail=ScopedDetail(session, row.detail),
                       data=data)

    def drill(self, row: Row) -> Source | None:
        inner, session = unscoped(row)
        child = self.inner.drill(inner)
        return ScopedSource(child, [session]) if child is not None and session is not None else child

    def log_target(self, row: Row, aws: AwsSession) -> LogTarget | None:
        inner, session = unscoped(row)
        return self.inner.log_target(inner, session or aws)

    def summary(self, rows: list[Row]) -> Text | None:
        return self.inner.summary([unscoped(row)[0] for row in rows])

    def alternatives(self) -> tuple[Source, ...]:
        return tuple(ScopedSource(source, self.sessions) for source in self.inner.alternatives())
