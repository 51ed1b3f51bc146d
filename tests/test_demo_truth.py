"""The demo tells one consistent story: what its panels show could have happened in an account.

Each test reads the seeded incident through the panels (or the wire protocol), as the console does.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from panels.batch import BatchPanel, describe_jobs
from panels.ecs import EcsPanel
from panels.emr import EmrInstanceGroups, EmrPanel
from panels.inspector import InspectorPanel
from panels.pipelines import PipelineStages
from panels.snapshots import SnapshotsPanel
from panels.stepfunctions import ExecutionHistory, history, state_name, state_names
from tests.conftest import session
from tui.cli import main
from tui.demo.run import check_region
from tui.demo.server import DEMO_REGION, DemoServer, plain_client
from tui.session import AwsSession

END_EVENTS = {"ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut"}
RERUN_REGION = "sa-east-1"  # a copy of the Step Functions part of the incident, for starting executions


def executions(aws: AwsSession, machine: str) -> tuple[str, dict[str, dict[str, Any]]]:
    """The machine's definition, and its executions by name."""
    sfn = aws.client("stepfunctions")
    arn = next(m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"] if m["name"] == machine)
    found = {e["name"]: e for e in sfn.list_executions(stateMachineArn=arn)["executions"]}
    return sfn.describe_state_machine(stateMachineArn=arn)["definition"], found


def seconds(cell: str) -> int:
    """A compact age cell (45s, 12m, 3h, 9d) in seconds: a lower bound of the age it stands for."""
    number, unit = re.fullmatch(r"(\d+)([smhd])", cell).groups()  # type: ignore[union-attr]
    return int(number) * {"s": 1, "m": 60, "h": 3_600, "d": 86_400}[unit]


# -- Step Functions: each execution has its own history ------------------------------------------
@pytest.mark.parametrize("name", ["order-fulfilment-002", "order-fulfilment-004"])
def test_failed_and_running_histories_come_from_the_seed(aws: AwsSession, name: str) -> None:
    definition, found = executions(aws, "order-fulfilment")
    execution = found[name]
    events, truncated = history(aws, execution["executionArn"])
    assert events and not truncated
    states = {state_name(e) for e in events} - {""}
    assert states and states <= set(state_names(definition))  # no moto "A State"
    assert events[0]["type"] == "ExecutionStarted"
    assert abs(events[0]["timestamp"] - execution["startDate"]) < timedelta(seconds=1)
    assert all(e["timestamp"] >= execution["startDate"] for e in events)
    kinds = [e["type"] for e in events]
    if execution["status"] == "RUNNING":
        assert not END_EVENTS & set(kinds)
        assert state_name(next(e for e in reversed(events) if state_name(e))) == "Ship"  # where it waits
    else:
        described = aws.client("stepfunctions").describe_execution(executionArn=execution["executionArn"])
        assert kinds[1] == "TaskStateEntered" and state_name(events[1]) == "ChargeCard"
        assert kinds.count("TaskFailed") == 2  # the definition's one retry
        assert kinds[-1] == "ExecutionFailed"
        failed = events[-1]["executionFailedEventDetails"]
        assert (failed["error"], failed["cause"]) == (described["error"], described["cause"])
        assert abs(events[-1]["timestamp"] - execution["stopDate"]) < timedelta(seconds=1)


def test_succeeded_executions_run_every_state(aws: AwsSession) -> None:
    for machine in ("order-fulfilment", "nightly-report"):
        definition, found = executions(aws, machine)
        for execution in (e for e in found.values() if e["status"] == "SUCCEEDED"):
            events, _ = history(aws, execution["executionArn"])
            entered = [state_name(e) for e in events if e["type"].endswith("StateEntered")]
            assert entered == state_names(definition)
            assert events[-1]["type"] == "ExecutionSucceeded"
            assert abs(events[-1]["timestamp"] - execution["stopDate"]) < timedelta(seconds=1)


def test_the_history_view_shows_the_seeded_states(aws: AwsSession) -> None:
    _, found = executions(aws, "order-fulfilment")
    rows = ExecutionHistory(found["order-fulfilment-004"]["executionArn"], "order-fulfilment-004").rows(aws)
    assert {r.cells[4] for r in rows} - {""} == {"ChargeCard", "Ship"}
    assert rows[-1].name == "TaskSubmitted"  # the warehouse's callback never came


def test_history_pages_as_step_functions_pages_it(server: DemoServer) -> None:
    sfn: Any = plain_client(server.endpoint_url, "stepfunctions")  # paging by hand, outside the session
    _, found = executions(session(server), "order-fulfilment")
    arn = found["order-fulfilment-002"]["executionArn"]
    every = sfn.get_execution_history(executionArn=arn)["events"]
    pages, token = [], None
    while True:
        page = sfn.get_execution_history(executionArn=arn, reverseOrder=True, maxResults=4,
                                         **({"nextToken": token} if token else {}))
        pages += page["events"]
        token = page.get("nextToken")
        if not token:
            break
    assert [e["id"] for e in pages] == [e["id"] for e in reversed(every)]
    with pytest.raises(sfn.exceptions.InvalidToken):
        sfn.get_execution_history(executionArn=arn, nextToken="not-a-token")


def test_an_execution_started_later_has_only_started(server: DemoServer) -> None:
    from tui.demo.seed import seed_stepfunctions

    seed_stepfunctions(RERUN_REGION)
    sfn: Any = plain_client(server.endpoint_url, "stepfunctions", RERUN_REGION)  # test data, outside the session
    machine = next(m for m in sfn.list_state_machines()["stateMachines"] if m["name"] == "order-fulfilment")
    arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input="{}")["executionArn"]
    kinds = [e["type"] for e in sfn.get_execution_history(executionArn=arn)["events"]]
    assert kinds[:2] == ["ExecutionStarted", "TaskStateEntered"] and not END_EVENTS & set(kinds)
    sfn.stop_execution(executionArn=arn)
    assert sfn.get_execution_history(executionArn=arn)["events"][-1]["type"] == "ExecutionAborted"


