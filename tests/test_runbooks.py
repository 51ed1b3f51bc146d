"""Guided runbooks: the built-ins validate and run end to end against the demo server, a dry run
sends no mutation, read-only refuses the actions but still checks, and a malformed runbook is one
`FILE:LINE: field: problem` line.

The runs act on their own copy of the incident in RUNBOOK_REGION: test_compute rolls back
TEST_REGION's checkout-api (leaving no earlier revision to roll back to) and the demo region must
stay as seeded for the tests that read it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from actions.audit import AuditLog
from actions.operations import used_by
from actions.runbooks.engine import (
    ABANDONED,
    COMPLETED,
    REFUSED,
    Refused,
    RunbookRun,
    RunbookUI,
    StepRecord,
    resolve_inputs,
)
from actions.runbooks.loader import BUILTIN_DIR, load_all, load_file, parse
from actions.runbooks.model import Runbook, Step
from actions.runbooks.targets import row_for
from actions.runbooks.templates import references, render
from tests.conftest import session
from tui.cli import main
from tui.demo.server import DemoServer, plain_client
from tui.session import AwsSession

RUNBOOK_REGION = "ap-southeast-2"
ACCOUNT = "123456789012"
SERVICE_ARN = f"arn:aws:ecs:{RUNBOOK_REGION}:{ACCOUNT}:service/prod/checkout-api"
MACHINE_ARN = f"arn:aws:states:{RUNBOOK_REGION}:{ACCOUNT}:stateMachine:order-fulfilment"
FAILED_EXECUTION = f"arn:aws:states:{RUNBOOK_REGION}:{ACCOUNT}:execution:order-fulfilment:order-fulfilment-002"
RUNNING_EXECUTION = f"arn:aws:states:{RUNBOOK_REGION}:{ACCOUNT}:execution:order-fulfilment:order-fulfilment-004"
BUILTINS = ("ecs-crash-loop", "sfn-execution-failed", "snapshot-before-change", "automation-armed")


@pytest.fixture(scope="module")
def region(server: DemoServer) -> str:
    from tui.demo.seed import seed_ecs, seed_logs, seed_snapshots, seed_stepfunctions

    for seed in (seed_ecs, seed_logs, seed_stepfunctions, seed_snapshots):
        seed(RUNBOOK_REGION)
    return RUNBOOK_REGION


@pytest.fixture(scope="module")
def catalog() -> dict[str, Runbook]:
    return load_all([BUILTIN_DIR]).runbooks


@pytest.fixture
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Config and state in tmp_path: the CLI loads config_dir()/runbooks and writes the audit log."""
    monkeypatch.setenv("WATCHKEEPER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("WATCHKEEPER_STATE_DIR", str(tmp_path / "state"))
    return tmp_path


class Scripted(RunbookUI):
    """Answers as told, and records what the run showed and asked."""

    def __init__(self, *, approve: bool = True, answers: dict[str, str] | None = None,
                 before_call: Any = None, cancel_after: int | None = None) -> None:
        self.approve, self.answers, self.before_call = approve, answers or {}, before_call
        self.cancel_after = cancel_after
        self.confirmed: list[tuple[str, str, str]] = []
        self.shown: list[tuple[str, str]] = []
        self.progressed: list[str] = []
        self.records: list[StepRecord] = []

    def confirm_action(self, step: Step, python: str, cli: str) -> bool:
        self.confirmed.append((step.id, python, cli))
        return self.approve

    def confirm(self, step: Step, text: str) -> bool:
        self.confirmed.append((step.id, text, ""))
        return self.approve

    def ask(self, step: Step, options: list[str], default: str | None = None) -> str:
        return self.answers.get(step.id, default or options[0])

    def progress(self, step: Step, text: str) -> None:
        self.progressed.append(text)

    def cancelled(self) -> bool:
        return self.cancel_after is not None and len(self.progressed) >= self.cancel_after

    def show(self, step: Step, text: str) -> None:
        self.shown.append((step.id, text))

    def calling(self, step: Step, python: str, cli: str, *, sent: bool) -> None:
        if self.before_call is not None and sent:
            self.before_call(step)

    def finished(self, record: StepRecord) -> None:
        self.records.append(record)


def acting(server: DemoServer, tmp_path: Path, *, read_only: bool = False) -> AwsSession:
    aws = session(server, RUNBOOK_REGION, read_only=read_only)
    aws.audit = AuditLog(tmp_path / "audit.jsonl")
    return aws


def outcomes(run: RunbookRun) -> dict[str, str]:
    return {r.step.id: r.outcome for r in run.records}


def mutations(aws: AwsSession) -> list[str]:
    return [f"{c.service}:{c.operation}" for c in aws.calls if c.mutating]


def calls_of(aws: AwsSession) -> set[str]:
    return {f"{c.service}:{c.operation}" for c in aws.calls}


def runbook_records(aws: AwsSession) -> list[dict[str, Any]]:
    assert aws.audit is not None
    return [e for e in aws.audit.entries() if e.get("event") == "runbook"]


def ecs_service(server: DemoServer) -> dict[str, Any]:
    ecs: Any = plain_client(server.endpoint_url, "ecs", RUNBOOK_REGION)
    return ecs.describe_services(cluster="prod", services=["checkout-api"])["services"][0]  # type: ignore[no-any-return]


def executions(server: DemoServer) -> list[dict[str, Any]]:
    sfn: Any = plain_client(server.endpoint_url, "stepfunctions", RUNBOOK_REGION)
    return sfn.list_executions(stateMachineArn=MACHINE_ARN)["executions"]  # type: ignore[no-any-return]


def snapshots(server: DemoServer) -> list[dict[str, Any]]:
    ec2: Any = plain_client(server.endpoint_url, "ec2", RUNBOOK_REGION)
    return ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]  # type: ignore[no-any-return]


