"""`make preflight`'s account part against moto_server: each check passes on a good account
and fails on the mistake it exists for. No call may change anything (proved below).

One world is built per module and one Account (one client per service) reads it: each
mistake is a small change of the good values, checked by calling its check function on a
fresh Context. A full run of every template goes through `preflight.run` once.
"""

import contextlib
import functools
import json

import pytest

import templates
from ops.preflight import artifacts, compute, discovery, endpoint_access, loadbalancing, network
from ops.preflight import cli as preflight
from ops.shared import params, stack
from ops.shared.aws import Account
from ops.shared.context import Context
from ops.shared.template import Values, load
from tests import aws_world
from tests.helpers import ROOT, offline_aws_environment
from tests.test_preflight_cli import make

# Operations a read-only preflight may call: typed here (the API names of the read-only
# policy in docs/preflight-doctor.md), not taken from the code.
READ_ONLY_PREFIXES = ("Describe", "Get", "List", "Head")
READ_OPERATIONS = {
    "DescribeVpcs",
    "DescribeVpcAttribute",
    "DescribeSubnets",
    "DescribeRouteTables",
    "DescribeVpcEndpoints",
    "DescribeSecurityGroups",
    "DescribePrefixLists",
    "GetManagedPrefixListEntries",
    "DescribeTargetGroups",
    "DescribeTargetGroupAttributes",
    "DescribeListeners",
    "DescribeRules",
    "DescribeTags",
    "DescribeImages",
    "GetParameters",
    "HeadBucket",
    "GetBucketLocation",
    "GetNamespace",
    "GetHostedZone",
    "DescribeClusters",
    "GetRole",
    "GetServiceQuota",
    "DescribeStacks",
    "DescribeLogGroups",
    "DescribeRepositories",
    "ListHostedZonesByVPC",
    "GetBucketEncryption",
    "ListServices",
    "DescribeStackResource",
    "GetTopicAttributes",
    "DescribeKey",
    "GetKeyPolicy",
}


class World:
    """The moto account, its resource IDs by role, and the Account every test reads it with."""

    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        self.ids = aws_world.build(endpoint, aws_world.session())
        self.account = Account(aws_world.session())

    def __getitem__(self, role: str):
        return self.ids[role]

    def value(self, item) -> str:
        """A parameter value from world roles and literal IDs: "nat", ["public", "subnet-..."]."""
        parts = item if isinstance(item, list) else [item]
        found = [self.ids.get(part, part) for part in parts]
        return ",".join(v for part in found for v in (part if isinstance(part, list) else [part]))


@pytest.fixture(scope="module", autouse=True)
def moto_without_default_amis():
    """moto_server reads this when EC2 is first called (moto.settings.ec2_load_default_amis):
    no AMI catalogue to build, a second of CPU, and no check reads an AMI. Autouse, so it is
    in the environment before moto_endpoint starts the server."""
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
        yield


@pytest.fixture(scope="module")
def world(moto_endpoint):
    with pytest.MonkeyPatch.context() as environment:
        # Kept for the whole module: a client made later still reaches moto_server.
        environment.setenv("AWS_ENDPOINT_URL", moto_endpoint)
        environment.setenv("AWS_REGION", aws_world.REGION)
        yield World(moto_endpoint)


def go_api(world, **changes) -> dict:
    values = {
        "ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/go-api:v1.0.0",
        "TargetGroupArn": world["tg"],
        "AlbListenerArn": world["listener"],
        "VpcId": world["vpc"],
        "AppSecurityGroupId": world["app_sg"],
        "SubnetIds": world.value("public"),
        "AssignPublicIp": "ENABLED",
        "MaxTasks": "4",
        "AlarmTopicArn": world["alarm_topic"],
        "AlarmTopicKmsKeyArn": world["alarm_topic_key"],
    }
    return {**values, **changes}


def platform(world, **changes) -> dict:
    values = {
        "Environment": "dev",
        "VpcId": world["vpc"],
        "PrivateAppSubnetIds": world.value("nat"),
        "PrivateAgentSubnetIds": world.value("isolated"),
        "AlbListenerArn": world["listener"],
        "AlbSecurityGroupId": world["alb_sg"],
        "VpcEndpointSecurityGroupId": world["endpoint_sg"],
        "S3PrefixListId": world["s3_prefix_list"],
        "RdsSecurityGroupId": world["rds_sg"],
        "BffImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/bidopsai/app:v1.0.0",
        "AgentCoreImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/bidopsai/agent:v1.0.0",
        "KnowledgeBaseBucketName": "knowledge-base-dev",
        "SecretsParameterPath": "/bidopsai/dev",
        "NamespaceName": "dev.platform.local",
        "ListenerRulePriority": "110",
        "PathPattern": "/app/*",
    }
    return {**values, **changes}


