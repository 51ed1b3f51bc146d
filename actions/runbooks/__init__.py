"""Guided runbooks: a team's procedure as YAML steps that check before they act, act through the
same confirmation, read-only guard and audit as every key, and wait with progress.

model.py (the parsed form), templates.py ({{ JMESPath }} over row, inputs and earlier steps),
loader.py (YAML with line numbers, validation, where runbooks come from), engine.py (RunbookRun,
step by step, through a RunbookUI), targets.py (the `row` of a run started from an ARN), cli.py
and console.py (`watchkeeper runbooks …`). Import from the modules: this package imports nothing,
so the console's start does not pay for it.
"""
