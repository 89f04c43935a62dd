"""Known failure signatures: a pattern on AWS's own text, its cause, the fix, and where that is known from.

`make doctor` matches stack events, service events, stopped-task reasons and target
health against this table; docs/ecs-deployment.md shows it as a generated table.
"""

import re
from dataclasses import dataclass

EXEC = (
    "redeploy with EnableExecuteCommand=true, then (AWS CLI v2 + Session Manager plugin) "
    'aws ecs execute-command --cluster <cluster> --task <task> --container <name> --interactive --command "sh"'
)
TROUBLESHOOTING = "docs/ecs-deployment.md#troubleshooting"
PULL_DOC = "https://repost.aws/knowledge-center/ecs-fargate-pull-container-error"
STOPPED_DOC = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-error-codes.html"


@dataclass(frozen=True)
class Signature:
    name: str
    pattern: str
    cause: str
    fix: str
    section: str
    source: str

    def matches(self, text: str) -> bool:
        return re.search(self.pattern, text, re.IGNORECASE) is not None


SIGNATURES: tuple[Signature, ...] = (
    Signature(
        "image-pull-network",
        r"CannotPullContainerError.*(i/o timeout|dial tcp|context deadline exceeded|request canceled)",
        "The task has no network path to the registry.",
        "Private subnets: a NAT gateway route or the ECR api/dkr + S3 gateway endpoints; public subnets: "
        "AssignPublicIp=ENABLED. Run make preflight.",
        "docs/ecs-deployment.md#prerequisites",
        PULL_DOC,
    ),
    Signature(
        "image-pull-denied",
        r"CannotPullContainerError.*(AccessDenied|access denied|not authorized|403 Forbidden)",
        "The execution role may not pull the image.",
        "Allow ecr:GetAuthorizationToken, ecr:BatchGetImage and ecr:GetDownloadUrlForLayer to the execution "
        "role (and the repository policy, for another account's registry).",
        TROUBLESHOOTING,
        PULL_DOC,
    ),
    Signature(
        "image-pull-not-found",
        r"CannotPullContainerError.*(not found|manifest unknown|does not exist)",
        "The image tag or repository does not exist.",
        "Push the image or fix the tag: aws ecr describe-images --repository-name <repo> --image-ids imageTag=<tag>",
        TROUBLESHOOTING,
        "https://github.com/ActionIQ/terraform-aws-retool-ecs-fargate/issues/20",
    ),
    Signature(
        "secrets-network",
        r"unable to retrieve secrets? from ssm.*(RequestCanceled|context deadline|timeout)",
        "The task cannot reach SSM to read its secrets.",
        "An SSM interface endpoint (its group admitting the tasks on 443) or a NAT route.",
        "docs/platform.md#troubleshooting",
        "https://github.com/umotif-public/terraform-aws-ecs-fargate/issues/50",
    ),
    Signature(
        "secrets-denied",
        r"not authorized to perform: ssm:GetParameters",
        "The execution role may not read the SSM parameters.",
        "Allow ssm:GetParameters on the parameters' ARNs to the execution role.",
        "docs/platform.md#troubleshooting",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-ssm-paramstore.html",
    ),
    Signature(
        "secrets-kms",
        r"kms:Decrypt|KMS.*AccessDenied|AccessDeniedException.*kms",
        "A SecureString uses a customer managed KMS key the execution role may not use.",
        "Allow kms:Decrypt on the key to the execution role (key policy), limited with "
        "kms:ViaService=ssm.<region>.amazonaws.com.",
        "docs/platform.md#inputs-it-expects-from-the-other-stacks",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-ssm-paramstore.html",
    ),
    Signature(
        "secrets-missing",
        r"invalid ssm parameters?|ParameterNotFound",
        "A parameter the task definition names does not exist.",
        "Create it: aws ssm put-parameter --type SecureString --name <path>/<name> --value '...'",
        "docs/platform.md#inputs-it-expects-from-the-other-stacks",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-ssm-paramstore.html",
    ),
    Signature(
        "log-group-missing",
        r"ResourceNotFoundException.*log group|log group does not exist|failed to validate logger args",
        "The awslogs log group is missing or unreachable.",
        "Let the stack create the log group (do not delete it by hand); in private subnets add the Logs endpoint.",
        TROUBLESHOOTING,
        "https://github.com/cn-terraform/terraform-aws-nexus/issues/35",
    ),
    Signature(
        "out-of-memory",
        r"OutOfMemoryError|exit code:? ?137\b",
        "A container used more memory than the task has and was killed.",
        "Raise the task memory (TaskSize, or the Environment size) and check the app for leaks.",
        TROUBLESHOOTING,
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cannot-start-container.html",
    ),
    Signature(
        "essential-container-exited",
        r"Essential container in task exited",
        "The main process exited; the logs say why.",
        "aws logs tail <log group> --since 30m (AWS CLI v2); the container's exit code is in the stopped task.",
        TROUBLESHOOTING,
        STOPPED_DOC,
    ),
    Signature(
        "elb-health-check",
        r"failed ELB health checks|is unhealthy in \(target-group|Target\.(FailedHealthChecks|Timeout|"
        r"ResponseCodeMismatch)",
        "The load balancer's health check does not get a healthy answer from the tasks.",
        "Match the health-check path and port to the app; allow the ALB's group on the container port; "
        "raise HealthCheckGracePeriodSeconds for slow starts.",
        "docs/go-api.md#troubleshooting",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-unhealthy-event-messages.html",
    ),
    Signature(
        "vcpu-quota",
        r"reached the limit on the number of vCPUs you can run concurrently",
        "The account's Fargate vCPU quota is used up.",
        "aws service-quotas request-service-quota-increase --service-code fargate --quota-code L-3032A538 "
        "--desired-value <n> (L-36FBB829 for Spot)",
        TROUBLESHOOTING,
        "https://repost.aws/questions/QUmYO0T8YKQgG5zOMJQ7HsMw",
    ),
    Signature(
        "capacity-unavailable",
        r"Capacity is unavailable at this time",
        "Fargate has no capacity for this size in the zones offered.",
        "Wait and retry; offer subnets in more Availability Zones or another task size.",
        TROUBLESHOOTING,
        "https://repost.aws/knowledge-center/ecs-fargate-runtask-capacity",
    ),
    Signature(
        "spot-capacity",
        r"SpotInterruption|Spot Task was interrupted|FARGATE_SPOT.*(capacity|unable to place)",
        "Fargate Spot capacity was reclaimed or is not available.",
        "Keep a FARGATE base in the capacity provider strategy; Spot tasks come back when capacity does.",
        "docs/platform.md#cost-effect-of-the-spot-mix",
        STOPPED_DOC,
    ),
    Signature(
        "circuit-breaker-rollback",
        r"circuit breaker|rolloutState FAILED",
        "New tasks kept failing, so ECS rolled the service back to the last working revision.",
        "Fix the first failure reported above (stopped tasks, health checks), then deploy again.",
        "docs/go-api.md#when-a-release-fails",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html",
    ),
    Signature(
        "retained-resource-exists",
        r"already exists",
        "A resource kept from an earlier stack (DeletionPolicy Retain, e.g. the log group) has the same name.",
        "Delete or import the leftover resource (aws logs delete-log-group --log-group-name <name> once its logs "
        "are no longer needed), or deploy under another stack name.",
        "docs/ecs-deployment.md#updating-and-deleting",
        "https://github.com/waterbear-cloud/paco/issues/19",
    ),
    Signature(
        "target-group-without-load-balancer",
        r"does not have an associated load balancer",
        "The service was created before a listener (rule) forwarded to its target group.",
        "Attach the target group to a listener first (go-api), or keep the service's DependsOn on the rule.",
        "docs/platform.md#troubleshooting",
        "https://github.com/cloudposse/terraform-aws-ecs-web-app/issues/226",
    ),
    Signature(
        "image-entrypoint-shell-missing",
        r"exec \S+ failed: No such file or directory|exec format error|"
        r"exec user process caused.*no such file or directory",
        "The image's entrypoint could not be started: a script whose interpreter (#!/bin/bash) is not in the image "
        "(an Alpine base has only sh), or a binary built for another CPU architecture (exec format error).",
        "Check the image: docker run --rm --entrypoint sh <image> -c 'command -v bash' prints nothing when bash is "
        "missing; then build FROM the release with RUN apk add --no-cache bash, push it to your ECR and deploy "
        "with ImageUri=<that ECR URI>. For exec format error use an image built for linux/amd64.",
        "docs/finfocus-plugin.md#before-the-first-deploy-check-the-image-starts",
        "https://github.com/docker-library/openjdk/issues/373",
    ),
    Signature(
        "vpc-dns-off",
        r"enableDns(Support|Hostnames)=false|no such host|could not resolve host|name resolution",
        "Private DNS names (Cloud Map, endpoints) do not resolve: the VPC's DNS attributes are off or the name "
        "has no healthy instance.",
        "aws ec2 modify-vpc-attribute --vpc-id <vpc> --enable-dns-support '{\"Value\":true}' (and "
        f"--enable-dns-hostnames); to test a name from inside the VPC: {EXEC}",
        "docs/ecs-deployment.md#troubleshooting",
        "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-dns.html",
    ),
)


def match(text: str) -> list[Signature]:
    return [signature for signature in SIGNATURES if signature.matches(text)]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table() -> str:
    lines = ["| Signature | Matches (regex on the AWS text) | Cause | Fix | Source |", "|---|---|---|---|---|"]
    for s in SIGNATURES:
        guide = s.section.removeprefix("docs/")  # the table lives in docs/
        lines.append(
            f"| `{s.name}` | `{_cell(s.pattern)}` | {_cell(s.cause)} | {_cell(s.fix)} ([guide]({guide})) "
            f"| [source]({s.source}) |"
        )
    return "\n".join(lines) + "\n"


DOC_BLOCKS = {"doctor.signatures": markdown_table}
