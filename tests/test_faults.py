"""Faults between the console and AWS: denied operations, throttling, latency, an outage.

Every session here talks to the demo's moto server through tests/fault_proxy.py, which answers
denials and throttles in each service's own wire protocol, as AWS would.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from botocore.exceptions import ClientError
from botocore.parsers import create_parser
from botocore.retries import bucket, standard

from actions.audit import AuditLog
from actions.operations import USES, find, used_by
from panels.ecs import EcsPanel
from panels.model import run_check
from panels.registry import service_panels
from panels.triage import collect
from tests.conftest import CLEAN_REGION
from tests.fault_proxy import FaultProxy, denied, tag_operations, throttled
from tests.pilot import loaded, view_of, wait_for
from tui import cli
from tui.app import WatchkeeperApp
from tui.demo.server import DEMO_CREDENTIALS, DEMO_REGION, DemoServer
from tui.errors import DENIED, error_kind
from tui.screens import HelpScreen
from tui.session import AwsSession

SIZE = (80, 24)
CHECK_OPERATIONS = sorted({op.key for user in USES if user.startswith("check:") for op in used_by(user)})


@pytest.fixture(scope="module")
def proxy(server: DemoServer) -> Iterator[FaultProxy]:
    with FaultProxy(server.endpoint_url) as found:
        yield found


@pytest.fixture
def faults(proxy: FaultProxy) -> Iterator[FaultProxy]:
    """The proxy with no faults and cleared counters, and left that way."""
    proxy.reset()
    yield proxy
    proxy.reset()


def through(proxy: FaultProxy, region: str = DEMO_REGION, *, max_attempts: int | None = None) -> AwsSession:
    aws = AwsSession(region=region, endpoint_url=proxy.url, credentials=DEMO_CREDENTIALS)
    return tag_operations(aws, max_attempts=max_attempts)


def found(triage: object) -> set[tuple[str, str]]:
    return {(p.panel, p.resource) for p in triage.problems}  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Baseline:
    problems: dict[str, set[tuple[str, str]]]  # check id -> (panel, resource) it reports
    calls: dict[str, set[str]]  # check id -> operations it sent in the demo region


@pytest.fixture(scope="module")
def baseline(proxy: FaultProxy) -> Baseline:
    """Each check run alone, without faults: what it reports and what it calls."""
    proxy.reset()
    aws = through(proxy)
    problems, calls = {}, {}
    for panel in service_panels():
        for check in panel.checks():
            before = dict(proxy.counts)
            result = run_check(check, aws)
            assert result.ran and not result.failures, [f.sentence() for f in result.failures]
            problems[check.id] = {(p.panel, p.resource) for p in result.problems}
            calls[check.id] = {op for op, n in proxy.counts.items() if n > before.get(op, 0)}
    proxy.reset()
    return Baseline(problems, calls)


# -- the proxy speaks each protocol ------------------------------------------------------------
@pytest.mark.parametrize(("protocol", "service", "operation", "code"), [
    ("json", "ecs", "ListClusters", "AccessDeniedException"),
    ("rest-json", "batch", "DescribeJobQueues", "AccessDeniedException"),
    ("query", "rds", "DescribeDBInstances", "AccessDenied"),
    ("ec2", "ec2", "DescribeVolumes", "UnauthorizedOperation"),
    ("smithy-rpc-v2-cbor", "codepipeline", "ListPipelines", "AccessDeniedException"),
])
def test_denials_and_throttles_parse_in_each_protocol(protocol: str, service: str, operation: str, code: str) -> None:
    import boto3

    model = boto3.Session(region_name="us-east-1").client(service).meta.service_model.operation_model(operation)
    for (status, headers, body), expected in ((denied(protocol, f"{service}:{operation}"), code),
                                              (throttled(protocol), "")):
        parsed = create_parser(protocol).parse({"status_code": status, "headers": headers, "body": body},
                                               model.output_shape)
        error = ClientError(parsed, operation)
        if expected:
            assert parsed["Error"]["Code"] == expected and error_kind(error) == "AccessDenied"
            assert "not authorized" in parsed["Error"]["Message"]
        else:
            assert error_kind(error) == "Throttling", parsed


@pytest.mark.parametrize(("service", "method", "code"), [
    ("ecs", "list_clusters", "AccessDeniedException"),
    ("batch", "describe_job_queues", "AccessDeniedException"),
    ("rds", "describe_db_instances", "AccessDenied"),
    ("ec2", "describe_volumes", "UnauthorizedOperation"),
])
def test_a_denied_call_through_the_proxy_is_access_denied(faults: FaultProxy, service: str, method: str,
                                                          code: str) -> None:
    aws = through(faults)
    faults.deny = {f"{service}:*"}
    with pytest.raises(ClientError) as caught:
        getattr(aws.client(service), method)()
    assert caught.value.response["Error"]["Code"] == code
    assert sum(faults.denials.values()) == 1  # a denial is not retried


# -- throttling ---------------------------------------------------------------------------------
def test_throttling_is_absorbed_by_retries(faults: FaultProxy, baseline: Baseline,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # botocore's adaptive limiter, with its floor and backoff scaled down so the test takes a
    # second rather than twenty; the retries and the limiter themselves are botocore's.
    monkeypatch.setattr(bucket.TokenBucket.__init__, "__defaults__", (20.0,))
    monkeypatch.setitem(standard.ExponentialBackoff._DEFAULT_BACKOFF_CONFIG, "throttling_base_scale", 0.02)
    faults.throttle = 0.3
    triage = collect(through(faults, max_attempts=12), service_panels())
    assert faults.throttles > 0
    assert not triage.incomplete, [i.failure.sentence() for i in triage.incomplete]
    assert found(triage) == set().union(*baseline.problems.values())


# -- denial, one operation at a time ------------------------------------------------------------
def test_each_check_calls_only_its_declared_operations(baseline: Baseline) -> None:
    """Denying an operation costs only the checks that declare it, if they call nothing else."""
    extra = {check: sorted(calls - {op.key for op in used_by(f"check:{check}")})
             for check, calls in baseline.calls.items()}
    assert not any(extra.values()), {k: v for k, v in extra.items() if v}


@pytest.mark.parametrize("operation", CHECK_OPERATIONS)
def test_denying_one_operation_costs_only_the_checks_that_use_it(
    faults: FaultProxy, baseline: Baseline, operation: str
) -> None:
    faults.deny = {operation}
    triage = collect(through(faults), service_panels())  # raises nothing
    users = {check for check in baseline.problems if operation in {op.key for op in used_by(f"check:{check}")}}
    kept = set().union(*(problems for check, problems in baseline.problems.items() if check not in users))
    assert kept <= found(triage), f"lost: {sorted(kept - found(triage))}"
    action = find(*operation.split(":"))
    assert action is not None
    named = [i.failure for i in triage.incomplete if i.failure.action == action.iam_action]
    if any(operation in calls for calls in baseline.calls.values()):
        assert named and all(f.kind == DENIED for f in named), [i.failure.sentence() for i in triage.incomplete]
        # Every check that lost it says which permission: also those that waited on a shared read.
        assert all(i.failure.action == action.iam_action for i in triage.incomplete), [
            (i.check.id, i.failure.action) for i in triage.incomplete]
    else:  # the demo never needs it (no instance fleets…): nothing may be missing then
        assert not triage.incomplete and found(triage) == set().union(*baseline.problems.values())
    assert all(i.check.id in users for i in triage.incomplete), [i.check.id for i in triage.incomplete]


@pytest.mark.parametrize("panel_id", [p.id for p in service_panels()])
def test_a_panel_fully_denied_leaves_the_others_problems(faults: FaultProxy, baseline: Baseline,
                                                         panel_id: str) -> None:
    panel = next(p for p in service_panels() if p.id == panel_id)
    faults.deny = {op.key for check in panel.checks() for op in used_by(f"check:{check.id}")}
    triage = collect(through(faults), service_panels())
    others = set().union(*(problems for check, problems in baseline.problems.items()
                           if check not in {c.id for c in panel.checks()}))
    assert others <= found(triage)
    assert not any(p for p in found(triage) if p[0] == panel_id and (p not in others))
    if any(baseline.calls[c.id] for c in panel.checks()):
        assert {i.panel.id for i in triage.incomplete} == {panel_id}


# -- triage --json exit codes --------------------------------------------------------------------
@pytest.fixture
def tagged_cli(faults: FaultProxy, monkeypatch: pytest.MonkeyPatch) -> FaultProxy:
    """`watchkeeper triage` in-process, its session tagged for the proxy."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "demo")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "demo")
    make = cli.make_session
    monkeypatch.setattr(cli, "make_session", lambda args: tag_operations(make(args)))
    return faults


