"""The go-api template against the facts of its specification."""

import re

import pytest

from templates.evaluate import Evaluator
from tests import iam_world
from tests.helpers import as_json, built, only, policy_statements


@pytest.fixture
def go_api() -> dict:
    return built("go-api")


def container(template):
    return only(template, "AWS::ECS::TaskDefinition")["Properties"]["ContainerDefinitions"][0]


PARAMETERS = {
    "ImageUri": "String",
    "ContainerPort": "Number",
    "TaskSize": "String",
    "CpuArchitecture": "String",
    "ContainerUser": "String",
    "ReadonlyRootFilesystem": "String",
    "WritablePath": "String",
    "TargetGroupArn": "String",
    "AlbListenerArn": "String",
    "VpcId": "AWS::EC2::VPC::Id",
    "AppSecurityGroupId": "AWS::EC2::SecurityGroup::Id",
    "SubnetIds": "List<AWS::EC2::Subnet::Id>",
    "AssignPublicIp": "String",
    "HealthCheckGracePeriodSeconds": "Number",
    "MinTasks": "Number",
    "MaxTasks": "Number",
    "CpuTargetPercent": "Number",
    "DeploymentStrategy": "String",
    "BakeTimeMinutes": "Number",
    "LinearStepPercent": "String",
    "LinearStepBakeMinutes": "Number",
    "CanaryPercent": "String",
    "CanaryBakeMinutes": "Number",
    "AlternateTargetGroupArn": "String",
    "ProductionListenerRuleArn": "String",
    "ExistingClusterName": "String",
    "LogRetentionDays": "Number",
    "LogKmsKeyArn": "String",
    "AlarmTopicArn": "String",
    "AlarmTopicKmsKeyArn": "String",
    "CreateDashboard": "String",
    "EnableExecuteCommand": "String",
}


def test_parameters_typed_with_the_specified_defaults(go_api):
    parameters = go_api["Parameters"]
    assert {name: p["Type"] for name, p in parameters.items()} == PARAMETERS
    defaults = {name: p.get("Default") for name, p in parameters.items()}
    assert defaults["AssignPublicIp"] == "ENABLED"
    assert defaults["ContainerPort"] == 8080
    assert defaults["TaskSize"] == "256x512"
    assert (defaults["MinTasks"], defaults["MaxTasks"]) == (1, 4)
    assert defaults["CpuTargetPercent"] == 70  # docs/go-api.md: average CPU kept near 70 %
    assert defaults["ImageUri"] is None  # a release is always a deliberate image
    # docs/controls.md: the image's own user, a read-only root with /tmp writable.
    assert (defaults["ContainerUser"], defaults["ReadonlyRootFilesystem"], defaults["WritablePath"]) == (
        "",
        "true",
        "/tmp",
    )


@pytest.mark.parametrize(
    ("uri", "ok"),
    [
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/go-api:v1.2.3", True),
        ("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/go-api:latest", True),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/go-api@sha256:" + "a" * 64, True),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/go-api", False),  # no tag: which release?
        ("docker.io/library/golang:1.23", False),
        ("12345.dkr.ecr.us-east-1.amazonaws.com/go-api:v1", False),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/Go-API:v1", False),
    ],
)
def test_image_uri_pattern_accepts_ecr_images_only(go_api, uri, ok):
    assert bool(re.match(go_api["Parameters"]["ImageUri"]["AllowedPattern"], uri)) is ok


def test_task_definition_runs_the_api_with_port(go_api):
    task = only(go_api, "AWS::ECS::TaskDefinition")["Properties"]
    assert (task["RequiresCompatibilities"], task["NetworkMode"]) == (["FARGATE"], "awsvpc")
    api = container(go_api)
    assert api["PortMappings"] == [{"ContainerPort": {"Ref": "ContainerPort"}, "Name": "http", "Protocol": "tcp"}]
    assert {e["Name"]: e["Value"] for e in api["Environment"]} == {"PORT": {"Ref": "ContainerPort"}}
    assert api["LogConfiguration"]["Options"]["awslogs-group"] == {"Ref": "LogGroup"}
    group = go_api["Resources"]["LogGroup"]
    # Kept on delete, but not left behind by a first create that rolls back (GUIDE section 6).
    assert (group["DeletionPolicy"], group["UpdateReplacePolicy"]) == ("RetainExceptOnCreate", "Retain")


