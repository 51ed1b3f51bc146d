"""Long lists show their first rows while the rest arrives: a counter, cursor kept, and a refresh
never shrinks the list on screen. Against moto through a proxy that makes DescribeTasks slow."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from actions.audit import AuditLog
from panels.ecs import EcsTasks
from panels.model import Row, publishing
from tests.fault_proxy import FaultProxy, tag_operations
from tests.pilot import wait_for
from tui.app import WatchkeeperApp
from tui.demo.server import DEMO_CREDENTIALS, DemoServer, plain_client
from tui.session import AwsSession

REGION = "eu-south-1"  # this file's own tasks
TASKS = 350  # four DescribeTasks batches


@pytest.fixture(scope="module")
def many_tasks(server: DemoServer) -> DemoServer:
    from tui.demo.seed import seed_ecs

    seed_ecs(REGION)
    ecs: Any = plain_client(server.endpoint_url, "ecs", REGION)
    ecs.create_cluster(clusterName="many")
    network = ecs.describe_services(cluster="prod", services=["web"])["services"][0]["networkConfiguration"]
    for _ in range(TASKS // 10):
        ecs.run_task(cluster="many", taskDefinition="web", launchType="FARGATE", count=10,
                     networkConfiguration=network, group="service:web")
    return server


@pytest.fixture
def slow_describe(many_tasks: DemoServer) -> Iterator[FaultProxy]:
    with FaultProxy(many_tasks.endpoint_url) as proxy:
        proxy.latency, proxy.latency_ops = 0.4, {"ecs:DescribeTasks"}
        yield proxy


def through(proxy: FaultProxy) -> AwsSession:
    return tag_operations(AwsSession(region=REGION, endpoint_url=proxy.url, credentials=DEMO_CREDENTIALS,
                                     parallel_checks=1))  # one batch at a time, as against the demo


def test_the_first_rows_are_published_before_the_last_batch_is_described(slow_describe: FaultProxy) -> None:
    published: list[tuple[float, int, int | None, int]] = []
    started = time.monotonic()

    def show(rows: list[Row], total: int | None) -> None:
        published.append((time.monotonic() - started, len(rows), total, slow_describe.counts["ecs:DescribeTasks"]))

    with publishing(show):
        rows = EcsTasks("many", "many", "web").rows(through(slow_describe))
    assert len(rows) == TASKS and slow_describe.counts["ecs:DescribeTasks"] == 4
    first = published[0]
    assert first[1] < TASKS and first[2] == TASKS and first[3] < 4  # part of it, the total known, not all asked
    assert [count for _, count, _, _ in published] == sorted({count for _, count, _, _ in published})  # it grows


async def test_the_list_grows_with_a_counter_and_a_refresh_never_shrinks_it(slow_describe: FaultProxy,
                                                                            tmp_path: Any) -> None:
    app = WatchkeeperApp(through(slow_describe), audit=AuditLog(tmp_path / "audit.jsonl"))
    async with app.run_test(size=(100, 30)) as pilot:
        view = next(v for v in app.views if v.panel.id == "ecs")
        await pilot.press("4")
        await wait_for(pilot, lambda: view.level.loaded_at is not None)
        view.push(EcsTasks("many", "many", "web"))
        crumb = view.query_one("#crumb")
        await wait_for(pilot, lambda: f"/ {TASKS}…" in str(crumb.render()))  # "loading 200 / 350…"
        assert 0 < len(view.shown) < TASKS
        await pilot.press("down")
        chosen = view.current_row().key  # type: ignore[union-attr]
        await wait_for(pilot, lambda: view.level.loaded_at is not None, timeout=30)
        assert len(view.shown) == TASKS and view.current_row().key == chosen  # type: ignore[union-attr]
        await pilot.press("r")
        await wait_for(pilot, lambda: view.busy)
        while view.busy:  # the refresh's first batches are not shown over the whole list
            assert len(view.shown) == TASKS
            await pilot.pause(0.1)
        slow_describe.latency = 0  # the app waits for its workers at exit


def test_snapshots_without_ids_keep_distinct_keys() -> None:
    """Ids are required but a server may omit one: each such row still has a key of its own, also
    when the list arrives in pages whose answers are freed as they become rows."""
    from datetime import UTC, datetime, timedelta
    from itertools import count

    from panels.model import newest, streamed
    from panels.snapshots import SnapshotsPanel

    start, unnamed = datetime(2024, 1, 1, tzinfo=UTC), count()

    def pages() -> Iterator[list[dict[str, Any]]]:
        for page in range(5):
            yield [{"VolumeId": f"vol-{page}-{i}", "State": "completed",
                    "StartTime": start + timedelta(minutes=page * 100 + i)} for i in range(100)]

    rows = streamed(pages(), lambda s: SnapshotsPanel.snapshot_row(s, {}, "us-east-1", unnamed),
                    order=newest(lambda s: s.get("StartTime")))
    assert len({row.key for row in rows}) == len(rows) == 500


def test_a_page_that_says_more_follow_is_shown_before_the_next_is_asked_for() -> None:
    """A paginator's answer carries its next token: the first 1,000 snapshots go on screen without
    waiting for the next page (0.5 s each from moto); without a token nothing is published early."""
    from panels.model import paged, streamed

    asked: list[int] = []

    def answers(n: int) -> Iterator[dict[str, Any]]:
        for page in range(n):
            asked.append(page)
            yield {"Items": [{"id": f"{page}-{i}"} for i in range(3)], **({"NextToken": "t"} if page < n - 1 else {})}

    def row(item: dict[str, str]) -> Row:
        return Row(key=item["id"], name=item["id"], status="", cells=())

    published: list[tuple[int, int]] = []  # (rows shown, pages asked for by then)
    with publishing(lambda rows, total: published.append((len(rows), len(asked)))):
        rows = streamed(paged(answers(3), "Items"), row)
    assert len(rows) == 9 and published[0] == (3, 1)
    asked.clear()
    published.clear()
    with publishing(lambda rows, total: published.append((len(rows), len(asked)))):
        streamed(paged(answers(1), "Items"), row)
    assert published == []  # one page: the whole list at once
