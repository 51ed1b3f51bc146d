"""Command line: `watchkeeper` (the console), `watchkeeper triage` (plain text or JSON), `logs`,
`audit` (the audit log), `iam-policy` (the policy watchkeeper needs) and `runbooks` (list, validate, run)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tui import __version__
from tui.config import ConfigError
from tui.crash import crashed
from tui.errors import explain
from tui.identity.creds import CredsError
from tui.safe_text import clean
from tui.session import AwsSession
from tui.startup import resume_collection

if TYPE_CHECKING:
    from tui.scope import Scope
    from tui.settings import Settings

# triage: 0 all checked and nothing failing, 1 something failing, 2 nothing could be checked,
# 3 some checks failed and the others found nothing.
EXIT_OK, EXIT_PROBLEMS, EXIT_ERROR, EXIT_INCOMPLETE = 0, 1, 2, 3


def common_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The same options before or after the subcommand; SUPPRESS keeps the subparser from
    overwriting values given before it."""
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--profile", default=default, help="AWS profile; several as a,b (aggregated, with Account "
                        "and Region columns). Default: AWS_PROFILE, else the config's profiles, else default")
    parser.add_argument("--region", default=default, help="AWS region; several as us-east-1,eu-west-1. Default: "
                        "AWS_REGION, else the config's regions, else the profile's")
    parser.add_argument("--org-role", default=default, metavar="ROLE",
                        help="every active account of the organisation (organizations:ListAccounts), with ROLE "
                             "assumed in each")
    parser.add_argument("--endpoint-url", default=default,
                        help="send every call to this endpoint (default: AWS_ENDPOINT_URL)")
    parser.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS if suppress else False,
                        help="refuse every mutating call")
    parser.add_argument("--demo", action="store_true", default=argparse.SUPPRESS if suppress else False,
                        help="run against an in-process moto server seeded with an incident")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="watchkeeper", description="A terminal operations console for AWS: what is broken, why, "
        "and what to do now.")
    parser.add_argument("--version", action="version", version=f"watchkeeper {__version__}")
    common_options(parser, suppress=False)
    parser.add_argument("--theme", default=None, help="colour theme: watchkeeper, watchkeeper-light, "
                        "ansi-dark (the terminal's own 16 colours; chosen by default on such terminals), "
                        "or any Textual theme")
    parser.add_argument("--runbooks", action="append", default=[], metavar="DIR", type=Path,
                        help="also load runbooks from DIR (a team's, kept in git); a later runbook replaces an "
                             "earlier one of the same name")
    commands = parser.add_subparsers(dest="command")
    triage = commands.add_parser("triage", help="print everything failing; exit 0 (nothing failing), 1 (something "
                                 "failing), 2 (nothing could be checked), 3 (some checks failed, the rest found "
                                 "nothing)")
    triage.add_argument("--json", action="store_true", help="print JSON instead of a table")
    common_options(triage, suppress=True)
    logs = commands.add_parser("logs", help="print a log group's events; --follow keeps printing new ones")
    logs.add_argument("group", help="log group name, e.g. /ecs/checkout-api")
    logs.add_argument("--stream", default="", help="only streams whose names start with this")
    logs.add_argument("--since", default="10m", help="start time: 5m, 1h, 24h or an ISO 8601 time (default 10m)")
    logs.add_argument("--filter", default="", help="CloudWatch Logs filter pattern, applied by the server")
    logs.add_argument("--follow", action="store_true", help="keep printing new events until interrupted")
    logs.add_argument("--raw", action="store_true", help="print messages as stored, escape sequences and all "
                      "(default: sanitised, on a terminal and in a pipe alike)")
    common_options(logs, suppress=True)
    audit = commands.add_parser("audit", help="print the audit log: every mutating call, paired with its result "
                                "(UNKNOWN OUTCOME where none was recorded)")
    audit.add_argument("--since", default=None, help="only calls since: 1h, 1d, 7d or an ISO 8601 time "
                       "(default: all)")
    audit.add_argument("--json", action="store_true", help="print JSON instead of a table")
    policy = commands.add_parser("iam-policy", help="print the least-privilege IAM policy for what watchkeeper "
                                 "calls, as JSON")
    policy.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS,
                        help="only the reads (the policy for --read-only)")
    from tui.identity.creds_cli import add_parser as add_creds

    add_creds(commands)
    runbooks = commands.add_parser("runbooks", help="guided runbooks: list them, validate runbook files, run one "
                                   "on a resource without a screen")
    from actions.runbooks.cli import add_arguments

    add_arguments(runbooks, lambda sub: common_options(sub, suppress=True))
    return parser


