"""A crash is loud: one sentence on stderr, a non-zero exit, and a report on disk.

The report holds what a maintainer needs (traceback, versions, platform) and nothing that could
leak: no local variables, no call parameters, no environment, access key ids masked.
"""

from __future__ import annotations

import os
import platform
import re
import sys
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path

from tui.safe_text import clean

EXIT_CRASH = 70  # EX_SOFTWARE (sysexits.h): an internal error, distinct from triage's 0-3

# Access key ids (AKIA…/ASIA…) and anything that looks like a secret assignment, should an
# exception message ever carry one.
_SECRETS = re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"
                      r"|(?i:(?:secret|password|token|credential)[\w-]*[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+")


def _masked(text: str) -> str:
    def mask(match: re.Match[str]) -> str:
        value = match.group()
        if value[:4] in ("AKIA", "ASIA"):
            return value[:4] + "****"
        name = re.match(r"(?i)(?:secret|password|token|credential)[\w-]*[\"']?\s*[:=]\s*[\"']?", value)
        return (name.group() if name else "") + "***"

    return _SECRETS.sub(mask, text)


def underlying(exc: BaseException) -> BaseException:
    """The exception that caused it: Textual wraps a worker's error in WorkerFailed."""
    inner = getattr(exc, "error", None)
    return inner if isinstance(inner, BaseException) else exc


def report_text(exc: BaseException) -> str:
    from textual import __version__ as textual_version

    from tui import __version__

    exc = underlying(exc)
    lines = [
        f"watchkeeper {__version__} crash report, {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"python {platform.python_version()} ({sys.implementation.name}), textual {textual_version}, "
        f"{platform.system()} {platform.release()} {platform.machine()}",
        "",
        # No locals: they would hold parameters, responses and session objects.
        *traceback.format_exception(type(exc), exc, exc.__traceback__),
    ]
    return _masked(clean("\n".join(line.rstrip("\n") for line in lines), limit=200_000, multiline=True)) + "\n"


def write_report(exc: BaseException) -> Path:
    """Write the report to the state directory (the temp directory if that is unusable); its path."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    text = report_text(exc)
    try:
        from tui.config import state_dir

        folder = state_dir()
    except Exception:  # the state directory may be what is broken
        folder = Path(tempfile.gettempdir())
    path = folder / f"crash-{stamp}.txt"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        fd, name = tempfile.mkstemp(prefix="watchkeeper-crash-", suffix=".txt")
        path = Path(name)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    return path


def sentence(exc: BaseException, path: Path | None) -> str:
    """The one line shown on stderr."""
    kind = type(underlying(exc)).__name__
    where = f"a crash report is in {path}" if path else "no crash report could be written"
    return f"watchkeeper stopped on an internal error ({kind}); {where}: please attach it to a bug report."


def crashed(exc: BaseException) -> tuple[str, int]:
    """Report `exc`: (the sentence to print, the exit status)."""
    try:
        path: Path | None = write_report(exc)
    except Exception:
        path = None
    return sentence(exc, path), EXIT_CRASH
