"""The AWS CLI command equivalent to a boto3 call, so the user can read (and rerun) it."""

from __future__ import annotations

import json
import shlex
from typing import Any

from botocore import xform_name


def kebab(name: str) -> str:
    return xform_name(name, "-")


def python_call(service: str, operation: str, params: dict[str, Any]) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in params.items())
    return f"{service}.{operation}({args})"


def cli_command(service: str, operation: str, params: dict[str, Any], *, region: str | None = None,
                profile: str | None = None, endpoint_url: str | None = None) -> str:
    parts = ["aws", service, operation.replace("_", "-")]
    for name, value in params.items():
        flag = f"--{kebab(name)}"
        if value is True:
            parts.append(flag)
        elif value is False:
            parts.append(f"--no-{kebab(name)}")
        elif isinstance(value, list | dict):
            parts += [flag, shlex.quote(json.dumps(value, separators=(",", ":")))]
        else:
            parts += [flag, shlex.quote(str(value))]
    for flag, value in (("--region", region), ("--profile", profile), ("--endpoint-url", endpoint_url)):
        if value:
            parts += [flag, shlex.quote(value)]
    return " ".join(parts)