def statements_by_action(role: dict) -> dict[str, str]:
    return {action: as_json(s["Resource"]) for s in policy_statements(role) for action in s["Action"]}


def test_execution_role_is_least_privilege(go_api):
    role = go_api["Resources"]["ExecutionRole"]
    assert "ManagedPolicyArns" not in role["Properties"]
    granted = statements_by_action(role)
    assert set(granted) == {
        "ecr:GetAuthorizationToken",
        "ecr:BatchCheckLayerAvailability",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchGetImage",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    }
    assert [action for action, resource in granted.items() if "*" in resource and "repository" not in resource] == [
        "ecr:GetAuthorizationToken"
    ]
    for action in ("ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"):
        assert "repository/${Repository}" in granted[action]
    assert granted["logs:PutLogEvents"] == as_json([{"Fn::GetAtt": ["LogGroup", "Arn"]}])


def test_task_role_has_no_permissions_unless_ecs_exec_is_on(go_api):
    role = go_api["Resources"]["TaskRole"]["Properties"]
    assert not {"ManagedPolicyArns"} & set(role)
    assert iam_world.roles("go-api")["TaskRole"].get("Policies", []) == []
    (policy,) = iam_world.roles("go-api", EnableExecuteCommand="true")["TaskRole"]["Policies"]
    assert policy["PolicyName"] == "ecs-exec"
    assert {a.split(":")[0] for s in policy["PolicyDocument"]["Statement"] for a in s["Action"]} == {"ssmmessages"}


@pytest.mark.parametrize(
    ("uri", "repository_arn"),
    [
        (
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/go-api:v1.2.3",
            "arn:aws:ecr:us-east-1:123456789012:repository/go-api",
        ),
        (
            "210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/go-api:latest",
            "arn:aws:ecr:eu-west-1:210987654321:repository/team/go-api",
        ),
        (
            "123456789012.dkr.ecr.ap-south-1.amazonaws.com/go-api@sha256:" + "b" * 64,
            "arn:aws:ecr:ap-south-1:123456789012:repository/go-api",
        ),
    ],
)
def test_repository_arn_is_worked_out_from_the_image_uri(go_api, uri, repository_arn):
    statement = next(
        s for s in policy_statements(go_api["Resources"]["ExecutionRole"]) if "ecr:BatchGetImage" in s["Action"]
    )
    (arn,) = statement["Resource"]
    # Evaluate the intrinsic functions as CloudFormation would for this parameter value.
    assert Evaluator(go_api, {"ImageUri": uri, "AWS::Partition": "aws"}).resolve(arn) == repository_arn


def test_service_joins_the_existing_target_group_and_rolls_back(go_api):
    service = only(go_api, "AWS::ECS::Service")["Properties"]
    (balancer,) = service["LoadBalancers"]
    # The template is shared by every test in this worker (tests.helpers.built): compare a copy
    # without the traffic-shifting strategies' part (tests/test_deployment_strategies.py).
    balancer = {key: value for key, value in balancer.items() if key != "AdvancedConfiguration"}
    assert balancer == {
        "ContainerName": "api",
        "ContainerPort": {"Ref": "ContainerPort"},
        "TargetGroupArn": {"Ref": "TargetGroupArn"},
    }
    assert container(go_api)["Name"] == "api"
    deployment = service["DeploymentConfiguration"]
    assert (deployment["MinimumHealthyPercent"], deployment["MaximumPercent"]) == (100, 200)
    assert deployment["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    assert service["HealthCheckGracePeriodSeconds"] == {"Ref": "HealthCheckGracePeriodSeconds"}
    assert service["EnableECSManagedTags"] is True and service["PropagateTags"] == "SERVICE"
    network = service["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert network["SecurityGroups"] == [{"Ref": "AppSecurityGroupId"}]
    assert network["AssignPublicIp"] == {"Ref": "AssignPublicIp"}
    assert service["LaunchType"] == "FARGATE"
    # Auto-scaling owns the count (it starts at MinTasks); a fixed DesiredCount would
    # be sent again with every release and undo scaling.
    assert "DesiredCount" not in service


def test_cpu_target_tracking_between_min_and_max(go_api):
    target = only(go_api, "AWS::ApplicationAutoScaling::ScalableTarget")["Properties"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == ({"Ref": "MinTasks"}, {"Ref": "MaxTasks"})
    assert target["ScalableDimension"] == "ecs:service:DesiredCount"
    assert target["ServiceNamespace"] == "ecs"
    assert "RoleARN" not in target  # the service-linked role
    policy = only(go_api, "AWS::ApplicationAutoScaling::ScalingPolicy")["Properties"]
    configuration = policy["TargetTrackingScalingPolicyConfiguration"]
    assert policy["PolicyType"] == "TargetTrackingScaling"
    assert configuration["PredefinedMetricSpecification"] == {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}
    assert configuration["TargetValue"] == {"Ref": "CpuTargetPercent"}
    # Out quickly, in slowly (docs/go-api.md: another scale-out after 60 s, scale-in steps 300 s apart).
    assert (configuration["ScaleOutCooldown"], configuration["ScaleInCooldown"]) == (60, 300)


def test_outputs(go_api):
    outputs = go_api["Outputs"]
    assert set(outputs) == {"ClusterName", "ServiceName", "ServiceArn", "TaskDefinitionArn", "LogGroupName"}
    # Every release makes a new revision; an export in use cannot change, so this one is plain.
    assert "Export" not in outputs["TaskDefinitionArn"]
    assert outputs["TaskDefinitionArn"]["Value"] == {"Ref": "TaskDefinition"}
    for name, output in outputs.items():
        if name != "TaskDefinitionArn":
            assert output["Export"]["Name"] == {"Fn::Sub": f"${{AWS::StackName}}-{name}"}


def test_grace_period_default_is_60_seconds(go_api):
    grace = go_api["Parameters"]["HealthCheckGracePeriodSeconds"]
    assert (grace["Default"], grace["MinValue"]) == (60, 0)


@pytest.mark.parametrize(
    ("vpc_of", "refused"),
    [
        ({"subnet-1": "vpc-1", "subnet-2": "vpc-1"}, False),
        ({"subnet-1": "vpc-1", "subnet-2": "vpc-2"}, True),
        ({"subnet-1": "vpc-2", "subnet-2": "vpc-2"}, True),
    ],
)
def test_rule_refuses_subnets_outside_the_vpc(go_api, vpc_of, refused):
    from ops.shared import rules

    values = {"VpcId": "vpc-1", "SubnetIds": "subnet-1,subnet-2", "AppSecurityGroupId": "sg-app"}

    def lookup(kind, value, attribute):
        # Only the subnets' VpcId may be read: a rule cannot read a security group's VPC.
        assert (kind, attribute) == ("AWS::EC2::Subnet::Id", "VpcId")
        return vpc_of[value]

    (result,) = [r for r in rules.evaluate(go_api, values, lookup) if r.check == "rule:SubnetsInTheVpc"]
    assert result.status == ("fail" if refused else "pass")
    if refused:
        assert "SubnetIds" in result.detail and "VpcId" in result.detail


def test_vpc_parameter_in_the_network_group_with_a_label(go_api):
    interface = go_api["Metadata"]["AWS::CloudFormation::Interface"]
    (group,) = [g for g in interface["ParameterGroups"] if "VpcId" in g["Parameters"]]
    assert group["Label"]["default"] == "Load balancer and network"
    assert {"SubnetIds", "AppSecurityGroupId"} <= set(group["Parameters"])
    assert interface["ParameterLabels"]["VpcId"]["default"] == "VPC"
    assert "VPC" in go_api["Parameters"]["VpcId"]["Description"]
