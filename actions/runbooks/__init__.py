"""Guided runbooks: a team's procedure as YAML steps that check before they act, act through the
same confirmation, read-only guard and audit as every key, and wait with progress.

model.py (the parsed form), templates.py ({{ JMESPath }} over row, inputs and earlier steps),
loader.py (YAML with line numbers, validation, where runbooks come from), engine.py (RunbookRun,
step by step, through a RunbookUI), targets.py (the `row` of a run started from an ARN).
"""

from actions.runbooks.engine import Refused, RunbookRun, RunbookUI, StepRecord
from actions.runbooks.loader import Catalog, RunbookError, load_all, load_file
from actions.runbooks.model import Runbook, Step

__all__ = ["Catalog", "Refused", "Runbook", "RunbookError", "RunbookRun", "RunbookUI", "Step", "StepRecord",
           "load_all", "load_file"]
