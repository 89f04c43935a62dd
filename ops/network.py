"""The VPC, its subnets, routes, endpoints and security groups, as the tasks will meet them."""

import re

import botocore.exceptions

from templates import facts

from .aws import call, call_or_none, error_code
from .context import Context
from .report import Result, failed, passed, skipped

ECR_IMAGE = re.compile(rf"^\d{{12}}\.dkr\.ecr\.(?P<region>{facts.REGION_PART})\.amazonaws\.com(\.cn)?/")
# What a task in a subnet without a default route needs to pull from ECR and write logs.
# https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html
ECR_WITHOUT_INTERNET = ("ecr.api", "ecr.dkr", "logs")
# The platform's tasks call these AWS services from private subnets (docs/platform.md).
PLATFORM_ENDPOINTS = ("ecr.api", "ecr.dkr", "logs", "ssm", "bedrock-runtime", "bedrock-agent-runtime")
REQUIRED_ENDPOINTS = {"platform": PLATFORM_ENDPOINTS}
DNS_FIX = 'aws ec2 modify-vpc-attribute --vpc-id {vpc} --enable-dns-{which} "{{\\"Value\\":true}}"'


def vpc_dns(ctx: Context) -> list[Result]:
    vpc = ctx.vpc_id
    if not vpc:
        return [skipped("vpc.dns", "no VPC: the template takes no VpcId and no subnet was found")]
    ec2 = ctx.client("ec2")
    try:
        call(ec2, "describe_vpcs", VpcIds=[vpc])
    except botocore.exceptions.ClientError as error:
        if error_code(error) != "InvalidVpcID.NotFound":  # any other error says nothing about the VPC
            raise
        return [
            failed(
                "vpc.exists",
                f"VPC {vpc} does not exist in {ctx.region}",
                f"aws ec2 describe-vpcs --region {ctx.region} --query 'Vpcs[].[VpcId,CidrBlock]' --output text",
            )
        ]
    off = []
    for attribute, which in (("enableDnsSupport", "support"), ("enableDnsHostnames", "hostnames")):
        answer = call(ec2, "describe_vpc_attribute", VpcId=vpc, Attribute=attribute)
        key = attribute[0].upper() + attribute[1:]
        if not answer[key]["Value"]:
            off.append((attribute, which))
    if off:
        return [
            failed(
                "vpc.dns",
                f"{vpc}: {', '.join(a for a, _ in off)} off; private DNS names (Cloud Map, endpoints) will not resolve",
                "; ".join(DNS_FIX.format(vpc=vpc, which=which) for _, which in off),
            )
        ]
    return [passed("vpc.dns", f"{vpc}: DNS support and DNS hostnames on")]


def _subnet_parameters(ctx: Context) -> dict[str, list]:
    """Subnet list parameter -> the services that run in it."""
    by_parameter: dict[str, list] = {}
    for service in ctx.services:
        if service.subnets_parameter:
            by_parameter.setdefault(service.subnets_parameter, []).append(service)
    return by_parameter


def subnets(ctx: Context) -> list[Result]:
    results = []
    for parameter, services in _subnet_parameters(ctx).items():
        ids = services[0].subnets
        found = ctx.subnets(ids)
        check = f"subnets:{parameter}"
        missing = sorted(set(ids) - {s["SubnetId"] for s in found})
        if missing:
            results.append(failed(check, f"{', '.join(missing)} not found in {ctx.region}", "aws ec2 describe-subnets"))
            continue
        elsewhere = [s["SubnetId"] for s in found if ctx.vpc_id and s["VpcId"] != ctx.vpc_id]
        if elsewhere:
            results.append(
                failed(check, f"{', '.join(elsewhere)} not in {ctx.vpc_id}", "use subnets of the VPC you pass")
            )
            continue
        zones = sorted({s["AvailabilityZone"] for s in found})
        if len(zones) < 2:
            results.append(
                failed(
                    f"{check}.zones",
                    f"all in {zones[0]}: one zone's outage stops the service",
                    "add a subnet of another Availability Zone",
                )
            )
        else:
            results.append(passed(f"{check}.zones", f"{len(found)} subnets in {len(zones)} zones ({', '.join(zones)})"))
        # A rolling deployment starts new tasks before it stops old ones: up to twice the count.
        needed = 2 * sum(service.max_tasks for service in services)
        free = sum(s["AvailableIpAddressCount"] for s in found)
        if free < needed:
            results.append(
                failed(
                    f"{check}.addresses",
                    f"{free} free addresses; up to {needed} tasks (2 x max) each take one",
                    "use larger subnets or lower the maximum task count",
                )
            )
        else:
            results.append(passed(f"{check}.addresses", f"{free} free addresses for up to {needed} tasks"))
    return results