LOGS_LINE_LIMIT = 1_000_000  # characters of one printed message; CloudWatch events are at most 256 KB


def run_logs(args: argparse.Namespace) -> int:
    """Events to stdout, one per line, sanitised: a pipe often ends at a terminal too (`| grep`,
    `| less -R`), so escape sequences are removed there as well; --raw prints them as stored.
    A reader that stops early (`| head`) ends the command quietly, with status 0."""
    import contextlib
    import os
    import time

    from tui.log_stream import LogFollower, parse_since
    from tui.log_viewer import POLL_SECONDS

    try:
        start = parse_since(args.since)
    except ValueError as exc:
        raise SystemExit(str(exc)) from exc
    aws = make_session(args)
    # Whole messages, sanitised here rather than cut to the viewer's width.
    follower = LogFollower(aws, args.group, prefix=args.stream, pattern=args.filter, start=start, sanitise=False)
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:  # a character the pipe's encoding lacks is printed escaped, not fatal
        reconfigure(errors="backslashreplace")

    def printed(timestamp: int, stream: str, message: str) -> str:
        stamp = datetime.fromtimestamp(timestamp / 1000, UTC).isoformat(timespec="milliseconds")
        if not args.raw:
            stream, message = clean(stream, limit=1_000), clean(message, limit=LOGS_LINE_LIMIT)
        return f"{stamp} {stream} {message}\n"

    try:
        while True:
            sys.stdout.write("".join(printed(line.timestamp, line.stream, line.message) for line in follower.poll()))
            sys.stdout.flush()
            if not args.follow:
                return EXIT_OK
            time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        return EXIT_OK
    except BrokenPipeError:
        # The reader has gone. Python flushes stdout again at exit: point it at devnull so that
        # flush cannot fail too (https://docs.python.org/3/library/signal.html#note-on-sigpipe).
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


_SETTINGS: Settings | None = None


def settings() -> Settings:
    """The config file's settings, read once; each problem in it is one line on stderr (the
    console shows them too), and its defaults apply instead."""
    global _SETTINGS
    if _SETTINGS is None:
        from tui.settings import load

        _SETTINGS = load()
        for problem in _SETTINGS.problems:
            Console(stderr=True, highlight=False, soft_wrap=True).print(Text(clean(problem), style="yellow"))
    return _SETTINGS


def chosen(args: argparse.Namespace, *, remembered: bool = False) -> tuple[list[str], list[str]]:
    """Profiles and regions: the command line, else the environment, else (in the console) the
    last choice, else the config file; empty means boto3's own defaults."""
    from tui.scope import names
    from tui.settings import load_last_choice

    last = load_last_choice() if remembered else ([], [])
    profiles = names(getattr(args, "profile", None)) or ([] if os.environ.get("AWS_PROFILE") else
                                                       last[0] or settings().profiles)
    regions = names(getattr(args, "region", None)) or ([] if os.environ.get("AWS_REGION") else
                                                     last[1] or settings().regions)
    return profiles, regions


def make_scope(args: argparse.Namespace, *, remembered: bool = False) -> Scope:
    """The accounts and regions to look at; a single one is make_session's."""
    from tui.scope import Scope, build

    profiles, regions = chosen(args, remembered=remembered)
    org_role = getattr(args, "org_role", None) or settings().org_role
    if args.demo or (len(profiles) <= 1 and len(regions) <= 1 and not org_role):
        args.profile, args.region = (profiles or [None])[0], (regions or [None])[0]
        return Scope([make_session(args)], profiles, regions)
    check_endpoint(args.endpoint_url or os.environ.get("AWS_ENDPOINT_URL"))
    scope = build(profiles, regions, settings=settings(), endpoint_url=args.endpoint_url, read_only=args.read_only,
                  org_role=org_role, ask_token=ask_token)
    if any(not aws.region for aws in scope.sessions):
        raise SystemExit("No AWS region is set for every profile: pass --region or set AWS_REGION.")
    return scope


