"""Tolerant parsing, proven from the service models: every panel, every level two deep, and every
check read responses holding only what botocore's model marks required (plus one element of each
list), and responses holding every member. Nothing may raise, and the top levels still list rows.
"""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest

from actions.operations import USES, used_by
from panels.model import Listing, Panel, Source, run_check
from panels.registry import service_panels
from tests.model_stub import MODES, ModelStub
from tui.demo.server import DEMO_CREDENTIALS
from tui.errors import UNEXPECTED, Failure
from tui.session import AwsSession

ROOT = Path(__file__).resolve().parent.parent
READS = sorted({op.key for user in USES if user.startswith(("check:", "view:"))
                for op in used_by(user) if not op.mutates})


def stubbed(mode: str) -> tuple[AwsSession, ModelStub]:
    # A port nothing listens on: a call the stub did not answer fails loudly instead of leaving.
    aws = AwsSession(region="us-east-1", endpoint_url="http://127.0.0.1:9", credentials=DEMO_CREDENTIALS)
    return aws, ModelStub(mode).install(aws)


def where(exc: BaseException) -> str:
    """The innermost frame of our own code: file:line."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(str(ROOT))
              and "/tests/" not in f.filename]
    frame = frames[-1] if frames else traceback.extract_tb(exc.__traceback__)[-1]
    return f"{Path(frame.filename).relative_to(ROOT) if frame.filename.startswith(str(ROOT)) else frame.filename}" \
           f":{frame.lineno}"


def unexpected(failures: list[Failure]) -> list[str]:
    """Failures of our own parsing (tolerated, but a missing member should not cause them)."""
    return [f"{f.what}: {f.message}" for f in failures if f.kind == UNEXPECTED]


def reachable(panel: Panel, aws: AwsSession, problems: list[str]) -> list[tuple[Source, Listing]]:
    """The panel, its alternatives, and the first row's drill-down two levels deep, loaded."""
    loaded: list[tuple[Source, Listing]] = []
    level: list[Source] = [panel, *panel.alternatives()]
    for _depth in range(3):
        below: list[Source] = []
        for source in level:
            name = f"{type(source).__name__} ({source.label})"
            try:
                listing = source.load(aws)
            except Exception as exc:
                problems.append(f"{name}.load raised {type(exc).__name__}: {exc} at {where(exc)}")
                continue
            problems += [f"{name} gap: {text}" for text in unexpected(listing.gaps)]
            for row in listing.rows:  # the detail pane (some are laid out only when shown)
                try:
                    dict(row.detail)
                except Exception as exc:
                    problems.append(f"{name} detail of {row.key} raised {type(exc).__name__}: {exc} at {where(exc)}")
            loaded.append((source, listing))
            if not listing.rows:
                continue
            try:
                child = source.drill(listing.rows[0])
                if child is not None:
                    below += [child, *child.alternatives()]
            except Exception as exc:
                problems.append(f"{name}.drill raised {type(exc).__name__}: {exc} at {where(exc)}")
        level = below
    return loaded


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("panel_id", [p.id for p in service_panels()])
def test_every_level_and_check_survives_model_responses(panel_id: str, mode: str) -> None:
    aws, stub = stubbed(mode)
    panel = next(p for p in service_panels() if p.id == panel_id)
    problems: list[str] = []
    loaded = reachable(panel, aws, problems)
    for check in panel.checks():
        result = run_check(check, aws)
        for failure in result.failures:
            if failure.kind == UNEXPECTED or not result.ran:
                problems.append(f"check {check.id}: {failure.kind}: {failure.message}")
    top = [listing for source, listing in loaded if source is panel]
    # A pipeline summary's only id, its name, is optional in the model; one without it cannot be
    # read or acted on, so panels/pipelines.py leaves it out on purpose.
    if mode == "minimal" and top and not top[0].rows and panel_id != "pipelines":
        problems.append(f"{type(panel).__name__} lists no rows from a response with one of everything")
    assert stub.calls, "the stub answered nothing"
    assert not problems, "\n".join(problems)


def test_the_stub_answers_every_read_the_sources_declare() -> None:
    """Each declared read has an output shape the stub can fill in both modes."""
    import boto3

    from tests.model_stub import response

    boto = boto3.Session(region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    for key in READS:
        service, name = key.split(":")
        model = boto.client(service).meta.service_model.operation_model(name)
        for mode in MODES:
            assert isinstance(response(model, mode), dict), key


def test_a_finding_whose_lists_hold_nulls_still_shows() -> None:
    """JSON lets a list hold null and botocore passes it on: the row and its detail pane (laid out
    when shown, on the UI thread) skip it instead of raising."""
    from panels.inspector import finding_row

    row = finding_row({"findingArn": "arn:aws:inspector2:us-east-1:123456789012:finding/x", "severity": "HIGH",
                       "resources": [{"id": "i-1", "type": "AWS_EC2_INSTANCE"}],
                       "packageVulnerabilityDetails": {"vulnerablePackages": [None, {"name": "openssl"}],
                                                       "cvss": [None]}})
    detail = dict(row.detail)
    assert row.cells[4] == "openssl" and detail["Packages"].startswith("openssl") and detail["CVSS"] == "-"