def finfocus(world, **changes) -> dict:
    values = {
        "VpcId": world["vpc"],
        "SubnetIds": world.value("nat"),
        "ClientCidr": "10.0.0.0/16",
        "ExistingClusterName": "existing",
    }
    return {**values, **changes}


GOOD = {"go-api": go_api, "platform": platform, "finfocus-plugin": finfocus}


def good_values(world, template: str) -> dict:
    if template in GOOD:
        return GOOD[template](world)
    # A template without its own entry: each parameter it shares by name with the others
    # gets the same value (the NAT subnets, where they differ).
    shared = {key: value for build in GOOD.values() for key, value in build(world).items()}
    return {key: value for key, value in shared.items() if key in load(template)["Parameters"]}


@functools.cache
def document(template: str) -> dict:
    return load(template)


def context(world, template: str, values: dict, stack: str | None = None) -> Context:
    parameters = document(template)["Parameters"]
    return Context(world.account, template, Values(document(template), params.effective(parameters, values)), stack)


@pytest.fixture(scope="module")
def full_run(world, tmp_path_factory):
    """template -> (results by check, operations called): one `preflight.run` each, shared."""
    directory = tmp_path_factory.mktemp("params")

    @functools.cache
    def run(template: str):
        path = directory / f"{template}.json"
        path.write_text(json.dumps([f"{k}={v}" for k, v in good_values(world, template).items()]))
        aws_world.CALLED.clear()
        # A stack name no stack has yet: the stack and leftover-log-groups checks run too.
        results = preflight.run(template, str(path), account=world.account, stack=f"{template}-new")
        return {r.check: r for r in results}, list(aws_world.CALLED)

    return run


def test_good_go_api_account_passes_every_check(full_run):
    results, _ = full_run("go-api")
    assert [r for r in results.values() if r.status == "fail"] == []
    for check in (
        "vpc.dns",
        "subnets:SubnetIds.zones",
        "subnets:SubnetIds.addresses",
        "route:Service",
        "security-group:AppSecurityGroupId",
        "target-group",
        "image:go-api:v1.0.0",
        "iam.ecs-service-linked-role",
        "alarms.topic",
    ):
        assert results[check].status == "pass", (check, results[check])
    assert "internet gateway + public IP" in results["route:Service"].detail
    # Public subnets, yet the VPC's endpoints take the calls (private DNS): their group admits the VPC.
    assert results["endpoints.access:Service"].status == "pass", results["endpoints.access:Service"]
    assert "logs, ecr.api, ecr.dkr endpoints admit the tasks on 443 through the address range 10.0.0.0/16" in (
        results["endpoints.access:Service"].detail
    )


def test_good_platform_account_passes_every_check(full_run):
    results, _ = full_run("platform")
    assert [r for r in results.values() if r.status == "fail"] == []
    for check in (
        "vpc.dns",
        "subnets:PrivateAppSubnetIds.zones",
        "subnets:PrivateAgentSubnetIds.addresses",
        "endpoints.interface",
        "endpoints.s3-gateway",
        "route:AgentCoreService",
        "route:BffService",
        "prefix-list",
        "listener",
        "ssm-parameters",
        "bucket",
        "image:agent:v1.0.0",
        "image:app:v1.0.0",
        "security-group:VpcEndpointSecurityGroupId",
    ):
        assert results[check].status == "pass", (check, results[check])
    # The isolated subnets have no default route: ECR is reached through the endpoints.
    assert "VPC endpoints" in results["route:AgentCoreService"].detail
    assert "NAT gateway" in results["route:BffService"].detail


def test_good_finfocus_account_passes_and_skips_what_does_not_apply(full_run):
    results, _ = full_run("finfocus-plugin")
    assert [r for r in results.values() if r.status == "fail"] == []
    assert results["cluster"].status == "pass"
    assert results["namespace"].status == "skip" and "creates the namespace" in results["namespace"].detail
    assert results["image:finfocus-plugin-aws-public:v0.1.2"].status == "skip"


@pytest.mark.parametrize("template", sorted(templates.TEMPLATES))
def test_a_full_preflight_calls_only_read_operations(full_run, template):
    results, called = full_run(template)
    # The account part ran (a parameter-file failure would have stopped before it).
    assert "account" not in results, results.get("account")
    # A template that runs tasks has its subnets, routes and ECS's role read; one without
    # (the prerequisites) only its stack.
    runs_tasks = any(body["Type"] == "AWS::ECS::Service" for body in document(template)["Resources"].values())
    expected = {"DescribeSubnets", "DescribeRouteTables", "GetRole"} if runs_tasks else {"DescribeStacks"}
    assert expected <= set(called), called
    assert runs_tasks or "GetRole" not in called, called
    writes = sorted({name for name in called if not name.startswith(READ_ONLY_PREFIXES)})
    assert writes == []
    assert sorted(set(called) - READ_OPERATIONS) == []


