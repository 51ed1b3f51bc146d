"""The panels in their fixed key order (1 is triage, see panels.triage)."""

from __future__ import annotations

from panels.batch import BatchPanel
from panels.ecs import EcsPanel
from panels.emr import EmrPanel
from panels.inspector import InspectorPanel
from panels.model import Panel
from panels.pipelines import PipelinesPanel
from panels.snapshots import DEFAULT_MAX_AGE_HOURS, SnapshotsPanel
from panels.stepfunctions import StepFunctionsPanel


def service_panels(snapshot_max_age_hours: float = DEFAULT_MAX_AGE_HOURS) -> list[Panel]:
    """Fresh instances of every service panel, keys 2 to 8."""
    return [PipelinesPanel(), StepFunctionsPanel(), EcsPanel(), EmrPanel(), BatchPanel(),
            InspectorPanel(), SnapshotsPanel(snapshot_max_age_hours)]