def _route_table(ctx: Context, subnet: dict) -> dict | None:
    ec2 = ctx.client("ec2")
    tables = call(
        ec2, "describe_route_tables", Filters=[{"Name": "association.subnet-id", "Values": [subnet["SubnetId"]]}]
    )["RouteTables"]
    if not tables:  # no explicit association: the VPC's main route table applies
        tables = call(
            ec2,
            "describe_route_tables",
            Filters=[
                {"Name": "vpc-id", "Values": [subnet["VpcId"]]},
                {"Name": "association.main", "Values": ["true"]},
            ],
        )["RouteTables"]
    return tables[0] if tables else None


def _default_route(table: dict | None) -> dict:
    for route in (table or {}).get("Routes", []):
        if route.get("DestinationCidrBlock") == "0.0.0.0/0" and route.get("State", "active") == "active":
            return route
    return {}


def _endpoints(ctx: Context, vpc: str) -> list[dict]:
    return call(ctx.client("ec2"), "describe_vpc_endpoints", Filters=[{"Name": "vpc-id", "Values": [vpc]}])[
        "VpcEndpoints"
    ]


def _short(endpoint: dict, region: str) -> str:
    return endpoint["ServiceName"].removeprefix(f"com.amazonaws.{region}.")


def _usable_interfaces(endpoints: list[dict], region: str) -> set[str]:
    return {
        _short(e, region)
        for e in endpoints
        if e.get("VpcEndpointType", "Interface") == "Interface"
        and e.get("State", "available").lower() == "available"
        and e.get("PrivateDnsEnabled", False)
    }


def _s3_gateway_tables(endpoints: list[dict], region: str) -> set[str]:
    return {
        table
        for e in endpoints
        if e.get("VpcEndpointType") == "Gateway" and _short(e, region) == "s3"
        for table in e.get("RouteTableIds", [])
    }


def image_routes(ctx: Context) -> list[Result]:
    """Each subnet of each service has a way to the registry of each of its images."""
    results = []
    endpoints = None
    for service in ctx.services:
        check = f"route:{service.name}"
        found = ctx.subnets(service.subnets)
        if not found:
            results.append(skipped(check, "its subnets were not found (see the subnets check)"))
            continue
        problems, ways = [], set()
        for subnet in found:
            table = _route_table(ctx, subnet)
            route = _default_route(table)
            if route.get("NatGatewayId"):
                ways.add("NAT gateway")
                continue
            if str(route.get("GatewayId", "")).startswith("igw-"):
                if service.assign_public_ip == "ENABLED":
                    ways.add("internet gateway + public IP")
                else:
                    problems.append(f"{subnet['SubnetId']} is public (igw) but AssignPublicIp=DISABLED")
                continue
            for image in service.images:
                if not ECR_IMAGE.match(image):
                    problems.append(f"{subnet['SubnetId']} has no route to the internet for {image.split('/')[0]}")
                    continue
                if endpoints is None:
                    endpoints = _endpoints(ctx, subnet["VpcId"])
                lacking = [s for s in ECR_WITHOUT_INTERNET if s not in _usable_interfaces(endpoints, ctx.region)]
                if table and table["RouteTableId"] not in _s3_gateway_tables(endpoints, ctx.region):
                    lacking.append("s3 (gateway, on this subnet's route table)")
                if lacking:
                    problems.append(f"{subnet['SubnetId']}: no NAT or internet route, and no {', '.join(lacking)}")
                else:
                    ways.add("VPC endpoints")
        if problems:
            results.append(
                failed(
                    check,
                    "; ".join(problems),
                    "add a NAT gateway route (private subnets), set AssignPublicIp=ENABLED (public subnets), "
                    "or create the ECR api/dkr, Logs and S3 gateway endpoints (docs/ecs-deployment.md#prerequisites)",
                )
            )
        else:
            results.append(passed(check, f"images reachable through {', '.join(sorted(ways))}"))
    return results


