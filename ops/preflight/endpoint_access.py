"""Whether each service's tasks get through the security groups of the interface endpoints they use.

An interface endpoint with private DNS on takes over its AWS service's usual name inside the
VPC (logs.<region>.amazonaws.com resolves to the endpoint's addresses): every call of the
tasks to that service goes to the endpoint, whatever their subnets' routes, and the
endpoint's security groups decide whether it gets in. On Fargate the image pull, the log
delivery and the reads of secrets leave from the task's own network interface, so those
groups must admit the tasks' security group on 443: by the group, by an address range that
holds the tasks' subnets (given in the rule, or in a managed prefix list the rule names), or by
an ingress rule the stack itself adds.
https://docs.aws.amazon.com/vpc/latest/userguide/vpce-interface.html
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/platform-version-migration.html
https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists.html
"""

import ipaddress

import botocore.exceptions

from ..shared.aws import call
from ..shared.context import Context
from ..shared.report import Result, failed, passed, skipped
from ..shared.services import Service
from ..shared.stack import NOT_CREATED_YET
from .network import ECR_IMAGE, services_with_their_endpoints, short_name, usable

HTTPS = 443


def called_services(ctx: Context, service: Service) -> list[str]:
    """The AWS services (as endpoint names) the tasks of ``service`` call on their way up and in use."""
    calls = ["logs"] if service.logs_to_cloudwatch else []
    if any((match := ECR_IMAGE.match(image)) and match["region"] == ctx.region for image in service.images):
        calls += ["ecr.api", "ecr.dkr"]
    if service.ssm_parameters:
        calls.append("ssm")
    if service.reads_secrets_manager:
        calls.append("secretsmanager")
    if service.execute_command:
        calls.append("ssmmessages")  # ECS Exec's Session Manager channel
    return calls


def takes_https(rule: dict) -> bool:
    """An ingress permission (or an AWS::EC2::SecurityGroupIngress) that covers TCP 443."""
    protocol = str(rule.get("IpProtocol"))
    if protocol == "-1":
        return True
    if protocol not in ("tcp", "6"):
        return False
    return int(rule.get("FromPort", 0)) <= HTTPS <= int(rule.get("ToPort", -1))


def _sources(groups: list[dict], prefix_list) -> tuple[set[str], list[tuple]]:
    """The security groups that ``groups`` admit on 443, and the address ranges, each as (network,
    its name in words): a range the rule gives, or one of a managed prefix list the rule names
    (``prefix_list(id)`` reads its CIDRs)."""
    group_ids, ranges = set(), []
    for group in groups:
        for permission in group.get("IpPermissions", []):
            if not takes_https(permission):
                continue
            group_ids |= {pair["GroupId"] for pair in permission.get("UserIdGroupPairs", [])}
            for given in permission.get("IpRanges", []):
                network = ipaddress.ip_network(given["CidrIp"], strict=False)
                ranges.append((network, str(network)))
            for listed in (entry["PrefixListId"] for entry in permission.get("PrefixListIds", [])):
                for cidr in prefix_list(listed):
                    network = ipaddress.ip_network(cidr, strict=False)
                    ranges.append((network, f"{network} (prefix list {listed})"))
    return group_ids, ranges


def _own_ingress(ctx: Context, created: list[str]) -> dict[str, set[str]]:
    """Group ID -> the task groups this stack creates that it also admits to that group on 443
    (the platform opens the endpoints' group to each of its tiers)."""
    values, found = ctx.values, {}
    for body in values.template["Resources"].values():
        if body["Type"] != "AWS::EC2::SecurityGroupIngress":
            continue
        if "Condition" in body and not values.get({"Condition": body["Condition"]}, False):
            continue
        rule = body["Properties"]
        source = rule.get("SourceSecurityGroupId")
        source = source["Fn::GetAtt"][0] if isinstance(source, dict) and "Fn::GetAtt" in source else None
        target = values.get(rule.get("GroupId"))
        if source in created and takes_https(rule) and isinstance(target, str) and target:
            found.setdefault(target, set()).add(source)
    return found


class _Groups:
    """Security groups described, and the prefix lists they name read, once per run."""

    def __init__(self, ctx: Context):
        self.ctx, self.known, self.listed = ctx, {}, {}

    def __call__(self, ids: list[str]) -> list[dict]:
        missing = [i for i in ids if i not in self.known]
        if missing:
            answer = call(self.ctx.client("ec2"), "describe_security_groups", GroupIds=missing)
            self.known.update({g["GroupId"]: g for g in answer["SecurityGroups"]})
        return [self.known[i] for i in ids if i in self.known]

    def prefix_list(self, prefix_list_id: str) -> list[str]:
        """The CIDRs of a managed prefix list."""
        if prefix_list_id not in self.listed:
            cidrs, more = [], {}
            while True:
                answer = call(
                    self.ctx.client("ec2"), "get_managed_prefix_list_entries", PrefixListId=prefix_list_id, **more
                )
                cidrs += [entry["Cidr"] for entry in answer.get("Entries", [])]
                if not answer.get("NextToken"):
                    break
                more = {"NextToken": answer["NextToken"]}
            self.listed[prefix_list_id] = cidrs
        return self.listed[prefix_list_id]


