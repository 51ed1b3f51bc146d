"""No text from data is ever parsed as markup, by construction.

A static scan fails when a call site could hand text to Textual's or Rich's markup parser; a pilot
run with every name, message and reason made hostile shows the app surviving all its screens.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from actions.audit import AuditLog
from tests.conftest import session
from tests.pilot import loaded, select, view_of, wait_for
from tui.app import WatchkeeperApp
from tui.demo.server import DemoServer
from tui.screens import CommandLogScreen, HelpScreen

ROOT = Path(__file__).parent.parent
SCANNED = ("tui", "panels", "actions")
WIDGETS_PARSING_STR = {"Static", "Label", "Button", "Markdown", "Digits"}
TITLE_ATTRIBUTES = {"border_title", "border_subtitle", "title", "sub_title"}
HOSTILE = " [/] [link=x]\x1b]0;pwned\x07\x1b[2J\u202e"


def sources() -> Iterator[tuple[Path, ast.Module]]:
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path.relative_to(ROOT), ast.parse(path.read_text(), str(path))


def is_dynamic_text(node: ast.expr) -> bool:
    """An f-string, a concatenation or a str() call: text that may carry data."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("str", "format"):
        return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"


def callee(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def enclosing_functions(tree: ast.Module) -> dict[ast.AST, str]:
    """Each node -> the name of the innermost function it is in (ast.walk visits outer ones first)."""
    owner: dict[ast.AST, str] = {}
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                owner[node] = function.name
    return owner


def markup_risks() -> list[str]:
    found: list[str] = []
    for path, tree in sources():
        owner = enclosing_functions(tree)
        for node in ast.walk(tree):
            where = f"{path}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.keyword) and node.arg == "markup" and not (
                    isinstance(node.value, ast.Constant) and node.value.value is False):
                found.append(f"{where}: markup= other than False")
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("textual"):
                for alias in node.names:
                    if alias.name in ("Notification", "Notify", "Toast"):
                        found.append(f"{where}: imports {alias.name}: toasts go through WatchkeeperApp.notify")
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if (isinstance(target, ast.Attribute) and target.attr in TITLE_ATTRIBUTES
                            and is_dynamic_text(node.value)):
                        found.append(f"{where}: {target.attr} set from dynamic text (parsed as markup)")
            if not isinstance(node, ast.Call):
                continue
            name = callee(node)
            if name == "notify":
                func = node.func
                is_super = (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call)
                            and callee(func.value) == "super")
                if is_super and not (str(path) == "tui/app.py" and owner.get(node) == "notify"):
                    found.append(f"{where}: super().notify bypasses WatchkeeperApp.notify")
                if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "App":
                    found.append(f"{where}: App.notify bypasses WatchkeeperApp.notify")
                if any(k.arg == "markup" for k in node.keywords) and not is_super:
                    found.append(f"{where}: notify(markup=...): the override decides")
            if name in WIDGETS_PARSING_STR and node.args and is_dynamic_text(node.args[0]):
                found.append(f"{where}: {name}(dynamic str) parses it as markup: pass a Text")
            if name == "update" and node.args and is_dynamic_text(node.args[0]):
                found.append(f"{where}: .update(dynamic str) parses it as markup: pass a Text")
            if name in ("from_markup", "render_markup", "highlight") and not (
                    node.args and isinstance(node.args[0], ast.Constant)):
                found.append(f"{where}: {name}() of non-constant text parses it as markup")
    return found


def test_no_call_site_can_pass_text_to_a_markup_parser() -> None:
    assert markup_risks() == []


def test_the_scan_catches_each_kind_of_risk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The scan itself works: each risky form in a scratch module is reported."""
    risky = tmp_path / "tui"
    risky.mkdir()
    (risky / "bad.py").write_text(
        "from textual.notifications import Notification\n"
        "def f(self, name):\n"
        "    self.app.notify(name, markup=True)\n"
        "    Static(f'{name}')\n"
        "    Label('x' + name)\n"
        "    box.update(f'{name}')\n"
        "    self.border_title = f'{name}'\n"
        "    matcher.highlight(name)\n"
        "    super().notify(name)\n"
    )
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    monkeypatch.setattr(f"{__name__}.SCANNED", ("tui",))
    kinds = markup_risks()
    assert len(kinds) == 9, kinds


# -- the app with hostile data -------------------------------------------------------------------------

TEXT_KEY = re.compile(r"(?:name|message|reason|cause|title|description)$", re.IGNORECASE)
# Names the panels pass back to AWS as identifiers: a hostile one would only make the next call fail.
IDENTIFIERS = {
    "codepipeline": {"name", "pipelineName", "actionName", "stageName"},
    "events": {"Name"},
    "logs": {"logGroupName", "logStreamName"},
    "batch": {"jobQueueName", "computeEnvironmentName", "jobDefinitionName"},
    "backup": {"BackupVaultName"},
    "ecs": {"clusterName"},
}


def poison(value: Any, keep: set[str]) -> None:
    """Append HOSTILE, in place, to every name/message/reason string not used as an identifier."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and TEXT_KEY.search(key) and key not in keep:
                value[key] = item + HOSTILE
            else:
                poison(item, keep)
    elif isinstance(value, list):
        for item in value:
            poison(item, keep)