def test_the_full_runs_together_call_every_read_operation(full_run):
    called = {name for template in templates.TEMPLATES for name in full_run(template)[1]}
    # GetNamespace/GetHostedZone/ListServices need a namespace ID moto cannot give
    # (test_preflight_stubbed); DescribeTags only an update whose priority is taken
    # (test_the_stacks_own_rule_...); DescribeStackResource only a stack that exists;
    # GetManagedPrefixListEntries only an endpoint group that names a prefix list (test_a_prefix_list_...).
    assert READ_OPERATIONS - called == {
        "GetNamespace",
        "GetHostedZone",
        "DescribeTags",
        "ListServices",
        "DescribeStackResource",
        "GetManagedPrefixListEntries",
    }


# Check name (its family, before ":") -> the function that reports it.
CHECKS = {
    "vpc.exists": network.vpc_dns,
    "vpc.dns": network.vpc_dns,
    "subnets": network.subnets,
    "route": network.image_routes,
    "endpoints.interface": network.interface_endpoints,
    "endpoints.s3-gateway": network.interface_endpoints,
    "security-group": network.security_groups,
    "prefix-list": network.prefix_list,
    "target-group": loadbalancing.target_group,
    "listener": loadbalancing.listener_priority,
    "image": artifacts.images,
    "ssm-parameters": artifacts.ssm_parameters,
    "bucket": artifacts.bucket,
    "cluster": compute.cluster,
    "namespace.name": discovery.namespace_name_free,
    "bucket.encryption": artifacts.bucket,
    "exec": network.exec_channel,
    "endpoints.access": endpoint_access.endpoint_access,
}
MISSING_SUBNET = "subnet-0123456789abcdef0"
MISSING_VPC = "vpc-0123456789abcdef0"


@pytest.mark.parametrize(
    ("template", "change", "check", "says"),
    [
        ("go-api", {"VpcId": "dark_vpc", "SubnetIds": "dark_subnets"}, "vpc.dns", "enableDnsHostnames off"),
        ("go-api", {"VpcId": MISSING_VPC}, "vpc.exists", f"VPC {MISSING_VPC} does not exist in us-east-1"),
        ("go-api", {"SubnetIds": ["public", MISSING_SUBNET]}, "subnets:SubnetIds", f"{MISSING_SUBNET} not found"),
        ("platform", {"PrivateAppSubnetIds": "dark_subnets"}, "subnets:PrivateAppSubnetIds", "not in vpc-"),
        # /28 subnets hold 11 free addresses each: 22 < 20 tasks x 200 % during a release.
        (
            "go-api",
            {"SubnetIds": "tiny", "MaxTasks": "20"},
            "subnets:SubnetIds.addresses",
            "only 22 free addresses for up to 40",
        ),
        ("go-api", {"AssignPublicIp": "DISABLED"}, "route:Service", "AssignPublicIp=DISABLED"),
        ("go-api", {"AppSecurityGroupId": "dark_sg"}, "security-group:AppSecurityGroupId", "not vpc-"),
        ("go-api", {"AppSecurityGroupId": "sg-0123456789abcdef0"}, "security-group:AppSecurityGroupId", "not found"),
        ("go-api", {"TargetGroupArn": "tg_instance"}, "target-group", "not ip"),
        ("go-api", {"TargetGroupArn": "tg_alb"}, "target-group", "target type alb, not ip"),
        ("go-api", {"TargetGroupArn": "tg_loose"}, "target-group", "not attached to a listener"),
        ("go-api", {"ContainerPort": "9000"}, "target-group", "differs from ContainerPort 9000"),
        (
            "go-api",
            {"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/go-api:v9.9.9"},
            "image:go-api:v9.9.9",
            "ImageNotFound",
        ),
        ("platform", {"ListenerRulePriority": "50"}, "listener", "priority 50 is in use"),
        ("platform", {"S3PrefixListId": "other_prefix_list"}, "prefix-list", "not com.amazonaws.us-east-1.s3"),
        ("platform", {"KnowledgeBaseBucketName": "no-such-bucket"}, "bucket", "does not exist"),
        # The S3 gateway endpoint reaches only buckets of its own region.
        ("platform", {"KnowledgeBaseBucketName": "knowledge-base-ireland"}, "bucket", "is in eu-west-1, not us-east-1"),
        ("platform", {"SecretsParameterPath": "/half/dev"}, "ssm-parameters", "/half/dev/session-secret"),
        ("platform", {"VpcEndpointSecurityGroupId": "app_sg"}, "endpoints.interface", "not in sg-"),
        ("platform", {"PrivateAppSubnetIds": "public"}, "endpoints.s3-gateway", "no S3 gateway endpoint"),
        ("platform", {"PrivateAppSubnetIds": "one_zone"}, "route:BffService", "AssignPublicIp=DISABLED"),
        ("finfocus-plugin", {"SubnetIds": "isolated"}, "route:Service", "no default route in rtb-"),
        ("finfocus-plugin", {"SubnetIds": "isolated"}, "route:Service", "so no route to ghcr.io"),
        # The proxy's image (ProxyImage) is pulled from the same subnets, from ECR Public.
        ("finfocus-plugin", {"SubnetIds": "isolated"}, "route:Service", "so no route to public.ecr.aws"),
        # No default route and, in that VPC, only an ECR API endpoint without private DNS.
        (
            "go-api",
            {"VpcId": "dark_vpc", "SubnetIds": "dark_subnets", "AssignPublicIp": "DISABLED"},
            "route:Service",
            ", and no ecr.api, ecr.dkr, logs, s3 (gateway",
        ),
        # A zone of that name is associated with the VPC: ConflictingDomainExists after minutes.
        ("platform", {"NamespaceName": "taken.platform.local"}, "namespace.name", "taken.platform.local"),
        ("platform", {"KnowledgeBaseBucketName": "knowledge-base-kms"}, "bucket.encryption", "customer-managed key"),
        # The platform's tasks reach AWS only through endpoints; that VPC has no ssmmessages one.
        (
            "platform",
            {"VpcId": "dark_vpc", "PrivateAppSubnetIds": "dark_subnets", "EnableExecuteCommand": "true"},
            "exec:BffService",
            "no ssmmessages endpoint",
        ),
        ("finfocus-plugin", {"ExistingClusterName": "gone"}, "cluster", "INACTIVE"),
        ("finfocus-plugin", {"ExistingClusterName": "never"}, "cluster", "not found"),
    ],
)
def test_each_check_fails_on_its_mistake(world, template, change, check, says):
    values = GOOD[template](world, **{key: world.value(item) for key, item in change.items()})
    results = {r.check: r for r in CHECKS[check.split(":")[0]](context(world, template, values))}
    assert check in results, results
    assert results[check].status == "fail", results[check]
    assert says in results[check].detail
    assert results[check].fix