def interface_endpoints(ctx: Context) -> list[Result]:
    required = REQUIRED_ENDPOINTS.get(ctx.name)
    if not required:
        return []
    if not ctx.vpc_id:
        return [skipped("endpoints", "no VPC to look in")]
    endpoints = _endpoints(ctx, ctx.vpc_id)
    usable = _usable_interfaces(endpoints, ctx.region)
    missing = [s for s in required if s not in usable]
    group = next((ctx.value(k) for k in ctx.parameters if k == "VpcEndpointSecurityGroupId"), "")
    outside = sorted(
        _short(e, ctx.region)
        for e in endpoints
        if group and _short(e, ctx.region) in required and group not in [g["GroupId"] for g in e.get("Groups", [])]
    )
    results = []
    if missing:
        results.append(
            failed(
                "endpoints.interface",
                f"missing or without private DNS in {ctx.vpc_id}: {', '.join(missing)}",
                f"aws ec2 create-vpc-endpoint --vpc-id {ctx.vpc_id} --vpc-endpoint-type Interface "
                f"--service-name com.amazonaws.{ctx.region}.<name> --private-dns-enabled --subnet-ids ... "
                "--security-group-ids <VpcEndpointSecurityGroupId>",
            )
        )
    elif outside:
        results.append(
            failed(
                "endpoints.interface",
                f"{', '.join(outside)} not in {group}: the ingress this stack adds to that group does not reach them",
                "pass the endpoints' own group as VpcEndpointSecurityGroupId",
            )
        )
    else:
        results.append(passed("endpoints.interface", f"{', '.join(required)} in {ctx.vpc_id}"))
    tables = _s3_gateway_tables(endpoints, ctx.region)
    unrouted = [
        s["SubnetId"]
        for service in ctx.services
        for s in ctx.subnets(service.subnets)
        if (_route_table(ctx, s) or {}).get("RouteTableId") not in tables
    ]
    if unrouted:
        results.append(
            failed(
                "endpoints.s3-gateway",
                f"no S3 gateway endpoint on the route tables of {', '.join(unrouted)} (ECR image layers come from S3)",
                f"aws ec2 create-vpc-endpoint --vpc-id {ctx.vpc_id} --vpc-endpoint-type Gateway "
                f"--service-name com.amazonaws.{ctx.region}.s3 --route-table-ids <the subnets' route tables>",
            )
        )
    else:
        results.append(passed("endpoints.s3-gateway", "every task subnet's route table has the S3 gateway endpoint"))
    return results


def _group_parameters(ctx: Context) -> dict[str, str]:
    groups = {key: ctx.value(key) for key in ctx.of_type("AWS::EC2::SecurityGroup::Id")}
    # Optional groups are String parameters (AWS-typed ones cannot be empty).
    groups.update({k: v for k, v in ctx.values.values.items() if k.endswith("SecurityGroupId") and v})
    return {k: v for k, v in groups.items() if v}


def security_groups(ctx: Context) -> list[Result]:
    results = []
    for parameter, group in _group_parameters(ctx).items():
        check = f"security-group:{parameter}"
        answer = call_or_none(ctx.client("ec2"), "describe_security_groups", GroupIds=[group])
        found = answer["SecurityGroups"] if answer else []
        if not found:
            results.append(failed(check, f"{group} not found in {ctx.region}", "aws ec2 describe-security-groups"))
        elif ctx.vpc_id and found[0]["VpcId"] != ctx.vpc_id:
            results.append(
                failed(check, f"{group} is in {found[0]['VpcId']}, not {ctx.vpc_id}", "use a group of the task VPC")
            )
        else:
            results.append(passed(check, f"{group} in {found[0]['VpcId']}"))
    return results


def prefix_list(ctx: Context) -> list[Result]:
    if "S3PrefixListId" not in ctx.parameters:
        return []
    wanted = f"com.amazonaws.{ctx.region}.s3"
    given = ctx.value("S3PrefixListId")
    answer = call_or_none(ctx.client("ec2"), "describe_prefix_lists", PrefixListIds=[given])
    lists = answer["PrefixLists"] if answer else []
    fix = (
        "aws ec2 describe-prefix-lists --filters Name=prefix-list-name,Values="
        f"{wanted} --query 'PrefixLists[0].PrefixListId' --output text"
    )
    if not lists:
        return [failed("prefix-list", f"{given} not found in {ctx.region}", fix)]
    if lists[0]["PrefixListName"] != wanted:
        return [failed("prefix-list", f"{given} is {lists[0]['PrefixListName']}, not {wanted}", fix)]
    return [passed("prefix-list", f"{given} is {wanted}")]
