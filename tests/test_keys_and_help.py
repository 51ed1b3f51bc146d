"""Keys you can see: the footer lists what applies to the selected row first, a key that does not apply
says why, read-only shows mutating keys refused, and help starts with the panel on screen."""

from __future__ import annotations

import pytest
from textual.widgets._footer import FooterKey

from actions.audit import AuditLog
from tests.conftest import session
from tests.pilot import jump_from_triage, loaded, select, wait_for
from tui.app import WatchkeeperApp
from tui.demo.server import DemoServer
from tui.screens import HelpScreen

SIZE = (80, 24)


def footer(app: WatchkeeperApp) -> list[FooterKey]:
    return list(app.screen.query(FooterKey))


def toasts(app: WatchkeeperApp) -> list[str]:
    return [n.message for n in app._notifications]


@pytest.mark.parametrize("width", [80, 100])
async def test_the_footer_shows_approve_and_reject_first_on_a_waiting_approval(server: DemoServer, audit: AuditLog,
                                                                              width: int) -> None:
    app = WatchkeeperApp(session(server), audit=audit)
    async with app.run_test(size=(width, 24)) as pilot:
        await jump_from_triage(pilot, app, "api-release/ProductionGate", "pipelines", "ProductionGate")
        await wait_for(pilot, lambda: any(k.key == "A" for k in footer(app)))
        keys = footer(app)
        assert [k.key for k in keys[:2]] == ["A", "J"], [k.key for k in keys]
        assert all(k.region.right <= width for k in keys[:2])  # on screen
        assert not any(k.has_class("-disabled") for k in keys[:2])
        assert "X" not in [k.key for k in keys]  # stop: not for this row, so not in the footer


async def test_a_key_that_does_not_apply_says_why(server: DemoServer, audit: AuditLog) -> None:
    app = WatchkeeperApp(session(server), audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        ecs = await jump_from_triage(pilot, app, "prod/checkout-api", "ecs", "checkout-api")
        await pilot.press("enter")
        await loaded(pilot, ecs, "prod › checkout-api › tasks")
        stopped = next(r for r in ecs.shown.values() if not r.data.get("running"))
        await select(pilot, ecs, stopped.name)
        await pilot.press("X")
        await wait_for(pilot, lambda: any("Stop task (X)" in t for t in toasts(app)))
        [said] = [t for t in toasts(app) if "Stop task (X)" in t]
        assert said == f"Stop task (X): not possible here — it needs a running task; {stopped.name} is " \
                       f"{stopped.status}."
        assert type(app.screen).__name__ != "ConfirmScreen"


async def test_read_only_shows_mutating_keys_refused_and_says_so(server: DemoServer, audit: AuditLog) -> None:
    app = WatchkeeperApp(session(server, read_only=True), audit=audit)
    async with app.run_test(size=(120, 24)) as pilot:
        await jump_from_triage(pilot, app, "prod/checkout-api", "ecs", "checkout-api")
        await wait_for(pilot, lambda: any(k.key == "S" for k in footer(app)))
        scale = next(k for k in footer(app) if k.key == "S" and k.description == "Set desired count")
        assert scale.has_class("-disabled")  # shown, dimmed: refused here
        await pilot.press("S")
        await wait_for(pilot, lambda: any("refused" in t for t in toasts(app)))
        assert "Set desired count (S): refused — watchkeeper is running with --read-only." in toasts(app)


async def test_help_starts_with_the_panel_on_screen(server: DemoServer, audit: AuditLog) -> None:
    app = WatchkeeperApp(session(server), audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        await jump_from_triage(pilot, app, "prod/checkout-api", "ecs", "checkout-api")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        first = str(app.screen.query("Static")[0].content)
        assert first.startswith("Here: ECS › prod › services")
        assert "Force new deployment" in first and "Set desired count" in first and "ecs-crash-loop" in first


async def test_raw_json_copy_arn_and_console_url(server: DemoServer, audit: AuditLog, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tui.screens import RawScreen

    app = WatchkeeperApp(session(server), audit=audit)
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=SIZE) as pilot:
        ecs = await jump_from_triage(pilot, app, "prod/checkout-api", "ecs", "checkout-api")
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, RawScreen))
        shown = str(app.screen.query("Static")[1].render())
        assert '"serviceName": "checkout-api"' in shown and '"desiredCount"' in shown
        assert "the describe call for this ecs.service" in str(app.screen.query("Static")[0].render())
        await pilot.press("escape")
        await pilot.press("k", "u")
        await wait_for(pilot, lambda: len(copied) == 2)
        arn = ecs.current_target()[0].data["arn"]  # type: ignore[union-attr]
    assert copied == [arn, "https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod/services/checkout-api/"
                           "health?region=us-east-1"]


