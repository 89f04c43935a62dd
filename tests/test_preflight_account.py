"""`make preflight`'s account part against moto_server: each check passes on a good account
and fails on the mistake it exists for. No call may change anything (proved below)."""

import json

import pytest

from ops import preflight
from tests import aws_world

# Operations a read-only preflight may call: typed here, not taken from the code.
READ_ONLY_PREFIXES = ("Describe", "Get", "List", "Head")


@pytest.fixture(scope="module")
def world(moto_endpoint):
    return aws_world.build(moto_endpoint)


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch, moto_endpoint):
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_REGION", aws_world.REGION)


def go_api(world, **changes) -> dict:
    values = {
        "ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/go-api:v1.0.0",
        "TargetGroupArn": world["tg"],
        "AppSecurityGroupId": world["app_sg"],
        "SubnetIds": ",".join(world["public"]),
        "AssignPublicIp": "ENABLED",
        "MaxTasks": "4",
    }
    return {**values, **changes}


def platform(world, **changes) -> dict:
    values = {
        "Environment": "dev",
        "VpcId": world["vpc"],
        "PrivateAppSubnetIds": ",".join(world["nat"]),
        "PrivateAgentSubnetIds": ",".join(world["isolated"]),
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
        "SubnetIds": ",".join(world["nat"]),
        "ClientCidr": "10.0.0.0/16",
        "ExistingClusterName": "existing",
    }
    return {**values, **changes}


def run(tmp_path, template, values, **options):
    path = tmp_path / "params.json"
    path.write_text(json.dumps([f"{k}={v}" for k, v in values.items()]))
    return {r.check: r for r in preflight.run(template, str(path), session=aws_world.session(), **options)}


def statuses(results) -> dict[str, str]:
    return {check: r.status for check, r in results.items()}


def test_good_go_api_account_passes_every_check(world, tmp_path):
    results = run(tmp_path, "go-api", go_api(world))
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
    ):
        assert results[check].status == "pass", (check, results[check])


def test_good_platform_account_passes_every_check(world, tmp_path):
    results = run(tmp_path, "platform", platform(world))
    assert [r for r in results.values() if r.status == "fail"] == []
    for check in (
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


def test_good_finfocus_account_passes_and_skips_what_does_not_apply(world, tmp_path):
    results = run(tmp_path, "finfocus-plugin", finfocus(world))
    assert [r for r in results.values() if r.status == "fail"] == []
    assert results["cluster"].status == "pass"
    assert results["namespace"].status == "skip" and "creates the namespace" in results["namespace"].detail
    assert results["image:finfocus-plugin-aws-public:latest"].status == "skip"


@pytest.mark.parametrize(
    ("template", "change", "check", "says"),
    [
        ("go-api", {"SubnetIds": "dark_subnets"}, "vpc.dns", "enableDnsHostnames off"),
        ("go-api", {"SubnetIds": "one_zone"}, "subnets:SubnetIds.zones", "all in us-east-1a"),
        # /28 subnets hold 11 free addresses each: 22 < 2 x 20 tasks.
        ("go-api", {"SubnetIds": "tiny", "MaxTasks": "20"}, "subnets:SubnetIds.addresses", "22 free addresses"),
        ("go-api", {"AssignPublicIp": "DISABLED"}, "route:Service", "AssignPublicIp=DISABLED"),
        ("go-api", {"AppSecurityGroupId": "dark_sg"}, "security-group:AppSecurityGroupId", "not vpc-"),
        ("go-api", {"AppSecurityGroupId": "sg-0123456789abcdef0"}, "security-group:AppSecurityGroupId", "not found"),
        ("go-api", {"TargetGroupArn": "tg_instance"}, "target-group", "not ip"),
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
        ("platform", {"SecretsParameterPath": "/half/dev"}, "ssm-parameters", "/half/dev/session-secret"),
        ("platform", {"VpcEndpointSecurityGroupId": "app_sg"}, "endpoints.interface", "not in sg-"),
        ("platform", {"PrivateAppSubnetIds": "public"}, "endpoints.s3-gateway", "no S3 gateway endpoint"),
        ("platform", {"PrivateAppSubnetIds": "one_zone"}, "route:BffService", "AssignPublicIp=DISABLED"),
        ("finfocus-plugin", {"SubnetIds": "isolated"}, "route:Service", "no route to the internet for ghcr.io"),
        ("finfocus-plugin", {"ExistingClusterName": "gone"}, "cluster", "INACTIVE"),
        ("finfocus-plugin", {"ExistingClusterName": "never"}, "cluster", "not found"),
    ],
)
def test_each_check_fails_on_its_mistake(world, tmp_path, template, change, check, says):
    builders = {"go-api": go_api, "platform": platform, "finfocus-plugin": finfocus}
    resolved = {}
    for key, value in change.items():
        found = world.get(value, value)
        resolved[key] = ",".join(found) if isinstance(found, list) else found
    results = run(tmp_path, template, builders[template](world, **resolved))
    assert results[check].status == "fail", results[check]
    assert says in results[check].detail
    assert results[check].fix


def test_the_stacks_own_rule_does_not_block_an_update(world, tmp_path, moto_endpoint):
    elbv2 = aws_world.session().client("elbv2", endpoint_url=moto_endpoint)
    rule = elbv2.describe_rules(ListenerArn=world["listener"])["Rules"]
    held = next(r for r in rule if r["Priority"] == "50")["RuleArn"]
    elbv2.add_tags(ResourceArns=[held], Tags=[{"Key": "aws:cloudformation:stack-name", "Value": "platform-dev"}])
    values = platform(world, ListenerRulePriority="50")
    assert run(tmp_path, "platform", values, stack="platform-dev")["listener"].status == "pass"
    assert run(tmp_path, "platform", values, stack="someone-else")["listener"].status == "fail"


def test_a_full_preflight_calls_only_read_operations(world, tmp_path):
    called = []
    session = aws_world.session()
    session.events.register("before-call.*.*", lambda model, **_: called.append(model.name))
    for template, values in (
        ("go-api", go_api(world)),
        ("platform", platform(world)),
        ("finfocus-plugin", finfocus(world)),
    ):
        path = tmp_path / f"{template}.json"
        path.write_text(json.dumps([f"{k}={v}" for k, v in values.items()]))
        preflight.run(template, str(path), session=session)
    assert len(called) > 20
    writes = sorted({name for name in called if not name.startswith(READ_ONLY_PREFIXES)})
    assert writes == []