def make_session(args: argparse.Namespace) -> AwsSession:
    if args.demo:
        from tui.demo.run import check_region, start_demo

        check_region(args.region)
        return start_demo(read_only=args.read_only, ticker=args.command is None or getattr(args, "follow", False))
    check_endpoint(args.endpoint_url or os.environ.get("AWS_ENDPOINT_URL"))
    from tui.scope import keyring_credentials, names

    for option in ("profile", "region"):
        if len(names(getattr(args, option, None))) > 1:
            raise SystemExit(f"This command reads one account and region: give one --{option}.")
    profile = args.profile or None
    aws = AwsSession(profile=profile, region=args.region, endpoint_url=args.endpoint_url, read_only=args.read_only,
                     credentials=keyring_credentials(profile, region=args.region, endpoint_url=args.endpoint_url,
                                                     ask_token=ask_token),
                     production=settings().is_production(profile=profile, account=None))
    if not aws.region:
        raise SystemExit("No AWS region is set: pass --region or set AWS_REGION.")
    if settings().production_accounts:  # production by account: who this is must be known before acting
        from tui.scope import identify

        identify(aws, settings())
    return aws


def ask_token(serial: str) -> str:
    """An MFA code from the terminal (stderr and /dev/tty: stdout may be a pipe of JSON)."""
    import getpass

    try:
        return getpass.getpass(f"MFA code for {serial}: ", stream=sys.stderr).strip()
    except (EOFError, OSError) as exc:
        raise SystemExit(f"An MFA code for {serial} is needed and there is no terminal to ask for it.") from exc


def check_endpoint(url: str | None) -> None:
    """An endpoint override that is not an http(s) URL: one sentence, before any client is made."""
    if not url:
        return
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        valid = False
    if not valid:
        raise SystemExit(f"--endpoint-url {url!r} is not an http:// or https:// URL with a host.")


def configured_panels() -> list:  # type: ignore[type-arg]
    """The service panels with the user's settings; a bad config file is one clear error."""
    from panels.registry import service_panels

    return service_panels(settings().snapshot_max_age_hours)


def run_triage(args: argparse.Namespace, out: Console) -> int:
    from panels.triage import collect_all

    try:
        panels = configured_panels()
        scope = make_scope(args)
        identified, unreachable = identify_all(scope.sessions)
        aws = scope.primary
        identity = aws.identity()  # fails fast, with one sentence, when no account answers
    except SystemExit as exc:
        if args.json and isinstance(exc.code, str):  # a script reading JSON still gets JSON
            print(json.dumps({"error": clean(exc.code), "problems": [], "incomplete": []}, indent=2))
        raise
    except (BotoCoreError, ClientError, ResponseParserError) as exc:
        if args.json:
            print(json.dumps({"error": clean(explain(exc, profile=args.profile)), "problems": [],
                              "incomplete": []}, indent=2))
        raise
    triage = collect_all(identified, panels)
    triage.incomplete += unreachable
    triage.checks += len(unreachable)
    triage.failed_outright += len(unreachable)
    where = f"{identity.account} {aws.region}" if not scope.many else scope.describe()
    if args.json:
        print(json.dumps({
            "account": identity.account, "identity": identity.arn, "region": aws.region,
            "accounts": sorted({s.account for s in scope.sessions}),
            "regions": sorted({s.region or "" for s in scope.sessions}),
            "problems": [{k: clean(v) if isinstance(v, str) else v for k, v in p.as_json().items()}
                         for p in triage.problems],
            "incomplete": [{k: clean(v) for k, v in item.as_json().items()} for item in triage.incomplete],
        }, indent=2))
    else:
        render_table(out, triage.problems, triage.incomplete, where, many=scope.many)
    return triage.exit_code