@pytest.mark.parametrize(("region", "deny", "code"), [
    (DEMO_REGION, "all", 2),
    (CLEAN_REGION, "ecs:ListClusters", 3),
    (CLEAN_REGION, "", 0),
    (DEMO_REGION, "", 1),
])
def test_triage_json_exit_codes(tagged_cli: FaultProxy, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch, region: str, deny: str, code: int) -> None:
    if region == CLEAN_REGION:
        # moto's EMR takes the region from the host name only, so through an endpoint override
        # every region shows us-east-1's clusters: the clean region is clean without EMR.
        monkeypatch.setattr(cli, "configured_panels", lambda: [p for p in service_panels() if p.id != "emr"])
    tagged_cli.deny = set(CHECK_OPERATIONS) if deny == "all" else {deny} if deny else set()
    exit_code = cli.main(["triage", "--json", "--endpoint-url", tagged_cli.url, "--region", region])
    report = json.loads(capsys.readouterr().out)
    assert exit_code == code, report
    if deny:
        assert report["incomplete"]
        actions = {item["action"] for item in report["incomplete"]}
        assert actions <= {find(*op.split(":")).iam_action for op in tagged_cli.deny}  # type: ignore[union-attr]
        assert all(item["kind"] == DENIED for item in report["incomplete"])
    else:
        assert not report["incomplete"]
    assert bool(report["problems"]) == (code == 1)