def volume_id(server: DemoServer, name: str) -> str:
    ec2: Any = plain_client(server.endpoint_url, "ec2", RUNBOOK_REGION)
    found = ec2.describe_volumes(Filters=[{"Name": "tag:Name", "Values": [name]}])["Volumes"]
    return found[0]["VolumeId"]  # type: ignore[no-any-return]


def settle_ecs_service(step: Step) -> None:
    """What ECS does after a deployment: the new tasks come up (moto never starts them)."""
    if step.id == "stable":
        from tui.demo.seed import backend

        service = backend("ecs", RUNBOOK_REGION).services["prod:checkout-api"]
        service.running_count = service.desired_count


def finish_new_executions(step: Step) -> None:
    """What Step Functions does in time: the new execution ends (moto keeps it RUNNING)."""
    if step.id == "finished":
        from tui.demo.seed import backend

        for machine in backend("stepfunctions", RUNBOOK_REGION).state_machines:
            for execution in machine.executions:
                if execution.status == "RUNNING" and not execution.name.startswith("order-fulfilment-"):
                    execution.status = "SUCCEEDED"


# -- the built-ins --------------------------------------------------------------------------------
def test_every_builtin_validates_and_declares_its_operations(catalog: dict[str, Runbook]) -> None:
    loaded = load_all([BUILTIN_DIR])
    assert loaded.errors == []
    assert set(catalog) >= set(BUILTINS)  # and the ones tests/test_runbooks_*.py run
    for name, runbook in catalog.items():
        declared = {op.key for op in used_by(f"runbook:{name}")}
        assert runbook.operations() <= declared, f"runbook:{name} also calls {runbook.operations() - declared}"
        assert runbook.builtin and runbook.path is not None and runbook.path.parent == BUILTIN_DIR


