"""The `watchkeeper` and `wk` commands: pause garbage collection before the heavy imports."""

from __future__ import annotations

import sys

from tui.startup import pause_collection, resume_collection


def main() -> int:
    pause_collection()
    try:
        try:
            from tui.cli import main as cli_main
        except Exception as exc:  # a broken install or dependency: still one sentence and a report
            from tui.crash import crashed

            message, code = crashed(exc)
            print(message, file=sys.stderr)
            return code
        return cli_main()
    finally:
        resume_collection()
