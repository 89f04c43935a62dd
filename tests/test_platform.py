"""The platform template against the facts of its specification, for every environment."""

import json
import re

import pytest

from templates.evaluate import Evaluator
from tests import iam_world
from tests.helpers import built, policy_statements

# Environment -> (CPU units, MiB), typed in from the specification.
SPEC_SIZES = {"dev": ("512", "1024"), "test": ("1024", "2048"), "prod": ("2048", "4096")}
LISTENER = (
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/public-alb/50dc6c495c0c9188/f2f7dc8efc522ab2"
)


def instantiate(environment: str, **values) -> dict:
    """The resources a stack of this environment gets, functions of parameters evaluated."""
    document = built("platform")
    given = {
        "Environment": environment,
        "AlbListenerArn": LISTENER,
        "PathPattern": "/app/*",
        "AWS::Partition": "aws",
        **values,
    }
    return Evaluator(document, given, strict=False).resources()


@pytest.fixture(params=list(SPEC_SIZES))
def stack(request):
    return request.param, instantiate(request.param)


def of_type(resources: dict, kind: str) -> dict:
    return {title: body for title, body in resources.items() if body["Type"] == kind}


def test_parameters_are_the_inputs_of_the_other_stacks():
    parameters = built("platform")["Parameters"]
    expected = {
        "Environment": "String",
        "VpcId": "AWS::EC2::VPC::Id",
        "PrivateAppSubnetIds": "List<AWS::EC2::Subnet::Id>",
        "PrivateAgentSubnetIds": "List<AWS::EC2::Subnet::Id>",
        "AlbListenerArn": "String",
        "AlbSecurityGroupId": "AWS::EC2::SecurityGroup::Id",
        "VpcEndpointSecurityGroupId": "AWS::EC2::SecurityGroup::Id",
        "S3PrefixListId": "String",
        "ListenerRulePriority": "Number",
        "PathPattern": "String",
        "HostHeader": "String",
        "AllowCatchAllPath": "String",
        "AddAlbEgressRule": "String",
        "AgentCoreHealthCheckCommand": "String",
        "BffImageUri": "String",
        "AgentCoreImageUri": "String",
        "CpuArchitecture": "String",
        "RdsSecurityGroupId": "AWS::EC2::SecurityGroup::Id",
        "KnowledgeBaseBucketName": "String",
        "SecretsParameterPath": "String",
        "NamespaceName": "String",
        "AgentCoreRollout": "String",
        "OnDemandWeight": "Number",
        "SpotWeight": "Number",
        "OnDemandBaseTasks": "Number",
        "AlarmTopicArn": "String",
        "AlarmTopicKmsKeyArn": "String",
        "ContainerUser": "String",
        "ReadonlyRootFilesystem": "String",
        "WritablePath": "String",
        "LogRetentionDays": "Number",
        "DeploymentStrategy": "String",
        "BakeTimeMinutes": "Number",
        "LinearStepPercent": "String",
        "LinearStepBakeMinutes": "Number",
        "CanaryPercent": "String",
        "CanaryBakeMinutes": "Number",
        "CreateDashboard": "String",
        "LogKmsKeyArn": "String",
        "SecretsKmsKeyArn": "String",
        "KnowledgeBaseKmsKeyArn": "String",
        "EnableExecuteCommand": "String",
    }
    assert {name: p["Type"] for name, p in parameters.items()} == expected
    assert parameters["Environment"]["AllowedValues"] == ["dev", "test", "prod"]
    # The seed's 7-day logs stay the default (docs/controls.md: a year meets CT.CLOUDWATCH.PR.2).
    assert parameters["LogRetentionDays"]["Default"] == 7
    assert parameters["ReadonlyRootFilesystem"]["Default"] == "false"
    assert (parameters["ListenerRulePriority"]["MinValue"], parameters["ListenerRulePriority"]["MaxValue"]) == (
        1,
        50000,
    )


def test_task_sizes_follow_the_environment(stack):
    environment, resources = stack
    for title, task in of_type(resources, "AWS::ECS::TaskDefinition").items():
        assert (task["Properties"]["Cpu"], task["Properties"]["Memory"]) == SPEC_SIZES[environment], title