async def test_colon_goes_to_a_panel_or_a_resource(server: DemoServer, audit: AuditLog) -> None:
    from textual.widgets import Input

    from tests.pilot import view_of

    app = WatchkeeperApp(session(server), audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, view_of(app, "triage"))
        await pilot.press("colon")
        await pilot.press(*"batch", "enter")
        await wait_for(pilot, lambda: app.current_view.panel.id == "batch")
        await loaded(pilot, app.current_view)
        await pilot.press("4")
        await loaded(pilot, view_of(app, "ecs"))
        await pilot.press("1")
        await pilot.press("colon")
        app.screen.query_one(Input).value = "staging"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current_view.panel.id == "ecs"
                       and app.current_view.current_row() is not None
                       and app.current_view.current_row().name == "staging")


async def test_k_copies_a_triage_problems_arn(server: DemoServer, audit: AuditLog, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.pilot import view_of

    app = WatchkeeperApp(session(server), audit=audit)
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=SIZE) as pilot:
        triage = view_of(app, "triage")
        await loaded(pilot, triage)
        await select(pilot, triage, "prod/checkout-api")
        await pilot.press("k")
        await wait_for(pilot, lambda: bool(copied))
    assert copied[0].startswith("arn:aws:ecs:us-east-1:123456789012:service/prod/checkout-api")


async def test_read_only_shows_approve_and_reject_refused_on_a_waiting_approval(server: DemoServer,
                                                                               audit: AuditLog) -> None:
    app = WatchkeeperApp(session(server, read_only=True), audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        await jump_from_triage(pilot, app, "api-release/ProductionGate", "pipelines", "ProductionGate")
        await wait_for(pilot, lambda: any(k.key == "A" for k in footer(app)))
        keys = footer(app)
        assert [k.key for k in keys[:2]] == ["A", "J"] and all(k.has_class("-disabled") for k in keys[:2])
        assert not any(k.has_class("-disabled") for k in keys if k.key in ("r", "slash"))  # reading still works
        await pilot.press("J")
        await wait_for(pilot, lambda: any("refused" in t for t in toasts(app)))
        assert type(app.screen).__name__ != "ConfirmScreen"


async def test_help_lists_the_levels_keys_before_the_global_ones(server: DemoServer, audit: AuditLog) -> None:
    app = WatchkeeperApp(session(server), audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        await jump_from_triage(pilot, app, "prod/checkout-api", "ecs", "checkout-api")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        here, title, keys = (str(s.content) for s in app.screen.query("Static")[:3])
        assert "enter  open prod › checkout-api › tasks" in here
        assert "Stop task" not in here  # another level's action: only in the full list below
        assert title == "watchkeeper keys" and "Stop task" in keys
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))
        await pilot.press("enter")
        ecs = app.current_view
        await loaded(pilot, ecs, "prod › checkout-api › tasks")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        here = str(app.screen.query("Static")[0].content)
        assert here.startswith("Here: ECS › prod › checkout-api › tasks") and "Stop task" in here
        assert "l  logs of the selected row" in here


HOSTILE = " [/] [link=x]\x1b]0;pwned\x07\x1b[2J\u202e"


async def test_y_shows_the_json_sanitised_and_esc_closes_it(server: DemoServer, audit: AuditLog,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import panels.raw
    from tui.screens import RawScreen

    monkeypatch.setattr(panels.raw, "describe", lambda kind, row, aws: ({"name": f"evil{HOSTILE}",
                                                                         "nested": [{"x": HOSTILE}]}, "test"))
    app = WatchkeeperApp(session(server), audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        await jump_from_triage(pilot, app, "prod/checkout-api", "ecs", "checkout-api")
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, RawScreen))
        shown = str(app.screen.query("Static")[1].render())
        assert '"name": "evil [/] [link=x]' in shown and '"nested": [' in shown
        assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, RawScreen))


