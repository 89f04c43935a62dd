"""The finfocus-plugin template against the facts of its specification."""

import json
import re

from templates.evaluate import Evaluator
from tests.helpers import as_json, built, only, policy_statements

# The image's documented layout, typed in from its specification (not from the code).
SPEC_PORTS = {
    8001: "us-east-1",
    8002: "us-west-2",
    8003: "eu-west-1",
    8004: "ap-southeast-1",
    8005: "ap-southeast-2",
    8006: "ap-northeast-1",
    8007: "ap-south-1",
    8008: "ca-central-1",
    8009: "sa-east-1",
    8010: "us-gov-west-1",
    8011: "us-gov-east-1",
    8012: "us-west-1",
    9090: "metrics",
}
# Releases from v0.1.4 on: GovCloud dropped, us-west-1 moved to 8010.
SPEC_PORTS_10 = {p: r for p, r in SPEC_PORTS.items() if p <= 8009} | {8010: "us-west-1", 9090: "metrics"}


def container(template):
    return only(template, "AWS::ECS::TaskDefinition")["Properties"]["ContainerDefinitions"][0]


def test_thirteen_named_tcp_port_mappings(finfocus):
    mappings = container(finfocus)["PortMappings"]
    assert {m["ContainerPort"]: m["Name"] for m in mappings} == SPEC_PORTS
    assert len(mappings) == 13
    assert {m["Protocol"] for m in mappings} == {"tcp"}
    assert all("HostPort" not in m for m in mappings)


def test_ten_region_layout_from_the_same_table():
    template = built("finfocus-plugin", layout="10-region")
    assert {m["ContainerPort"]: m["Name"] for m in container(template)["PortMappings"]} == SPEC_PORTS_10
    assert "EndpointUsGovWest1" not in template["Outputs"]
    assert "8010" in json.dumps(template["Outputs"]["EndpointUsWest1"]["Value"])


def test_fargate_awsvpc_task_sized_two_vcpu_four_gb_by_default(finfocus):
    task = only(finfocus, "AWS::ECS::TaskDefinition")["Properties"]
    assert task["RequiresCompatibilities"] == ["FARGATE"]
    assert task["NetworkMode"] == "awsvpc"
    assert finfocus["Parameters"]["TaskSize"]["Default"] == "2048x4096"
    # Cpu and Memory are the two halves of the one size parameter.
    assert task["Cpu"] == {"Fn::Select": [0, {"Fn::Split": ["x", {"Ref": "TaskSize"}]}]}
    assert task["Memory"] == {"Fn::Select": [1, {"Fn::Split": ["x", {"Ref": "TaskSize"}]}]}


def valid_fargate_pair(cpu: int, memory: int) -> bool:
    """The Fargate size rules, written out from the AWS documentation."""
    gib = 1024
    if cpu == 256:
        return memory in (512, 1024, 2048)
    if cpu == 512:
        return memory in (1024, 2048, 3072, 4096)
    ranges = {1024: (2, 8, 1), 2048: (4, 16, 1), 4096: (8, 30, 1), 8192: (16, 60, 4), 16384: (32, 120, 8)}
    if cpu not in ranges:
        return False
    low, high, step = ranges[cpu]
    return memory % gib == 0 and low <= memory // gib <= high and (memory // gib - low) % step == 0


def test_size_parameter_offers_only_and_all_valid_fargate_pairs(finfocus):
    offered = finfocus["Parameters"]["TaskSize"]["AllowedValues"]
    pairs = [tuple(map(int, value.split("x"))) for value in offered]
    assert all(valid_fargate_pair(cpu, memory) for cpu, memory in pairs)
    every_valid = {
        (cpu, memory)
        for cpu in (256, 512, 1024, 2048, 4096, 8192, 16384)
        for memory in range(512, 122881, 512)
        if valid_fargate_pair(cpu, memory)
    }
    assert set(pairs) == every_valid
    assert not valid_fargate_pair(256, 4096)  # the checker itself can say no


def test_health_check(finfocus):
    check = container(finfocus)["HealthCheck"]
    assert check["Command"] == ["CMD-SHELL", "/healthcheck.sh"]
    assert check["Interval"] == 30
    assert check["Retries"] == 3
    assert check["StartPeriod"] >= 30
    assert check["Timeout"] == 10  # the image's own HEALTHCHECK timeout; see docs/finfocus-plugin.md


def test_environment_from_parameters(finfocus):
    environment = {e["Name"]: e["Value"] for e in container(finfocus)["Environment"]}
    assert environment["FINFOCUS_PLUGIN_WEB_ENABLED"] == "true"
    assert environment["FINFOCUS_PLUGIN_HEALTH_ENDPOINT"] == "true"
    assert environment["FINFOCUS_LOG_LEVEL"] == {"Ref": "LogLevel"}
    assert environment["FINFOCUS_CORS_ALLOWED_ORIGINS"] == {"Ref": "CorsAllowedOrigins"}
    assert finfocus["Parameters"]["LogLevel"]["AllowedValues"] == ["debug", "info", "warn", "error"]


