"""Identity: the config file, switching regions, many accounts and regions at once, an organisation,
expired credentials, and the production guard. Against the demo's moto server, through the app."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from botocore.stub import Stubber
from textual.widgets import Button, Input, SelectionList

from actions.audit import AuditLog
from panels.scoped import ScopedSource
from tests.conftest import session
from tests.pilot import loaded, open_confirmation, open_path, view_of, wait_for
from tui.app import WatchkeeperApp
from tui.cli import main
from tui.demo.server import DEMO_CREDENTIALS, DemoServer, plain_client
from tui.scope import Scope, build
from tui.session import AwsSession, ProductionRefused
from tui.settings import Settings, load
from tui.switcher import SwitcherScreen

SIZE = (100, 30)
PROD_REGION = "me-south-1"  # seeded with the ECS part of the incident by this file
OTHER_REGION = "ca-central-1"  # an ECS cluster of its own, so a switch shows different rows


@pytest.fixture(scope="module")
def regions(server: DemoServer) -> DemoServer:
    from tui.demo.seed import seed_ecs

    seed_ecs(PROD_REGION)
    plain_client(server.endpoint_url, "ecs", OTHER_REGION).create_cluster(clusterName="canada-only")
    return server


# -- the config file ----------------------------------------------------------------------------------
def test_config_values_and_mistakes_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("profiles: ops-a, ops-b\nregions: [us-east-1]\nproduction:\n  accounts: ['123456789012']\n"
                    "  profile: prod\nrefresh:\n  seconds: soon\ntheme: ansi-dark\ncolour: red\n"
                    "keys: [D]\nsnapshots:\n  max_age_hours: 48\n")
    settings = load(path)
    assert settings.profiles == ["ops-a", "ops-b"] and settings.regions == ["us-east-1"]
    assert settings.production_accounts == ["123456789012"] and settings.theme == "ansi-dark"
    assert settings.snapshot_max_age_hours == 48 and settings.refresh_seconds == 15  # the default kept
    assert settings.problems == [
        f"{path}:5: production.profile: unknown setting (known: {', '.join(sorted(load.__globals__['FIELDS']))})",
        f"{path}:7: refresh.seconds: must be a positive number, not 'soon'; using the default",
        f"{path}:9: colour: unknown setting (known: {', '.join(sorted(load.__globals__['FIELDS']))})",
        f"{path}:10: keys: must map names to keys (`ecs.scale: S`); using the default",
    ]
    path.write_text("regions: [us-east-1\n")
    assert load(path).problems[0].startswith(f"{path}:2: not valid YAML")
    assert load(tmp_path / "absent.yaml") == Settings(path=tmp_path / "absent.yaml")


async def test_a_malformed_config_still_starts_the_app_and_says_where(server: DemoServer, audit: AuditLog,
                                                                      tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("refresh:\n  seconds: -1\n")
    app = WatchkeeperApp(session(server), audit=audit, settings=load(path))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, view_of(app, "triage"))
        shown = [n.message for n in app._notifications]
        assert f"{path}:2: refresh.seconds: must be a positive number, not -1; using the default" in shown


# -- switching ------------------------------------------------------------------------------------------
def rescoper(server: DemoServer):  # type: ignore[no-untyped-def]
    def rescope(profiles: list[str], regions: list[str]) -> Scope:
        return Scope([AwsSession(region=r, endpoint_url=server.endpoint_url, credentials=DEMO_CREDENTIALS)
                      for r in regions], profiles, regions)
    return rescope


async def test_switching_region_requeries_every_panel(regions: DemoServer, audit: AuditLog, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHKEEPER_CONFIG_DIR", str(tmp_path))
    first = session(regions, PROD_REGION)
    # The config remaps the region switcher's key (`keys: {regions: g}`).
    app = WatchkeeperApp(first, audit=audit, rescope=rescoper(regions), settings=Settings(keys={"regions": "g"}))
    async with app.run_test(size=SIZE) as pilot:
        ecs = await open_path(pilot, app, "ecs")
        assert "prod" in {r.name for r in ecs.shown.values()}
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, SwitcherScreen))
        choices = app.screen.query_one(SelectionList)
        choices.deselect_all()
        choices.select(OTHER_REGION)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.aws is not first)
        assert app.aws.region == OTHER_REGION  # type: ignore[union-attr]
        await wait_for(pilot, lambda: ecs.level.loaded_at is not None and not ecs.busy
                       and {r.name for r in ecs.shown.values()} == {"canada-only"})
        for view in app.views:  # every panel asks the new region
            await pilot.press(view.panel.key)
            await loaded(pilot, view)
        asked = {(c.service, c.operation) for c in app.aws.calls}  # type: ignore[union-attr]
        for service in ("codepipeline", "stepfunctions", "ecs", "emr", "batch", "inspector2", "ec2"):
            assert any(s == service for s, _ in asked), f"{service} not asked in {OTHER_REGION}"
        assert not any(c.service == "ecs" for c in first.calls if c.at > first.calls[-1].at)
    assert (tmp_path / "last-choice.yaml").read_text() == f"profiles: []\nregions:\n- {OTHER_REGION}\n"


# -- many at once ---------------------------------------------------------------------------------------------
def two_profiles(server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Profile `a` with keys; profile `b` assumes a role in account 222233334444 through `a` (botocore's own
    provider: its AssumeRole goes through the session's declaration too)."""
    config = tmp_path / "aws-config"
    config.write_text("[profile a]\naws_access_key_id = demo\naws_secret_access_key = demo\n\n"
                      "[profile b]\nrole_arn = arn:aws:iam::222233334444:role/OnCall\nsource_profile = a\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))


def test_two_profiles_and_two_regions_aggregate_with_account_and_region(
        regions: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    two_profiles(regions, tmp_path, monkeypatch)
    # The environment's endpoint, not --endpoint-url: botocore's AssumeRole provider makes its own client.
    monkeypatch.setenv("AWS_ENDPOINT_URL", regions.endpoint_url)
    code = main(["triage", "--json", "--profile", "a,b", "--region", f"{PROD_REGION},{OTHER_REGION}"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["accounts"] == ["123456789012", "222233334444"]
    assert report["regions"] == sorted([PROD_REGION, OTHER_REGION])
    found = {(p["account"], p["region"], p["resource"]) for p in report["problems"]}
    assert ("123456789012", PROD_REGION, "prod/checkout-api") in found
    assert not any(account == "222233334444" for account, _, _ in found)  # an empty account: nothing failing

    # The same scope in the console: every panel has Account and Region columns, rows from each.
    scope = build(["a", "b"], [PROD_REGION, OTHER_REGION], settings=Settings())
    listing = ScopedSource(view_panel("ecs"), scope.sessions).load(scope.primary)
    assert listing.rows[0].cells[:2] == ("a", PROD_REGION) and not listing.gaps  # the profile names the account
    assert {(r.cells[0], r.cells[1], r.name) for r in listing.rows} >= {
        ("a", PROD_REGION, "prod"), ("a", OTHER_REGION, "canada-only")}
    assert dict(listing.rows[0].detail)["Account"] == "a (123456789012)"
    assert any(c.operation == "AssumeRole" for s in scope.sessions for c in s.calls)


def view_panel(panel_id: str):  # type: ignore[no-untyped-def]
    from panels.registry import service_panels

    return next(p for p in service_panels() if p.id == panel_id)


async def test_the_console_aggregates_and_acts_in_the_rows_own_region(regions: DemoServer, audit: AuditLog) -> None:
    scope = Scope([session(regions, PROD_REGION), session(regions, OTHER_REGION)], [], [PROD_REGION, OTHER_REGION])
    app = WatchkeeperApp(None, audit=audit, start=lambda: scope)
    async with app.run_test(size=(120, 30)) as pilot:
        triage = view_of(app, "triage")
        await loaded(pilot, triage)
        assert triage.level.source.columns[:2] == ("Account", "Region")
        crash = next(r for r in triage.shown.values() if r.name == "prod/checkout-api")
        assert crash.cells[1] == PROD_REGION
        ecs = await open_path(pilot, app, "ecs", "prod", "checkout-api")
        assert ecs.current_target()[1] is scope.sessions[0]  # the row's own session
        await open_confirmation(pilot, app, "S")
        assert app.screen.runner.aws is scope.sessions[0]  # type: ignore[attr-defined]


def test_one_failing_region_is_a_gap_not_the_whole_list(regions: DemoServer) -> None:
    broken = AwsSession(region="eu-north-1", endpoint_url="http://127.0.0.1:9", credentials=DEMO_CREDENTIALS)
    good = session(regions, PROD_REGION)
    listing = ScopedSource(view_panel("ecs"), [good, broken]).load(good)
    assert {r.name for r in listing.rows} >= {"prod", "staging"}
    [gap] = listing.gaps
    assert (gap.what, gap.action, gap.kind) == ("ECS in default eu-north-1", "sts:GetCallerIdentity", "unreachable")


def test_org_role_walks_the_organisation(regions: DemoServer, capsys: pytest.CaptureFixture[str]) -> None:
    org = plain_client(regions.endpoint_url, "organizations", "us-east-1")
    with contextlib.suppress(org.exceptions.AlreadyInOrganizationException):
        org.create_organization(FeatureSet="ALL")
    for name in ("payments", "search"):
        org.create_account(AccountName=name, Email=f"{name}@example.com")
    members = {a["Id"]: a["Name"] for a in org.list_accounts()["Accounts"]}
    code = main(["triage", "--json", "--org-role", "OnCallReadOnly", "--region", OTHER_REGION,
                 "--endpoint-url", regions.endpoint_url])
    report = json.loads(capsys.readouterr().out)
    assert code in (0, 1, 3) and report["accounts"] == sorted(members)
    scope = build([], [OTHER_REGION], settings=Settings(), endpoint_url=regions.endpoint_url, org_role="OnCallReadOnly")
    assert {(s.account, s.alias) for s in scope.sessions} == set(members.items())
    last = scope.sessions[-1]
    assert last.identity(refresh=True).account == last.account  # the calls are made as the role in that account
    assert [c.operation for c in scope.primary.calls].count("AssumeRole") == 1  # one log, with the role's calls


# -- expired credentials ---------------------------------------------------------------------------------
async def test_expired_token_shows_the_banner_keeps_the_data_and_recovers(regions: DemoServer,
                                                                          audit: AuditLog) -> None:
    aws = session(regions, PROD_REGION)
    app = WatchkeeperApp(aws, audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        ecs = await open_path(pilot, app, "ecs")
        rows = dict(ecs.shown)
        stubber = Stubber(aws.client("ecs"))
        stubber.add_client_error("list_clusters", service_error_code="ExpiredTokenException",
                                 service_message="The security token included in the request is expired",
                                 http_status_code=400)
        stubber.activate()
        await pilot.press("r")
        banner = app.query_one("#banner")
        await wait_for(pilot, lambda: not banner.has_class("hidden"))
        assert "Credentials expired" in str(banner.render()) and "Press i" in str(banner.render())
        assert ecs.shown.keys() == rows.keys() and ecs.error  # the last rows stay, marked stale
        # Renewed from the chain (a new client, without the stub): the next refresh works.
        await pilot.press("r")
        await wait_for(pilot, lambda: banner.has_class("hidden"))
        assert not ecs.error


# -- production ------------------------------------------------------------------------------------------
async def test_production_demands_the_typed_account_for_an_action(regions: DemoServer, audit: AuditLog) -> None:
    aws = session(regions, PROD_REGION)  # production by its account id, from the config
    app = WatchkeeperApp(aws, audit=audit, settings=Settings(production_accounts=["123456789012"]))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "PRODUCTION 123456789012" in str(app.query_one("HeaderBar").render()))
        await open_path(pilot, app, "ecs", "prod", "web")
        screen = await open_confirmation(pilot, app, "S")
        screen.query_one("#ask-desired", Input).value = "3"
        await pilot.pause()
        assert screen.query_one("#run", Button).disabled  # the account is not typed yet
        screen.query_one("#typed-account", Input).value = "999999999999"
        await pilot.pause()
        assert screen.query_one("#run", Button).disabled
        screen.query_one("#typed-account", Input).value = "123456789012"
        await pilot.pause()
        assert not screen.query_one("#run", Button).disabled
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(c.get("result") for c in audit.calls()))
    [call] = audit.calls()
    assert call["typed_account"] == "123456789012" and call["result"] == "ok"


def test_the_session_refuses_a_production_mutation_without_the_account(regions: DemoServer,
                                                                        audit: AuditLog) -> None:
    aws = session(regions, PROD_REGION)
    aws.audit, aws.production = audit, True
    aws.identity()
    with pytest.raises(ProductionRefused, match="is production"):
        aws.client("ecs").update_service(cluster="prod", service="web", desiredCount=2)
    with aws.intent(action="test", typed_account="123456789012"):
        aws.client("ecs").update_service(cluster="prod", service="web", desiredCount=2)
    assert [c["result"] for c in audit.calls()] == ["ok"]  # the refused one never had an intent


def test_a_production_profile_from_the_config(tmp_path: Path) -> None:
    settings = Settings(production_profiles=["ops-prod"], production_accounts=["prod-alias"])
    assert settings.is_production(profile="ops-prod", account=None)
    assert settings.is_production(profile="other", account="1", alias="prod-alias")
    assert not settings.is_production(profile="other", account="1")


def test_a_runbook_in_production_needs_the_account_on_the_command_line(
        regions: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WATCHKEEPER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("WATCHKEEPER_STATE_DIR", str(tmp_path / "state"))
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text("production:\n  accounts: ['123456789012']\n")
    service = f"arn:aws:ecs:{PROD_REGION}:123456789012:service/prod/web"
    args = ["runbooks", "run", "ecs-crash-loop", "--target", service, "--input", "remedy=redeploy", "--yes",
            "--endpoint-url", regions.endpoint_url]
    assert main(args) == 1
    assert "the account is production: pass --account with its alias or id" in capsys.readouterr().out
    assert main([*args, "--account", "999999999999"]) == 1
    assert "is production, and the account id or alias was not typed" in capsys.readouterr().out
    assert main([*args, "--account", "123456789012"]) == 0
    audit = AuditLog(tmp_path / "state" / "audit.jsonl")
    assert [(c["operation"], c["typed_account"]) for c in audit.calls()] == [("ecs:UpdateService", "123456789012")]


async def test_hostile_profile_names_are_literal_in_the_switcher(server: DemoServer, audit: AuditLog, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    hostile = "ops[bold\x1b[2J\u202eprod"  # botocore drops names with `]` or spaces
    config = tmp_path / "aws-config"
    config.write_text(f"[profile {hostile}]\nregion = us-east-1\n\n[profile plain]\nregion = us-east-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    app = WatchkeeperApp(session(server), audit=audit, rescope=rescoper(server))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, SwitcherScreen))
        shown = [str(option.prompt) for option in app.screen.query_one(SelectionList)._options]
        # The escape sequence removed, the bidi override shown: literal, never markup.
        assert [s for s in shown if s.startswith("ops")] == ["ops[bold⟨U+202E⟩prod"], shown


def test_a_scoped_list_shows_each_session_as_it_arrives(regions: DemoServer) -> None:
    """The slow region's rows do not hold back the fast one's (and triage streams within each)."""
    import time

    from panels.model import publishing
    from tests.fault_proxy import FaultProxy, tag_operations

    with FaultProxy(regions.endpoint_url) as proxy:
        proxy.latency, proxy.latency_ops = 1.5, {"ecs:ListClusters"}
        slow = tag_operations(AwsSession(region=OTHER_REGION, endpoint_url=proxy.url, credentials=DEMO_CREDENTIALS))
        fast = session(regions, PROD_REGION)
        started, seen = time.monotonic(), []
        with publishing(lambda rows, total: seen.append((time.monotonic() - started, {r.cells[1] for r in rows}))):
            listing = ScopedSource(view_panel("ecs"), [slow, fast]).load(fast)
    assert seen[0][1] == {PROD_REGION} and seen[0][0] < 1.5  # on screen before the slow region answered
    assert seen[-1][1] == {PROD_REGION, OTHER_REGION} == {r.cells[1] for r in listing.rows}
