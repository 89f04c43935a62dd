"""The VPC, its subnets, routes, endpoints and security groups, as the tasks will meet them."""

import re
from dataclasses import dataclass

import botocore.exceptions

from templates import facts

from ..shared.aws import call, call_or_none, error_code
from ..shared.context import Context
from ..shared.report import Result, failed, passed, skipped, warned

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
                f"set VpcId to a VPC of {ctx.region} (aws ec2 describe-vpcs --region {ctx.region} --query "
                "'Vpcs[].[VpcId,CidrBlock]' --output text lists them)",
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
            results.append(
                failed(
                    check,
                    f"{', '.join(missing)} not found in {ctx.region}",
                    f"set {parameter} to subnets of {ctx.region} (aws ec2 describe-subnets --region {ctx.region} "
                    "--query 'Subnets[].[SubnetId,VpcId,AvailabilityZone]' --output table lists them)",
                )
            )
            continue
        elsewhere = [s["SubnetId"] for s in found if ctx.vpc_id and s["VpcId"] != ctx.vpc_id]
        if elsewhere:
            results.append(
                failed(
                    check,
                    f"{', '.join(elsewhere)} not in {ctx.vpc_id}",
                    f"set {parameter} to subnets of {ctx.vpc_id} (aws ec2 describe-subnets --filters "
                    f"Name=vpc-id,Values={ctx.vpc_id} lists them)",
                )
            )
            continue
        zones = sorted({s["AvailabilityZone"] for s in found})
        if len(zones) < 2:
            # It works (docs/ecs-deployment.md, edge cases); production wants two or three zones.
            results.append(
                warned(
                    f"{check}.zones",
                    f"all in {zones[0]}: this works, but an outage of that zone stops the service",
                    f"for production add a subnet of another Availability Zone to {parameter}",
                )
            )
        else:
            results.append(passed(f"{check}.zones", f"{len(found)} subnets in {len(zones)} zones ({', '.join(zones)})"))
        # A rolling deployment starts new tasks before it stops old ones: each takes an address.
        needed = sum(service.peak_tasks for service in services)
        free = sum(s["AvailableIpAddressCount"] for s in found)
        detail = f"{free} free addresses for up to {needed} tasks (a release at the maximum task count)"
        if free < needed:
            results.append(
                failed(
                    f"{check}.addresses",
                    f"only {detail}",
                    f"give {parameter} larger subnets, or lower the maximum task count",
                )
            )
        else:
            results.append(passed(f"{check}.addresses", detail))
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


# Targets of a default route whose way to the internet cannot be seen from this account's
# API: a firewall or NAT appliance, another VPC, an on-premises network. The route may work;
# only a test from inside the subnet proves it. (GatewayId vpce-: a Gateway Load Balancer
# endpoint, the usual firewall; vgw-: a VPN's virtual private gateway.)
# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Route.html
UNVERIFIABLE_TARGETS = {
    "TransitGatewayId": "transit gateway",
    "NetworkInterfaceId": "network interface (a NAT instance or appliance)",
    "InstanceId": "instance (a NAT instance)",
    "VpcPeeringConnectionId": "VPC peering connection",
    "LocalGatewayId": "local gateway",
    "CarrierGatewayId": "carrier gateway",
    "CoreNetworkArn": "Cloud WAN core network",
}
UNVERIFIABLE_GATEWAYS = {"vpce-": "firewall endpoint (Gateway Load Balancer)", "vgw-": "virtual private gateway (VPN)"}
ROUTE_TARGETS = ("NatGatewayId", "GatewayId", *UNVERIFIABLE_TARGETS)


@dataclass(frozen=True)
class Egress:
    """Where a subnet's traffic to the internet goes: the way, and words for the reader."""

    way: str  # nat | internet | public-without-ip | unverifiable | blackhole | none
    detail: str
    target: str = ""


def _default_route(table: dict | None) -> dict:
    for route in (table or {}).get("Routes", []):
        if route.get("DestinationCidrBlock") == "0.0.0.0/0":
            return route
    return {}


def egress(table: dict | None, assign_public_ip: str) -> Egress:
    route = _default_route(table)
    target = next((str(route[key]) for key in ROUTE_TARGETS if route.get(key)), "")
    table_id = (table or {}).get("RouteTableId", "its route table")
    if not route:
        return Egress("none", f"no default route in {table_id}")
    if route.get("State", "active") == "blackhole":
        gone = f"the default route of {table_id} to {target} is a blackhole (its target is gone)"
        return Egress("blackhole", gone, target)
    if route.get("NatGatewayId"):
        return Egress("nat", "NAT gateway", target)
    if target.startswith("igw-"):
        if assign_public_ip == "ENABLED":
            return Egress("internet", "internet gateway + public IP", target)
        return Egress("public-without-ip", f"{table_id} routes to {target} but AssignPublicIp=DISABLED", target)
    kind = next((name for key, name in UNVERIFIABLE_TARGETS.items() if route.get(key)), None)
    kind = kind or next((name for prefix, name in UNVERIFIABLE_GATEWAYS.items() if target.startswith(prefix)), None)
    return Egress("unverifiable", f"the default route of {table_id} goes to a {kind or 'gateway'} {target}", target)