def test_ecs_crash_loop_rolls_back_and_waits_until_stable(
    server: DemoServer, region: str, catalog: dict[str, Runbook], tmp_path: Path
) -> None:
    aws = acting(server, tmp_path)
    runbook = catalog["ecs-crash-loop"]
    row = row_for(aws, runbook, SERVICE_ARN)
    assert row["cluster"] == "prod" and row["service"] == "checkout-api"
    assert row["previous_task_definition"].endswith("task-definition/checkout-api:1")
    ui = Scripted(before_call=settle_ecs_service)
    run = RunbookRun(aws, runbook, row, ui)
    assert run.run() == COMPLETED, ui.records
    assert outcomes(run) == {"stopped": "passed", "reasons": "done", "logs": "done", "advice": "done",
                             "remedy": "done", "rollback": "done", "stable": "done", "done": "done"}
    shown = dict(ui.shown)
    assert "exit: 137" in shown["reasons"] and "OutOfMemoryError" in shown["reasons"]
    assert "OutOfMemoryError: Java heap space" in shown["logs"]
    # The confirmation shows the exact call and its AWS CLI equivalent.
    (step, python, cli), = ui.confirmed
    assert step == "rollback" and python.startswith("ecs.update_service(cluster='prod', service='checkout-api'")
    assert cli.startswith("aws ecs update-service --cluster prod --service checkout-api --task-definition")
    assert ecs_service(server)["taskDefinition"].endswith("task-definition/checkout-api:1")
    assert calls_of(aws) <= {op.key for op in used_by("runbook:ecs-crash-loop")}
    # The session's write-ahead audit of the call, with the runbook's context, and one run record.
    assert aws.audit is not None
    (call,) = aws.audit.calls()
    assert call["operation"] == "ecs:UpdateService" and call["result"] == "ok"
    assert (call["runbook"], call["step"], call["target"]) == ("ecs-crash-loop", "rollback", SERVICE_ARN)
    (record,) = runbook_records(aws)
    assert record["name"] == "ecs-crash-loop" and record["target"] == SERVICE_ARN and record["result"] == COMPLETED
    assert [s["id"] for s in record["steps"]][-1] == "redeploy"  # never reached: listed as skipped
    assert {s["id"]: s["outcome"] for s in record["steps"]}["redeploy"] == "skipped"
    assert all(isinstance(s["seconds"], float | int) for s in record["steps"])


def test_sfn_execution_failed_reruns_with_the_same_input(
    server: DemoServer, region: str, catalog: dict[str, Runbook], tmp_path: Path
) -> None:
    aws = acting(server, tmp_path)
    runbook = catalog["sfn-execution-failed"]
    before = len(executions(server))
    ui = Scripted(before_call=finish_new_executions)
    run = RunbookRun(aws, runbook, row_for(aws, runbook, FAILED_EXECUTION), ui)
    assert run.run() == COMPLETED, ui.records
    assert outcomes(run)["execution"] == "passed" and outcomes(run)["succeeded"] == "passed"
    shown = dict(ui.shown)
    assert shown["error"].startswith("FAILED: States.TaskFailed")
    assert '"orderId": "ord-4102"' in shown["input"]
    assert [c[0] for c in ui.confirmed] == ["rerun", "start"]
    after = executions(server)
    assert len(after) == before + 1
    new = run.context["steps"]["start"]["executionArn"]
    sfn: Any = plain_client(server.endpoint_url, "stepfunctions", RUNBOOK_REGION)
    assert sfn.describe_execution(executionArn=new)["input"] == sfn.describe_execution(
        executionArn=FAILED_EXECUTION)["input"]
    assert "SUCCEEDED" in shown["done"]


def test_snapshot_before_change_notes_the_snapshot_id(
    server: DemoServer, region: str, catalog: dict[str, Runbook], tmp_path: Path
) -> None:
    aws = acting(server, tmp_path)
    runbook = catalog["snapshot-before-change"]
    volume = volume_id(server, "search-index")
    ui = Scripted()
    run = RunbookRun(aws, runbook, row_for(aws, runbook, volume), ui, {"ticket": "CHG-1234"})
    assert run.run() == COMPLETED, ui.records
    snapshot = run.context["steps"]["snapshot"]["SnapshotId"]
    made = next(s for s in snapshots(server) if s["SnapshotId"] == snapshot)
    assert made["VolumeId"] == volume and "CHG-1234" in made["Description"]
    assert f"Snapshot {snapshot} of {volume} is complete" in dict(ui.shown)["ticket"]