def test_cluster_has_insights_and_a_70_30_fargate_spot_strategy(stack):
    _, resources = stack
    (cluster,) = of_type(resources, "AWS::ECS::Cluster").values()
    properties = cluster["Properties"]
    assert {"Name": "containerInsights", "Value": "enabled"} in properties["ClusterSettings"]
    assert set(properties["CapacityProviders"]) == {"FARGATE", "FARGATE_SPOT"}
    weights = {item["CapacityProvider"]: item["Weight"] for item in properties["DefaultCapacityProviderStrategy"]}
    # FR-004 and FR-005: 70 on Fargate, 30 on Fargate Spot, by default.
    assert weights == {"FARGATE": 70, "FARGATE_SPOT": 30}


def services(resources):
    services = of_type(resources, "AWS::ECS::Service")
    assert set(services) == {"BffService", "AgentCoreService"}
    return services


# FR-024's 50/200 for the BFF, which the load balancer shields; AgentCore, found by DNS
# only, defaults to 100/150 (docs/ecs-deployment.md, "Releases").
ROLLOUTS = {"BffService": (50, 200), "AgentCoreService": (100, 150)}


def test_services_use_the_strategy_roll_and_roll_back(stack):
    _, resources = stack
    for title, service in services(resources).items():
        properties = service["Properties"]
        assert "LaunchType" not in properties, title
        weights = {i["CapacityProvider"]: i["Weight"] for i in properties["CapacityProviderStrategy"]}
        assert weights == {"FARGATE": 70, "FARGATE_SPOT": 30}
        assert len([i for i in properties["CapacityProviderStrategy"] if "Base" in i]) <= 1
        deployment = properties["DeploymentConfiguration"]
        rollout = (int(deployment["MinimumHealthyPercent"]), int(deployment["MaximumPercent"]))
        assert rollout == ROLLOUTS[title]
        assert deployment["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
        assert properties["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] == "DISABLED"
    subnets = {
        t: s["Properties"]["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"]
        for t, s in services(resources).items()
    }
    assert subnets == {
        "BffService": {"Ref": "PrivateAppSubnetIds"},
        "AgentCoreService": {"Ref": "PrivateAgentSubnetIds"},
    }


def test_each_service_starts_with_two_tasks_and_scales_2_to_10_on_cpu_70_and_memory_80(stack):
    _, resources = stack
    targets = of_type(resources, "AWS::ApplicationAutoScaling::ScalableTarget")
    assert len(targets) == 2
    for target in targets.values():
        assert (target["Properties"]["MinCapacity"], target["Properties"]["MaxCapacity"]) == (2, 10)
    for service in services(resources).values():
        # Registering the scalable target lifts the count to the minimum (two); a
        # fixed DesiredCount would be re-sent by every release and undo scaling.
        assert "DesiredCount" not in service["Properties"]
    policies = of_type(resources, "AWS::ApplicationAutoScaling::ScalingPolicy")
    seen = set()
    for policy in policies.values():
        configuration = policy["Properties"]["TargetTrackingScalingPolicyConfiguration"]
        metric = configuration["PredefinedMetricSpecification"]["PredefinedMetricType"]
        seen.add((policy["Properties"]["ScalingTargetId"]["Ref"], metric, configuration["TargetValue"]))
        assert (configuration["ScaleInCooldown"], configuration["ScaleOutCooldown"]) == (300, 300)
    assert seen == {
        (target, metric, value)
        for target in targets
        for metric, value in (("ECSServiceAverageCPUUtilization", 70), ("ECSServiceAverageMemoryUtilization", 80))
    }


def containers(resources):
    return {
        title: body["Properties"]["ContainerDefinitions"][0]
        for title, body in of_type(resources, "AWS::ECS::TaskDefinition").items()
    }


def test_containers_ports_environment_secrets_and_logs(stack):
    environment, resources = stack
    by_task = containers(resources)
    assert set(by_task) == {"BffTaskDefinition", "AgentCoreTaskDefinition"}
    for title, name, port in (("BffTaskDefinition", "bff", 3000), ("AgentCoreTaskDefinition", "agentcore", 8080)):
        container = by_task[title]
        assert [m["ContainerPort"] for m in container["PortMappings"]] == [port]
        variables = {e["Name"]: e["Value"] for e in container["Environment"]}
        assert variables["AWS_REGION"] == {"Ref": "AWS::Region"}
        assert variables["ENVIRONMENT"] == environment
        assert container["Secrets"], title
        for secret in container["Secrets"]:
            assert secret["ValueFrom"]["Fn::Sub"][0].endswith(
                ":parameter${Path}/" + secret["ValueFrom"]["Fn::Sub"][0].split("/")[-1]
            )
            assert secret["ValueFrom"]["Fn::Sub"][1] == {"Path": {"Ref": "SecretsParameterPath"}}
        options = container["LogConfiguration"]["Options"]
        assert options["awslogs-stream-prefix"] == name
        group = resources[options["awslogs-group"]["Ref"]]
        assert group["Properties"]["RetentionInDays"] == 7
        # Kept on delete, but not left behind by a first create that rolls back (GUIDE section 6).
        assert (group["DeletionPolicy"], group["UpdateReplacePolicy"]) == ("RetainExceptOnCreate", "Retain")
    assert by_task["BffTaskDefinition"]["Environment"][-1]["Name"] == "AGENTCORE_URL"


def actions(role: dict) -> set[str]:
    return {action for statement in policy_statements(role) for action in statement["Action"]}


ECR_PULL = {
    "ecr:GetAuthorizationToken",
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchGetImage",
}


def test_execution_roles_pull_log_and_read_the_secrets_path_only(stack):
    _, resources = stack
    for tier in ("Bff", "AgentCore"):
        role = resources[f"{tier}ExecutionRole"]
        assert actions(role) == ECR_PULL | {
            "logs:CreateLogStream",
            "logs:PutLogEvents",
            "ssm:GetParameter",
            "ssm:GetParameters",
        }
        for statement in policy_statements(role):
            if statement["Action"][0].startswith("ssm:"):
                (resource,) = statement["Resource"]
                assert resource["Fn::Sub"][0].endswith(":parameter${Path}/*")
            if statement["Action"][0].startswith("logs:"):
                assert statement["Resource"] == [{"Fn::GetAtt": [f"{tier}LogGroup", "Arn"]}]


def test_task_roles_bedrock_for_agentcore_only_and_nothing_destructive(stack):
    _, resources = stack
    bff, agent = actions(resources["BffTaskRole"]), actions(resources["AgentCoreTaskRole"])
    ssm_read = {"ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"}
    assert bff == ssm_read | {"logs:CreateLogStream", "logs:PutLogEvents"}
    assert agent == ssm_read | {
        "bedrock:InvokeModel",
        "bedrock:InvokeModelWithResponseStream",
        "bedrock:InvokeAgent",
        "s3:GetObject",
        "s3:PutObject",
        "s3:ListBucket",
    }
    every_action = set()
    for title, role in of_type(resources, "AWS::IAM::Role").items():
        every_action |= actions(role)
        text = json.dumps(role)
        assert "bedrock-runtime:" not in text and "bedrock-agent-runtime:" not in text, title
    destructive = [
        a for a in every_action if any(word in a for word in ("Delete", "Terminate", "Update", "Modify", "Create"))
    ]
    assert destructive == ["logs:CreateLogStream"]  # a stream inside the stack's own log group


# Every statement of every role, as a stack in eu-west-1 of account 123456789012 gets it
# (SecretsParameterPath /bidopsai/dev, bucket bidopsai-knowledge-base-dev), from the
# specification (FR-009, FR-016, FR-017) and the Bedrock and ECS documentation.
ECR_TOKEN = {"Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": ["*"]}
ECR_LAYERS = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
LOG_WRITE = ["logs:CreateLogStream", "logs:PutLogEvents"]
PARAMETERS = "arn:aws:ssm:eu-west-1:123456789012:parameter/bidopsai/dev"
SECRETS_READ = {"Effect": "Allow", "Action": ["ssm:GetParameter", "ssm:GetParameters"], "Resource": [f"{PARAMETERS}/*"]}
PATH_READ = {
    "Effect": "Allow",
    "Action": ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
    "Resource": [f"{PARAMETERS}/*", PARAMETERS],
}
PROFILES = "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/*"
MODEL_ACTIONS = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]


def log_write(group: str) -> dict:
    return {
        "Effect": "Allow",
        "Action": LOG_WRITE,
        "Resource": [f"arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/stack/{group}:*"],
    }


EXPECTED_POLICIES = {
    "BffExecutionRole": {
        "task-execution": [
            ECR_TOKEN,
            {
                "Effect": "Allow",
                "Action": ECR_LAYERS,
                "Resource": ["arn:aws:ecr:eu-west-1:123456789012:repository/bidopsai/app"],
            },
            log_write("BffLogGroup"),
            SECRETS_READ,
        ]
    },
    "AgentCoreExecutionRole": {
        "task-execution": [
            ECR_TOKEN,
            {
                "Effect": "Allow",
                "Action": ECR_LAYERS,
                "Resource": ["arn:aws:ecr:eu-west-1:123456789012:repository/bidopsai/agent"],
            },
            log_write("AgentCoreLogGroup"),
            SECRETS_READ,
        ]
    },
    # FR-016: configuration from SSM, and its own log group.
    "BffTaskRole": {"task": [PATH_READ, log_write("BffLogGroup")]},
    # FR-017: Bedrock models and agents, SSM, the knowledge-base bucket.
    "AgentCoreTaskRole": {
        "task": [
            {
                "Sid": "InvokeModelsOfThisRegion",
                "Effect": "Allow",
                "Action": MODEL_ACTIONS,
                "Resource": ["arn:aws:bedrock:eu-west-1::foundation-model/*", PROFILES],
            },
            {
                "Sid": "InvokeModelsThroughInferenceProfiles",
                "Effect": "Allow",
                "Action": MODEL_ACTIONS,
                "Resource": ["arn:aws:bedrock:*::foundation-model/*"],
                # https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html
                "Condition": {"ArnLike": {"bedrock:InferenceProfileArn": PROFILES}},
            },
            {
                "Sid": "InvokeAgentAliases",
                "Effect": "Allow",
                "Action": ["bedrock:InvokeAgent"],
                "Resource": ["arn:aws:bedrock:eu-west-1:123456789012:agent-alias/*"],
            },
            PATH_READ,
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": ["arn:aws:s3:::bidopsai-knowledge-base-dev/*"],
            },
            {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::bidopsai-knowledge-base-dev"]},
        ]
    },
}


def test_every_statement_of_every_role_is_pinned():
    # The role ECS assumes for blue/green has a managed policy only (tests/test_deployment_strategies.py).
    found = {title: role for title, role in iam_world.roles("platform").items() if title != "BffLoadBalancerRole"}
    assert {title: iam_world.policies(role) for title, role in found.items()} == EXPECTED_POLICIES


def test_the_bff_cannot_invoke_bedrock_and_no_execution_role_has_bedrock_or_s3():
    found = iam_world.roles("platform", **iam_world.EVERYTHING_ON)
    assert not [a for a in iam_world.actions(found["BffTaskRole"]) if a.startswith("bedrock")]
    assert "bedrock" not in json.dumps(found["BffTaskRole"])
    for title in ("BffExecutionRole", "AgentCoreExecutionRole"):
        assert not {a.split(":")[0] for a in iam_world.actions(found[title])} & {"bedrock", "s3"}, title


# FR-014: database credentials and API keys, from SSM; the API key is the one the BFF
# presents to AgentCore. Variable -> parameter name below the secrets path.
SPEC_SECRETS = {
    "bff": {
        "DATABASE_URL": "database-url",
        "SESSION_SECRET": "session-secret",
        "AGENTCORE_API_KEY": "agentcore-api-key",
    },
    "agentcore": {"DATABASE_URL": "database-url", "AGENTCORE_API_KEY": "agentcore-api-key"},
}


def test_each_container_gets_the_secrets_of_the_specification():
    document = built("platform")
    evaluator = Evaluator(document, iam_world.REQUIRED, strict=False)
    for title, body in of_type(document["Resources"], "AWS::ECS::TaskDefinition").items():
        (container,) = evaluator.resolve(body)["Properties"]["ContainerDefinitions"]
        secrets = {secret["Name"]: secret["ValueFrom"] for secret in container["Secrets"]}
        assert secrets == {
            variable: f"{PARAMETERS}/{name}" for variable, name in SPEC_SECRETS[container["Name"]].items()
        }, title


def test_the_secrets_path_description_names_every_secret():
    description = built("platform")["Parameters"]["SecretsParameterPath"]["Description"]
    assert description.endswith(
        "Expected below it: database-url (bff and agentcore), session-secret (bff), "
        "agentcore-api-key (bff and agentcore)."
    )


def edges(resources: dict) -> set[tuple]:
    """(direction, group, peer, port) for every rule, inline or stand-alone."""
    found = set()

    def peer_of(rule):
        for key in ("SourceSecurityGroupId", "DestinationSecurityGroupId", "DestinationPrefixListId", "CidrIp"):
            if key in rule:
                peer = rule[key]
                return peer.get("Ref") or peer.get("Fn::GetAtt", [None])[0] if isinstance(peer, dict) else peer
        raise AssertionError(rule)

    def name_of(group):
        return group.get("Ref") or group["Fn::GetAtt"][0]

    for title, body in resources.items():
        properties = body.get("Properties", {})
        if body["Type"] == "AWS::EC2::SecurityGroup":
            for direction, key in (("in", "SecurityGroupIngress"), ("out", "SecurityGroupEgress")):
                for rule in properties.get(key, []):
                    assert rule["FromPort"] == rule["ToPort"] and rule["Description"]
                    found.add((direction, title, peer_of(rule), rule["FromPort"]))
        elif body["Type"] in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
            direction = "in" if body["Type"].endswith("Ingress") else "out"
            assert properties["Description"]
            found.add((direction, name_of(properties["GroupId"]), peer_of(properties), properties["FromPort"]))
    return found


def test_security_group_graph_is_exactly_the_tiers(stack):
    _, resources = stack
    bff, agent = "BffSecurityGroup", "AgentCoreSecurityGroup"
    endpoints, database, alb, s3 = (
        "VpcEndpointSecurityGroupId",
        "RdsSecurityGroupId",
        "AlbSecurityGroupId",
        "S3PrefixListId",
    )
    assert edges(resources) == {
        ("in", bff, alb, 3000),
        ("in", agent, bff, 8080),
        ("out", bff, agent, 8080),
        *{("out", tier, endpoints, 443) for tier in (bff, agent)},
        *{("out", tier, s3, 443) for tier in (bff, agent)},
        *{("out", tier, database, 5432) for tier in (bff, agent)},
        *{("in", endpoints, tier, 443) for tier in (bff, agent)},
        *{("in", database, tier, 5432) for tier in (bff, agent)},
    }
    assert "0.0.0.0/0" not in json.dumps(resources) and "::/0" not in json.dumps(resources)


def test_bff_target_group_listener_rule_and_dependency(stack):
    _, resources = stack
    target_group = resources["BffTargetGroup"]["Properties"]
    assert (target_group["TargetType"], target_group["Port"], target_group["HealthCheckPath"]) == (
        "ip",
        3000,
        "/api/health",
    )
    assert target_group["HealthCheckIntervalSeconds"] == 30
    assert (target_group["UnhealthyThresholdCount"], target_group["HealthyThresholdCount"]) == (3, 2)
    rule = resources["BffListenerRule"]["Properties"]
    assert rule["ListenerArn"] == LISTENER
    assert rule["Priority"] == 100
    # Both target groups, all the weight on the first: ECS moves it on blue/green releases.
    assert rule["Actions"] == [
        {
            "Type": "forward",
            "ForwardConfig": {
                "TargetGroups": [
                    {"TargetGroupArn": {"Ref": "BffTargetGroup"}, "Weight": 100},
                    {"TargetGroupArn": {"Ref": "BffAlternateTargetGroup"}, "Weight": 0},
                ]
            },
        }
    ]
    assert [c["Field"] for c in rule["Conditions"]] == ["path-pattern"]  # no host header given
    bff = resources["BffService"]
    # The rule first (the target group needs a load balancer), the ingress this stack adds
    # to the endpoint and database groups (tasks read secrets at start), and the target
    # group alarms that roll a release back (they must exist when a release starts); the
    # no-healthy-target alarm comes after the service (tests/test_alarms.py says why).
    assert sorted(bff["DependsOn"]) == [
        "BffListenerRule",
        "BffTarget5xx",
        "BffUnhealthyTargets",
        "DatabaseFromBff",
        "EndpointsFromBff",
    ]
    assert sorted(resources["AgentCoreService"]["DependsOn"]) == ["DatabaseFromAgentCore", "EndpointsFromAgentCore"]
    # ROLLING by default, with the advanced configuration ECS needs before a switch
    # (tests/test_deployment_strategies.py has the strategies).
    assert bff["Properties"]["LoadBalancers"] == [
        {
            "ContainerName": "bff",
            "ContainerPort": 3000,
            "TargetGroupArn": {"Ref": "BffTargetGroup"},
            "AdvancedConfiguration": {
                "AlternateTargetGroupArn": {"Ref": "BffAlternateTargetGroup"},
                "ProductionListenerRule": {"Ref": "BffListenerRule"},
                "RoleArn": {"Fn::GetAtt": ["BffLoadBalancerRole", "Arn"]},
            },
        }
    ]
    assert "LoadBalancers" not in resources["AgentCoreService"]["Properties"]


def test_host_header_condition_only_when_given():
    rule = instantiate("prod", HostHeader="app.example.com")["BffListenerRule"]["Properties"]
    assert rule["Conditions"][1] == {"Field": "host-header", "HostHeaderConfig": {"Values": ["app.example.com"]}}


def test_agentcore_is_found_by_name_through_cloud_map(stack):
    _, resources = stack
    agent = resources["AgentCoreService"]["Properties"]
    assert agent["ServiceRegistries"] == [{"RegistryArn": {"Fn::GetAtt": ["AgentCoreDiscovery", "Arn"]}}]
    discovery = resources["AgentCoreDiscovery"]["Properties"]
    assert discovery["Name"] == "agentcore"
    assert discovery["DnsConfig"]["NamespaceId"] == {"Ref": "Namespace"}
    assert resources["Namespace"]["Type"] == "AWS::ServiceDiscovery::PrivateDnsNamespace"


def test_outputs_exported_except_task_definition_arns():
    outputs = built("platform")["Outputs"]
    required = {
        "ClusterArn",
        "BffServiceArn",
        "AgentCoreServiceArn",
        "BffTaskDefinitionArn",
        "AgentCoreTaskDefinitionArn",
        "NamespaceId",
        "NamespaceName",
    }
    assert required <= set(outputs)
    # A task definition ARN changes with every release; an export in use cannot change.
    plain = {"BffTaskDefinitionArn", "AgentCoreTaskDefinitionArn"}
    assert {name for name, output in outputs.items() if "Export" not in output} == plain
    for name in plain:
        assert outputs[name]["Value"] == {"Ref": name.replace("Arn", "")}
    for name, output in outputs.items():
        if name not in plain:
            assert output["Export"]["Name"] == {"Fn::Sub": f"${{AWS::StackName}}-{name}"}


# --- Another stack's groups and listener are left alone unless the user opts in ---------


def test_alb_egress_rule_only_when_the_user_opts_in():
    document = built("platform")
    switch = document["Parameters"]["AddAlbEgressRule"]
    assert (switch["Default"], switch["AllowedValues"]) == ("false", ["false", "true"])
    assert "AlbToBff" not in instantiate("dev")
    opted_in = instantiate("dev", AddAlbEgressRule="true")["AlbToBff"]["Properties"]
    assert opted_in["GroupId"] == {"Ref": "AlbSecurityGroupId"}
    assert (opted_in["IpProtocol"], opted_in["FromPort"], opted_in["ToPort"]) == ("tcp", 3000, 3000)
    assert opted_in["DestinationSecurityGroupId"] == {"Fn::GetAtt": ["BffSecurityGroup", "GroupId"]}
    # The console says why it is off (another stack owns the group) and what to do instead (its owner allows
    # egress to the BFF group on 3000), and states no removal of the default egress rule, which AWS documents
    # only for a group created with egress rules of its own (aws-resource-ec2-securitygroup.html).
    description = switch["Description"]
    assert "another stack" in description and "deleting this stack" in description
    assert "owner should allow egress to the BFF security group" in description and "3000" in description
    assert "default" not in description.replace("Off by default", "")


def test_ingress_on_the_endpoint_and_database_groups_stays_unconditional():
    resources = built("platform")["Resources"]
    for tier in ("Bff", "AgentCore"):
        for title, group, port in (
            (f"EndpointsFrom{tier}", "VpcEndpointSecurityGroupId", 443),
            (f"DatabaseFrom{tier}", "RdsSecurityGroupId", 5432),
        ):
            assert "Condition" not in resources[title]
            properties = resources[title]["Properties"]
            assert properties["GroupId"] == {"Ref": group}
            assert (properties["FromPort"], properties["ToPort"]) == (port, port)
            assert properties["SourceSecurityGroupId"] == {"Fn::GetAtt": [f"{tier}SecurityGroup", "GroupId"]}


def rule_results(where: dict, **values) -> dict[str, object]:
    """The template's Rules on these values; ``where`` puts a subnet in another VPC than vpc-1."""
    from ops.shared import rules

    given = {
        "VpcId": "vpc-1",
        "PrivateAppSubnetIds": "subnet-a1,subnet-a2",
        "PrivateAgentSubnetIds": "subnet-b1,subnet-b2",
        "AlbSecurityGroupId": "sg-alb",
        "VpcEndpointSecurityGroupId": "sg-endpoints",
        "RdsSecurityGroupId": "sg-rds",
        "PathPattern": "/app/*",
        "HostHeader": "",
        "AllowCatchAllPath": "false",
        "OnDemandWeight": "70",
        "SpotWeight": "30",
        **values,
    }

    def lookup(kind, value, attribute):
        assert (kind, attribute) == ("AWS::EC2::Subnet::Id", "VpcId")
        return where.get(value, "vpc-1")

    return {r.check: r for r in rules.evaluate(built("platform"), given, lookup)}


@pytest.mark.parametrize(
    ("values", "refused_by"),
    [
        ({}, None),
        ({"PathPattern": "/*"}, "rule:NoCatchAllPathOnASharedListener"),
        ({"PathPattern": "/**"}, "rule:NoCatchAllPathOnASharedListener"),
        ({"PathPattern": "/*", "HostHeader": "app.example.com"}, None),
        ({"PathPattern": "/*", "AllowCatchAllPath": "true"}, None),
        ({"_where": {"subnet-a2": "vpc-2"}}, "rule:SubnetsInTheVpc"),
        ({"_where": {"subnet-b1": "vpc-2"}}, "rule:SubnetsInTheVpc"),
        # ECS places no task with every weight at 0 (CapacityProviderStrategyItem); one at 0 is a choice.
        ({"OnDemandWeight": "0", "SpotWeight": "0"}, "rule:SomeCapacityHasWeight"),
        ({"OnDemandWeight": "0", "SpotWeight": "30"}, None),
        ({"OnDemandWeight": "70", "SpotWeight": "0"}, None),
    ],
)
def test_rules_refuse_inputs_that_cannot_work(values, refused_by):
    values = dict(values)
    results = rule_results(values.pop("_where", {}), **values)
    # No rule on the security groups' VPC: a rule can read only a group's tags (make preflight checks it).
    assert set(results) == {
        "rule:SubnetsInTheVpc",
        "rule:NoCatchAllPathOnASharedListener",
        "rule:SomeCapacityHasWeight",
        "rule:AlarmTopicKeyNeedsItsTopic",  # tests/test_alarm_recovery.py
    }
    assert {check for check, r in results.items() if r.status == "fail"} == ({refused_by} if refused_by else set())
    if refused_by:
        assert len(results[refused_by].detail) > 40  # says what is wrong and what to give instead


def test_path_pattern_has_no_catch_all_default():
    path = built("platform")["Parameters"]["PathPattern"]
    assert "Default" not in path  # the user chooses; the rule refuses /* without a host


# What the ALB accepts in a listener rule condition: paths of at most 128 characters from
# A-Z a-z 0-9 _ - . $ / ~ " ' @ : + & * ?; host names of at most 128 characters from
# A-Z a-z 0-9 - _ . * ? with a "." and only letters after the last one.
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html
# https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_HostHeaderConditionConfig.html
@pytest.mark.parametrize(
    ("path", "accepted"),
    [
        ("/app/*", True),
        ("/api/v?/items", True),
        ("/", True),
        ("/~user/$id/a_b-c.json", True),
        ('/it\'s/"quoted"/a@b:c+d&e', True),
        ("/" + "a" * 127, True),  # 128 characters
        ("/" + "a" * 128, False),  # 129
        ("app/*", False),  # not a path
        ("/a%20b", False),  # % is not among the ALB's characters
        ("/with space", False),
        ("/semi;colon", False),
        ("/hash#part", False),
        ("/braces{x}", False),
        ("/caf\u00e9", False),
        ("", False),
    ],
)
def test_path_pattern_accepts_what_the_alb_accepts(path, accepted):
    parameter = built("platform")["Parameters"]["PathPattern"]
    assert bool(re.fullmatch(parameter["AllowedPattern"], path)) is accepted
    assert "128" in parameter["ConstraintDescription"] and "%" in parameter["ConstraintDescription"]


@pytest.mark.parametrize(
    ("host", "accepted"),
    [
        ("", True),  # no host condition
        ("app.example.com", True),
        ("*.example.com", True),
        ("api-v?.example.co", True),
        ("under_score.example.com", True),
        ("APP.Example.COM", True),
        ("a" * 124 + ".com", True),  # 128 characters
        ("a" * 125 + ".com", False),  # 129
        ("localhost", False),  # no "."
        ("app.example.123", False),  # digits after the last "."
        ("app.example.*", False),  # a wildcard after the last "."
        ("app.example.", False),
        ("app.example.com:443", False),
        ("https://app.example.com", False),
        ("app example.com", False),
    ],
)
def test_host_header_pattern_accepts_what_the_alb_accepts(host, accepted):
    parameter = built("platform")["Parameters"]["HostHeader"]
    assert bool(re.fullmatch(parameter["AllowedPattern"], host)) is accepted
    assert "128" in parameter["ConstraintDescription"] and "dot" in parameter["ConstraintDescription"]


# --- Health: container check, target group, alarms -------------------------------------


def test_agentcore_container_health_check_from_its_parameter():
    parameter = built("platform")["Parameters"]["AgentCoreHealthCheckCommand"]
    assert parameter["Default"] == "curl -f http://localhost:8080/health || exit 1"  # AgentCore's port, 8080
    check = containers(instantiate("dev"))["AgentCoreTaskDefinition"]["HealthCheck"]
    assert check == {
        "Command": ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"],
        "Interval": 30,
        "Timeout": 5,
        "Retries": 3,
        "StartPeriod": 60,
    }
    mine = containers(instantiate("dev", AgentCoreHealthCheckCommand="wget -q -O- http://localhost:8080/ping"))
    assert mine["AgentCoreTaskDefinition"]["HealthCheck"]["Command"][1] == "wget -q -O- http://localhost:8080/ping"
    # Empty turns it off: no HealthCheck at all (an empty command would be rejected).
    assert (
        "HealthCheck" not in containers(instantiate("dev", AgentCoreHealthCheckCommand=""))["AgentCoreTaskDefinition"]
    )
    # The BFF is checked by the load balancer.
    assert "HealthCheck" not in containers(instantiate("dev"))["BffTaskDefinition"]


def test_agentcore_url_is_its_discovery_name_namespace_and_port():
    namespace = "dev.platform.local"
    resources = instantiate("dev", NamespaceName=namespace)
    url = {e["Name"]: e["Value"] for e in containers(resources)["BffTaskDefinition"]["Environment"]}["AGENTCORE_URL"]
    assert url == "http://agentcore.dev.platform.local:8080"  # seed 004: AgentCore on 8080
    (port,) = [m["ContainerPort"] for m in containers(resources)["AgentCoreTaskDefinition"]["PortMappings"]]
    name = resources["AgentCoreDiscovery"]["Properties"]["Name"]
    assert resources["Namespace"]["Properties"]["Name"] == namespace
    assert url == f"http://{name}.{namespace}:{port}"
    # The BFF may reach exactly that port of AgentCore, and AgentCore accepts it from the BFF.
    assert ("out", "BffSecurityGroup", "AgentCoreSecurityGroup", port) in edges(resources)
    assert ("in", "AgentCoreSecurityGroup", "BffSecurityGroup", port) in edges(resources)


def test_timings_from_the_specification(stack):
    _, resources = stack
    group = resources["BffTargetGroup"]["Properties"]
    # FR-033/FR-034: /api/health every 30 s, unhealthy after 3 failures, healthy after 2 passes.
    assert group["HealthCheckPath"] == "/api/health"
    assert group["HealthCheckIntervalSeconds"] == 30
    assert group["UnhealthyThresholdCount"] == 3
    assert group["HealthyThresholdCount"] == 2
    assert group["HealthCheckTimeoutSeconds"] == 5  # below the interval
    attributes = {a["Key"]: a["Value"] for a in group["TargetGroupAttributes"]}
    assert attributes["deregistration_delay.timeout_seconds"] == "30"
    assert resources["BffService"]["Properties"]["HealthCheckGracePeriodSeconds"] == 60
    assert "HealthCheckGracePeriodSeconds" not in resources["AgentCoreService"]["Properties"]
    for policy in of_type(resources, "AWS::ApplicationAutoScaling::ScalingPolicy").values():
        configuration = policy["Properties"]["TargetTrackingScalingPolicyConfiguration"]
        assert configuration["ScaleOutCooldown"] == 300  # FR-040
        assert configuration["ScaleInCooldown"] == 300


def test_security_group_ports_of_each_tier(stack):
    _, resources = stack
    for tier in ("BffSecurityGroup", "AgentCoreSecurityGroup"):
        egress = {
            (
                rule.get("DestinationSecurityGroupId", {}).get("Ref")
                or rule.get("DestinationPrefixListId", {}).get("Ref")
            ): (
                rule["IpProtocol"],
                rule["FromPort"],
                rule["ToPort"],
            )
            for rule in resources[tier]["Properties"]["SecurityGroupEgress"]
        }
        assert egress == {
            "VpcEndpointSecurityGroupId": ("tcp", 443, 443),
            "S3PrefixListId": ("tcp", 443, 443),
            "RdsSecurityGroupId": ("tcp", 5432, 5432),
        }
    bff_to_agent = resources["BffToAgentCore"]["Properties"]
    assert (bff_to_agent["FromPort"], bff_to_agent["ToPort"]) == (8080, 8080)
    bff_from_alb = resources["BffFromAlb"]["Properties"]
    assert (bff_from_alb["FromPort"], bff_from_alb["ToPort"], bff_from_alb["SourceSecurityGroupId"]) == (
        3000,
        3000,
        {"Ref": "AlbSecurityGroupId"},
    )


# The alarms of every template, the BFF's and AgentCore's among them: tests/test_alarms.py.
