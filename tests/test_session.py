"""The session layer: cached clients, retries, user agent, errors explained in one sentence."""

from __future__ import annotations

import pytest
from botocore.exceptions import NoCredentialsError
from botocore.stub import Stubber

from tests.conftest import session
from tui.demo.server import DemoServer
from tui.errors import error_kind, explain
from tui.session import USER_AGENT, AwsSession, is_read_only_operation


def test_clients_are_cached_per_service_and_region(aws: AwsSession) -> None:
    assert aws.client("ecs") is aws.client("ecs")
    assert aws.client("ecs") is not aws.client("ecs", "eu-west-1")
    assert aws.client("ecs", "eu-west-1").meta.region_name == "eu-west-1"
    config = aws.client("ecs").meta.config
    assert config.retries["mode"] == "adaptive"
    assert config.connect_timeout == 5 and config.read_timeout == 20


def test_every_client_uses_the_endpoint_override(aws: AwsSession, server: DemoServer) -> None:
    for service in ("ecs", "stepfunctions", "codepipeline", "emr", "batch", "inspector2", "ec2", "sts"):
        assert aws.client(service).meta.endpoint_url == server.endpoint_url


def test_requests_carry_the_watchkeeper_user_agent(aws: AwsSession) -> None:
    seen: list[str] = []
    aws.client("sts").meta.events.register(
        "before-send", lambda request, **_: seen.append(request.headers["User-Agent"].decode())
    )
    aws.identity(refresh=True)
    assert USER_AGENT in seen[0]


def test_calls_are_logged_with_request_ids(server: DemoServer) -> None:
    aws = session(server)
    aws.identity()
    [call] = list(aws.calls)
    assert (call.service, call.operation, call.ok, call.mutating) == ("sts", "GetCallerIdentity", True, False)
    assert call.request_id


@pytest.mark.parametrize("name,read_only", [
    ("DescribeServices", True), ("ListTasks", True), ("GetExecutionHistory", True),
    ("BatchGetBuilds", True), ("FilterLogEvents", True), ("StartLiveTail", True),
    ("UpdateService", False), ("StopTask", False), ("StartExecution", False), ("TerminateJob", False),
    ("CreateSnapshot", False), ("RetryStageExecution", False), ("CancelSteps", False),
])
def test_read_only_allows_only_reads(name: str, read_only: bool) -> None:
    assert is_read_only_operation(name) is read_only


@pytest.mark.parametrize("code,kind,advice", [
    ("ExpiredTokenException", "ExpiredCredentials", "aws sso login --profile oncall"),
    ("AccessDeniedException", "AccessDenied", "lacks this permission"),
    ("ThrottlingException", "Throttling", "backs off and retries"),
    ("ResourceNotFoundException", "NotFound", "ResourceNotFoundException: gone"),
])
def test_aws_errors_are_explained(aws: AwsSession, code: str, kind: str, advice: str) -> None:
    client = aws.client("ecs")
    with Stubber(client) as stub:  # error shapes moto cannot produce
        stub.add_client_error("list_clusters", code, "gone")
        with pytest.raises(Exception) as caught:
            client.list_clusters()
    assert error_kind(caught.value) == kind
    assert advice in explain(caught.value, profile="oncall")


def test_missing_credentials_are_explained() -> None:
    assert "aws sso login" in explain(NoCredentialsError())