def endpoints_in(ctx: Context, vpc: str) -> list[dict]:
    return call(ctx.client("ec2"), "describe_vpc_endpoints", Filters=[{"Name": "vpc-id", "Values": [vpc]}])[
        "VpcEndpoints"
    ]


def short_name(endpoint: dict, region: str) -> str:
    return endpoint["ServiceName"].removeprefix(f"com.amazonaws.{region}.")


def usable(endpoint: dict) -> bool:
    """An available interface endpoint with private DNS: the service's usual name leads to it."""
    return (
        endpoint.get("VpcEndpointType", "Interface") == "Interface"
        and endpoint.get("State", "available").lower() == "available"
        and endpoint.get("PrivateDnsEnabled", False)
    )


def usable_interfaces(endpoints: list[dict], region: str) -> set[str]:
    return {short_name(e, region) for e in endpoints if usable(e)}


def _s3_gateway_tables(endpoints: list[dict], region: str) -> set[str]:
    return {
        table
        for e in endpoints
        if e.get("VpcEndpointType") == "Gateway" and short_name(e, region) == "s3"
        for table in e.get("RouteTableIds", [])
    }


ROUTE_FIX = (
    "add a NAT gateway route (private subnets), set AssignPublicIp=ENABLED (public subnets), or create the ECR "
    "api/dkr, Logs and S3 gateway endpoints (docs/ecs-deployment.md#prerequisites)"
)
BLACKHOLE_FIX = (
    "point the route at a working target: aws ec2 replace-route --route-table-id <table> --destination-cidr-block "
    "0.0.0.0/0 --nat-gateway-id <an available NAT gateway>"
)
UNVERIFIABLE_FIX = (
    "confirm it reaches the registry from a task in that subnet (deploy with EnableExecuteCommand=true, then "
    "curl -sI https://<registry>/v2/ through aws ecs execute-command), or create the ECR api/dkr, Logs and S3 "
    "gateway endpoints so that the pull does not depend on it"
)


def image_routes(ctx: Context) -> list[Result]:
    """Each subnet of each service has a way to the registry of each of its images."""
    results = []
    by_vpc: dict[str, list[dict]] = {}
    for service in ctx.services:
        check = f"route:{service.name}"
        found = ctx.subnets(service.subnets)
        if not found:
            results.append(skipped(check, "its subnets were not found (see the subnets check)"))
            continue
        problems, doubts, ways, blackholes = [], [], set(), False
        for subnet in found:
            table = _route_table(ctx, subnet)
            way = egress(table, service.assign_public_ip)
            if way.way in ("nat", "internet"):
                ways.add(way.detail)
                continue
            if way.way == "public-without-ip":
                problems.append(f"{subnet['SubnetId']} is public ({way.detail})")
                continue
            for image in service.images:
                if not ECR_IMAGE.match(image):
                    registry = image.split("/")[0]
                    if way.way == "unverifiable":
                        doubts.append(f"{subnet['SubnetId']}: {way.detail}; whether it reaches {registry} is not known")
                    else:
                        blackholes |= way.way == "blackhole"
                        problems.append(f"{subnet['SubnetId']}: {way.detail}, so no route to {registry}")
                    continue
                if subnet["VpcId"] not in by_vpc:
                    by_vpc[subnet["VpcId"]] = endpoints_in(ctx, subnet["VpcId"])
                endpoints = by_vpc[subnet["VpcId"]]
                lacking = [s for s in ECR_WITHOUT_INTERNET if s not in usable_interfaces(endpoints, ctx.region)]
                if table and table["RouteTableId"] not in _s3_gateway_tables(endpoints, ctx.region):
                    lacking.append("s3 (gateway, on this subnet's route table)")
                if not lacking:
                    ways.add("VPC endpoints")
                elif way.way == "unverifiable":
                    doubts.append(f"{subnet['SubnetId']}: {way.detail}; no {', '.join(lacking)} endpoint")
                else:
                    blackholes |= way.way == "blackhole"
                    problems.append(f"{subnet['SubnetId']}: {way.detail}, and no {', '.join(lacking)}")
        if problems:
            results.append(failed(check, "; ".join(problems), BLACKHOLE_FIX if blackholes else ROUTE_FIX))
        elif doubts:
            results.append(warned(check, "cannot verify from here: " + "; ".join(doubts), UNVERIFIABLE_FIX))
        else:
            results.append(passed(check, f"images reachable through {', '.join(sorted(ways))}"))
    return results


