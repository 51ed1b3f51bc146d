"""Panel sources against the seeded moto server: boto3 in, plain rows and problems out."""

from __future__ import annotations

from botocore.stub import Stubber

from panels.batch import BatchPanel
from panels.ecs import EcsPanel
from panels.emr import EmrPanel
from panels.inspector import InspectorPanel
from panels.model import Severity
from panels.pipelines import PipelinesPanel
from panels.registry import service_panels
from panels.snapshots import SnapshotsPanel
from panels.stepfunctions import StepFunctionsPanel
from panels.triage import TriagePanel, collect
from tests.conftest import CLEAN_REGION, session
from tui.session import AwsSession


def by_name(rows, name):  # type: ignore[no-untyped-def]
    return next(r for r in rows if r.name == name)


def test_ecs_drills_to_the_crash_looping_service_and_its_stopped_tasks(aws: AwsSession) -> None:
    panel = EcsPanel()
    prod = by_name(panel.rows(aws), "prod")
    services = panel.drill(prod)
    checkout = by_name(services.rows(aws), "checkout-api")
    assert checkout.status == "DEGRADED"
    assert checkout.cells[1:3] == (3, 1)
    tasks = services.drill(checkout).rows(aws)
    stopped = [t for t in tasks if t.status == "FAILED"]
    assert len(stopped) >= 4
    assert stopped[0].cells[3] == "137"
    assert any("OutOfMemoryError" in str(v) for _, v in stopped[0].detail)


def test_ecs_problem_names_the_crash_loop(aws: AwsSession) -> None:
    problems = EcsPanel().problems(aws)
    [problem] = [p for p in problems if p.resource == "prod/checkout-api"]
    assert problem.status == "CRASHLOOP" and problem.severity == Severity.HIGH
    assert "1/3 tasks running" in problem.reason and "exit 137" in problem.reason
    assert len(problem.path) == 2  # cluster, then service: triage can jump there
    assert not [p for p in problems if "web" in p.resource or "worker" in p.resource]


def test_step_functions_failed_execution_has_error_and_cause(aws: AwsSession) -> None:
    panel = StepFunctionsPanel()
    machine = by_name(panel.rows(aws), "order-fulfilment")
    assert machine.cells[3] == 1  # one failed in the window
    executions = panel.drill(machine).rows(aws)
    failed = next(r for r in executions if r.status == "FAILED")
    detail = dict(failed.detail)
    assert detail["Error"] == "States.TaskFailed"
    assert '"errorMessage": "Payment provider timed out after 30000 ms"' in detail["Cause"]  # pretty JSON
    [problem] = [p for p in panel.problems(aws) if p.status == "FAILED"]
    assert "PaymentTimeout" in problem.reason and "in state ChargeCard" in problem.reason


def test_pipeline_failure_and_waiting_approval(aws: AwsSession) -> None:
    panel = PipelinesPanel()
    rows = panel.rows(aws)
    assert by_name(rows, "web-release").status == "Failed" and by_name(rows, "web-release").cells[2] == "Build ✗"
    assert by_name(rows, "api-release").status == "WAITING"
    # Deploy still shows the previous run (api 3.0.9): not this release going out.
    assert dict(by_name(rows, "api-release").detail)["Stages"].endswith("Approve … → Deploy (✓)")
    problems = {p.status: p for p in panel.problems(aws)}
    assert problems["Failed"].resource == "web-release" and "Build/Build" in problems["Failed"].reason
    assert problems["Failed"].path == ("web-release", "web-release/Build/Build")  # triage opens the action
    assert problems["APPROVAL WAITING"].resource == "api-release/ProductionGate"


def test_emr_failed_step_and_failed_cluster(aws: AwsSession) -> None:
    problems = {p.resource: p for p in EmrPanel().problems(aws)}
    assert problems["adhoc-analysis"].reason.startswith("BOOTSTRAP_FAILURE")
    assert "YARN" in problems["etl-nightly/export-warehouse"].reason
    etl = by_name(EmrPanel().rows(aws), "etl-nightly")
    steps = {r.name: r for r in EmrPanel().drill(etl).rows(aws)}
    assert steps["export-warehouse"].status == "FAILED"
    assert dict(steps["export-warehouse"].detail)["Log file"].startswith("s3://")
    assert steps["refresh-dashboards"].status == "PENDING"


def test_batch_failed_and_stuck_jobs(aws: AwsSession) -> None:
    problems = {p.status: p for p in BatchPanel().problems(aws)}
    assert "exit 1" in problems["FAILED"].reason
    assert "max 16 vCPU" in problems["STUCK RUNNABLE"].reason
    queue = by_name(BatchPanel().rows(aws), "analytics")
    assert queue.cells[4:6] == (1, 1)