def _deployed_groups(ctx: Context, created: list[str]) -> list[str]:
    """The IDs of the groups the stack named with --stack already made for the tasks (an update):
    an endpoint may admit those by group."""
    if not ctx.stack or ctx.deployed is None or ctx.deployed["StackStatus"] == NOT_CREATED_YET:
        return []
    found, cloudformation = [], ctx.client("cloudformation")
    for logical_id in created:
        try:
            answer = call(cloudformation, "describe_stack_resource", StackName=ctx.stack, LogicalResourceId=logical_id)
        except botocore.exceptions.ClientError:  # not in the stack (yet): the update creates it
            continue
        if physical := answer["StackResourceDetail"].get("PhysicalResourceId"):
            found.append(physical)
    return found


def _admission(
    task_groups: list[str], endpoint_groups: list[dict], own: dict, subnets: list[dict], describe
) -> str | None:
    """How the endpoint's groups admit the tasks on 443, in words, or None when they do not."""
    group_ids, ranges = _sources(endpoint_groups, describe.prefix_list)
    if admitted := sorted(set(task_groups) & group_ids):
        return f"the tasks' group {admitted[0]}"
    if any(own.get(group["GroupId"]) for group in endpoint_groups):
        return "the ingress rule this stack adds for the tasks' group"
    cidrs = [ipaddress.ip_network(s["CidrBlock"]) for s in subnets]

    def covers(network, cidr) -> bool:
        return cidr.version == network.version and cidr.subnet_of(network)

    covering = {name for cidr in cidrs for network, name in ranges if covers(network, cidr)}
    if all(any(covers(network, cidr) for network, _ in ranges) for cidr in cidrs):
        return f"the address range {', '.join(sorted(covering))}"
    return None


def _taken_from(endpoint_groups: list[dict], describe) -> str:
    group_ids, ranges = _sources(endpoint_groups, describe.prefix_list)
    found = sorted(group_ids) + sorted({name for _, name in ranges})
    return ", ".join(found) if found else "nothing"


def endpoint_access(ctx: Context) -> list[Result]:
    describe = _Groups(ctx)
    results, placed = services_with_their_endpoints(ctx, ctx.services, "endpoints.access")
    for service, check, found, in_vpc in placed:
        vpc = found[0]["VpcId"]
        calls = called_services(ctx, service)
        endpoints = sorted(
            (e for e in in_vpc if usable(e) and short_name(e, ctx.region) in calls),
            key=lambda e: calls.index(short_name(e, ctx.region)),
        )
        if not endpoints:
            results.append(
                skipped(
                    check,
                    f"no interface endpoint with private DNS in {vpc} for what the tasks call ({', '.join(calls)}): "
                    "they go by their route",
                )
            )
            continue
        own = _own_ingress(ctx, service.created_groups)
        task_groups = service.security_groups + _deployed_groups(ctx, service.created_groups)
        ways, blocked = set(), []
        for endpoint in endpoints:
            groups = describe([g["GroupId"] for g in endpoint.get("Groups", [])])
            way = _admission(task_groups, groups, own, found, describe)
            if way:
                ways.add(way)
            else:
                blocked.append((endpoint, groups))
        names = ", ".join(short_name(e, ctx.region) for e in endpoints)
        if not blocked:
            through = "; ".join(sorted(ways))
            results.append(passed(check, f"the {names} endpoints admit the tasks on 443 through {through}"))
            continue
        detail = "; ".join(
            f"{short_name(e, ctx.region)} ({e['VpcEndpointId']}) takes 443 only from {_taken_from(groups, describe)}"
            for e, groups in blocked
        )
        results.append(
            failed(
                check,
                f"private DNS sends the tasks' calls to these endpoints of {vpc} whatever the route, and they "
                f"refuse the tasks' security group: {detail}",
                _fix(ctx, task_groups, vpc, blocked),
            )
        )
    return results


def _fix(ctx: Context, task_groups: list[str], vpc: str, blocked: list) -> str:
    """One ingress rule on each endpoint group concerned: from the tasks' group when it exists
    already, else (the stack creates it) from the VPC's range."""
    targets = sorted({e["Groups"][0]["GroupId"] for e, _ in blocked if e.get("Groups")})
    if task_groups:
        source, why = f"--source-group {task_groups[0]}", "admit the tasks' group"
    else:
        cidr = call(ctx.client("ec2"), "describe_vpcs", VpcIds=[vpc])["Vpcs"][0]["CidrBlock"]
        source, why = f"--cidr {cidr}", "the stack creates the tasks' group, so admit the VPC's range"
    commands = "; ".join(
        f"aws ec2 authorize-security-group-ingress --group-id {group} --protocol tcp --port 443 {source}"
        for group in targets
    )
    return f"{why}: {commands}"
