"""make params-from-stack against prerequisites stacks on a local moto_server, then preflight on the files.

moto differs from AWS in ways listed in tools/rehearse.py (MOTO_GAPS); the preflight
checks those differences make fail are named here, each with its reason, and nothing
else may fail.
"""

import json
import subprocess
import tempfile
from pathlib import Path

import boto3
import pytest

from ops.params_from_stack import cli as params_from_stack
from ops.preflight import cli as preflight
from ops.preflight import deployments, endpoint_access
from ops.shared import invocation, params, template
from ops.shared.aws import Account
from ops.shared.context import Context
from ops.shared.report import as_text
from ops.shared.template import Values
from tests.aws_world import MANIFEST
from tests.helpers import ROOT

REGION = "us-east-1"
TEMPLATE = (ROOT / "output" / "prerequisites.yaml").read_text()
MARKER = "<fill in:"
# What moto (not AWS) makes preflight fail on a prerequisites stack: it ignores the VPC's DNS
# attributes, hides subnet route-table associations from DescribeRouteTables (so no route
# and no S3 gateway endpoint is found for a subnet), and names ECS's service-linked role
# AWSServiceRoleForecs.
MOTO_GAPS = {"vpc.dns", "iam.ecs-service-linked-role", "endpoints.s3-gateway"}


def client(endpoint: str, service: str):
    return boto3.client(
        service, endpoint_url=endpoint, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def before_the_second_target_group() -> str:
    """The template as it was before go-api's second target group: one group, a plain forward."""
    document = json.loads((ROOT / "output" / "prerequisites.json").read_text())
    del document["Resources"]["GoApiAlternateTargetGroup"]
    for output in ("AlternateTargetGroupArn", "ProductionListenerRuleArn"):
        del document["Outputs"][output]
    rule = document["Resources"]["GoApiListenerRule"]["Properties"]
    rule["Actions"] = [{"Type": "forward", "TargetGroupArn": {"Ref": "GoApiTargetGroup"}}]
    return json.dumps(document)


def create(endpoint: str, name: str, template: str = TEMPLATE, **parameters) -> dict:
    cloudformation = client(endpoint, "cloudformation")
    cloudformation.create_stack(
        StackName=name,
        TemplateBody=template,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
    )
    stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}


@pytest.fixture(scope="module")
def stacks(moto_endpoint) -> dict[str, dict]:
    """Two prerequisites stacks: the defaults (no NAT, no interface endpoints); and the platform's,
    made before go-api's second target group and updated to this template, as an existing stack is."""
    platform = {"NatGateways": "one", "InterfaceEndpoints": "platform"}
    before = create(moto_endpoint, "withendpoints", before_the_second_target_group(), **platform)
    cloudformation = client(moto_endpoint, "cloudformation")
    parameters = [{"ParameterKey": k, "UsePreviousValue": True} for k in platform]
    cloudformation.update_stack(StackName="withendpoints", TemplateBody=TEMPLATE, Parameters=parameters)
    updated = cloudformation.describe_stacks(StackName="withendpoints")["Stacks"][0]
    made = {
        "plain": create(moto_endpoint, "plain"),
        "before": before,
        "platform": {o["OutputKey"]: o["OutputValue"] for o in updated["Outputs"]},
    }
    # A stack of something else: no prerequisites outputs.
    client(moto_endpoint, "cloudformation").create_stack(
        StackName="other", TemplateBody=json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})
    )
    return made