def test_automation_armed_shows_each_rule_and_its_state(
    server: DemoServer, region: str, catalog: dict[str, Runbook]
) -> None:
    aws = session(server, RUNBOOK_REGION, read_only=True)  # it only reads
    runbook = catalog["automation-armed"]
    ui = Scripted()
    run = RunbookRun(aws, runbook, row_for(aws, runbook, MACHINE_ARN), ui)
    assert run.run() == COMPLETED
    assert outcomes(run) == {"rules": "passed", "described": "done", "disabled": "passed"}
    assert "rule: order-fulfilment-schedule · state: ENABLED · schedule: cron(0 2 * * ? *)" in dict(ui.shown)[
        "described"]
    nightly = MACHINE_ARN.replace("order-fulfilment", "nightly-report")
    run = RunbookRun(aws, runbook, row_for(aws, runbook, nightly), Scripted())
    assert run.run() == COMPLETED  # a disabled rule is a finding, not a broken run
    assert outcomes(run)["disabled"] == "failed" and "nightly-report-schedule" in run.records[-1].text


# -- dry run and read-only --------------------------------------------------------------------------
@pytest.mark.parametrize("name,target", [("ecs-crash-loop", SERVICE_ARN), ("sfn-execution-failed", FAILED_EXECUTION),
                                         ("snapshot-before-change", "search-index")])
def test_a_dry_run_sends_no_mutation(
    server: DemoServer, region: str, catalog: dict[str, Runbook], tmp_path: Path, name: str, target: str
) -> None:
    aws = acting(server, tmp_path)
    if target == "search-index":
        target = volume_id(server, target)
    state = (ecs_service(server)["taskDefinition"], ecs_service(server)["deployments"][0]["id"],
             len(executions(server)), len(snapshots(server)))
    ui = Scripted(approve=False)  # a dry run asks for no confirmation of its actions
    inputs = {"remedy": "redeploy"} if name == "ecs-crash-loop" else {}  # an earlier test may have rolled back
    run = RunbookRun(aws, catalog[name], row_for(aws, catalog[name], target), ui, inputs, dry_run=True)
    assert run.run() == COMPLETED
    assert mutations(aws) == []
    assert (ecs_service(server)["taskDefinition"], ecs_service(server)["deployments"][0]["id"],
            len(executions(server)), len(snapshots(server))) == state
    actions = [r for r in run.records if r.step.kind == "action"]
    assert actions and all(r.outcome == "skipped" and "dry run: not sent" in r.text for r in actions)
    assert not [c for c in ui.confirmed if c[0] in {r.step.id for r in actions}]
    assert aws.audit is not None and aws.audit.calls() == []  # no intent: nothing was about to be sent
    (record,) = runbook_records(aws)
    assert record["dry_run"] is True


def test_read_only_refuses_the_action_and_still_checks(
    server: DemoServer, region: str, catalog: dict[str, Runbook], tmp_path: Path
) -> None:
    aws = acting(server, tmp_path, read_only=True)
    before = len(executions(server))
    runbook = catalog["sfn-execution-failed"]
    run = RunbookRun(aws, runbook, row_for(aws, runbook, FAILED_EXECUTION), Scripted())
    assert run.run() == REFUSED
    assert outcomes(run) == {"execution": "passed", "error": "done", "input": "done", "rerun": "done",
                             "start": "refused"}
    assert run.records[-1].text == ("Refused states:StartExecution (step start): watchkeeper is running with "
                                    "--read-only.")
    assert mutations(aws) == [] and len(executions(server)) == before
    assert runbook_records(aws)[0]["result"] == REFUSED


