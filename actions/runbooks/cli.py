"""`watchkeeper runbooks list | validate | run`: the runbook engine without a screen, for chat-ops
and CI. tui/cli.py builds the arguments and calls `run_command`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tui.safe_text import clean

if TYPE_CHECKING:  # the modules themselves load only when a runbooks command runs: the console starts faster
    from actions.runbooks.loader import Catalog

EXIT_OK, EXIT_PROBLEMS = 0, 1


def add_arguments(runbooks: argparse.ArgumentParser, common: Callable[[argparse.ArgumentParser], None]) -> None:
    """The `runbooks` subcommands; `common` adds the AWS options (profile, region…) to a parser."""
    def dirs(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--runbooks", action="append", default=argparse.SUPPRESS, metavar="DIR", type=Path,
                            help="also load runbooks from DIR (after the built-ins and the config directory's "
                                 "runbooks/; a later runbook replaces an earlier one of the same name)")

    dirs(runbooks)
    commands = runbooks.add_subparsers(dest="runbooks_command", required=True, metavar="{list,validate,run}")
    listing = commands.add_parser("list", help="name, key, row kinds and source file of every runbook")
    dirs(listing)
    common(listing)
    validate = commands.add_parser("validate", help="check runbook files (every runbook, without PATH); "
                                   "print FILE:LINE: field: problem, exit 1 if any")
    validate.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="a runbook file or a directory")
    dirs(validate)
    run = commands.add_parser("run", help="run a runbook on one resource, without a screen")
    run.add_argument("name", help="the runbook's name (see `watchkeeper runbooks list`)")
    run.add_argument("--target", required=True, help="the resource: an ARN (ECS service, Step Functions "
                     "execution or state machine, EBS volume) or a vol-/snap- id")
    run.add_argument("--input", action="append", default=[], metavar="NAME=VALUE", help="a runbook input")
    run.add_argument("--row", action="append", default=[], metavar="FIELD=VALUE",
                     help="a field of the row the runbook sees (adds to what the target gives)")
    run.add_argument("--dry-run", action="store_true", help="print every call the run would make; send no "
                     "mutating request (reads still run, to resolve what later steps need)")
    run.add_argument("--account", default="", help="in a production account (see the config), its alias or id: "
                     "typed here, as the console asks for it")
    run.add_argument("--yes", action="store_true", help="approve every action and confirmation without asking "
                     "(needed when standard input is not a terminal)")
    dirs(run)
    common(run)


def pairs(values: list[str], option: str) -> dict[str, str]:
    found = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name:
            raise SystemExit(f"{option} {value!r}: expected NAME=VALUE.")
        found[name.strip()] = text
    return found


def catalog_of(args: argparse.Namespace) -> Catalog:
    from actions.runbooks.loader import load_all

    return load_all(extra=getattr(args, "runbooks", None) or [])


def source_of(path: Path | None) -> str:
    from actions.runbooks.loader import BUILTIN_DIR

    if path is None:
        return "-"
    return f"built-in ({path.name})" if path.parent == BUILTIN_DIR else str(path)


def run_list(args: argparse.Namespace) -> int:
    catalog = catalog_of(args)
    shown = [r for r in catalog.runbooks.values() if not (args.read_only and r.dangerous)]
    if not shown:
        print("No runbooks.")
    widths = [max([len(x) for x in column] + [len(title)]) for title, column in (
        ("NAME", [r.name for r in shown]), ("KEY", [r.key for r in shown]),
        ("APPLIES TO", [", ".join(r.applies_to) for r in shown]))]
    if shown:
        print(f"{'NAME':{widths[0]}}  {'KEY':{widths[1]}}  {'APPLIES TO':{widths[2]}}  SOURCE")
    for r in sorted(shown, key=lambda r: r.name):
        name = r.name + (" (dangerous)" if r.dangerous else "")
        print(clean(f"{name:{widths[0]}}  {r.key or '-':{widths[1]}}  {', '.join(r.applies_to):{widths[2]}}  "
                    f"{source_of(r.path)}", limit=1000))
    for error in catalog.errors:  # the others still load; say which file was left out, and why
        print(clean(str(error), limit=1000), file=sys.stderr)
    return EXIT_OK


def run_validate(args: argparse.Namespace) -> int:
    from actions.runbooks.loader import default_dirs, load_all

    dirs = args.paths or default_dirs(getattr(args, "runbooks", None) or [])
    missing = [p for p in args.paths if not p.exists()]
    catalog = load_all(dirs)
    for path in missing:
        print(f"{path}:1: (file): no such file or directory", file=sys.stderr)
    for error in catalog.errors:
        print(clean(str(error), limit=1000))
    loaded = [*catalog.runbooks.values(), *(old for old, _ in catalog.overridden)]
    for runbook in sorted(loaded, key=lambda r: str(r.path)):
        print(clean(f"ok: {runbook.path}: {runbook.name} ({len(runbook.steps)} steps)", limit=1000))
    return EXIT_PROBLEMS if catalog.errors or missing else EXIT_OK


def run_run(args: argparse.Namespace, make_session: Callable[[argparse.Namespace], object]) -> int:
    from actions.audit import AuditLog
    from actions.runbooks.console import ConsoleUI
    from actions.runbooks.engine import COMPLETED, InputError, Refused, RunbookRun
    from actions.runbooks.targets import TargetError, describe, row_for
    from tui.config import audit_log_path

    catalog = catalog_of(args)
    runbook = catalog.get(args.name)
    if runbook is None:
        known = ", ".join(sorted(catalog.runbooks)) or "none"
        raise SystemExit(f"No runbook named {args.name!r} (runbooks: {known}).")
    if runbook.dangerous and args.read_only:
        raise SystemExit(f"Refused runbook {runbook.name}: it is marked dangerous and watchkeeper is running "
                         "with --read-only.")
    inputs, fields = pairs(args.input, "--input"), pairs(args.row, "--row")
    _, described = describe(args.target)
    if not args.region and not args.demo and described.get("region"):
        args.region = described["region"]  # the resource's own region, unless one was given
    aws = make_session(args)
    aws.audit = AuditLog(audit_log_path())  # type: ignore[attr-defined]
    try:
        row = row_for(aws, runbook, args.target, fields)  # type: ignore[arg-type]
        ui = ConsoleUI(yes=args.yes, dry_run=args.dry_run, interactive=sys.stdin.isatty() and sys.stdout.isatty(),
                       account=args.account or "")
        run = RunbookRun(aws, runbook, row, ui, inputs, dry_run=args.dry_run, target=args.target)  # type: ignore[arg-type]
    except (InputError, TargetError, Refused) as exc:
        raise SystemExit(str(exc)) from None
    print(clean(f"Runbook {runbook.name} on {args.target}{' (dry run: nothing is changed)' if args.dry_run else ''}",
                limit=2000), flush=True)
    try:
        result = run.run()
    except KeyboardInterrupt:
        run.abandon("interrupted")
        result = run.result or ""
    print(f"Result: {result}", flush=True)
    return EXIT_OK if result == COMPLETED else EXIT_PROBLEMS


def run_command(args: argparse.Namespace, make_session: Callable[[argparse.Namespace], object]) -> int:
    if args.runbooks_command == "list":
        return run_list(args)
    if args.runbooks_command == "validate":
        return run_validate(args)
    return run_run(args, make_session)
