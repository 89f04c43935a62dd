"""ECS itself: the cluster to run in, its service-linked role, the Fargate vCPU quota."""

import math

import botocore.exceptions

from ..shared.aws import call, call_or_none
from ..shared.capacity import split
from ..shared.context import Context
from ..shared.report import Result, failed, passed, skipped

# Service Quotas codes of the two Fargate vCPU quotas (service code "fargate").
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html#service-quotas-fargate
FARGATE_QUOTAS = {
    "FARGATE": ("L-3032A538", "Fargate On-Demand vCPU resource count"),
    "FARGATE_SPOT": ("L-36FBB829", "Fargate Spot vCPU resource count"),
}
SERVICE_LINKED_ROLE = "AWSServiceRoleForECS"
# A cluster's status, as DescribeClusters answers it: only an ACTIVE cluster takes services.
# PROVISIONING and DEPROVISIONING pass with time (capacity providers being made or removed).
# https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Cluster.html
PASSING_CLUSTER_STATES = {"PROVISIONING", "DEPROVISIONING"}


def cluster(ctx: Context) -> list[Result]:
    if "ExistingClusterName" not in ctx.parameters:
        return []
    name = ctx.value("ExistingClusterName")
    if not name:
        return [skipped("cluster", "ExistingClusterName is empty: the stack creates its cluster")]
    answer = call(ctx.client("ecs"), "describe_clusters", clusters=[name])
    found = answer.get("clusters", [])
    choose = (
        f"set ExistingClusterName to an ACTIVE cluster of {ctx.region} (aws ecs list-clusters lists them), or leave "
        "it empty to let the stack create one"
    )
    if not found:
        return [failed("cluster", f"{name} not found in {ctx.region}", choose)]
    status = found[0]["status"]
    if status == "ACTIVE":
        return [passed("cluster", f"{name} is ACTIVE")]
    if status in PASSING_CLUSTER_STATES:
        wait = (
            f"wait until aws ecs describe-clusters --clusters {name} --query 'clusters[0].status' answers ACTIVE, "
            "then run make preflight again"
        )
        return [failed("cluster", f"{name} is {status}, not ACTIVE yet: a service cannot be created in it", wait)]
    return [failed("cluster", f"{name} is {status}: a service cannot be created in it", choose)]


def service_linked_role(ctx: Context) -> list[Result]:
    if not ctx.services:  # a stack without ECS services (the prerequisites) does not need it
        return []
    if call_or_none(ctx.client("iam"), "get_role", RoleName=SERVICE_LINKED_ROLE) is None:
        return [
            failed(
                "iam.ecs-service-linked-role",
                f"{SERVICE_LINKED_ROLE} does not exist and ECS may not be allowed to create it",
                "aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com",
            )
        ]
    return [passed("iam.ecs-service-linked-role", f"{SERVICE_LINKED_ROLE} exists")]


def vcpu_needed(ctx: Context) -> dict[str, int]:
    """Capacity provider -> vCPUs of every service at the peak of a release (the maximum task
    count times MaximumPercent), placed by the strategy's bases and weights and rounded up: a quota
    counts whole vCPUs, and a share of a 0.25-vCPU task still needs room."""
    needed: dict[str, float] = {}
    for service in ctx.services:
        for provider, tasks in split(service.peak_tasks, service.capacity).items():
            needed[provider] = needed.get(provider, 0) + tasks * service.vcpu
    return {provider: math.ceil(value) for provider, value in needed.items() if value}


def _peak_words(ctx: Context) -> str:
    return "; ".join(
        f"{s.name}: {s.max_tasks} tasks x {s.max_percent} % = {s.peak_tasks} x {s.vcpu:g} vCPU" for s in ctx.services
    )


def fargate_quota(ctx: Context) -> list[Result]:
    results = []
    quotas = ctx.client("service-quotas")
    for provider, needed in vcpu_needed(ctx).items():
        code, name = FARGATE_QUOTAS[provider]
        check = f"quota:{provider}"
        try:
            value = call(quotas, "get_service_quota", ServiceCode="fargate", QuotaCode=code)["Quota"]["Value"]
        except botocore.exceptions.ClientError as error:
            results.append(skipped(check, f"{name} ({code}) not readable: {error.response['Error']['Code']}"))
            continue
        detail = f"{name} {value:g} vCPU; a release of this stack at its peak needs {needed} ({_peak_words(ctx)})"
        if value < needed:
            fix = (
                "aws service-quotas request-service-quota-increase --service-code fargate "
                f"--quota-code {code} --desired-value {needed}"
            )
            results.append(failed(check, detail, fix))
        else:
            results.append(passed(check, detail + " (other workloads share it)"))
    return results