def test_a_dangerous_runbook_is_hidden_and_refused_in_read_only(server: DemoServer, region: str,
                                                                tmp_path: Path) -> None:
    path = tmp_path / "dangerous.yaml"
    path.write_text(DANGEROUS)
    catalog = load_all([BUILTIN_DIR, path])
    assert [r.name for r in catalog.for_kind("ecs.service")] == ["ecs-crash-loop", "force-it"]
    assert [r.name for r in catalog.for_kind("ecs.service", read_only=True)] == ["ecs-crash-loop"]
    aws = session(server, RUNBOOK_REGION, read_only=True)
    with pytest.raises(Refused, match="marked dangerous"):
        RunbookRun(aws, catalog.runbooks["force-it"], {"cluster": "prod", "service": "web"})


DANGEROUS = """\
name: force-it
description: Redeploy without looking.
dangerous: true
applies_to: [ecs.service]
steps:
  - id: redeploy
    kind: action
    call: ecs:UpdateService
    params: {cluster: "{{ row.cluster }}", service: "{{ row.service }}", forceNewDeployment: true}
"""


# -- the engine ----------------------------------------------------------------------------------
def test_step_by_step_and_abandon(server: DemoServer, region: str, catalog: dict[str, Runbook],
                                  tmp_path: Path) -> None:
    aws = acting(server, tmp_path)
    runbook = catalog["sfn-execution-failed"]
    run = RunbookRun(aws, runbook, row_for(aws, runbook, FAILED_EXECUTION), Scripted())
    assert run.current is not None and run.current.id == "execution"
    first = run.step()
    assert first is not None and first.outcome == "passed" and first.seconds >= 0
    assert run.current is not None and run.current.id == "error"
    run.abandon()
    assert run.finished and run.result == ABANDONED and run.step() is None
    record = runbook_records(aws)[0]
    assert record["result"] == ABANDONED and [s["outcome"] for s in record["steps"]] == ["passed"] + ["skipped"] * 7


POLL_RUNNING = """\
name: wait-for-it
description: Wait for an execution that never ends.
applies_to: [sfn.execution]
steps:
  - id: finished
    kind: wait
    call: stepfunctions:DescribeExecution
    params: {executionArn: "{{ row.execution }}"}
    select: status
    not_equals: RUNNING
    interval: 0.1
    timeout: 0.5
"""


def test_a_wait_times_out_or_is_cancelled(server: DemoServer, region: str) -> None:
    runbook, errors = parse(POLL_RUNNING)
    assert runbook is not None, errors
    aws = session(server, RUNBOOK_REGION)
    row = {"execution": RUNNING_EXECUTION}
    run = RunbookRun(aws, runbook, row, Scripted())
    assert run.run() == "failed"
    assert run.records[0].text.startswith("Step finished timed out after")
    ui = Scripted(cancel_after=2)
    run = RunbookRun(aws, runbook, row, ui)
    assert run.run() == ABANDONED and run.records[0].outcome == "cancelled" and len(ui.progressed) == 2


def test_templates_keep_types_and_inputs_are_typed(catalog: dict[str, Runbook]) -> None:
    context = {"row": {"cluster": "prod", "count": 3}, "inputs": {}, "steps": {"d": {"services": [{"n": 1}]}}}
    assert render("{{ row.count }}", context) == 3
    assert render(["{{ steps.d.services[0] }}"], context) == [{"n": 1}]
    assert render("{{ row.cluster }} has {{ row.count }} and {{ row.nope }}", context) == "prod has 3 and ?"
    assert ("steps", "d", "services") in references("steps.d.services[?n > `0`].n | [0]")
    assert resolve_inputs(catalog["ecs-crash-loop"], {}, {}) == {"remedy": "rollback"}
    with pytest.raises(ValueError, match="must be one of rollback, redeploy"):
        resolve_inputs(catalog["ecs-crash-loop"], {}, {"remedy": "pray"})
    assert resolve_inputs(catalog["snapshot-before-change"], {"name": "db"}, {})["description"] == (
        "watchkeeper: before a change to db")


