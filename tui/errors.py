"""Turn AWS and local failures into one sentence that says what to do."""

from __future__ import annotations

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ProfileNotFound,
    ReadTimeoutError,
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)

EXPIRED_CODES = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "InvalidClientTokenId"}
DENIED_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess"}
THROTTLE_CODES = {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"}
NOT_FOUND_SUFFIXES = ("NotFound", "NotFoundException", "ResourceNotFoundException")


class ReadOnlyRefused(Exception):
    """A mutating call was attempted while watchkeeper runs with --read-only."""


def error_kind(exc: BaseException) -> str:
    """A short, stable classification used in the audit log and the command log."""
    if isinstance(exc, ReadOnlyRefused):
        return "ReadOnly"
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        if code in EXPIRED_CODES:
            return "ExpiredCredentials"
        if code in DENIED_CODES:
            return "AccessDenied"
        if code in THROTTLE_CODES:
            return "Throttling"
        if code.endswith(NOT_FOUND_SUFFIXES):
            return "NotFound"
        return code or "ClientError"
    if isinstance(exc, NoCredentialsError | TokenRetrievalError | SSOTokenLoadError):
        return "NoCredentials"
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError | ReadTimeoutError):
        return "Network"
    return type(exc).__name__


def explain(exc: BaseException, *, profile: str | None = None) -> str:
    """One sentence for the user: what went wrong and what to do about it."""
    login = f"aws sso login --profile {profile}" if profile else "aws sso login"
    if isinstance(exc, ReadOnlyRefused):
        return str(exc)
    if isinstance(exc, ProfileNotFound):
        return (
            f"AWS profile {exc.kwargs.get('profile')!r} is not in your AWS config: "
            "check `aws configure list-profiles` or pass another --profile."
        )
    if isinstance(exc, NoRegionError):
        return "No AWS region is set: pass --region or set AWS_REGION."
    if isinstance(exc, UnauthorizedSSOTokenError | SSOTokenLoadError | TokenRetrievalError):
        return f"Your SSO session has expired or was never started: run `{login}` and retry."
    if isinstance(exc, NoCredentialsError):
        return "No AWS credentials found: set AWS_PROFILE, run `aws configure`, or run `aws sso login`."
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError):
        return f"Cannot reach the AWS endpoint ({exc}): check the network, region or --endpoint-url."
    if isinstance(exc, ReadTimeoutError):
        return "AWS did not answer in time: the service may be degraded; watchkeeper will retry."
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code, message = err.get("Code", "Error"), err.get("Message", "")
        kind = error_kind(exc)
        if kind == "ExpiredCredentials":
            return f"Your AWS credentials have expired ({code}): refresh them, e.g. `{login}`."
        if kind == "AccessDenied":
            return f"Access denied ({code}): your role lacks this permission. {message}".strip()
        if kind == "Throttling":
            return f"AWS is throttling requests ({code}): watchkeeper backs off and retries."
        return f"{code}: {message}" if message else code
    if isinstance(exc, BotoCoreError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
