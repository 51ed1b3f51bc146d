"""One moto server for the whole run, on loopback, seeded with the demo incident.

Tests reach it over HTTP through the same AwsSession and boto3 clients the app uses. moto keeps
its state per process, so tests that need a clean account use a region the demo does not seed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from actions.audit import AuditLog
from tui.demo.server import DEMO_CREDENTIALS, DEMO_REGION, DemoServer, start_server
from tui.session import AwsSession

CLEAN_REGION = "eu-west-1"  # nothing seeded here
TEST_REGION = "us-west-2"  # tests create their own resources here


@pytest.fixture(scope="session", autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No real credentials, profiles or config files can be used by any test."""
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.startswith("AWS_"):
            del os.environ[name]
    home = tmp_path_factory.mktemp("home")
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
        AWS_CONFIG_FILE=str(home / "config"), AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"),
        WATCHKEEPER_STATE_DIR=str(home / "state"),
    )
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope="session")
def server(isolated_environment: None) -> Iterator[DemoServer]:
    from tui.demo.seed import seed_all

    found = start_server()
    seed_all()
    yield found
    found.stop()


def session(server: DemoServer, region: str = DEMO_REGION, *, read_only: bool = False) -> AwsSession:
    return AwsSession(region=region, endpoint_url=server.endpoint_url, credentials=DEMO_CREDENTIALS,
                      read_only=read_only)


@pytest.fixture(scope="session")
def test_region(server: DemoServer) -> AwsSession:
    """TEST_REGION seeded with the ECS, logs, Batch and EBS parts of the incident, for tests that act."""
    from tui.demo.seed import seed_batch, seed_ecs, seed_logs, seed_snapshots

    for seed in (seed_ecs, seed_logs, seed_batch, seed_snapshots):
        seed(TEST_REGION)
    return session(server, TEST_REGION)


@pytest.fixture
def aws(server: DemoServer) -> AwsSession:
    return session(server)


@pytest.fixture
def audit(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "audit.jsonl")


@pytest.fixture(scope="session", autouse=True)
def confirmations_answer_at_once() -> Iterator[None]:
    """The pilot presses enter as soon as a confirmation is up; people cannot (ConfirmScreen's
    READ_FIRST_SECONDS, tested on its own in test_app)."""
    from actions.confirm import ConfirmScreen

    saved, ConfirmScreen.READ_FIRST_SECONDS = ConfirmScreen.READ_FIRST_SECONDS, 0.0
    yield
    ConfirmScreen.READ_FIRST_SECONDS = saved


@pytest.fixture(scope="session", autouse=True)
def every_call_is_declared() -> Iterator[None]:
    """Every AWS call any test sends must be in the operation declaration (actions/operations.py):
    the session refuses undeclared ones, and this checks that guard from the outside."""
    from actions.operations import find

    sent: set[tuple[str, str]] = set()
    record = AwsSession._record

    def recording(self: AwsSession, context: dict, *args: object) -> None:
        if "wk_call" in context:
            sent.add(context["wk_call"])
        record(self, context, *args)

    AwsSession._record = recording  # type: ignore[method-assign]
    yield
    AwsSession._record = record  # type: ignore[method-assign]
    undeclared = sorted(f"{service}:{name}" for service, name in sent if find(service, name) is None)
    assert not undeclared, f"calls not in actions/operations.py: {undeclared}"