# -- the console under latency and an outage ---------------------------------------------------
async def test_slow_refreshes_are_not_stacked_and_keys_are_answered(faults: FaultProxy, audit: AuditLog) -> None:
    faults.latency, faults.latency_ops = 1.5, {"ecs:*"}
    app = WatchkeeperApp(through(faults), audit=audit, panels=[EcsPanel()])
    async with app.run_test(size=SIZE) as pilot:
        triage = view_of(app, "triage")
        await wait_for(pilot, lambda: triage.busy)
        for _ in range(3):  # r while the triage is still reading
            await pilot.press("r")
            await pilot.pause(0.2)
        await pilot.press("4")
        ecs = view_of(app, "ecs")
        await wait_for(pilot, lambda: ecs.busy)
        started = time.monotonic()
        await pilot.press("question_mark")  # answered while the panel waits on AWS
        assert isinstance(app.screen, HelpScreen)
        assert time.monotonic() - started < 1.0
        await pilot.press("escape")
        for _ in range(4):
            await pilot.press("r")
            await pilot.pause(0.2)
        assert ecs.busy  # still the first refresh
        await loaded(pilot, ecs)
        assert ecs.shown and not ecs.error
        faults.latency = 0  # the app waits for its workers at exit
    # The triage's ECS check lists services, the ECS panel describes clusters: each refresh
    # sends one at a time, so more than one in flight would be a second refresh.
    assert faults.max_in_flight["ecs:ListServices"] == 1
    assert faults.max_in_flight["ecs:DescribeClusters"] == 1


async def test_an_outage_keeps_the_rows_marked_stale_and_recovers(faults: FaultProxy, audit: AuditLog) -> None:
    app = WatchkeeperApp(through(faults, max_attempts=2), audit=audit, panels=[EcsPanel()])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        ecs = view_of(app, "ecs")
        await loaded(pilot, ecs)
        rows = dict(ecs.shown)
        assert rows
        faults.down = True
        await pilot.press("r")
        await wait_for(pilot, lambda: bool(ecs.error))
        assert ecs.shown == rows and ecs.level.rows
        assert "stale" in str(ecs.query_one("#crumb").render())
        faults.down = False
        await pilot.press("r")
        await wait_for(pilot, lambda: not ecs.error and not ecs.busy)
        assert ecs.shown.keys() == rows.keys()
        assert "stale" not in str(ecs.query_one("#crumb").render())
