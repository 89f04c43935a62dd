"""ECS itself: the cluster to run in, its service-linked role, the Fargate vCPU quota, Cloud Map."""

import math

import botocore.exceptions

from .aws import call, call_or_none
from .context import Context
from .report import Result, failed, passed, skipped

# Service Quotas codes of the two Fargate vCPU quotas (service code "fargate").
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html#service-quotas-fargate
FARGATE_QUOTAS = {
    "FARGATE": ("L-3032A538", "Fargate On-Demand vCPU resource count"),
    "FARGATE_SPOT": ("L-36FBB829", "Fargate Spot vCPU resource count"),
}
SERVICE_LINKED_ROLE = "AWSServiceRoleForECS"


def cluster(ctx: Context) -> list[Result]:
    if "ExistingClusterName" not in ctx.parameters:
        return []
    name = ctx.value("ExistingClusterName")
    if not name:
        return [skipped("cluster", "ExistingClusterName is empty: the stack creates its cluster")]
    answer = call(ctx.client("ecs"), "describe_clusters", clusters=[name])
    found = answer.get("clusters", [])
    if not found:
        return [failed("cluster", f"{name} not found in {ctx.region}", "aws ecs list-clusters")]
    if found[0]["status"] != "ACTIVE":
        return [failed("cluster", f"{name} is {found[0]['status']}", "use an ACTIVE cluster or leave it empty")]
    return [passed("cluster", f"{name} is ACTIVE")]


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
    """Capacity provider -> vCPUs of every service at its maximum, split by the strategy's weights."""
    needed: dict[str, float] = {}
    for service in ctx.services:
        total = sum(service.capacity.values()) or 1
        for provider, weight in service.capacity.items():
            needed[provider] = needed.get(provider, 0) + service.max_tasks * service.vcpu * weight / total
    return {provider: math.ceil(value) for provider, value in needed.items() if value}


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
        detail = f"{name} {value:g} vCPU; this stack at its maximum needs {needed}"
        if value < needed:
            fix = (
                "aws service-quotas request-service-quota-increase --service-code fargate "
                f"--quota-code {code} --desired-value {needed}"
            )
            results.append(failed(check, detail, fix))
        else:
            results.append(passed(check, detail + " (other workloads share it)"))
    return results


def namespace(ctx: Context) -> list[Result]:
    if "ExistingNamespaceId" not in ctx.parameters:
        return []
    namespace_id = ctx.value("ExistingNamespaceId")
    if not namespace_id:
        return [skipped("namespace", "ExistingNamespaceId is empty: the stack creates the namespace")]
    answer = call_or_none(ctx.client("servicediscovery"), "get_namespace", Id=namespace_id)
    if answer is None:
        return [failed("namespace", f"{namespace_id} not found", "aws servicediscovery list-namespaces")]
    found = answer["Namespace"]
    problems = []
    if found["Type"] != "DNS_PRIVATE":
        problems.append(f"type {found['Type']}, not DNS_PRIVATE")
    wanted = ctx.value("NamespaceName")
    if found["Name"] != wanted:
        problems.append(f"named {found['Name']}, but NamespaceName is {wanted}")
    zone = found.get("Properties", {}).get("DnsProperties", {}).get("HostedZoneId")
    if zone and ctx.vpc_id:
        vpcs = call(ctx.client("route53"), "get_hosted_zone", Id=zone).get("VPCs", [])
        if ctx.vpc_id not in [v["VPCId"] for v in vpcs]:
            problems.append(f"its hosted zone is not associated with {ctx.vpc_id}")
    if problems:
        return [failed("namespace", f"{namespace_id}: {'; '.join(problems)}", "docs/ecs-deployment.md#prerequisites")]
    return [passed("namespace", f"{namespace_id} is the private DNS namespace {wanted}")]
