"""`{{ expr }}` templates: JMESPath over the run's context (row, inputs, steps, item) and nothing
else: no code and no shell. A value that is exactly one `{{ expr }}` keeps the result's type;
text around a template renders it as text, with "?" for a missing value."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import jmespath
from jmespath.parser import ParsedResult

TEMPLATE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
ROOTS = ("row", "inputs", "steps", "item")
MISSING = "?"


@cache
def compiled(expression: str) -> ParsedResult:
    """Raises jmespath.exceptions.JMESPathError for bad syntax."""
    return jmespath.compile(expression.strip())


def search(expression: str, data: Any) -> Any:
    return compiled(expression).search(data)


def expressions(value: Any) -> Iterator[str]:
    """Every `{{ expr }}` inside a value (strings, nested lists and mappings)."""
    if isinstance(value, str):
        for match in TEMPLATE.finditer(value):
            yield match.group(1).strip()
    elif isinstance(value, list | tuple):
        for item in value:
            yield from expressions(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from expressions(item)


def as_text(value: Any) -> str:
    if value is None:
        return MISSING
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, default=str, separators=(", ", ": "))


def render(value: Any, context: dict[str, Any]) -> Any:
    if isinstance(value, str):
        whole = TEMPLATE.fullmatch(value.strip())
        if whole and value.strip().count("{{") == 1:
            return search(whole.group(1), context)
        return TEMPLATE.sub(lambda m: as_text(search(m.group(1), context)), value)
    if isinstance(value, list | tuple):
        return [render(item, context) for item in value]
    if isinstance(value, dict):
        return {key: render(item, context) for key, item in value.items()}
    return value


def truthy(value: Any) -> bool:
    """JMESPath truth: false, null, "", [] and {} are false."""
    return value not in (None, False, "", [], {})


# Node types whose first child is evaluated against the input and the rest against its result.
LEFT_ONLY = ("projection", "filter_projection", "value_projection", "pipe", "index_expression", "flatten")


def references(expression: str) -> list[tuple[str, ...]]:
    """The leading field names of every part of `expression` that reads the context itself, e.g.
    ("steps", "describe", "services") for `steps.describe.services[0].taskDefinition`."""
    found: list[tuple[str, ...]] = []

    def walk(node: dict[str, Any]) -> None:
        kind, children = node.get("type"), node.get("children", [])
        if kind == "field":
            found.append((node["value"],))
        elif kind == "subexpression":
            chain: list[str] = []
            for child in children:
                if child.get("type") == "field":
                    chain.append(child["value"])
                    continue
                if child.get("type") == "index_expression" and child["children"][0].get("type") == "field":
                    chain.append(child["children"][0]["value"])
                elif not chain:
                    walk(child)  # e.g. a function's result: its own arguments read the context
                break
            if chain:
                found.append(tuple(chain))
        elif kind in LEFT_ONLY:
            if children:
                walk(children[0])
        elif kind != "expref":  # &expr is evaluated against each element, not the context
            for child in children:
                walk(child)

    walk(compiled(expression).parsed)
    return found