async def test_copy_keys_on_rows_without_an_arn_in_their_key(server: DemoServer, audit: AuditLog,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.pilot import open_path, view_of

    app = WatchkeeperApp(session(server), audit=audit)
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=SIZE) as pilot:
        triage = view_of(app, "triage")
        await loaded(pilot, triage)
        await select(pilot, triage, "api-release/ProductionGate")  # a pipeline: known by its name
        await pilot.press("u")
        await wait_for(pilot, lambda: len(copied) == 1)
        emr = await open_path(pilot, app, "emr", "adhoc-analysis")
        await pilot.press("k", "u")
        await wait_for(pilot, lambda: len(copied) == 3)
        cluster = emr.current_target()[0].data["cluster"]  # type: ignore[union-attr]
        assert any(t.startswith("Copied the console URL: https://") for t in toasts(app))
    assert copied[0] == "https://us-east-1.console.aws.amazon.com/codesuite/codepipeline/pipelines/api-release/" \
                        "view?region=us-east-1"
    assert copied[1] == f"arn:aws:elasticmapreduce:us-east-1:123456789012:cluster/{cluster}"
    assert copied[2] == f"https://us-east-1.console.aws.amazon.com/emr/home?region=us-east-1#/clusterDetails/{cluster}"


async def test_colon_esc_cancels_and_an_unknown_name_says_so(server: DemoServer, audit: AuditLog) -> None:
    from textual.widgets import Input

    from tests.pilot import view_of
    from tui.screens import JumpScreen

    app = WatchkeeperApp(session(server), audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, view_of(app, "triage"))
        await pilot.press("colon")
        await wait_for(pilot, lambda: isinstance(app.screen, JumpScreen))
        await pilot.press(*"ecs", "escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, JumpScreen))
        assert app.current_view.panel.id == "triage"
        await pilot.press("colon")
        await wait_for(pilot, lambda: isinstance(app.screen, JumpScreen))
        app.screen.query_one(Input).value = "no-such-thing"
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("no-such-thing" in t for t in toasts(app)))
        assert app.current_view.panel.id == "triage"
        # A name only triage has listed (the ECS panel not visited yet): its resource, as enter opens it.
        await pilot.press("colon")
        await wait_for(pilot, lambda: isinstance(app.screen, JumpScreen))
        app.screen.query_one(Input).value = "checkout-api"
        await pilot.press("enter")
        ecs = view_of(app, "ecs")
        await wait_for(pilot, lambda: app.current_view is ecs and ecs.current_row() is not None
                       and ecs.current_row().name == "checkout-api")


# -- console URLs and ARNs, per kind (pure functions) ------------------------------------------------
def test_console_urls_and_arns_of_each_kind() -> None:
    from panels.model import Row
    from panels.raw import arn_of, console_url

    home = "https://eu-west-1.console.aws.amazon.com"
    build = "web-build:0f97"
    cases = {
        "ecs.task": ({"cluster": "arn:aws:ecs:eu-west-1:123456789012:cluster/prod", "task": "t1"},
                     f"{home}/ecs/v2/clusters/prod/tasks/t1/configuration?region=eu-west-1", None),
        "sfn.execution": ({"execution": "arn:aws:states:eu-west-1:123456789012:execution:m:e1"},
                          f"{home}/states/home?region=eu-west-1#/v2/executions/details/"
                          "arn%3Aaws%3Astates%3Aeu-west-1%3A123456789012%3Aexecution%3Am%3Ae1",
                          "arn:aws:states:eu-west-1:123456789012:execution:m:e1"),
        "codepipeline.pipeline": ({"pipeline": "web.release@2"},
                                  f"{home}/codesuite/codepipeline/pipelines/web.release%402/view?region=eu-west-1",
                                  "arn:aws:codepipeline:eu-west-1:123456789012:web.release@2"),
        "codebuild.phase": ({"build": build},
                            f"{home}/codesuite/codebuild/projects/web-build/build/web-build%3A0f97/?region=eu-west-1",
                            f"arn:aws:codebuild:eu-west-1:123456789012:build/{build}"),
        "emr.cluster": ({"cluster": "j-1"}, f"{home}/emr/home?region=eu-west-1#/clusterDetails/j-1",
                        "arn:aws:elasticmapreduce:eu-west-1:123456789012:cluster/j-1"),
        "batch.job": ({"job": "arn:aws:batch:eu-west-1:123456789012:job/abc"},
                      f"{home}/batch/home?region=eu-west-1#jobs/detail/abc",
                      "arn:aws:batch:eu-west-1:123456789012:job/abc"),
        "inspector.finding": ({"finding": "arn:aws:inspector2:eu-west-1:123456789012:finding/f1"},
                              f"{home}/inspector/v2/home?region=eu-west-1#/findings/all",
                              "arn:aws:inspector2:eu-west-1:123456789012:finding/f1"),
        "ebs.snapshot": ({"snapshot": "snap-1"}, f"{home}/ec2/home?region=eu-west-1#SnapshotDetails:snapshotId=snap-1",
                         "arn:aws:ec2:eu-west-1::snapshot/snap-1"),
        "rds.snapshot": ({"snapshot": "rds:db-1"}, f"{home}/rds/home?region=eu-west-1#db-snapshot:id=rds%3Adb-1", None),
    }
    for kind, (data, url, arn) in cases.items():
        row = Row(key="k", name="n", cells=(), data=data)
        assert console_url(kind, row, "eu-west-1") == url, kind
        assert arn_of(row, kind, "eu-west-1", "123456789012") == arn, kind
    # without the account, no ARN is made up; a key with our own `#` suffix is not an ARN
    assert arn_of(Row(key="k", name="n", cells=(), data={"cluster": "j-1"}), "emr.cluster", "eu-west-1") is None
    event = Row(key="arn:aws:states:eu-west-1:123456789012:execution:m:e1#3", name="TaskFailed", cells=(), data={})
    assert arn_of(event) is None
    assert console_url("emr.cluster", Row(key="k", name="n", cells=(), data={}), "eu-west-1") is None