# -- malformed runbooks ---------------------------------------------------------------------------
GOOD_START = """\
name: broken
description: For the tests.
applies_to: [ecs.service]
steps:
  - id: stopped
    kind: check
    call: ecs:ListTasks
    params: {cluster: "{{ row.cluster }}"}
    select: length(taskArns)
    greater_than: 0
"""

MALFORMED = {
    "bad-yaml": ("name: broken\nsteps: [\n  - id: a\n", 3, "(yaml)", "not valid YAML"),
    "unknown-kind": (GOOD_START + "  - id: later\n    kind: pray\n", 12, "steps[1].kind", "unknown step kind 'pray'"),
    "missing-field": (GOOD_START.replace("description: For the tests.\n", ""), 1, "(file)",
                      "missing required field `description`"),
    "missing-select": (GOOD_START.replace("    select: length(taskArns)\n", ""), 5, "steps[0]",
                       "needs `select`"),
    "unknown-reference": (GOOD_START + "  - id: say\n    kind: note\n    text: \"{{ steps.nope.x }}\"\n", 13,
                          "steps[1].text", "unknown reference `steps.nope`"),
    "later-reference": (GOOD_START.replace("{{ row.cluster }}", "{{ steps.stopped.cluster }}"), 8,
                        "steps[0].params", "not an earlier step"),
    "undeclared": (GOOD_START + "  - id: gone\n    kind: action\n    call: ecs:DeleteCluster\n"
                   "    params: {cluster: prod}\n", 13, "steps[1].call", "not declared in actions/operations.py"),
    "check-mutates": (GOOD_START.replace("call: ecs:ListTasks", "call: ecs:UpdateService").replace(
        "{cluster: \"{{ row.cluster }}\"}", "{service: web}"), 7, "steps[0].call", "a check step may only read"),
    "key-taken": (GOOD_START.replace("steps:\n", "key: D\nsteps:\n"), 4, "key",
                  "'D' is already 'Force new deployment' on ecs.service rows"),
    "bad-jmespath": (GOOD_START.replace("length(taskArns)", "length(taskArns"), 9, "steps[0].select",
                     "not a valid JMESPath expression"),
    "unknown-param": (GOOD_START.replace("{cluster:", "{Cluster:"), 8, "steps[0].params.Cluster",
                      "has no parameter 'Cluster'"),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_a_malformed_runbook_is_one_file_line_field_error(tmp_path: Path, case: str) -> None:
    text, line, field, message = MALFORMED[case]
    path = tmp_path / f"{case}.yaml"
    path.write_text(text)
    runbook, errors = load_file(path)
    assert runbook is None and errors
    first = str(errors[0])
    assert first.startswith(f"{path}:{line}: {field}: "), first
    assert message in first


def test_a_bad_file_never_stops_the_others_and_later_ones_win(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "broken.yaml").write_text("name: [\n")
    (mine / "ecs-crash-loop.yaml").write_text((BUILTIN_DIR / "ecs-crash-loop.yaml").read_text().replace(
        "description: Why", "description: Ours. Why"))
    catalog = load_all([BUILTIN_DIR, mine])
    assert set(catalog.runbooks) == {p.stem for p in BUILTIN_DIR.glob("*.yaml")}
    assert catalog.runbooks["ecs-crash-loop"].description.startswith("Ours.")
    assert catalog.runbooks["ecs-crash-loop"].path == mine / "ecs-crash-loop.yaml"
    assert [str(e).split(":")[0] for e in catalog.errors] == [str(mine / "broken.yaml")]


# -- the CLI ---------------------------------------------------------------------------------------
def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["runbooks", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_list_and_validate(isolated_dirs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "list")
    assert code == 0
    assert re.search(r"ecs-crash-loop\s+R\s+ecs\.service\s+built-in \(ecs-crash-loop\.yaml\)", out), out
    assert all(name in out for name in BUILTINS)
    code, out, _ = cli(capsys, "validate")
    assert code == 0 and out.count("ok: ") == len(list(BUILTIN_DIR.glob("*.yaml")))
    bad = isolated_dirs / "bad.yaml"
    bad.write_text(MALFORMED["undeclared"][0])
    code, out, _ = cli(capsys, "validate", str(bad), str(BUILTIN_DIR / "automation-armed.yaml"))
    assert code == 1
    assert f"{bad}:13: steps[1].call: ecs:DeleteCluster is not declared" in out
    assert "ok: " in out and "automation-armed" in out
    # A user's runbooks directory: its bad file is reported, the rest still listed.
    user = isolated_dirs / "config" / "runbooks"
    user.mkdir(parents=True)
    (user / "bad.yaml").write_text("steps: [")
    code, out, err = cli(capsys, "list")
    assert code == 0 and "automation-armed" in out and f"{user / 'bad.yaml'}:1: (yaml): not valid YAML" in err


def test_cli_run_dry_run_changes_nothing(
    server: DemoServer, region: str, isolated_dirs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = ecs_service(server)
    code, out, _ = cli(capsys, "run", "ecs-crash-loop", "--target", SERVICE_ARN, "--dry-run",
                       "--input", "remedy=redeploy", "--endpoint-url", server.endpoint_url)
    assert code == 0, out
    assert "would send: ecs.update_service(cluster='prod', service='checkout-api', forceNewDeployment=True)" in out
    assert "$ aws ecs update-service --cluster prod --service checkout-api --force-new-deployment" in out
    assert f"--region {RUNBOOK_REGION}" in out  # the target's region
    assert "[skipped] stable: dry run: would wait" in out and "Result: completed" in out
    after = ecs_service(server)
    assert (after["taskDefinition"], after["deployments"][0]["id"]) == (
        before["taskDefinition"], before["deployments"][0]["id"])
    (record,) = [e for e in AuditLog(isolated_dirs / "state" / "audit.jsonl").entries()]
    assert record["event"] == "runbook" and record["dry_run"] is True


def test_cli_run_refuses_actions_without_yes_and_runs_with_it(
    server: DemoServer, region: str, isolated_dirs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    volume = volume_id(server, "orders-db-data")
    before = len(snapshots(server))
    args = ("run", "snapshot-before-change", "--target", volume, "--region", RUNBOOK_REGION,
            "--endpoint-url", server.endpoint_url, "--input", "ticket=CHG-42")
    code, out, _ = cli(capsys, *args)
    assert code == 1
    assert "[passed] volume" in out
    assert "[refused] snapshot: Refused ec2:CreateSnapshot (step snapshot): standard input is not a terminal" in out
    assert len(snapshots(server)) == before
    code, out, _ = cli(capsys, *args, "--yes")
    assert code == 0, out
    assert "Result: completed" in out and "put it in the change ticket CHG-42" in out
    assert len(snapshots(server)) == before + 1
    audit = AuditLog(isolated_dirs / "state" / "audit.jsonl")
    assert [c["operation"] for c in audit.calls()] == ["ec2:CreateSnapshot"]
    assert [e["result"] for e in audit.entries() if e.get("event") == "runbook"] == ["refused", "completed"]


def test_cli_run_says_what_is_wrong_in_one_sentence(
    server: DemoServer, region: str, isolated_dirs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(capsys, "run", "nope", "--target", SERVICE_ARN, "--endpoint-url", server.endpoint_url)
    assert code == 2 and "No runbook named 'nope'" in err
    code, _, err = cli(capsys, "run", "snapshot-before-change", "--target", SERVICE_ARN,
                       "--endpoint-url", server.endpoint_url)
    assert code == 2 and "Runbook snapshot-before-change applies to ebs.volume, not to " in err
    assert "(an ecs.service)" in err
    code, _, err = cli(capsys, "run", "ecs-crash-loop", "--target", SERVICE_ARN, "--input", "remedy=pray",
                       "--endpoint-url", server.endpoint_url)
    assert code == 2 and "must be one of rollback, redeploy" in err