def identify_all(sessions: Sequence[AwsSession]) -> tuple[list[AwsSession], list]:  # type: ignore[type-arg]
    """The sessions whose identity answered, and one "check incomplete" per session that did not
    (its credentials or its account): one line for it instead of one per check. Raises the first
    failure when none answered."""
    from concurrent.futures import ThreadPoolExecutor

    from panels.model import failed
    from panels.triage import ACCESS_CHECK, AccessPanel, Incomplete
    from tui.scope import identify

    def one(aws: AwsSession) -> BaseException | None:
        try:
            identify(aws, settings())
        except Exception as exc:
            return exc
        return None

    with ThreadPoolExecutor(max_workers=min(4, len(sessions))) as pool:
        errors = list(pool.map(one, sessions))
    if all(errors):
        raise errors[0]  # type: ignore[misc]
    good = [aws for aws, exc in zip(sessions, errors, strict=True) if exc is None]
    bad = [Incomplete(AccessPanel(), ACCESS_CHECK, failed(exc, "every check", aws), aws.account, aws.region or "")
           for aws, exc in zip(sessions, errors, strict=True) if exc is not None]
    return good, bad


def render_table(out: Console, problems: Sequence, incomplete: Sequence, where: str, *, many: bool = False) -> None:
    """On a terminal, a table whose names are never folded (the reason is, instead); elsewhere
    (a pipe, a file), plain lines: one per problem, whole names, no padding at the end."""
    from panels.model import age
    from panels.ordering import status_style

    if not problems and not incomplete:
        out.print(Text(f"Nothing failing in {where}.", style="green"))
        return
    def resource(name: str, item: object) -> Text:  # several accounts: the resource says where it is
        prefix = f"{getattr(item, 'account', '')}/{getattr(item, 'region', '')}/" if many else ""
        return Text(clean(prefix + name))

    rows = [(Text("?"), Text(clean(item.panel.service)), resource(item.check.title, item),
             Text("CHECK INCOMPLETE", style="bold red"), Text("-"), Text(clean(item.failure.sentence())))
            for item in incomplete]
    rows += [(Text(p.severity.short, style=status_style(p.severity.name)), Text(clean(p.service)),
              resource(p.resource, p), Text(clean(p.status), style=status_style(p.status)), Text(age(p.since)),
              Text(clean(p.reason, limit=300))) for p in problems]
    title = f"watchkeeper triage — {where}"
    if not _is_terminal(out):
        print_plain(out, title, rows)
        return
    from panels.triage import short_service, tail

    # As in the console: Sev, Age, Service, Resource, then "STATUS: reason", which takes the width
    # the others leave and folds. Names stay whole when they fit; on a narrow terminal a long one
    # keeps its end (the part that tells resources apart) so the reason keeps REASON_MIN_WIDTH.
    rows = [(sev, age_, Text(short_service(service.plain)), resource, Text.assemble(status, ": ", reason))
            for sev, service, resource, status, age_, reason in rows]
    others = sum(max(len(name), *(len(row[i].plain) for row in rows))
                 for i, name in enumerate(("Sev", "Age", "Service"))) + 3 * 5  # 3: padding and gap
    room = max(RESOURCE_MIN_WIDTH, out.width - others - REASON_MIN_WIDTH)
    table = Table(title=Text(title), title_justify="left", expand=True, box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("Sev", no_wrap=True)
    table.add_column("Age", no_wrap=True, justify="right")
    table.add_column("Service", no_wrap=True)
    table.add_column("Resource", no_wrap=True)  # a name folded in two is a name nobody can grep or paste
    table.add_column("Reason", overflow="fold", ratio=1)
    for sev, age_, service, resource, reason in rows:
        table.add_row(sev, age_, service, Text(tail(resource.plain, room)), reason)
    out.print(table)


REASON_MIN_WIDTH, RESOURCE_MIN_WIDTH = 30, 16
PLAIN_GAP = "  "  # between plain columns: names may hold one space, never two


def print_plain(out: Console, title: str, rows: Sequence[Sequence[Text]]) -> None:
    """Columns aligned with PLAIN_GAP, the reason last and whole: `grep`, `cut` and `awk -F'  '`
    see one problem per line. No colour: the reader is a program."""
    lines = [("SEV", "SERVICE", "RESOURCE", "STATUS", "AGE", "REASON"), *(tuple(c.plain for c in row) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]) - 1)]
    out.print(Text(title), soft_wrap=True)
    for line in lines:
        text = PLAIN_GAP.join([*(value.ljust(width) for value, width in zip(line, widths, strict=False)), line[-1]])
        out.print(Text(text.rstrip()), soft_wrap=True)


