"""Turn AWS and local failures into one sentence that says what to do."""

from __future__ import annotations

import re
from dataclasses import dataclass

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
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
from botocore.parsers import ResponseParserError

EXPIRED_CODES = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "InvalidClientTokenId"}
DENIED_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess"}
THROTTLE_CODES = {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"}
NOT_FOUND_SUFFIXES = ("NotFound", "NotFoundException", "ResourceNotFoundException")
UNSUPPORTED_CODES = {"InvalidAction", "UnknownOperationException", "UnknownOperation", "NotImplemented",
                     "NotImplementedException", "UnsupportedOperation", "UnsupportedOperationException",
                     "InternalFailure", "InternalError", "InternalServerError", "ServiceUnavailable"}
INVALID_CODES = {"ValidationException", "ValidationError", "InvalidParameterException", "InvalidParameterValue",
                 "InvalidParameterCombination", "InvalidRequestException", "InvalidInput", "BadRequestException",
                 "ClientException", "InvalidArn", "InvalidParameterValueException", "SerializationException"}
NON_AWS_BODY = re.compile(r"<\s*(!doctype|html|head|body|title)\b", re.IGNORECASE)


class ReadOnlyRefused(Exception):
    """A mutating call was attempted while watchkeeper runs with --read-only."""


# What a failure is, in words, and what to do about it: one sentence per kind.
DENIED, THROTTLED, UNREACHABLE = "access denied", "throttled", "unreachable"
UNSUPPORTED = "not supported by this endpoint"
EXPIRED, NOT_FOUND, INVALID, REFUSED = "credentials expired", "not found", "invalid request", "refused (read-only)"
UNEXPECTED, FAILED = "unexpected response", "failed"
ADVICE = {
    DENIED: "Ask for {action} on this role (check SCPs and permission boundaries too), or use a role that has it.",
    THROTTLED: "AWS is rate-limiting this account; watchkeeper retries at the next refresh (r to retry now).",
    UNSUPPORTED: "This endpoint (LocalStack, moto, a VPC endpoint?) does not serve {action}; the rest still works.",
    UNREACHABLE: "Check the network, the region and --endpoint-url; watchkeeper keeps the last data and retries.",
    EXPIRED: "Refresh your credentials (e.g. `{login}`), then press r.",
    NOT_FOUND: "The resource is gone, or lives in another account or region.",
    INVALID: "The endpoint rejected the request; the full message is in the detail pane.",
    REFUSED: "watchkeeper runs with --read-only.",
    UNEXPECTED: "The response lacked something watchkeeper needs; the full message is in the detail pane.",
    FAILED: "The full message is in the detail pane.",
}


@dataclass(frozen=True)
class Failure:
    """Why some data could not be read: which part, the IAM action, the kind, what to do."""

    what: str  # the part that is missing, e.g. "stage states"
    action: str  # IAM form, e.g. codepipeline:GetPipelineState ("" when no call was involved)
    kind: str  # one of the kinds above
    advice: str
    message: str = ""  # the full message, never HTML; for the detail pane and --json

    def sentence(self) -> str:
        """The one line shown where the data would be; the permission name comes first."""
        action = f"{self.action} — " if self.action else ""
        return f"{self.what} unavailable: {action}{self.kind}. {self.advice}"

    def as_json(self) -> dict[str, str]:
        return {"check": self.what, "action": self.action, "kind": self.kind, "advice": self.advice,
                "message": self.message}


def aws_message(exc: BaseException) -> str:
    """The error's message, or "" where the body was not an AWS error (an HTML page, nothing)."""
    error = exc.response.get("Error", {}) if isinstance(exc, ClientError) else {"Message": str(exc)}
    message = str(error.get("Message") or "")
    return "" if NON_AWS_BODY.search(message) else message


def failure_kind(exc: BaseException) -> str:
    if isinstance(exc, ReadOnlyRefused):
        return REFUSED
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        kind = error_kind(exc)
        if kind == "ExpiredCredentials":
            return EXPIRED
        if kind == "AccessDenied" or (status == 403 and not code.isdigit()):
            return DENIED
        if kind == "Throttling":
            return THROTTLED
        if kind == "NotFound" and not code.isdigit():
            return NOT_FOUND
        if status in (502, 503, 504) and (code.isdigit() or not aws_message(exc)):
            return UNREACHABLE  # a proxy or load balancer answered: the service is not reachable
        if code.isdigit() or code in UNSUPPORTED_CODES or (not aws_message(exc) and status >= 404):
            return UNSUPPORTED  # an HTML page or bare status: not an AWS answer
        if code in INVALID_CODES or code.startswith("Invalid"):
            return INVALID
        return FAILED
    if isinstance(exc, NoCredentialsError | TokenRetrievalError | SSOTokenLoadError | UnauthorizedSSOTokenError):
        return EXPIRED
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError | ReadTimeoutError | ConnectionClosedError):
        return UNREACHABLE
    if isinstance(exc, ResponseParserError):
        return UNSUPPORTED  # the endpoint answered with something that is not an AWS response
    if isinstance(exc, BotoCoreError):
        return FAILED
    return UNEXPECTED  # our parsing met a response it did not expect


def failure_of(exc: BaseException, what: str, *, call: tuple[str, str] | None = None,
               profile: str | None = None) -> Failure:
    """A Failure for `exc`, raised while reading `what`; `call` is the (service, operation) that
    was in flight, where known."""
    from actions.operations import iam_action, operations

    kind = failure_kind(exc)
    operation = exc.operation_name if isinstance(exc, ClientError) else ""
    action = ""
    if call is not None and (not operation or call[1] == operation):
        action = iam_action(*call)
    elif operation:  # the service from the declaration, where the name is unique there
        named = [op.iam_action for op in operations().values() if op.name == operation]
        action = named[0] if len(named) == 1 else operation
    login = f"aws sso login --profile {profile}" if profile else "aws sso login"
    advice = ADVICE[kind].format(action=action or "this call", login=login)
    message = aws_message(exc)
    if kind == UNEXPECTED:
        message = f"{type(exc).__name__}: {exc}" + (f" (reading the answer of {action})" if action else "")
    elif isinstance(exc, ClientError) and not message:
        message = f"HTTP {exc.response.get('ResponseMetadata', {}).get('HTTPStatusCode', '?')} with no AWS error body"
    return Failure(what, action, kind, advice, message)


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
        return "AWS did not answer in time: the service may be degraded; try again (open panels retry on their own)."
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code, message = err.get("Code", "Error"), err.get("Message", "")
        kind = error_kind(exc)
        if kind == "ExpiredCredentials":
            return f"Your AWS credentials have expired ({code}): refresh them, e.g. `{login}`."
        action = exc.operation_name
        if kind == "AccessDenied":
            return f"Access denied to {action} ({code}): your role lacks this permission. {message}".strip()
        if kind == "Throttling":
            return f"AWS is throttling requests ({code}): watchkeeper backs off and retries."
        if failure_kind(exc) == UNSUPPORTED:
            return f"{action} is not supported by this endpoint (HTTP {code})."
        return f"{code}: {message}" if message else code
    if isinstance(exc, ResponseParserError):
        return "The endpoint's answer is not an AWS response: check --endpoint-url (a proxy, a web server?)."
    if isinstance(exc, BotoCoreError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
