"""Every AWS operation watchkeeper may call, declared once: who uses it, and whether it mutates.

The session refuses anything not declared here (deny by default) and, in read-only mode,
everything declared as mutating; `watchkeeper iam-policy` prints a least-privilege policy from
it; the fault tests deny each operation in turn. A user is a triage check (`check:`), a panel
level (`view:`, by its Source.kind), an action (`action:`, by its id), a built-in runbook
(`runbook:`, by its name) or a part of the console (`console:`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from botocore import xform_name

# boto3 client names whose IAM prefix differs.
IAM_PREFIX = {"stepfunctions": "states", "emr": "elasticmapreduce", "sso-oidc": "sso-oauth"}
# Services called with an SSO bearer token or no credentials at all: no IAM policy grants them.
NOT_IAM = frozenset({"sso", "sso-oidc"})

# The operations that change something. Everything else declared below only reads, and only
# those reads are allowed in read-only mode (GetActivityTask or GetFederationToken are not
# declared, so no session ever sends them).
MUTATING = frozenset({
    "ecs:UpdateService", "ecs:StopTask",
    "stepfunctions:StartExecution", "stepfunctions:StopExecution", "stepfunctions:RedriveExecution",
    "codepipeline:StartPipelineExecution", "codepipeline:RetryStageExecution", "codepipeline:PutApprovalResult",
    "codepipeline:StopPipelineExecution", "codebuild:RetryBuild", "codebuild:StopBuild",
    "emr:AddJobFlowSteps", "emr:SetTerminationProtection", "emr:TerminateJobFlows", "emr:ModifyInstanceGroups",
    "emr:CancelSteps", "codepipeline:DisableStageTransition", "codepipeline:EnableStageTransition",
    "codebuild:InvalidateProjectCache", "codebuild:StartBuild",
    "batch:CancelJob", "batch:TerminateJob", "batch:SubmitJob", "inspector2:CreateFilter",
    "ec2:CreateSnapshot", "ec2:CopySnapshot", "ec2:DeleteSnapshot", "ec2:CreateVolume", "rds:CreateDBSnapshot",
})

# user -> the operations it calls ("service:Operation", boto3 client name and API name).
USES: dict[str, str] = {
    "console:identity": "sts:GetCallerIdentity iam:ListAccountAliases",
    "console:logs": "logs:FilterLogEvents logs:StartLiveTail logs:DescribeLogGroups",
    # botocore's own credential providers (a profile's role_arn, web identity, SSO) call through the
    # session's clients too, so their calls are declared like any other.
    "console:credentials": "sts:AssumeRole sts:AssumeRoleWithWebIdentity sso:GetRoleCredentials "
                           "sso-oidc:CreateToken",
    "console:mfa": "sts:GetSessionToken",  # session credentials for keyring keys with an MFA device
    "console:sso-login": "sso-oidc:RegisterClient sso-oidc:StartDeviceAuthorization sso-oidc:CreateToken",
    "console:organization": "organizations:ListAccounts sts:AssumeRole",  # --org-role
    # -- triage checks ---------------------------------------------------------------------
    "check:pipelines.failed": "codepipeline:ListPipelines codepipeline:ListPipelineExecutions "
                              "codepipeline:GetPipelineState",
    "check:pipelines.approvals": "codepipeline:ListPipelines codepipeline:GetPipelineState",
    "check:pipelines.stuck": "codepipeline:ListPipelines codepipeline:ListPipelineExecutions "
                             "codepipeline:GetPipelineState",
    "check:stepfunctions.failed": "stepfunctions:ListStateMachines stepfunctions:ListExecutions "
                                  "stepfunctions:DescribeExecution stepfunctions:GetExecutionHistory",
    "check:stepfunctions.long-running": "stepfunctions:ListStateMachines stepfunctions:ListExecutions",
    "check:ecs.services": "ecs:ListClusters ecs:ListServices ecs:DescribeServices ecs:ListTasks ecs:DescribeTasks",
    "check:emr.clusters": "emr:ListClusters",
    "check:emr.steps": "emr:ListClusters emr:ListSteps",
    "check:emr.nodes": "emr:ListClusters emr:DescribeCluster emr:ListInstanceGroups emr:ListInstanceFleets",
    "check:batch.jobs": "batch:DescribeJobQueues batch:ListJobs batch:DescribeComputeEnvironments",
    "check:inspector.findings": "inspector2:ListFindings",
    "check:snapshots.ebs": "ec2:DescribeSnapshots",
    "check:snapshots.freshness": "ec2:DescribeSnapshots ec2:DescribeVolumes",
    "check:snapshots.rds": "rds:DescribeDBSnapshots rds:DescribeDBClusterSnapshots rds:DescribeDBInstances",
    "check:snapshots.backup": "backup:ListBackupJobs",
    # -- panel levels (Source.kind) -----------------------------------------------------------
    "view:codepipeline.pipeline": "codepipeline:ListPipelines codepipeline:ListPipelineExecutions "
                                  "codepipeline:GetPipelineState",
    "view:codepipeline.action": "codepipeline:GetPipeline codepipeline:GetPipelineState "
                                "stepfunctions:DescribeExecution",
    "view:codepipeline.execution": "codepipeline:ListPipelineExecutions",
    "view:codebuild.phase": "codebuild:BatchGetBuilds",
    "view:sfn.machine": "stepfunctions:ListStateMachines stepfunctions:ListExecutions "
                        "stepfunctions:DescribeStateMachine events:ListRuleNamesByTarget events:DescribeRule",
    "view:sfn.execution": "stepfunctions:ListExecutions stepfunctions:DescribeExecution",
    "view:sfn.event": "stepfunctions:GetExecutionHistory stepfunctions:DescribeStateMachineForExecution",
    "view:ecs.cluster": "ecs:ListClusters ecs:DescribeClusters",
    "view:ecs.service": "ecs:ListServices ecs:DescribeServices",
    "view:ecs.task": "ecs:ListTasks ecs:DescribeTasks ecs:DescribeTaskDefinition",
    "view:emr.cluster": "emr:ListClusters emr:DescribeCluster emr:ListInstanceGroups emr:ListInstanceFleets",
    "view:emr.step": "emr:ListSteps emr:DescribeStep",
    "view:emr.instance-group": "emr:DescribeCluster emr:ListInstanceGroups emr:ListInstanceFleets",
    "view:batch.queue": "batch:DescribeJobQueues batch:ListJobs batch:DescribeComputeEnvironments",
    "view:batch.job": "batch:ListJobs batch:DescribeJobs",
    "view:inspector.finding": "inspector2:ListFindings inspector2:BatchGetAccountStatus sts:GetCallerIdentity "
                              "inspector2:ListFindingAggregations",
    "view:inspector.group": "inspector2:ListFindingAggregations inspector2:ListFindings",
    "view:ebs.snapshot": "ec2:DescribeSnapshots ec2:DescribeVolumes",
    "view:ebs.volume": "ec2:DescribeSnapshots ec2:DescribeVolumes",
    "view:rds.snapshot": "rds:DescribeDBSnapshots rds:DescribeDBClusterSnapshots rds:DescribeDBInstances",
    "view:backup.job": "backup:ListBackupJobs",
    # -- actions (actions.catalog ids; waiters' reads included) ----------------------------------
    "action:ecs.force-deployment": "ecs:UpdateService ecs:DescribeServices",
    "action:ecs.scale": "ecs:UpdateService ecs:DescribeServices",
    "action:ecs.rollback": "ecs:UpdateService ecs:DescribeServices",
    "action:ecs.stop-task": "ecs:StopTask",
    "action:sfn.stop-execution": "stepfunctions:StopExecution",
    "action:sfn.rerun": "stepfunctions:StartExecution",
    "action:sfn.start": "stepfunctions:StartExecution",
    "action:sfn.redrive": "stepfunctions:RedriveExecution",
    "action:pipeline.start": "codepipeline:StartPipelineExecution",
    "action:pipeline.retry-stage": "codepipeline:RetryStageExecution",
    "action:pipeline.approve": "codepipeline:PutApprovalResult",
    "action:pipeline.reject": "codepipeline:PutApprovalResult",
    "action:pipeline.stop": "codepipeline:StopPipelineExecution",
    "action:pipeline.stop-abandon": "codepipeline:StopPipelineExecution",
    "action:codebuild.retry": "codebuild:RetryBuild",
    "action:codebuild.stop": "codebuild:StopBuild",
    "action:emr.add-step": "emr:AddJobFlowSteps emr:DescribeStep",
    "action:emr.protect": "emr:SetTerminationProtection",
    "action:emr.terminate": "emr:TerminateJobFlows",
    "action:emr.resize": "emr:ModifyInstanceGroups",
    "action:emr.cancel-step": "emr:CancelSteps",
    "action:batch.cancel": "batch:CancelJob",
    "action:batch.terminate": "batch:TerminateJob",
    "action:batch.resubmit": "batch:SubmitJob",
    "action:inspector.suppress": "inspector2:CreateFilter",
    "action:ebs.snapshot-volume.ebs.snapshot": "ec2:CreateSnapshot",
    "action:ebs.snapshot-volume.ebs.volume": "ec2:CreateSnapshot",
    "action:ebs.copy": "ec2:CopySnapshot",
    "action:ebs.delete": "ec2:DeleteSnapshot",
    "action:rds.snapshot": "rds:CreateDBSnapshot",
    # -- runbooks (actions/runbooks/builtin; targets.py's DescribeServices and waiters' reads included) --
    "runbook:ecs-crash-loop": "ecs:ListTasks ecs:DescribeTasks ecs:DescribeServices ecs:UpdateService "
                              "logs:FilterLogEvents",
    "runbook:sfn-execution-failed": "stepfunctions:DescribeExecution stepfunctions:StartExecution",
    "runbook:snapshot-before-change": "ec2:DescribeVolumes ec2:CreateSnapshot ec2:DescribeSnapshots",
    "runbook:automation-armed": "events:ListRuleNamesByTarget events:DescribeRule",
    "runbook:pipeline-stage-failed": "codepipeline:GetPipelineState codebuild:BatchGetBuilds logs:FilterLogEvents "
                                     "codepipeline:RetryStageExecution",
    "runbook:freeze-promotions": "codepipeline:GetPipelineState codepipeline:DisableStageTransition",
    "runbook:unfreeze-promotions": "codepipeline:GetPipelineState codepipeline:EnableStageTransition",
    "runbook:codebuild-cache-flush": "codebuild:BatchGetBuilds codebuild:InvalidateProjectCache codebuild:StartBuild",
    "runbook:critical-finding": "inspector2:ListFindings ec2:DescribeVolumes ec2:CreateSnapshot",
    "runbook:emr-step-failed": "emr:DescribeStep emr:AddJobFlowSteps emr:ListSteps emr:CancelSteps",
    "runbook:emr-safe-scale-in": "emr:ListInstanceGroups emr:ModifyInstanceGroups",
    "runbook:batch-job-stuck-runnable": "batch:DescribeJobs batch:DescribeJobQueues batch:DescribeComputeEnvironments "
                                        "batch:TerminateJob batch:SubmitJob",
    "runbook:restore-volume": "ec2:DescribeSnapshots ec2:CreateVolume ec2:DescribeVolumes",
}


@dataclass(frozen=True)
class Operation:
    service: str  # boto3 client name
    name: str  # API operation name, e.g. ListExecutions
    mutates: bool
    used_by: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.service}:{self.name}"

    @property
    def iam_action(self) -> str:
        return f"{IAM_PREFIX.get(self.service, self.service)}:{self.name}"

    @property
    def method(self) -> str:
        """The boto3 client method, e.g. list_executions."""
        return xform_name(self.name)


@cache
def operations() -> dict[str, Operation]:
    """Every declared operation by key ("ecs:ListClusters")."""
    users: dict[str, list[str]] = defaultdict(list)
    for user, names in USES.items():
        for key in names.split():
            users[key].append(user)
    unused = MUTATING - users.keys()
    if unused:  # a mutation nobody uses must not be allowed either
        raise ValueError(f"declared as mutating but used by nothing: {sorted(unused)}")
    found = {}
    for key, who in users.items():
        service, name = key.split(":")
        found[key] = Operation(service, name, key in MUTATING, tuple(who))
    return found


def find(service: str, name: str) -> Operation | None:
    """The declaration of service:name (boto3 client name, API name), or None."""
    return operations().get(f"{service}:{name}")


def used_by(user: str) -> tuple[Operation, ...]:
    """The operations one user ("check:ecs.services", "action:ecs.scale") calls."""
    return tuple(operations()[key] for key in USES.get(user, "").split())


def iam_action(service: str, name: str) -> str:
    return f"{IAM_PREFIX.get(service, service)}:{name}"


def iam_policy(*, read_only: bool = False) -> dict[str, object]:
    """A least-privilege IAM policy for what watchkeeper calls (reads only, with read_only)."""
    chosen = sorted({op.iam_action for op in operations().values()
                     if not (read_only and op.mutates) and op.service not in NOT_IAM})
    reads = [a for a in chosen if not operations_by_iam()[a].mutates]
    writes = [a for a in chosen if operations_by_iam()[a].mutates]
    statements: list[dict[str, object]] = [
        {"Sid": "WatchkeeperRead", "Effect": "Allow", "Action": reads, "Resource": "*"}]
    if writes:
        statements.append({"Sid": "WatchkeeperActions", "Effect": "Allow", "Action": writes, "Resource": "*"})
    return {"Version": "2012-10-17", "Statement": statements}


@cache
def operations_by_iam() -> dict[str, Operation]:
    return {op.iam_action: op for op in operations().values()}
