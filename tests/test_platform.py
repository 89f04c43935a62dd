"""The platform template against the facts of its specification, for every environment."""

import json

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
    given = {"Environment": environment, "AlbListenerArn": LISTENER, "AWS::Partition": "aws", **values}
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
        "BffImageUri": "String",
        "AgentCoreImageUri": "String",
        "RdsSecurityGroupId": "AWS::EC2::SecurityGroup::Id",
        "KnowledgeBaseBucketName": "String",
        "SecretsParameterPath": "String",
        "NamespaceName": "String",
        "AlarmTopicArn": "String",
        "LogKmsKeyArn": "String",
        "SecretsKmsKeyArn": "String",
        "EnableExecuteCommand": "String",
    }
    assert {name: p["Type"] for name, p in parameters.items()} == expected
    assert parameters["Environment"]["AllowedValues"] == ["dev", "test", "prod"]
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
    assert weights == {"FARGATE": 70, "FARGATE_SPOT": 30}


def services(resources):
    services = of_type(resources, "AWS::ECS::Service")
    assert set(services) == {"BffService", "AgentCoreService"}
    return services


def test_services_use_the_strategy_roll_50_200_and_roll_back(stack):
    _, resources = stack
    for title, service in services(resources).items():
        properties = service["Properties"]
        assert "LaunchType" not in properties, title
        weights = {i["CapacityProvider"]: i["Weight"] for i in properties["CapacityProviderStrategy"]}
        assert weights == {"FARGATE": 70, "FARGATE_SPOT": 30}
        assert len([i for i in properties["CapacityProviderStrategy"] if "Base" in i]) <= 1
        deployment = properties["DeploymentConfiguration"]
        assert (deployment["MinimumHealthyPercent"], deployment["MaximumPercent"]) == (50, 200)
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
    found = iam_world.roles("platform")
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
        ("out", alb, bff, 3000),
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
    assert rule["Actions"] == [{"TargetGroupArn": {"Ref": "BffTargetGroup"}, "Type": "forward"}]
    assert [c["Field"] for c in rule["Conditions"]] == ["path-pattern"]  # no host header given
    bff = resources["BffService"]
    assert bff["DependsOn"] == ["BffListenerRule"]
    assert bff["Properties"]["LoadBalancers"] == [
        {"ContainerName": "bff", "ContainerPort": 3000, "TargetGroupArn": {"Ref": "BffTargetGroup"}}
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


def test_alarms_for_missing_tasks_and_unhealthy_targets(stack):
    _, resources = stack
    alarms = of_type(resources, "AWS::CloudWatch::Alarm")
    assert set(alarms) == {"BffTasksBelowDesired", "AgentCoreTasksBelowDesired", "BffUnhealthyTargets"}
    for title in ("BffTasksBelowDesired", "AgentCoreTasksBelowDesired"):
        metrics = {m["Id"]: m for m in alarms[title]["Properties"]["Metrics"]}
        assert metrics["running"]["MetricStat"]["Metric"]["MetricName"] == "RunningTaskCount"
        assert metrics["desired"]["MetricStat"]["Metric"]["MetricName"] == "DesiredTaskCount"
        assert metrics["running"]["MetricStat"]["Metric"]["Namespace"] == "ECS/ContainerInsights"
    unhealthy = alarms["BffUnhealthyTargets"]["Properties"]
    assert unhealthy["MetricName"] == "UnHealthyHostCount"
    dimensions = {d["Name"]: d["Value"] for d in unhealthy["Dimensions"]}
    assert dimensions["LoadBalancer"] == "app/public-alb/50dc6c495c0c9188"  # cut from the listener ARN
    assert all("AlarmActions" not in alarm["Properties"] for alarm in alarms.values())


def test_alarms_notify_the_topic_when_given():
    topic = "arn:aws:sns:eu-west-1:123456789012:platform-alarms"
    alarms = of_type(instantiate("prod", AlarmTopicArn=topic), "AWS::CloudWatch::Alarm")
    assert all(alarm["Properties"]["AlarmActions"] == [topic] for alarm in alarms.values())


def test_outputs_exported():
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
    for name, output in outputs.items():
        assert output["Export"]["Name"] == {"Fn::Sub": f"${{AWS::StackName}}-{name}"}