@pytest.mark.parametrize(
    ("template", "change", "check", "status", "says"),
    [
        # One zone works (docs/ecs-deployment.md, edge cases): a warning, not a failure.
        ("go-api", {"SubnetIds": "one_zone"}, "subnets:SubnetIds.zones", "warn", "this works, but an outage"),
        # Through a transit gateway: nothing in this account shows where it leads.
        (
            "go-api",
            {"SubnetIds": "tgw", "AssignPublicIp": "DISABLED"},
            "route:Service",
            "warn",
            "cannot verify from here: ",
        ),
        ("finfocus-plugin", {"SubnetIds": "tgw"}, "route:Service", "warn", "whether it reaches ghcr.io is not known"),
        (
            "finfocus-plugin",
            {"SubnetIds": "tgw"},
            "route:Service",
            "warn",
            "whether it reaches public.ecr.aws is not known",
        ),
        # The same key given as the parameter: AgentCore may use it.
        (
            "platform",
            {"KnowledgeBaseBucketName": "knowledge-base-kms", "KnowledgeBaseKmsKeyArn": "kms_key"},
            "bucket.encryption",
            "pass",
            "given as KnowledgeBaseKmsKeyArn",
        ),
        ("platform", {}, "namespace.name", "pass", "no private hosted zone dev.platform.local in vpc-"),
        (
            "platform",
            {"EnableExecuteCommand": "true"},
            "exec:AgentCoreService",
            "pass",
            "through the ssmmessages endpoint",
        ),
    ],
)
def test_what_works_or_cannot_be_verified_is_not_a_failure(world, template, change, check, status, says):
    values = GOOD[template](world, **{key: world.value(item) for key, item in change.items()})
    results = {r.check: r for r in CHECKS[check.split(":")[0]](context(world, template, values))}
    assert results[check].status == status, results[check]
    assert says in results[check].detail
    if status == "warn":
        assert results[check].fix


def test_interface_endpoints_missing_or_without_private_dns_fail(world):
    # The dark VPC has one interface endpoint, ecr.api, with private DNS off: it counts as
    # missing, like the five it lacks (the platform's list, docs/platform.md).
    values = platform(world, VpcId=world["dark_vpc"])
    results = by_check(network.interface_endpoints(context(world, "platform", values)))
    result = results["endpoints.interface"]
    assert result.status == "fail", result
    assert result.detail == (
        f"missing or without private DNS in {world['dark_vpc']}: "
        "ecr.api, ecr.dkr, logs, ssm, bedrock-runtime, bedrock-agent-runtime"
    )
    assert f"--vpc-id {world['dark_vpc']} --vpc-endpoint-type Interface" in result.fix
    assert "--private-dns-enabled" in result.fix


