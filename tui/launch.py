"""The `watchkeeper` and `wk` commands: pause garbage collection before the heavy imports."""

from __future__ import annotations

from tui.startup import pause_collection, resume_collection


def main() -> int:
    pause_collection()
    try:
        from tui.cli import main as cli_main

        return cli_main()
    finally:
        resume_collection()