def test_a_triage_problems_console_url_from_its_arn_or_its_path() -> None:
    from panels.model import Row
    from panels.raw import console_url

    def url(**data: object) -> str | None:
        return console_url("triage.problem", Row(key="k", name="n", cells=(), data=data), "us-east-1")

    home = "https://us-east-1.console.aws.amazon.com"
    assert url(panel="ecs", arn="arn:aws:ecs:eu-west-1:123456789012:service/prod/api", path=()) == \
        f"{home.replace('us-east-1', 'eu-west-1')}/ecs/v2/clusters/prod/services/api/health?region=eu-west-1"
    assert url(panel="snapshots", arn="vol-1", path=("snap-9",)) == \
        f"{home}/ec2/home?region=us-east-1#SnapshotDetails:snapshotId=snap-9"
    assert url(panel="emr", arn="s-1", path=("j-2", "s-1")) == f"{home}/emr/home?region=us-east-1#/clusterDetails/j-2"
    assert url(panel="snapshots", arn="", path=()) is None


async def test_an_action_key_of_other_rows_says_where_it_works(server: DemoServer, audit: AuditLog) -> None:
    from tests.pilot import view_of

    app = WatchkeeperApp(session(server), audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        triage = view_of(app, "triage")
        await loaded(pilot, triage)
        await select(pilot, triage, "api-release/ProductionGate")
        await pilot.press("J")
        await wait_for(pilot, lambda: any(t.startswith("J: ") for t in toasts(app)))
        [said] = [t for t in toasts(app) if t.startswith("J: ")]
        assert said == "J: no action on Triage rows — it is Reject this approval on codepipeline.action rows " \
                       "(enter opens the resource).", said
        assert app.current_view is triage and type(app.screen).__name__ != "ConfirmScreen"


async def test_exclamation_mark_with_nothing_failed_says_so(server: DemoServer, audit: AuditLog) -> None:
    from tests.pilot import view_of

    app = WatchkeeperApp(session(server), audit=audit)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await loaded(pilot, view_of(app, "ecs"))
        await pilot.press("exclamation_mark")
        await wait_for(pilot, lambda: any("Nothing failed reading" in t for t in toasts(app)))


def test_a_wrapped_help_line_continues_under_its_description() -> None:
    from rich.console import Console
    from rich.text import Text

    from tui.screens import Hanging

    console = Console(width=40, record=True, color_system=None)
    console.print(Hanging(Text(f"Here: a title\n{'1 … 8':>14}  Triage, Pipelines, Step Functions, ECS, EMR\n")))
    assert [line.rstrip() for line in console.export_text().splitlines()[:3]] == [
        "Here: a title", "         1 … 8  Triage, Pipelines, Step", "                Functions, ECS, EMR"]