def _is_terminal(out: Console) -> bool:
    isatty = getattr(out.file, "isatty", None)
    return bool(isatty and isatty())


def main(argv: Sequence[str] | None = None) -> int:
    global _SETTINGS
    _SETTINGS = None  # read afresh by each run (tests call main() many times)
    args = build_parser().parse_args(argv)
    err = Console(stderr=True, highlight=False, soft_wrap=True)  # one sentence stays one line
    try:
        if args.command == "logs":
            resume_collection()  # a followed stream runs for hours (tui/startup.py)
            return run_logs(args)
        if args.command == "triage":
            # Piped output is not wrapped at 80 columns, so grep sees whole lines.
            width = None if sys.stdout.isatty() else 200
            return run_triage(args, Console(highlight=False, width=width))
        if args.command == "audit":
            return run_audit(args, Console(highlight=False, width=None if sys.stdout.isatty() else 200))
        if args.command == "iam-policy":
            return run_iam_policy(args)
        if args.command == "creds":
            from tui.identity.creds_cli import run as run_creds

            return run_creds(args)
        if args.command == "runbooks":
            from actions.runbooks.cli import run_command

            return run_command(args, make_session)
        return run_console(args)
    except SystemExit as exc:
        if isinstance(exc.code, str):
            err.print(Text(clean(exc.code), style="red"))
            return EXIT_ERROR
        raise
    except (ConfigError, CredsError) as exc:  # an unusable config, state directory or keyring: one sentence
        err.print(Text(clean(str(exc)), style="red"))
        return EXIT_ERROR
    except (BotoCoreError, ClientError, ResponseParserError) as exc:
        err.print(Text(clean(explain(exc, profile=args.profile)), style="red"))
        return EXIT_ERROR
    except KeyboardInterrupt:  # ctrl+c: the user's choice, not a failure worth a traceback
        return 130
    except Exception as exc:  # a bug: one sentence, a crash report, a non-zero status
        message, code = crashed(exc)
        err.print(Text(message, style="red"))
        return code


AUDIT_UNKNOWN = "UNKNOWN OUTCOME: no result recorded"


def audit_calls(since: datetime | None) -> list[dict]:  # type: ignore[type-arg]
    """The audit log's calls (intent paired with result), oldest first, sanitised, each with an
    `outcome`: ok, error, or AUDIT_UNKNOWN for an intent whose result was never written."""
    from actions.audit import AuditLog
    from tui.config import audit_log_path

    def sanitised(value: object) -> object:
        if isinstance(value, dict):
            return {clean(k, limit=200): sanitised(v) for k, v in value.items()}
        if isinstance(value, list):
            return [sanitised(v) for v in value]
        if value is None or isinstance(value, bool | int | float):
            return value
        return clean(value, limit=10_000)

    def when(call: dict) -> datetime | None:  # type: ignore[type-arg]
        try:
            stamp = datetime.fromisoformat(str(call.get("time", "")))
        except ValueError:
            return None
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)

    found = []
    for call in AuditLog(audit_log_path()).calls():
        at = when(call)
        if since is not None and at is not None and at < since:  # an unreadable time is kept: shown, not hidden
            continue
        found.append({**sanitised(call), "outcome": call.get("result") or AUDIT_UNKNOWN})  # type: ignore[dict-item]
    return found