def services_with_their_endpoints(ctx: Context, services: list, check_prefix: str) -> tuple[list[Result], list]:
    """(service, its check's name, its subnets, the interface endpoints of their VPC) for each service
    whose subnets exist; a skip, in the results, for each other one. Each VPC is read once."""
    results, placed = [], []
    by_vpc: dict[str, list[dict]] = {}
    for service in services:
        check = f"{check_prefix}:{service.name}"
        found = ctx.subnets(service.subnets)
        if not found:
            results.append(skipped(check, "its subnets were not found (see the subnets check)"))
            continue
        vpc = found[0]["VpcId"]
        if vpc not in by_vpc:
            by_vpc[vpc] = endpoints_in(ctx, vpc)
        placed.append((service, check, found, by_vpc[vpc]))
    return results, placed


def exec_channel(ctx: Context) -> list[Result]:
    """ECS Exec reaches the Session Manager channel (ssmmessages) from every task subnet.

    Through the internet (NAT, public IP) or through the ssmmessages interface endpoint; the
    platform's tasks may only reach the endpoints' security group, so they need the endpoint.
    https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html
    """
    results, placed = services_with_their_endpoints(ctx, [s for s in ctx.services if s.execute_command], "exec")
    for service, check, found, endpoints in placed:
        if "ssmmessages" in usable_interfaces(endpoints, ctx.region):
            results.append(passed(check, "ECS Exec reaches Session Manager through the ssmmessages endpoint"))
            continue
        ways = {egress(_route_table(ctx, s), service.assign_public_ip) for s in found}
        endpoints_only = ctx.name in REQUIRED_ENDPOINTS  # its security groups allow only the endpoints
        fix = (
            f"aws ec2 create-vpc-endpoint --vpc-id {found[0]['VpcId']} --vpc-endpoint-type Interface --service-name "
            f"com.amazonaws.{ctx.region}.ssmmessages --private-dns-enabled --subnet-ids <task subnets> "
            "--security-group-ids <a group that admits the tasks on 443>"
        )
        if endpoints_only or any(w.way in ("none", "blackhole", "public-without-ip") for w in ways):
            why = "its tasks reach AWS only through endpoints" if endpoints_only else "a task subnet has no way out"
            results.append(
                failed(check, f"EnableExecuteCommand=true but no ssmmessages endpoint, and {why}: sessions fail", fix)
            )
        elif any(w.way == "unverifiable" for w in ways):
            results.append(
                warned(check, "cannot verify from here that ECS Exec reaches Session Manager (ssmmessages)", fix)
            )
        else:
            results.append(passed(check, "ECS Exec reaches Session Manager through the internet"))
    return results


def interface_endpoints(ctx: Context) -> list[Result]:
    required = REQUIRED_ENDPOINTS.get(ctx.name)
    if not required:
        return []
    if not ctx.vpc_id:
        return [skipped("endpoints", "no VPC to look in")]
    endpoints = endpoints_in(ctx, ctx.vpc_id)
    usable = usable_interfaces(endpoints, ctx.region)
    missing = [s for s in required if s not in usable]
    group = next((ctx.value(k) for k in ctx.parameters if k == "VpcEndpointSecurityGroupId"), "")
    outside = sorted(
        short_name(e, ctx.region)
        for e in endpoints
        if group and short_name(e, ctx.region) in required and group not in [g["GroupId"] for g in e.get("Groups", [])]
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
                "set VpcEndpointSecurityGroupId to the security group the endpoints have",
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
            results.append(
                failed(
                    check,
                    f"{group} not found in {ctx.region}",
                    f"set {parameter} to a security group of {ctx.vpc_id or ctx.region} (aws ec2 "
                    "describe-security-groups lists them)",
                )
            )
        elif ctx.vpc_id and found[0]["VpcId"] != ctx.vpc_id:
            results.append(
                failed(
                    check,
                    f"{group} is in {found[0]['VpcId']}, not {ctx.vpc_id}",
                    f"set {parameter} to a security group of {ctx.vpc_id}",
                )
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
    fix = f"set S3PrefixListId to the ID of {wanted}: {fix}"
    if not lists:
        return [failed("prefix-list", f"{given} not found in {ctx.region}", fix)]
    if lists[0]["PrefixListName"] != wanted:
        return [failed("prefix-list", f"{given} is {lists[0]['PrefixListName']}, not {wanted}", fix)]
    return [passed("prefix-list", f"{given} is {wanted}")]