# --- Interface endpoints' security groups (private DNS: every call of the tasks goes there) ----
# The closed VPC's endpoints (logs, ecr.api, ecr.dkr, ssm) take 443 from closed_app_sg and from
# 10.8.1.0/24, its first subnet; its ssmmessages endpoint's group takes nothing. Its subnets
# route to an internet gateway: the endpoints take the calls all the same
# (https://docs.aws.amazon.com/vpc/latest/userguide/vpce-interface.html: private DNS makes the
# service's default name resolve to the endpoint; its security group rules control the traffic).
CLOSED_GO_API = {"VpcId": "closed_vpc", "SubnetIds": "closed"}
CLOSED_PLUGIN = {"VpcId": "closed_vpc", "SubnetIds": "closed", "ClientCidr": "10.8.0.0/16"}
CLOSED_PLATFORM = {"VpcId": "closed_vpc", "PrivateAppSubnetIds": "closed", "PrivateAgentSubnetIds": "closed"}


def access(world, template: str, **change) -> dict:
    values = GOOD[template](world, **{key: world.value(item) for key, item in change.items()})
    return by_check(endpoint_access.endpoint_access(context(world, template, values)))


def refused(world, *services: str) -> str:
    """The failure's detail for these endpoints of the closed VPC, as the check words it."""
    endpoints = world.account.client("ec2").describe_vpc_endpoints(
        Filters=[{"Name": "vpc-id", "Values": [world["closed_vpc"]]}]
    )["VpcEndpoints"]
    ids = {e["ServiceName"].removeprefix("com.amazonaws.us-east-1."): e["VpcEndpointId"] for e in endpoints}
    sources = {"ssmmessages": "nothing"}
    return (
        f"private DNS sends the tasks' calls to these endpoints of {world['closed_vpc']} whatever the route, and "
        "they refuse the tasks' security group: "
        + "; ".join(
            f"{s} ({ids[s]}) takes 443 only from {sources.get(s, world['closed_app_sg'] + ', 10.8.1.0/24')}"
            for s in services
        )
    )


def ingress_command(group: str, source: str) -> str:
    return f"aws ec2 authorize-security-group-ingress --group-id {group} --protocol tcp --port 443 {source}"


def test_endpoints_that_refuse_the_tasks_group_fail_whatever_the_route(world):
    results = access(world, "go-api", **CLOSED_GO_API, AppSecurityGroupId="closed_other_sg")
    result = results["endpoints.access:Service"]
    assert (result.status, result.detail) == ("fail", refused(world, "logs", "ecr.api", "ecr.dkr"))
    assert result.fix == "admit the tasks' group: " + ingress_command(
        world["closed_endpoint_sg"], f"--source-group {world['closed_other_sg']}"
    )
    # The route alone looks fine: public subnets, a public IP, an internet gateway.
    values = go_api(world, **{k: world.value(v) for k, v in CLOSED_GO_API.items()})
    (route,) = network.image_routes(context(world, "go-api", values))
    assert route.status == "pass", route


def test_endpoints_that_admit_the_tasks_group_pass(world):
    result = access(world, "go-api", **CLOSED_GO_API, AppSecurityGroupId="closed_app_sg")["endpoints.access:Service"]
    assert (result.status, result.detail) == (
        "pass",
        "the logs, ecr.api, ecr.dkr endpoints admit the tasks on 443 through the tasks' group "
        + world["closed_app_sg"],
    )


def test_ecs_exec_needs_the_ssmmessages_endpoint_to_admit_the_tasks(world):
    result = access(world, "go-api", **CLOSED_GO_API, AppSecurityGroupId="closed_app_sg", EnableExecuteCommand="true")[
        "endpoints.access:Service"
    ]
    assert (result.status, result.detail) == ("fail", refused(world, "ssmmessages"))
    assert result.fix == "admit the tasks' group: " + ingress_command(
        world["closed_exec_sg"], f"--source-group {world['closed_app_sg']}"
    )


def test_a_group_the_stack_creates_needs_a_range_that_holds_every_task_subnet(world):
    # The plugin's image is on ghcr.io: of these endpoints its tasks use only CloudWatch Logs.
    result = access(world, "finfocus-plugin", **CLOSED_PLUGIN)["endpoints.access:Service"]
    assert (result.status, result.detail) == ("fail", refused(world, "logs"))
    assert result.fix == "the stack creates the tasks' group, so admit the VPC's range: " + ingress_command(
        world["closed_endpoint_sg"], "--cidr 10.8.0.0/16"
    )
    held = access(world, "finfocus-plugin", **{**CLOSED_PLUGIN, "SubnetIds": "closed_first"})
    assert (held["endpoints.access:Service"].status, held["endpoints.access:Service"].detail) == (
        "pass",
        "the logs endpoints admit the tasks on 443 through the address range 10.8.1.0/24",
    )