def test_stop_timeout_covers_the_termination_grace(finfocus):
    definition = container(finfocus)
    grace = int({e["Name"]: e["Value"] for e in definition["Environment"]}["TERMINATION_GRACE_SECONDS"])
    assert grace == 30
    # ECS sends SIGKILL after StopTimeout; the plugin's own shutdown must fit inside it.
    assert grace <= definition["StopTimeout"] <= 120


def test_logs_go_to_the_stack_log_group_in_the_stack_region(finfocus):
    options = container(finfocus)["LogConfiguration"]
    assert options["LogDriver"] == "awslogs"
    assert options["Options"]["awslogs-region"] == {"Ref": "AWS::Region"}
    assert options["Options"]["awslogs-group"] == {"Ref": "LogGroup"}
    group = finfocus["Resources"]["LogGroup"]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["DeletionPolicy"] == "RetainExceptOnCreate" and group["UpdateReplacePolicy"] == "Retain"
    assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert group["Properties"]["KmsKeyId"]["Fn::If"][1] == {"Ref": "LogKmsKeyArn"}


def ingress_of(template, **values):
    """The plugin group's ingress rules, inline and stand-alone, as a stack with these
    parameter values gets them."""
    resources = Evaluator(template, values, strict=False).resources()
    rules = list(only({"Resources": resources}, "AWS::EC2::SecurityGroup")["Properties"]["SecurityGroupIngress"])
    for body in resources.values():
        if body["Type"] == "AWS::EC2::SecurityGroupIngress":
            assert body["Properties"]["GroupId"] == {"Fn::GetAtt": ["SecurityGroup", "GroupId"]}
            rules.append(body["Properties"])
    return rules


def opened_ports(rules) -> set[int]:
    return {port for rule in rules for port in range(rule["FromPort"], rule["ToPort"] + 1)}


def test_security_group_opens_the_plugin_ports_to_the_client_cidr_only(finfocus):
    rules = ingress_of(finfocus)
    assert len(rules) == 2  # 8001-8012 as one range, and 9090
    for rule in rules:
        assert rule["IpProtocol"] == "tcp"
        assert rule["CidrIp"] == {"Ref": "ClientCidr"}
        assert rule["Description"]
    assert opened_ports(rules) == set(SPEC_PORTS)
    group = only(finfocus, "AWS::EC2::SecurityGroup")["Properties"]
    assert all(rule["Description"] for rule in group["SecurityGroupEgress"])


def test_a_client_security_group_gets_the_same_ports(finfocus):
    rules = ingress_of(finfocus, ClientSecurityGroupId="sg-0123456789abcdef0")
    by_group = [rule for rule in rules if rule.get("SourceSecurityGroupId") == "sg-0123456789abcdef0"]
    assert len(rules) == 4 and len(by_group) == 2
    assert opened_ports(by_group) == set(SPEC_PORTS)
    assert all(rule["Description"] and rule["IpProtocol"] == "tcp" for rule in by_group)


def test_client_cidr_refuses_world_open_ranges(finfocus):
    parameter = finfocus["Parameters"]["ClientCidr"]
    assert "Default" not in parameter
    pattern = re.compile(parameter["AllowedPattern"])
    assert pattern.match("10.0.0.0/16") and pattern.match("192.168.1.10/32")
    for bad in ("0.0.0.0/0", "10.0.0.0/4", "10.0.0/16", "300.0.0.0/16", "10.0.0.0"):
        assert not pattern.match(bad), bad