def hostile_app(server: DemoServer, audit: AuditLog) -> WatchkeeperApp:
    aws = session(server)

    def handler(parsed: Any, model: Any, **_: Any) -> None:
        service = model.service_model.service_name
        if service != "sts" and isinstance(parsed, dict):
            poison(parsed, IDENTIFIERS.get(service, set()))

    aws._boto.events.register("after-call.*.*", handler)
    return WatchkeeperApp(aws, audit=audit)


def terminal_output(app: WatchkeeperApp) -> str:
    """What the screen would write to a terminal now (the headless driver writes nothing)."""
    update = app.screen._compositor.render_update(full=True)
    return update.render_segments(app.console)


def assert_inert(app: WatchkeeperApp) -> None:
    assert app.is_running and app._exception is None
    assert app.title == "watchkeeper" and app.sub_title == ""
    output = terminal_output(app)
    assert "\x1b]0;" not in output and "pwned" not in output  # no title change reaches the terminal
    assert "\x1b]8;" not in output  # [link=x] was not parsed into a hyperlink
    assert "\x1b[2J" not in output and "\u202e" not in output


async def test_hostile_names_and_messages_everywhere(server: DemoServer, audit: AuditLog) -> None:
    app = hostile_app(server, audit)
    async with app.run_test(size=(120, 36)) as pilot:
        for key in "12345678":
            await pilot.press(key)
            view = app.current_view
            await loaded(pilot, view)
            assert_inert(app)
        inspector = view_of(app, "inspector")  # the grouped views: titles and names from the server's counts
        await pilot.press(inspector.panel.key)
        for label in ("Inspector by CVE", "Inspector by resource"):
            await pilot.press("v")
            await loaded(pilot, inspector, label)
            assert_inert(app)
            if label == "Inspector by CVE":  # the titles the server counted by
                assert any(HOSTILE in str(r.cells[-1]) for r in inspector.shown.values())
        emr = view_of(app, "emr")
        await pilot.press(emr.panel.key)
        hostile = [r for r in emr.shown.values() if "[/]" in r.name]
        assert hostile, "no EMR cluster got a hostile name"
        shown = emr.cells_of(hostile[0])[0].plain
        assert "[/] [link=x]" in shown and "\x1b" not in shown and "⟨U+202E⟩" in shown
        await select(pilot, emr, hostile[0].name)

        # The palette lists the selected cluster's actions by name, and highlights matches.
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press("a")
        await pilot.pause(0.5)
        await pilot.press("backspace")
        await pilot.pause(0.5)
        assert_inert(app)
        await pilot.press("escape")
        await pilot.pause(0.2)

        # Toasts: whoever raises them, with a markup-looking AWS message and a hostile title.
        app.notify(f"Value [/dev/sda] is not valid{HOSTILE}", title=f"Sent{HOSTILE}", severity="error")
        app.screen.notify(f"{hostile[0].name}: sent", markup=True)
        emr.notify("[b]bold?[/b][/]")
        await pilot.pause(0.3)
        assert_inert(app)
        toasts = [str(n.message) for n in app._notifications]
        assert any("Value [/dev/sda] is not valid [/]" in t for t in toasts)
        assert all("\x1b" not in t for t in toasts)

        # The confirmation names the target, its ARN and the exact call with the hostile name in it.
        await pilot.press("P")  # toggle termination protection on the hostile cluster
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        assert_inert(app)
        text = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "[/] [link=x]" in text and "\x1b" not in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ != "ConfirmScreen")

        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert_inert(app)
        await pilot.press("escape")
        await pilot.press("at")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandLogScreen))
        assert_inert(app)
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert_inert(app)


async def test_palette_shows_a_name_with_markup_literally(server: DemoServer, audit: AuditLog) -> None:
    from tui.palette import WatchkeeperCommands

    app = hostile_app(server, audit)
    async with app.run_test(size=(120, 36)) as pilot:
        emr = view_of(app, "emr")
        await pilot.press(emr.panel.key)
        await loaded(pilot, emr)
        hostile = next(r for r in emr.shown.values() if "[/]" in r.name)
        await select(pilot, emr, hostile.name)
        provider = WatchkeeperCommands(app.screen)
        hits = [hit async for hit in provider.search("t")]
        discovered = [hit async for hit in provider.discover()]
        named = [h for h in [*hits, *discovered] if "[/]" in (h.text or "")]
        assert named, "no palette command names the hostile cluster"
        for hit in named:
            prompt = hit.prompt
            assert "[/] [link=x]" in prompt.plain  # type: ignore[union-attr]
            assert "\x1b" not in prompt.plain  # type: ignore[union-attr]