def test_inspector_critical_and_exploitable_high(aws: AwsSession) -> None:
    rows = InspectorPanel().rows(aws)
    assert rows[0].status == "CRITICAL"  # worst first
    problems = InspectorPanel().problems(aws)
    assert [p.severity for p in problems] == [Severity.CRITICAL, Severity.HIGH]
    assert all("exploit available" in p.reason for p in problems)
    detail = dict(rows[0].detail)  # formatted when shown (20,000 findings), the same each time
    assert list(detail) == ["Title", "Severity", "Status", "Resource", "Packages", "Exploit available", "CVSS",
                            "Remediation", "Remediation URL", "First / last seen", "Description"]
    assert detail["Severity"].startswith("CRITICAL · score") and detail["Resource"].endswith(rows[0].data["resource"])
    assert dict(rows[0].detail) == detail
    kept = [getattr(rows[0].detail, name) for name in rows[0].detail.__slots__]  # type: ignore[attr-defined]
    assert not any(isinstance(value, dict | list) for value in kept)  # no response structure kept alive


def test_one_cve_is_asked_of_the_server_and_a_full_execution_list_says_so(aws: AwsSession) -> None:
    from panels.inspector import GroupFindings
    from panels.model import Row
    from panels.stepfunctions import RECENT_EXECUTIONS, Executions

    rows = GroupFindings("CVE-2024-3094", "vulnerabilityId", "CVE-2024-3094").rows(aws)
    assert rows and {r.name for r in rows} == {"CVE-2024-3094"}
    asked = [c.params for c in aws.calls if c.operation == "ListFindings"][-1]
    assert asked["filterCriteria"]["vulnerabilityId"] == [{"comparison": "EQUALS", "value": "CVE-2024-3094"}]
    executions = Executions("arn", "m")
    assert executions.summary([Row(key=str(i), name="", cells=()) for i in range(3)]) is None
    full = executions.summary([Row(key=str(i), name="", cells=()) for i in range(RECENT_EXECUTIONS)])
    assert full is not None and f"newest {RECENT_EXECUTIONS}" in full.plain


def test_snapshots_error_and_stale_volume(aws: AwsSession) -> None:
    problems = SnapshotsPanel().problems(aws)
    found = {(p.service, p.status): p for p in problems}
    assert ("EBS", "ERROR") in found
    assert found["EBS", "STALE"].resource == "checkout-cache"
    assert "23d" in found["EBS", "STALE"].reason
    assert found["RDS", "STALE"].resource == "orders-db"
    assert "storage-full" in found["Backup", "FAILED"].reason


def test_triage_collects_every_panel_failing_first_then_at_risk_worst_first(aws: AwsSession) -> None:
    triage = collect(aws, service_panels())
    problems = triage.problems
    assert triage.incomplete == [] and triage.exit_code == 1
    assert {p.panel for p in problems} == {"pipelines", "stepfunctions", "ecs", "emr", "batch", "inspector",
                                          "snapshots"}
    failing, at_risk = [p for p in problems if not p.at_risk], [p for p in problems if p.at_risk]
    assert problems == failing + at_risk and failing and at_risk
    for part in (failing, at_risk):
        assert [p.severity for p in part] == sorted((p.severity for p in part), reverse=True)
    assert at_risk[0].severity == Severity.CRITICAL and {p.panel for p in at_risk} == {"inspector", "snapshots"}


def test_a_failing_panel_shows_as_a_check_failure_not_as_silence(server) -> None:  # type: ignore[no-untyped-def]
    aws = session(server)
    ecs = aws.client("ecs")
    with Stubber(ecs) as stub:  # moto cannot deny access; the Stubber gives the real error shape
        stub.add_client_error("list_clusters", "AccessDeniedException", "not authorized to ecs:ListClusters")
        rows = TriagePanel([EcsPanel(), PipelinesPanel()]).rows(aws)
    assert rows[0].key.startswith("incomplete:ecs:ecs.services")
    assert rows[0].cells[-1].startswith("CHECK INCOMPLETE: ECS service counts and crash loops unavailable: "
                                        "ecs:ListClusters — access denied. Ask for ecs:ListClusters")
    assert dict(rows[0].detail)["Message"] == "not authorized to ecs:ListClusters"
    assert any(r.data["panel"] == "pipelines" for r in rows[1:])


def test_a_clean_region_has_no_problems(server) -> None:  # type: ignore[no-untyped-def]
    # moto's EMR takes the region from the host name, so behind a loopback endpoint every region
    # sees the us-east-1 clusters; EMR is left out here for that reason only.
    panels = [p for p in service_panels() if p.id != "emr"]
    triage = collect(session(server, CLEAN_REGION), panels)
    assert (triage.problems, triage.incomplete, triage.exit_code) == ([], [], 0)