def test_execution_role_pulls_images_and_writes_logs_only(finfocus):
    role = finfocus["Resources"]["ExecutionRole"]["Properties"]
    trust = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust == [
        {"Action": ["sts:AssumeRole"], "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}}
    ]
    actions = {(a, as_json(s["Resource"])) for s in policy_statements({"Properties": role}) for a in s["Action"]}
    assert {a for a, _ in actions} == {
        "ecr:GetAuthorizationToken",
        "ecr:BatchCheckLayerAvailability",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchGetImage",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    }
    resources_by_action = dict(actions)
    assert resources_by_action["ecr:GetAuthorizationToken"] == '["*"]'
    assert resources_by_action["logs:PutLogEvents"] == as_json([{"Fn::GetAtt": ["LogGroup", "Arn"]}])
    assert "RoleName" not in role and "ManagedPolicyArns" not in role


def test_task_role_grants_nothing_and_trusts_only_this_accounts_tasks(finfocus):
    role = finfocus["Resources"]["TaskRole"]["Properties"]
    assert "Policies" not in role and "ManagedPolicyArns" not in role and "RoleName" not in role
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    task = only(finfocus, "AWS::ECS::TaskDefinition")["Properties"]
    assert task["TaskRoleArn"] == {"Fn::GetAtt": ["TaskRole", "Arn"]}


def test_cloud_map_a_records_multivalue_short_ttl_custom_health(finfocus):
    service = only(finfocus, "AWS::ServiceDiscovery::Service")["Properties"]
    dns = service["DnsConfig"]
    assert dns["RoutingPolicy"] == "MULTIVALUE"
    assert [r["Type"] for r in dns["DnsRecords"]] == ["A"]
    assert dns["DnsRecords"][0]["TTL"] <= 60
    assert service["HealthCheckCustomConfig"] == {"FailureThreshold": 1}
    namespace = only(finfocus, "AWS::ServiceDiscovery::PrivateDnsNamespace")
    assert namespace["Condition"] == "CreateNamespace"
    assert finfocus["Parameters"]["NamespaceName"]["Default"] == "finfocus.local"


def test_service_registers_with_registry_arn_only(finfocus):
    service = only(finfocus, "AWS::ECS::Service")["Properties"]
    assert service["ServiceRegistries"] == [{"RegistryArn": {"Fn::GetAtt": ["DiscoveryService", "Arn"]}}]


def test_service_rolls_100_200_with_circuit_breaker_and_tags(finfocus):
    service = only(finfocus, "AWS::ECS::Service")["Properties"]
    assert service["LaunchType"] == "FARGATE"
    assert "CapacityProviderStrategy" not in service
    deployment = service["DeploymentConfiguration"]
    assert (deployment["MinimumHealthyPercent"], deployment["MaximumPercent"]) == (100, 200)
    assert deployment["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    assert service["EnableECSManagedTags"] is True
    assert service["PropagateTags"] in ("SERVICE", "TASK_DEFINITION")
    network = service["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert network["Subnets"] == {"Ref": "SubnetIds"}
    assert network["SecurityGroups"] == [{"Fn::GetAtt": ["SecurityGroup", "GroupId"]}]
    assert network["AssignPublicIp"] == {"Ref": "AssignPublicIp"}


def test_existing_cluster_or_a_new_one(finfocus):
    assert only(finfocus, "AWS::ECS::Cluster")["Condition"] == "CreateCluster"
    assert finfocus["Conditions"]["CreateCluster"] == {"Fn::Equals": [{"Ref": "ExistingClusterName"}, ""]}
    cluster = only(finfocus, "AWS::ECS::Service")["Properties"]["Cluster"]
    assert cluster == {"Fn::If": ["CreateCluster", {"Ref": "Cluster"}, {"Ref": "ExistingClusterName"}]}


PARAMETER_TYPES = {
    "VpcId": "AWS::EC2::VPC::Id",
    "SubnetIds": "List<AWS::EC2::Subnet::Id>",
    "ClientCidr": "String",
    "ClientSecurityGroupId": "String",
    "AssignPublicIp": "String",
    "ImageUri": "String",
    "TaskSize": "String",
    "DesiredCount": "Number",
    "LogLevel": "String",
    "CorsAllowedOrigins": "String",
    "ExistingNamespaceId": "String",
    "NamespaceName": "String",
    "DiscoveryServiceName": "String",
    "ExistingClusterName": "String",
    "LogRetentionDays": "Number",
    "LogKmsKeyArn": "String",
}


def test_parameters_typed_and_constrained(finfocus):
    parameters = finfocus["Parameters"]
    assert {name: p["Type"] for name, p in parameters.items()} == PARAMETER_TYPES
    assert parameters["ImageUri"]["Default"] == "ghcr.io/rshade/finfocus-plugin-aws-public:latest"
    for name, parameter in parameters.items():
        assert parameter.get("Description"), name
        if parameter["Type"] in ("String", "Number"):
            constrained = {"AllowedValues", "AllowedPattern", "MinValue"} & set(parameter)
            assert constrained, f"{name} is not constrained"


def test_outputs_exported_with_stack_prefix(finfocus):
    outputs = finfocus["Outputs"]
    for required in (
        "ClusterName",
        "ServiceName",
        "TaskDefinitionArn",
        "SecurityGroupId",
        "NamespaceId",
        "ServiceDnsName",
    ):
        assert required in outputs
    assert "Export" not in outputs["TaskDefinitionArn"]  # changes with every release
    for name, output in outputs.items():
        if name != "TaskDefinitionArn":
            assert output["Export"]["Name"] == {"Fn::Sub": f"${{AWS::StackName}}-{name}"}
    region_outputs = {n: o for n, o in outputs.items() if n.startswith("Endpoint")}
    assert len(region_outputs) == 12
    assert outputs["EndpointUsEast1"]["Value"] == {"Fn::Sub": "http://${DiscoveryServiceName}.${NamespaceName}:8001"}
    assert outputs["EndpointUsWest1"]["Value"] == {"Fn::Sub": "http://${DiscoveryServiceName}.${NamespaceName}:8012"}