# -- the rest of the incident ---------------------------------------------------------------------
def test_no_stage_after_a_waiting_approval_has_started(aws: AwsSession) -> None:
    rows = PipelineStages("api-release").rows(aws)
    gate = next(r for r in rows if r.name == "ProductionGate")
    deploy = next(r for r in rows if r.data["stage"] == "Deploy")
    assert deploy.data["sfn_execution"].endswith(":order-fulfilment-004")  # an earlier run started it
    if gate.status != "WAITING APPROVAL":  # a test that acts has answered it: the seed's own states
        from tui.demo.seed import stage_states

        stages = stage_states("api-release", ["earlier", "latest"], {"id": "build"}, "arn")
        assert [s["latestExecution"]["pipelineExecutionId"] for s in stages] == ["latest"] * 3 + ["earlier"]
        return
    current = gate.data["execution"]
    for later in rows[rows.index(gate) + 1:]:
        assert later.status not in ("InProgress", "WAITING APPROVAL")
        assert later.data["execution"] != current  # what it shows is an earlier run's


def test_batch_attempts_run_between_creation_and_stop(aws: AwsSession) -> None:
    panel = BatchPanel()
    queue = next(r for r in panel.rows(aws) if r.name == "analytics")
    rows = panel.drill(queue).rows(aws)
    jobs = describe_jobs(aws, [r.data["job"] for r in rows])
    # The seeded ones: jobs other tests submit run (in moto) the instant they are submitted.
    before = (datetime.now(UTC) - timedelta(minutes=30)).timestamp() * 1000
    seeded = [j for j in jobs.values() if j["createdAt"] < before]
    assert len(seeded) >= 4
    for job in seeded:
        for attempt in job.get("attempts") or []:
            assert job["createdAt"] <= attempt["startedAt"] < attempt["stoppedAt"] <= job["stoppedAt"]
        if job.get("startedAt"):
            assert job["createdAt"] <= job["startedAt"] <= job.get("stoppedAt", job["startedAt"])


def test_emr_clusters_were_up_before_their_steps(aws: AwsSession) -> None:
    rows = {r.name: r for r in EmrPanel(include_terminated=True).rows(aws)}
    emr = aws.client("emr")
    etl = rows["etl-nightly"]
    created = emr.describe_cluster(ClusterId=etl.data["cluster"])["Cluster"]["Status"]["Timeline"]["CreationDateTime"]
    steps = emr.list_steps(ClusterId=etl.data["cluster"])["Steps"]
    failed = next(s for s in steps if s["Status"]["State"] == "FAILED")
    failed_age = datetime.now(UTC) - failed["Status"]["Timeline"]["EndDateTime"]
    assert seconds(etl.cells[5]) >= failed_age.total_seconds()  # "Up" covers the failed step
    for step in steps:
        timeline = step["Status"]["Timeline"]
        assert created <= timeline["CreationDateTime"]
        assert created <= timeline.get("StartDateTime", created)


def test_a_terminated_cluster_runs_no_nodes(aws: AwsSession) -> None:
    rows = {r.name: r for r in EmrPanel(include_terminated=True).rows(aws)}
    ended = rows["adhoc-analysis"]
    assert ended.status == "TERMINATED_WITH_ERRORS" and ended.cells[2].startswith("0/")
    groups = EmrInstanceGroups(ended.data["cluster"], ended.name).rows(aws)
    assert groups and all(g.cells[4] == 0 for g in groups)


def test_an_errored_snapshot_stopped_short_of_done(aws: AwsSession) -> None:
    errored = [r for r in SnapshotsPanel().rows(aws) if r.status == "error"]
    assert errored and all(r.cells[3] != "100%" for r in errored)


def test_inspector_scans_what_it_found_vulnerable(aws: AwsSession) -> None:
    panel = InspectorPanel()
    rows = panel.rows(aws)
    summary = str(panel.summary(rows))
    if any("LAMBDA" in str(r.cells).upper() for r in rows):
        assert "Lambda off" not in summary
    for label, kind in (("EC2", "EC2"), ("ECR", "ECR")):
        if any(kind in str(r.cells).upper() for r in rows):
            assert f"{label} off" not in summary


def test_ecs_lists_only_the_demo_clusters(aws: AwsSession) -> None:
    names = {r.name for r in EcsPanel().rows(aws)}
    assert names and not any(name.startswith("OnDemand_Batch") for name in names)


# -- --demo --region ------------------------------------------------------------------------------
@pytest.mark.parametrize("argv", [["--demo", "--region", "eu-west-1", "triage"],
                                  ["triage", "--demo", "--region", "eu-west-1"]])
def test_demo_in_another_region_is_refused_in_a_sentence(capsys: pytest.CaptureFixture[str],
                                                         argv: list[str]) -> None:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert f"The demo's incident is in {DEMO_REGION} only, not eu-west-1" in err and "--region" in err


def test_the_demo_region_itself_is_accepted() -> None:
    check_region(DEMO_REGION)
    check_region(None)

