"""The session layer: cached clients, retries, user agent, errors explained in one sentence."""

from __future__ import annotations

import pytest
from botocore.exceptions import NoCredentialsError
from botocore.stub import Stubber

from actions.audit import AuditLog
from tests.conftest import session
from tui.demo.server import DemoServer
from tui.errors import error_kind, explain
from tui.session import USER_AGENT, AuditUnavailable, AwsSession, Undeclared


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


@pytest.mark.parametrize("service,method,params", [
    # Reads by name, with side effects: dequeues a task, mints credentials, exports key material.
    ("stepfunctions", "get_activity_task", {"activityArn": "arn:aws:states:us-east-1:123456789012:activity:a"}),
    ("sts", "get_access_key_info", {"AccessKeyId": "AKIAEXAMPLE"}),
    ("sts", "get_federation_token", {"Name": "x"}),
    ("redshift", "get_cluster_credentials", {"DbUser": "u", "ClusterIdentifier": "c"}),
    ("emr", "get_cluster_session_credentials", {"ClusterId": "j-1"}),
    ("kms", "get_parameters_for_import", {"KeyId": "k", "WrappingAlgorithm": "RSAES_OAEP_SHA_1",
                                          "WrappingKeySpec": "RSA_2048"}),
    ("ecs", "delete_cluster", {"cluster": "prod"}),  # an undeclared mutation, also in read-write
])
@pytest.mark.parametrize("read_only", [True, False])
def test_undeclared_operations_are_never_sent(
    server: DemoServer, service: str, method: str, params: dict, read_only: bool
) -> None:
    aws = session(server, read_only=read_only)
    with pytest.raises(Undeclared, match="does not declare"):
        getattr(aws.client(service), method)(**params)
    assert not aws.calls  # refused before anything left the process


def test_read_only_allows_exactly_the_declared_reads(server: DemoServer, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from actions.operations import operations

    aws = session(server, read_only=True)
    aws.audit = AuditLog(tmp_path / "audit.jsonl")
    for op in operations().values():
        model = aws.client(op.service).meta.service_model.operation_model(op.name)
        context: dict = {}
        if op.mutates:
            with pytest.raises(Exception, match="read-only"):
                aws._before_call({}, model, context)
        else:
            aws._before_call({}, model, context)
    assert not aws.audit.entries()


def test_a_mutation_without_an_audit_log_is_refused(server: DemoServer) -> None:
    aws = session(server, "eu-central-1")
    with pytest.raises(AuditUnavailable, match="cannot record"):
        aws.client("ecs").update_service(cluster="prod", service="x", desiredCount=1)
    assert not aws.calls


def test_an_unwritable_audit_log_refuses_the_mutation(server: DemoServer, tmp_path) -> None:  # type: ignore[no-untyped-def]
    blocked = tmp_path / "file"
    blocked.write_text("")
    aws = session(server, "eu-central-1")
    aws.audit = AuditLog(blocked / "audit.jsonl")  # a directory under a file: cannot be created
    with pytest.raises(AuditUnavailable, match="cannot be written"):
        aws.client("ecs").update_service(cluster="prod", service="x", desiredCount=1)
    assert not aws.calls


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