def test_an_update_finds_the_group_the_stack_made_admitted_by_group(world):
    """With --stack naming a stack that exists, its own task group has an ID, which an endpoint
    group may admit: the plugin's update passes where a new plugin stack would fail."""
    group = {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "t", "VpcId": world["closed_vpc"]}}
    cloudformation, ec2 = world.account.client("cloudformation"), world.account.client("ec2")
    body = json.dumps({"Resources": {"SecurityGroup": group}})
    cloudformation.create_stack(StackName="plugin-live", TemplateBody=body)
    made = cloudformation.describe_stack_resource(StackName="plugin-live", LogicalResourceId="SecurityGroup")
    task_group = made["StackResourceDetail"]["PhysicalResourceId"]
    permission = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": task_group}]}
    ec2.authorize_security_group_ingress(GroupId=world["closed_endpoint_sg"], IpPermissions=[permission])
    try:
        values = finfocus(world, **{key: world.value(item) for key, item in CLOSED_PLUGIN.items()})
        (result,) = endpoint_access.endpoint_access(context(world, "finfocus-plugin", values, stack="plugin-live"))
        assert (result.status, result.detail) == (
            "pass",
            f"the logs endpoints admit the tasks on 443 through the tasks' group {task_group}",
        )
    finally:
        ec2.revoke_security_group_ingress(GroupId=world["closed_endpoint_sg"], IpPermissions=[permission])


@contextlib.contextmanager
def endpoint_group_admits(world, permission: dict):
    """One more ingress permission on the closed VPC's endpoint group, for the length of a test."""
    ec2 = world.account.client("ec2")
    ec2.authorize_security_group_ingress(GroupId=world["closed_endpoint_sg"], IpPermissions=[permission])
    try:
        yield
    finally:
        ec2.revoke_security_group_ingress(GroupId=world["closed_endpoint_sg"], IpPermissions=[permission])


