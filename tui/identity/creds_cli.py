"""`watchkeeper creds set|list|delete|export`: keys in the OS keyring, and the `credential_process`
that lets the AWS CLI and every SDK use the same entry."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import shlex
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from tui.identity import creds
from tui.safe_text import clean


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("creds", help="keep a profile's access key in the OS keyring (never on disk) and "
                                 "give it to the AWS CLI and SDKs through credential_process")
    verbs = parser.add_subparsers(dest="creds_command", required=True)
    store = verbs.add_parser("set", help="store PROFILE's access key id and secret (asked for on a terminal; two "
                             "lines on stdin otherwise, a third for the MFA device)")
    store.add_argument("profile")
    store.add_argument("--mfa-serial", default="", help="the MFA device's ARN: a code is asked for when needed")
    verbs.add_parser("list", help="the profiles stored (never their secrets)")
    remove = verbs.add_parser("delete", help="remove PROFILE's keys and cached session")
    remove.add_argument("profile")
    export = verbs.add_parser("export", help="print the credential_process JSON (Version 1) for PROFILE")
    export.add_argument("profile")


def run(args: argparse.Namespace) -> int:
    """0, or 1 with one sentence on stderr (stdout carries only what was asked for)."""
    try:
        if args.creds_command == "set":
            return set_keys(args.profile, args.mfa_serial)
        if args.creds_command == "list":
            for profile in creds.stored_profiles():
                keys = creds.load(profile)
                mfa = f"MFA {clean(keys.mfa_serial)}" if keys and keys.mfa_serial else "no MFA"
                print(f"{clean(profile)}\t{mfa}")
            return 0
        if args.creds_command == "delete":
            found = creds.delete(args.profile)
            name = clean(args.profile)
            print(f"Deleted {name} from the keyring." if found else f"{name} was not stored.")
            return 0
        output = creds.process_output(args.profile, region=os.environ.get("AWS_REGION"),
                                      endpoint_url=os.environ.get("AWS_ENDPOINT_URL"), ask_token=tty_token)
        print(json.dumps(output))
        return 0
    except creds.CredsError as exc:
        print(f"watchkeeper creds: {clean(str(exc))}", file=sys.stderr)
        return 1
    except Exception as exc:  # an STS error while asking for the MFA session: one sentence
        from tui.errors import explain

        print(f"watchkeeper creds: {clean(explain(exc))}", file=sys.stderr)
        return 1


def set_keys(profile: str, mfa_serial: str) -> int:
    if sys.stdin.isatty():
        key_id = input("Access key id: ").strip()
        secret = getpass.getpass("Secret access key: ").strip()
    else:  # scripted: `printf '%s\n%s\n' "$ID" "$SECRET" | watchkeeper creds set NAME`
        lines = [line.strip() for line in sys.stdin.read().splitlines()]
        if len(lines) < 2:
            raise creds.CredsError("Give the access key id and the secret on two lines of standard input.")
        key_id, secret = lines[0], lines[1]
        mfa_serial = mfa_serial or (lines[2] if len(lines) > 2 else "")
    creds.store(profile, creds.StoredKeys(key_id, secret, mfa_serial.strip()))
    name = clean(profile)  # a name from the command line, printed back: never raw escape sequences
    print(f"Stored {name} in the keyring. For the AWS CLI and SDKs, add under [profile {name}] in "
          f"~/.aws/config:\ncredential_process = {export_command(profile)}")
    return 0


def export_command(profile: str) -> str:
    """The command botocore runs: this executable, quoted as its shell-like splitting expects."""
    running, found = Path(sys.argv[0]), shutil.which("watchkeeper")
    if running.name in ("watchkeeper", "wk") and running.exists():
        command = [str(running.resolve()), "creds"]
    elif found:
        command = [found, "creds"]
    else:
        command = [sys.executable, "-m", "tui.identity.creds_cli"]
    return " ".join(quote(part) for part in [*command, "export", profile])


def quote(part: str) -> str:
    return f'"{part}"' if any(c.isspace() for c in part) else shlex.quote(part)


def tty_token(serial: str) -> str:
    """An MFA code from the terminal itself: stdin and stdout are botocore's pipes here."""
    try:
        with open("/dev/tty", "r+") as tty:
            tty.write(f"MFA code for {serial}: ")
            tty.flush()
            return tty.readline().strip()
    except OSError as exc:
        raise creds.CredsError(f"An MFA code for {serial} is needed and there is no terminal to ask for it "
                               "(run `watchkeeper creds export` once in a terminal: the session is cached).") from exc


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="watchkeeper")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(["creds", *(argv or [])]))


if __name__ == "__main__":  # `python -m tui.identity.creds_cli export NAME`, where no script is installed
    sys.exit(main(sys.argv[1:]))