@pytest.fixture
def account(moto_endpoint, monkeypatch) -> Account:
    for key, value in {
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return Account()


def written(path) -> dict[str, str]:
    return dict(entry.split("=", 1) for entry in json.loads(path.read_text()))


def test_go_api_file_takes_the_stack_outputs_and_leaves_the_image_tag(stacks, account, tmp_path):
    path = tmp_path / "go-api.dev.local.json"
    told = params_from_stack.run("plain", "go-api", "dev", path, account)
    outputs = stacks["plain"]
    assert written(path) == {
        "ImageUri": f"{outputs['GoApiRepositoryUri']}:<fill in: image tag>",
        "ContainerPort": "8080",
        "TargetGroupArn": outputs["TargetGroupArn"],
        # What a blue/green, linear or canary go-api needs; a rolling one leaves them unused.
        "AlternateTargetGroupArn": outputs["AlternateTargetGroupArn"],
        "ProductionListenerRuleArn": outputs["ProductionListenerRuleArn"],
        # The listener names the load balancer of the target-group alarms.
        "AlbListenerArn": outputs["AlbListenerArn"],
        "VpcId": outputs["VpcId"],
        "AppSecurityGroupId": outputs["AppSecurityGroupId"],
        # Seed 003: public subnets with public IPs, which reach ECR whatever the egress choice.
        "SubnetIds": outputs["PublicSubnetIds"],
        "AssignPublicIp": "ENABLED",
    }
    assert next(iter(written(path))) == "ImageUri"  # in the console's order
    assert "to fill in: ImageUri=" in told and "make preflight TEMPLATE=go-api" in told


def test_an_existing_stack_gets_the_second_target_group_without_replacing_anything(moto_endpoint, stacks):
    """The update adds the second group and rewrites the rule's action in place (Actions update
    without interruption; only ListenerArn replaces a rule): the first group and the rule keep
    their ARNs, so go-api's parameter file stays valid, and all the weight stays where go-api's
    tasks are. (moto attaches a group to the load balancer only when a rule is created with it:
    after this update it lists no load balancer for the second group, AWS does.)"""
    before, after = stacks["before"], stacks["platform"]
    assert after["TargetGroupArn"] == before["TargetGroupArn"]
    elbv2 = client(moto_endpoint, "elbv2")
    (rule,) = [r for r in elbv2.describe_rules(ListenerArn=before["AlbListenerArn"])["Rules"] if not r["IsDefault"]]
    assert rule["RuleArn"] == after["ProductionListenerRuleArn"]
    groups = rule["Actions"][0]["ForwardConfig"]["TargetGroups"]
    assert [(g["TargetGroupArn"], g["Weight"]) for g in groups] == [
        (before["TargetGroupArn"], 100),
        (after["AlternateTargetGroupArn"], 0),
    ]


def test_preflight_reports_the_marker_in_one_line_and_refuses_the_file(stacks, account, tmp_path):
    path = tmp_path / "go-api.dev.local.json"
    params_from_stack.run("plain", "go-api", "dev", path, account)
    results = preflight.run("go-api", str(path), only_offline=True)
    (failure,) = [r for r in results if r.status == "fail"]
    assert failure.check == "params:ImageUri" and failure.fix == ""
    assert failure.detail.startswith("ImageUri is still to be filled in: ") and MARKER in failure.detail
    assert len(as_text([failure]).splitlines()) == 1


def fill(path, **values) -> None:
    entries = written(path)
    entries.update(values)
    path.write_text(json.dumps([f"{k}={v}" for k, v in entries.items()]))


def push(endpoint: str, repository_uri: str, tag: str) -> str:
    repository = repository_uri.split("/", 1)[1]
    client(endpoint, "ecr").put_image(repositoryName=repository, imageManifest=MANIFEST, imageTag=tag)
    return f"{repository_uri}:{tag}"


def failures(results) -> set[str]:
    return {r.check for r in results if r.status == "fail"}


def test_preflight_passes_go_api_in_an_account_the_stack_made(moto_endpoint, stacks, account, tmp_path):
    path = tmp_path / "go-api.dev.local.json"
    params_from_stack.run("plain", "go-api", "dev", path, account)
    fill(path, ImageUri=push(moto_endpoint, stacks["plain"]["GoApiRepositoryUri"], "v1.0.0"))
    results = {r.check: r for r in preflight.run("go-api", str(path), account=account, stack="go-api-dev")}
    # route: go-api's public subnets' association to the internet route table is invisible in moto.
    assert failures(results.values()) <= MOTO_GAPS | {"route:Service"}
    for check in ("params", "target-group", "image:go-api:v1.0.0", "security-group:AppSecurityGroupId"):
        assert results[check].status == "pass", results[check]
    assert results["subnets:SubnetIds.zones"].status == "pass"
    assert "behind 1 LB" in results["target-group"].detail
    # Rolling (the default) leaves the second target group and the rule unused.
    assert results["deployment.target-groups"].status == "skip"


def test_preflight_passes_a_blue_green_go_api_in_an_account_the_stack_made(moto_endpoint, stacks, account, tmp_path):
    """The file as written, with only the strategy changed: the second target group and the
    production rule the stack made are what preflight's deployment checks ask for (LINEAR and
    CANARY ask the same)."""
    path = tmp_path / "go-api.dev.local.json"
    params_from_stack.run("plain", "go-api", "dev", path, account)
    fill(
        path,
        ImageUri=push(moto_endpoint, stacks["plain"]["GoApiRepositoryUri"], "v2.0.0"),
        DeploymentStrategy="BLUE_GREEN",
    )
    results = {r.check: r for r in preflight.run("go-api", str(path), account=account, stack="go-api-dev")}
    assert failures(results.values()) <= MOTO_GAPS | {"route:Service"}
    for check in (
        "rule:TrafficShiftingNeedsTwoTargetGroupsAndTheRule",
        "deployment.target-groups",
        "deployment.listener-rule",
        "alarms.listener",
    ):
        assert results[check].status == "pass", results[check]
    # What the checks read, as moto answers it: the second group is attached to the listener's
    # load balancer through the rule, which forwards to both, all the weight on the first.
    elbv2 = client(moto_endpoint, "elbv2")
    outputs = stacks["plain"]
    (rule,) = elbv2.describe_rules(RuleArns=[outputs["ProductionListenerRuleArn"]])["Rules"]
    weights = {g["TargetGroupArn"]: g["Weight"] for g in rule["Actions"][0]["ForwardConfig"]["TargetGroups"]}
    assert weights == {outputs["TargetGroupArn"]: 100, outputs["AlternateTargetGroupArn"]: 0}


def test_an_update_that_rewrites_go_apis_rule_is_refused_while_its_traffic_is_on_the_second_group(
    moto_endpoint, stacks, account
):
    """After an odd number of blue/green releases ECS has moved go-api's traffic to the second
    group (set here by hand: moto runs no such release). An update of the prerequisites stack
    that changes the rule puts the template's weights back, as CloudFormation makes a resource
    match its template: preflight refuses it first."""
    elbv2, outputs = client(moto_endpoint, "elbv2"), stacks["plain"]
    rule, first = outputs["ProductionListenerRuleArn"], outputs["TargetGroupArn"]
    second = outputs["AlternateTargetGroupArn"]

    def weights(of_first: int) -> None:
        groups = [{"TargetGroupArn": first, "Weight": of_first}, {"TargetGroupArn": second, "Weight": 100 - of_first}]
        elbv2.modify_rule(RuleArn=rule, Actions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": groups}}])

    document = template.load("prerequisites")
    changed = params.effective(document["Parameters"], {"GoApiPathPattern": "/api/*"})
    weights(0)
    try:
        ctx = Context(account, "prerequisites", Values(document, changed), stack="plain")
        (result,) = deployments.strategy_switch(ctx)
        assert (result.check, result.status) == ("deployment.production-rule", "fail"), result
        assert "changing GoApiPathPattern rewrites its rule" in result.detail
    finally:
        weights(100)


def test_platform_file_from_a_stack_with_endpoints(moto_endpoint, stacks, account, tmp_path):
    path = tmp_path / "platform.dev.local.json"
    told = params_from_stack.run("withendpoints", "platform", "dev", path, account)
    outputs, values = stacks["platform"], written(path)
    prefix_lists = client(moto_endpoint, "ec2").describe_prefix_lists()["PrefixLists"]
    s3 = next(p["PrefixListId"] for p in prefix_lists if p["PrefixListName"] == f"com.amazonaws.{REGION}.s3")
    for key in (
        "VpcId",
        "PrivateAppSubnetIds",
        "PrivateAgentSubnetIds",
        "AlbListenerArn",
        "AlbSecurityGroupId",
        "VpcEndpointSecurityGroupId",
        "RdsSecurityGroupId",
        "KnowledgeBaseBucketName",
    ):
        assert values[key] == outputs[key], key
    assert values["S3PrefixListId"] == s3
    assert (values["Environment"], values["SecretsParameterPath"]) == ("dev", "/bidopsai/dev")
    assert values["NamespaceName"] == "dev.platform.local"
    assert values["BffImageUri"] == f"{outputs['BffRepositoryUri']}:<fill in: image tag>"
    assert MARKER in values["AgentCoreImageUri"] and MARKER in values["PathPattern"]
    # The secrets of docs/platform.md, none created yet: each with the command that creates it.
    for name in ("database-url", "session-secret", "agentcore-api-key"):
        assert f"aws ssm put-parameter --name /bidopsai/dev/{name} --type SecureString --value '...'" in told


def test_platform_preflight_passes_once_images_path_and_secrets_exist(moto_endpoint, stacks, account, tmp_path):
    path = tmp_path / "platform.dev.local.json"
    params_from_stack.run("withendpoints", "platform", "dev", path, account)
    outputs = stacks["platform"]
    fill(
        path,
        BffImageUri=push(moto_endpoint, outputs["BffRepositoryUri"], "v1.0.0"),
        AgentCoreImageUri=push(moto_endpoint, outputs["AgentCoreRepositoryUri"], "v1.0.0"),
        PathPattern="/app/*",
    )
    ssm = client(moto_endpoint, "ssm")
    for name in ("database-url", "session-secret", "agentcore-api-key"):
        ssm.put_parameter(Name=f"/bidopsai/dev/{name}", Type="SecureString", Value="x")
    results = {r.check: r for r in preflight.run("platform", str(path), account=account, stack="platform-dev")}
    routes = {"route:BffService", "route:AgentCoreService"}  # the subnets' associations, invisible in moto
    assert failures(results.values()) <= MOTO_GAPS | routes
    for check in ("params", "endpoints.interface", "prefix-list", "listener", "ssm-parameters", "bucket"):
        assert results[check].status == "pass", results[check]
    # Written again now, the file asks for no secret: all exist.
    again = params_from_stack.run("withendpoints", "platform", "dev", tmp_path / "again.json", account)
    assert "SecureString parameters the tasks read: all 3 exist" in again and "put-parameter" not in again


@pytest.mark.parametrize(
    ("stack", "subnets", "public_ip"),
    [("plain", "PublicSubnetIds", "ENABLED"), ("withendpoints", "PrivateAppSubnetIds", "DISABLED")],
)
def test_plugin_runs_behind_the_nat_gateway_when_there_is_one(stacks, account, tmp_path, stack, subnets, public_ip):
    path = tmp_path / "finfocus-plugin.dev.local.json"
    told = params_from_stack.run(stack, "finfocus-plugin", "dev", path, account)
    outputs = stacks["plain" if stack == "plain" else "platform"]
    assert written(path) == {
        "VpcId": outputs["VpcId"],
        "SubnetIds": outputs[subnets],
        "ClientCidr": "10.0.0.0/16",
        "AssignPublicIp": public_ip,
    }
    assert "narrow it" in told and MARKER not in path.read_text()
    # The endpoints have private DNS on, so the plugin's tasks (a security group of their own,
    # which the prerequisites stack cannot name) deliver their logs through the logs endpoint:
    # its group must admit them, here through the VPC's range.
    document = template.load("finfocus-plugin")
    ctx = Context(account, "finfocus-plugin", Values(document, params.effective(document["Parameters"], written(path))))
    (result,) = endpoint_access.endpoint_access(ctx)
    expected = {
        "plain": (
            "skip",
            f"no interface endpoint with private DNS in {outputs['VpcId']} for what the tasks call (logs)",
        ),
        "withendpoints": ("pass", "the logs endpoints admit the tasks on 443 through the address range 10.0.0.0/16"),
    }[stack]
    assert (result.status, result.detail.split(":")[0]) == expected, result


BAD = [
    (["plain", "nope", "dev"], "unknown template 'nope'"),
    (["plain", "prerequisites", "dev"], "TEMPLATE=prerequisites takes no parameters from a prerequisites stack"),
    (["plain", "go-api", "Dev!"], "ENV='Dev!' is not a short name"),
    (["withendpoints", "platform", "staging"], "ENV=staging is not an environment of platform: use one of dev, test"),
    (["missing", "go-api", "dev"], "no stack named missing in us-east-1"),
    (["other", "go-api", "dev"], "stack other has no output VpcId"),
    (["plain", "platform", "dev"], "update it with InterfaceEndpoints=platform first"),
]


@pytest.mark.parametrize(("arguments", "says"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_is_one_line_exit_2_and_nothing_written(stacks, account, tmp_path, capsys, arguments, says):
    path = tmp_path / "out.json"
    assert params_from_stack.main([*arguments, "--output", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("params-from-stack: ") and says in err and err.count("\n") == 1
    assert not path.exists() and not list(tmp_path.iterdir())


def test_make_target_names_each_missing_variable():
    for given, missing in ((["TEMPLATE=go-api", "ENV=dev"], "STACK"), (["STACK=p", "ENV=dev"], "TEMPLATE")):
        done = subprocess.run(
            ["make", "--no-print-directory", "-o", ".venv/.installed", "params-from-stack", *given],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode != 0 and f"{missing} is required" in done.stderr


def named(stack: str) -> list[str]:
    return [f"{stack}/go-api", f"{stack}/bidopsai/app", f"{stack}/bidopsai/agent"]


@pytest.mark.parametrize(
    ("stack", "status", "says"),
    [
        ("plain", "skip", ["plain exists: its repositories are its own"]),
        ("Prereq-Dev", "fail", [*named("Prereq-Dev"), "which ECR refuses", "such as prereq-dev"]),
        ("kept", "fail", ["kept/go-api already exist (kept from an earlier stack kept)"]),
        ("fresh", "pass", [*named("fresh"), "exists yet"]),
    ],
)
def test_preflight_finds_repositories_a_new_stack_could_not_create(moto_endpoint, stacks, account, stack, status, says):
    """The repositories are named after the stack and kept on delete: a kept one blocks a create of that name."""
    if stack == "kept":  # what a deleted stack "kept" left behind
        client(moto_endpoint, "ecr").create_repository(repositoryName="kept/go-api")
    results = preflight.run(
        "prerequisites", str(ROOT / "params" / "prerequisites.dev.json"), account=account, stack=stack
    )
    (result,) = [r for r in results if r.check == "leftover-repositories"]
    assert result.status == status and all(part in result.detail for part in says), result
    if stack == "kept":
        assert result.fix.startswith("once their images are no longer needed: aws ecr delete-repository")


# moto's ExecuteChangeSet writes no outputs (tools/moto_gaps.py): a prerequisites stack that
# `make deploy` made there has its parameters and none of its outputs.
PREREQUISITES_WITHOUT_OUTPUTS = {
    "StackName": "prereq-moto",
    "Parameters": [
        {"ParameterKey": "NatGateways", "ParameterValue": "none"},
        {"ParameterKey": "InterfaceEndpoints", "ParameterValue": "none"},
    ],
}


def test_a_prerequisites_stack_without_outputs_on_a_local_endpoint_names_the_moto_gap(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")
    document = template.load("go-api")
    with pytest.raises(params.BadInput) as refused:
        params_from_stack.values_from(PREREQUISITES_WITHOUT_OUTPUTS, "go-api", "dev", document, account=None)
    assert "moto" in str(refused.value) and "create-stack" in str(refused.value)
    assert "give the name of a stack made from the prerequisites" not in str(refused.value)


def test_the_same_stack_in_aws_is_still_named_as_the_wrong_stack(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    document = template.load("go-api")
    with pytest.raises(params.BadInput, match="made from the prerequisites template"):
        params_from_stack.values_from(PREREQUISITES_WITHOUT_OUTPUTS, "go-api", "dev", document, account=None)


@pytest.mark.parametrize(("by_make", "elsewhere"), [(False, "--output "), (True, "OUTPUT=")])
def test_a_read_only_checkout_is_one_line_naming_where_to_write(
    stacks, account, tmp_path, capsys, monkeypatch, read_only, by_make, elsewhere
):
    checkout = tmp_path / "params"
    checkout.mkdir()
    monkeypatch.setattr(params_from_stack, "PARAMS", checkout)
    monkeypatch.chdir(tmp_path)
    if by_make:
        monkeypatch.setenv(invocation.ENV, "params-from-stack")
    else:
        monkeypatch.delenv(invocation.ENV, raising=False)
    read_only(checkout)
    assert params_from_stack.main(["plain", "go-api", "dev"]) == 2
    err = capsys.readouterr().err
    somewhere = Path(tempfile.gettempdir()) / "go-api.dev.local.json"
    assert err == (
        "params-from-stack: cannot write params/go-api.dev.local.json: Read-only file system: "
        f"write it elsewhere, e.g. {elsewhere}{somewhere}\n"
    )
    assert list(checkout.iterdir()) == []
    # Where the line says: written.
    assert params_from_stack.main(["plain", "go-api", "dev", "--output", str(tmp_path / "mine.json")]) == 0
    assert "ImageUri" in written(tmp_path / "mine.json")
