"""The README's two set-up commands are the ones CI and users run."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def commands() -> list[str]:
    lines = (ROOT / "README.md").read_text().splitlines()
    start = lines.index("```sh") + 1
    return lines[start : lines.index("```", start)]


def test_readme_opens_with_the_demo_and_the_test_command() -> None:
    demo, tests = commands()
    assert demo.endswith("watchkeeper --demo") and "'.[demo]'" in demo
    assert tests.endswith("python -m pytest") and "'.[dev]'" in tests


def test_ci_runs_the_readme_test_command() -> None:
    assert commands()[1] in (ROOT / ".ci" / "run").read_text()


def test_the_readme_runbook_example_validates() -> None:
    from actions.runbooks.loader import parse

    text = (ROOT / "README.md").read_text()
    start = text.index("```yaml\nname: snapshot-before-change") + len("```yaml\n")
    example = text[start:text.index("```", start)].replace("snapshot-before-change", "readme-example")
    runbook, errors = parse(example, "README.md")
    assert runbook is not None and errors == []