# Ingress permissions as EC2 takes and describes them: IpProtocol "-1" is every protocol and every
# port ("Use -1 to specify all protocols. ... traffic on all ports is allowed, regardless of any
# ports you specify"), a tcp rule admits FromPort to ToPort, both included.
# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html
def test_an_all_traffic_rule_from_the_tasks_group_admits_them(world):
    task_group = world["closed_other_sg"]
    with endpoint_group_admits(world, {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": task_group}]}):
        result = access(world, "go-api", **CLOSED_GO_API, AppSecurityGroupId="closed_other_sg")
    assert (result["endpoints.access:Service"].status, result["endpoints.access:Service"].detail) == (
        "pass",
        f"the logs, ecr.api, ecr.dkr endpoints admit the tasks on 443 through the tasks' group {task_group}",
    )


def test_an_all_traffic_rule_from_the_vpcs_range_admits_a_group_the_stack_creates(world):
    with endpoint_group_admits(world, {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.8.0.0/16"}]}):
        result = access(world, "finfocus-plugin", **CLOSED_PLUGIN)["endpoints.access:Service"]
    assert (result.status, result.detail) == (
        "pass",
        # The group's own range for the first subnet covers part of them too.
        "the logs endpoints admit the tasks on 443 through the address range 10.8.0.0/16, 10.8.1.0/24",
    )


@pytest.mark.parametrize(
    "ports, admitted",
    [((0, 65535), True), ((443, 8443), True), ((1, 443), True), ((444, 65535), False), ((1, 442), False)],
    ids=lambda value: "-".join(map(str, value)) if isinstance(value, tuple) else str(value),
)
def test_a_tcp_port_range_admits_the_tasks_when_it_holds_443(world, ports, admitted):
    pair = {"IpProtocol": "tcp", "FromPort": ports[0], "ToPort": ports[1]}
    with endpoint_group_admits(world, {**pair, "UserIdGroupPairs": [{"GroupId": world["closed_other_sg"]}]}):
        result = access(world, "go-api", **CLOSED_GO_API, AppSecurityGroupId="closed_other_sg")
    assert result["endpoints.access:Service"].status == ("pass" if admitted else "fail")


@pytest.mark.parametrize(
    "rule, admits",
    [
        ({"IpProtocol": "6", "FromPort": 443, "ToPort": 443}, True),  # TCP by its protocol number
        ({"IpProtocol": 6, "FromPort": 443, "ToPort": 443}, True),  # the same, as YAML reads an unquoted 6
        ({"IpProtocol": "-1"}, True),
        ({"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535}, True),
        ({"IpProtocol": "udp", "FromPort": 443, "ToPort": 443}, False),
        ({"IpProtocol": "17", "FromPort": 443, "ToPort": 443}, False),  # UDP by its number
        ({"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80}, False),
    ],
)
def test_an_ingress_rule_of_the_template_takes_https_by_protocol_and_ports(rule, admits):
    """The stack's own AWS::EC2::SecurityGroupIngress, as written in a template: IpProtocol is a
    name or a protocol number, -1 for all (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroupingress.html)."""
    assert endpoint_access.takes_https(rule) is admits


def test_a_prefix_list_that_holds_the_task_subnets_admits_them(world):
    """A rule may name a managed prefix list: it then admits every CIDR of the list
    (https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists.html)."""
    ec2 = world.account.client("ec2")
    made = ec2.create_managed_prefix_list(
        PrefixListName="closed-vpc", AddressFamily="IPv4", MaxEntries=5, Entries=[{"Cidr": "10.8.0.0/16"}]
    )
    prefix_list = made["PrefixList"]["PrefixListId"]
    permission = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "PrefixListIds": [{"PrefixListId": prefix_list}]}
    try:
        with endpoint_group_admits(world, permission):
            result = access(world, "finfocus-plugin", **CLOSED_PLUGIN)["endpoints.access:Service"]
    finally:
        ec2.delete_managed_prefix_list(PrefixListId=prefix_list)
    assert (result.status, result.detail) == (
        "pass",
        "the logs endpoints admit the tasks on 443 through the address range "
        f"10.8.0.0/16 (prefix list {prefix_list}), 10.8.1.0/24",
    )


def test_the_platform_admits_its_tiers_to_the_endpoint_group_it_is_given(world):
    given = access(world, "platform", **CLOSED_PLATFORM, VpcEndpointSecurityGroupId="closed_endpoint_sg")
    for service in ("BffService", "AgentCoreService"):
        result = given[f"endpoints.access:{service}"]
        assert (result.status, result.detail) == (
            "pass",
            "the logs, ecr.api, ecr.dkr, ssm endpoints admit the tasks on 443 through the ingress rule this stack "
            "adds for the tasks' group",
        )
    # Given another group, its rules open that group, not the endpoints'.
    other = access(world, "platform", **CLOSED_PLATFORM, VpcEndpointSecurityGroupId="closed_other_sg")
    result = other["endpoints.access:BffService"]
    assert (result.status, result.detail) == ("fail", refused(world, "logs", "ecr.api", "ecr.dkr", "ssm"))


def test_without_a_private_dns_endpoint_the_tasks_go_by_their_route(world):
    # The dark VPC's only endpoint (ecr.api) has private DNS off.
    results = access(world, "go-api", VpcId="dark_vpc", SubnetIds="dark_subnets", AppSecurityGroupId="dark_sg")
    result = results["endpoints.access:Service"]
    assert result.status == "skip" and "no interface endpoint with private DNS in vpc-" in result.detail


def test_a_bucket_of_the_stacks_region_passes(full_run):
    results, _ = full_run("platform")
    # GetBucketLocation answers null for us-east-1, the world's region.
    assert (results["bucket"].status, results["bucket"].detail) == ("pass", "knowledge-base-dev exists in us-east-1")


def test_go_api_has_no_listener_rule_priority_to_check(full_run):
    """go-api creates no listener rule: no `listener` check ("priority  is free"); the
    listener its alarms read is checked as alarms.listener (docs/preflight-doctor.md)."""
    results, _ = full_run("go-api")
    assert "listener" not in results
    assert results["alarms.listener"].status == "pass"
    assert not [r.detail for r in results.values() if "priority" in r.detail]


def test_the_stacks_own_rule_does_not_block_an_update(world):
    elbv2 = world.account.client("elbv2")
    rules = elbv2.describe_rules(ListenerArn=world["listener"])["Rules"]
    held = next(r for r in rules if r["Priority"] == "50")["RuleArn"]
    elbv2.add_tags(ResourceArns=[held], Tags=[{"Key": "aws:cloudformation:stack-name", "Value": "platform-dev"}])
    values = platform(world, ListenerRulePriority="50")
    own = loadbalancing.listener_priority(context(world, "platform", values, stack="platform-dev"))
    held_by_own = "priority 50 is held by this stack's own rule (platform-dev)"
    assert [(r.status, r.detail) for r in own] == [("pass", held_by_own)]
    other = loadbalancing.listener_priority(context(world, "platform", values, stack="someone-else"))
    assert [r.status for r in other] == ["fail"]


# --- The commands through make, as users run them (one process each) ----------------------


def test_make_preflight_as_json(world):
    result = make(
        "preflight",
        "TEMPLATE=go-api",
        f"PARAMS={ROOT / 'params' / 'go-api.dev.json'}",
        "FORMAT=json",
        env=offline_aws_environment(world.endpoint),
    )
    results = json.loads(result.stdout)
    assert {tuple(sorted(r)) for r in results} == {("check", "detail", "fix", "status")}
    # The example IDs exist in no account: the subnets and the target group fail (make
    # reports the command's exit 1 as its own 2).
    assert result.returncode != 0, result.stderr
    statuses = {r["check"]: r["status"] for r in results}
    assert statuses["target-group"] == "fail" and statuses["subnets:SubnetIds"] == "fail"
    assert "checking" in result.stderr and "Traceback" not in result.stderr


# --- Creating again under the same name (--stack) ---------------------------------------

# A template moto can create: one resource that needs nothing else.
SMALL_TEMPLATE = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})


def by_check(results) -> dict:
    return {r.check: r for r in results}


def test_stack_check_passes_for_a_new_name_and_an_updatable_stack(world):
    created = by_check(stack.stack_state(context(world, "go-api", go_api(world), stack="never-created")))
    assert (created["stack"].status, created["stack"].detail) == (
        "pass",
        "no stack named never-created: deploy creates it",
    )
    world.account.client("cloudformation").create_stack(StackName="live-go-api", TemplateBody=SMALL_TEMPLATE)
    live = context(world, "go-api", go_api(world), stack="live-go-api")
    result = by_check(stack.stack_state(live))["stack"]
    assert (result.status, result.detail) == ("pass", "live-go-api is CREATE_COMPLETE: deploy updates it")
    # Its log group is its own: not a leftover.
    assert by_check(stack.leftover_log_groups(live))["leftover-log-groups"].status == "skip"


def test_no_stack_name_no_stack_checks(world):
    ctx = context(world, "go-api", go_api(world))
    assert stack.stack_state(ctx) == [] and stack.leftover_log_groups(ctx) == []


@pytest.mark.parametrize(
    ("template", "kept", "name", "expected"),
    [
        # /ecs/<stack> (go-api); a longer name with the same prefix is not the same group.
        ("go-api", ["/ecs/old-api", "/ecs/old-api-2"], "old-api", ["/ecs/old-api"]),
        # The platform's two groups, /ecs/<stack>/agentcore and /ecs/<stack>/bff: one kept.
        ("platform", ["/ecs/old-platform/bff"], "old-platform", ["/ecs/old-platform/bff"]),
        ("finfocus-plugin", ["/ecs/old-plugin"], "old-plugin", ["/ecs/old-plugin"]),
    ],
)
def test_leftover_log_groups_fail_a_new_create_under_the_same_name(world, template, kept, name, expected):
    logs = world.account.client("logs")
    for group in kept:
        logs.create_log_group(logGroupName=group)
    ctx = context(world, template, good_values(world, template), stack=name)
    result = by_check(stack.leftover_log_groups(ctx))["leftover-log-groups"]
    assert result.status == "fail", result
    assert result.detail.startswith(f"{', '.join(expected)} already exist"), result.detail
    for group in expected:
        assert f"aws logs delete-log-group --log-group-name {group}" in result.fix
    assert "another stack name" in result.fix
    assert f"{expected[0]}-2" not in result.fix
    # Another stack name collides with nothing.
    fresh = context(world, template, good_values(world, template), stack=f"{name}-fresh")
    passed = by_check(stack.leftover_log_groups(fresh))["leftover-log-groups"]
    assert passed.status == "pass" and f"/ecs/{name}-fresh" in passed.detail


def test_target_group_health_settings_are_read_in_the_form_the_timeline_takes(world, full_run):
    """go-api's target group belongs to another stack: preflight prints what a release waits
    on (interval, timeout, thresholds, deregistration delay), ready for make timeline."""
    from ops.timeline import cli as timeline

    elbv2 = aws_world.session().client("elbv2", endpoint_url=world.endpoint)
    group = elbv2.create_target_group(
        Name="tuned",
        Protocol="HTTP",
        Port=8080,
        VpcId=world["vpc"],
        TargetType="ip",
        HealthCheckIntervalSeconds=10,
        HealthCheckTimeoutSeconds=4,
        HealthyThresholdCount=2,
        UnhealthyThresholdCount=3,
    )["TargetGroups"][0]
    elbv2.modify_target_group_attributes(
        TargetGroupArn=group["TargetGroupArn"],
        Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}],
    )
    ctx = context(world, "go-api", go_api(world, TargetGroupArn=group["TargetGroupArn"]))
    settings = loadbalancing.health_settings(ctx, group)
    assert settings == "interval=10,timeout=4,healthy=2,unhealthy=3,deregistration=30"
    read = timeline.target_group_from(settings)
    assert (read.interval, read.timeout, read.healthy, read.unhealthy, read.deregistration) == (10, 4, 2, 3, 30)
    # The passing check of a full run says the same, with the command to paste.
    detail = full_run("go-api")[0]["target-group"].detail
    assert "make timeline TEMPLATE=go-api TARGET_GROUP=interval=" in detail