def run_audit(args: argparse.Namespace, out: Console) -> int:
    from tui.config import audit_log_path
    from tui.log_stream import parse_since

    try:
        since = parse_since(args.since) if args.since else None
    except ValueError as exc:
        raise SystemExit(str(exc)) from exc
    calls = audit_calls(since)
    if args.json:
        print(json.dumps({"log": clean(str(audit_log_path())), "calls": calls}, indent=2))
        return EXIT_OK
    if not calls:
        out.print(Text(f"No audited calls{' since ' + clean(args.since) if args.since else ''} in "
                       f"{clean(str(audit_log_path()))}."))
        return EXIT_OK
    table = Table(title=Text(f"watchkeeper audit log — {clean(str(audit_log_path()))}"), title_justify="left",
                  expand=True, box=box.SIMPLE_HEAD, pad_edge=False)
    for name, options in (("Time", {"no_wrap": True}), ("Operation", {"no_wrap": True}),
                          ("Target", {"overflow": "fold", "ratio": 1}), ("Where", {"overflow": "fold", "ratio": 1}),
                          ("Identity", {"overflow": "fold", "ratio": 1}), ("Outcome", {"overflow": "fold", "ratio": 2}),
                          ("Parameters", {"overflow": "fold", "ratio": 2})):
        table.add_column(name, **options)  # type: ignore[arg-type]
    for call in calls:
        outcome = call["outcome"]
        if outcome == "ok":
            shown = Text(f"ok {call.get('request_id') or ''}".strip(), style="green")
        elif outcome == "error":
            shown = Text(f"error: {call.get('error') or '-'}", style="red")
        else:
            shown = Text(outcome, style="bold red")
        where = " ".join(str(call.get(k)) for k in ("account", "region") if call.get(k)) or "-"
        table.add_row(Text(str(call.get("time", "-"))), Text(str(call.get("operation", "-"))),
                      Text(str(call.get("target") or call.get("action") or "-")), Text(where),
                      Text(str(call.get("identity") or call.get("profile") or "-")), shown,
                      Text(clean(json.dumps(call.get("parameters", {}), default=str), limit=300)))
    out.print(table)
    return EXIT_OK


def run_iam_policy(args: argparse.Namespace) -> int:
    from actions.operations import iam_policy

    print(json.dumps(iam_policy(read_only=bool(getattr(args, "read_only", False))), indent=2))
    return EXIT_OK


def default_theme(console: Console | None = None) -> str:
    """On a 16-colour terminal, use its own palette rather than approximations of ours."""
    from themes import DEFAULT_THEME

    color_system = (console or Console()).color_system
    return "ansi-dark" if color_system in ("standard", "windows") else DEFAULT_THEME


NOT_A_TERMINAL = ("The console needs a terminal, and standard output is not one: use `watchkeeper triage` "
                  "(or `triage --json`) for a report, or `watchkeeper logs GROUP` for log events.")


def run_console(args: argparse.Namespace) -> int:
    if not sys.stdout.isatty():  # a TUI into a file or pipe is megabytes of escape sequences
        raise SystemExit(NOT_A_TERMINAL)
    from actions.audit import AuditLog
    from themes import DEFAULT_THEME
    from tui.app import WatchkeeperApp
    from tui.config import audit_log_path

    theme = args.theme or settings().theme or default_theme()
    start = rescope = None
    aws: Scope | None = None
    if args.demo:
        from tui.demo.run import check_region, start_demo

        check_region(args.region)

        def start() -> AwsSession:
            return start_demo(read_only=args.read_only)
    else:
        aws = make_scope(args, remembered=True)  # before the app: a failure is one sentence on the terminal

        def rescope(profiles: list[str], regions: list[str]) -> Scope:
            """The switchers' choice (the app suspends itself first when a profile asks on the terminal)."""
            chosen = argparse.Namespace(**{**vars(args), "profile": ",".join(profiles) or None,
                                           "region": ",".join(regions) or None})
            return make_scope(chosen)

    app = WatchkeeperApp(aws, audit=AuditLog(audit_log_path()), theme=DEFAULT_THEME, start=start,
                         panels=configured_panels(), settings=settings(), rescope=rescope,
                         runbook_dirs=[*settings().runbook_dirs, *getattr(args, "runbooks", [])])
    if theme not in app.available_themes:
        names = ", ".join(sorted(app.available_themes))
        raise SystemExit(f"Unknown theme {theme!r}: choose one of {names}.")
    app.theme = theme
    app.run()  # restores the terminal however it ends
    if app._exception is not None:  # Textual caught it in a handler or worker and exited
        message, code = crashed(app._exception)
        Console(stderr=True, highlight=False, soft_wrap=True).print(Text(message, style="red"))
        return code
    return app.return_code or EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
