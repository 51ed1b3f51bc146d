"""Profile names the switcher offers: ~/.aws/config's and the keyring's (`watchkeeper creds set`)."""

from __future__ import annotations

import contextlib

import boto3


def known_profiles(current: list[str]) -> list[str]:
    names = set(current)
    with contextlib.suppress(Exception):  # an unreadable ~/.aws/config: the others are still offered
        names |= set(boto3.Session().available_profiles)
    with contextlib.suppress(Exception):  # no usable keyring: ~/.aws/config's profiles only
        from tui.identity import creds

        if creds.backend_problem() is None:
            names |= set(creds.stored_profiles())
    return sorted(names)


def is_sso_profile(profile: str) -> bool:
    """Whether the profile signs in through IAM Identity Center (sso_session or sso_start_url)."""
    try:
        config = boto3.Session(profile_name=profile)._session.get_scoped_config()
    except Exception:
        return False
    return bool(config.get("sso_session") or config.get("sso_start_url"))


def needs_terminal(profile: str) -> bool:
    """Whether signing in may ask on the terminal: a credential_process (which may prompt), an
    MFA device on a role, or keyring keys with an MFA device and no valid session cached."""
    try:
        config = boto3.Session(profile_name=profile)._session.get_scoped_config()
    except Exception:
        config = {}
    if config.get("credential_process") or config.get("mfa_serial"):
        return True
    with contextlib.suppress(Exception):
        from tui.identity import creds

        return creds.backend_problem() is None and creds.needs_token(profile)
    return False
