"""The finfocus-plugin templates against the facts of their specification.

Every expected value is typed in from the image's own repository (docker/entrypoint.sh,
docker/healthcheck.sh, the Go source) at each release tag, never read from the code.
"""

import json
import re

import pytest

import templates
from ops.shared import params
from templates.errors import ConfigError
from templates.evaluate import Evaluator
from tests.helpers import ROOT, as_json, built, only, policy_statements

REPOSITORY = "ghcr.io/rshade/finfocus-plugin-aws-public"
# v0.1.1 and v0.1.2: twelve regions.
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
# v0.1.4 to v0.1.8: GovCloud dropped, us-west-1 on 8010.
SPEC_PORTS_10 = {
    8001: "us-east-1",
    8002: "us-west-2",
    8003: "eu-west-1",
    8004: "ap-southeast-1",
    8005: "ap-southeast-2",
    8006: "ap-northeast-1",
    8007: "ap-south-1",
    8008: "ca-central-1",
    8009: "sa-east-1",
    8010: "us-west-1",
    9090: "metrics",
}
TWELVE_REGION_RELEASES = ["v0.1.1", "v0.1.2"]
NINE_REGION_RELEASES = ["v0.1.3"]
TEN_REGION_RELEASES = ["v0.1.4", "v0.1.5", "v0.1.6", "v0.1.7", "v0.1.8"]

# template -> (its ports, the newest release of its layout, releases that serve it, the other template)
EDITIONS = {
    "finfocus-plugin": (SPEC_PORTS, "v0.1.2", TWELVE_REGION_RELEASES, "finfocus-plugin-10-region"),
    "finfocus-plugin-10-region": (SPEC_PORTS_10, "v0.1.8", TEN_REGION_RELEASES, "finfocus-plugin"),
}
NAMES = list(EDITIONS)


def container(template):
    return only(template, "AWS::ECS::TaskDefinition")["Properties"]["ContainerDefinitions"][0]


@pytest.mark.parametrize("name", NAMES)
def test_port_mappings_are_exactly_the_layout_of_the_default_release(name):
    template = built(name)
    ports, newest, _, _ = EDITIONS[name]
    assert template["Parameters"]["ImageUri"]["Default"] == f"{REPOSITORY}:{newest}"
    mappings = container(template)["PortMappings"]
    assert {m["ContainerPort"]: m["Name"] for m in mappings} == ports
    assert len(mappings) == len(ports)
    assert {m["Protocol"] for m in mappings} == {"tcp"}
    assert all("HostPort" not in m for m in mappings)


@pytest.mark.parametrize("name", NAMES)
def test_endpoint_outputs_map_each_region_to_its_release_port(name):
    ports, _, _, _ = EDITIONS[name]
    outputs = built(name)["Outputs"]
    endpoints = {key: body["Value"] for key, body in outputs.items() if key.startswith("Endpoint")}
    expected = {
        "Endpoint" + "".join(part.capitalize() for part in region.split("-")): {
            "Fn::Sub": f"http://${{DiscoveryServiceName}}.${{NamespaceName}}:{port}"
        }
        for port, region in ports.items()
        if region != "metrics"
    }
    assert endpoints == expected
    assert outputs["MetricsEndpoint"]["Value"] == {
        "Fn::Sub": "http://${DiscoveryServiceName}.${NamespaceName}:9090/metrics"
    }


def test_the_12_region_template_prices_govcloud_and_the_10_region_one_does_not():
    twelve, ten = built("finfocus-plugin")["Outputs"], built("finfocus-plugin-10-region")["Outputs"]
    assert "8010" in json.dumps(twelve["EndpointUsGovWest1"]) and "8012" in json.dumps(twelve["EndpointUsWest1"])
    assert "EndpointUsGovWest1" not in ten and "EndpointUsGovEast1" not in ten
    assert "8010" in json.dumps(ten["EndpointUsWest1"])


@pytest.mark.parametrize("name", NAMES)
def test_a_stack_refuses_images_that_serve_other_ports(name):
    _, newest, serving, other = EDITIONS[name]
    rule = built(name)["Rules"]["ImageServesThesePorts"]
    assert "RuleCondition" not in rule
    (assertion,) = rule["Assertions"]
    refused = assertion["Assert"]["Fn::Not"][0]["Fn::Contains"][0]
    assert assertion["Assert"]["Fn::Not"][0]["Fn::Contains"][1] == {"Ref": "ImageUri"}
    every_release = TWELVE_REGION_RELEASES + NINE_REGION_RELEASES + TEN_REGION_RELEASES
    assert sorted(refused) == sorted(
        [REPOSITORY, f"{REPOSITORY}:latest"] + [f"{REPOSITORY}:{tag}" for tag in every_release if tag not in serving]
    )
    assert f"{REPOSITORY}:{newest}" not in refused
    description = assertion["AssertDescription"]
    assert other in description and ":latest" in description


@pytest.mark.parametrize("name", NAMES)
def test_the_console_says_the_ports_are_fixed_to_the_layout(name):
    template = built(name)
    layout = "12-region" if name == "finfocus-plugin" else "10-region"
    _, _, _, other = EDITIONS[name]
    for text in (template["Description"], template["Parameters"]["ImageUri"]["Description"]):
        assert f"fixed to the {layout} layout" in text and other in text
    assert len(template["Description"]) <= 1024


@pytest.mark.parametrize("name", NAMES)
def test_a_read_only_stack_refuses_every_published_image(name):
    # No release's docker/Dockerfile declares a VOLUME (tests/fixtures/plugin_image/dockerfiles.json):
    # read-only, /tmp would be a volume of root's that uid 65532 cannot write to.
    parameter = built(name)["Parameters"]["ReadonlyRootFilesystem"]
    assert (parameter["Default"], parameter["AllowedValues"]) == ("false", ["true", "false"])
    assert "VOLUME /tmp" in parameter["Description"]
    rule = built(name)["Rules"]["ReadOnlyNeedsAnImageWithAVolume"]
    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "ReadonlyRootFilesystem"}, "true"]}
    (assertion,) = rule["Assertions"]
    refused, image = assertion["Assert"]["Fn::Not"][0]["Fn::Contains"]
    every_release = TWELVE_REGION_RELEASES + NINE_REGION_RELEASES + TEN_REGION_RELEASES
    assert image == {"Ref": "ImageUri"}
    assert sorted(refused) == sorted(
        [REPOSITORY, f"{REPOSITORY}:latest"] + [f"{REPOSITORY}:{t}" for t in every_release]
    )
    assert "VOLUME /tmp" in assertion["AssertDescription"]


def test_credentials_with_the_wildcard_origin_are_refused(finfocus):
    rule = finfocus["Rules"]["CorsCredentialsNeedExplicitOrigins"]
    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "CorsAllowCredentials"}, "true"]}
    (assertion,) = rule["Assertions"]
    assert assertion["Assert"] == {"Fn::Not": [{"Fn::Contains": [["*"], {"Ref": "CorsAllowedOrigins"}]}]}
    assert "CorsAllowedOrigins" in assertion["AssertDescription"]


# Each variable a parameter sets, typed from the image's documentation of its environment.
PARAMETER_VARIABLES = {
    "FINFOCUS_LOG_LEVEL": "LogLevel",
    "FINFOCUS_CORS_ALLOWED_ORIGINS": "CorsAllowedOrigins",
    "FINFOCUS_CORS_ALLOW_CREDENTIALS": "CorsAllowCredentials",
    "FINFOCUS_CORS_MAX_AGE": "CorsMaxAge",
    "FINFOCUS_MAX_BATCH_SIZE": "MaxBatchSize",
    "FINFOCUS_STRICT_VALIDATION": "StrictValidation",
}
FIXED_VARIABLES = {
    "FINFOCUS_PLUGIN_WEB_ENABLED": "true",  # the web server and /healthz back the health check
    "FINFOCUS_PLUGIN_HEALTH_ENDPOINT": "true",
    "TERMINATION_GRACE_SECONDS": "30",
}


@pytest.mark.parametrize("name", NAMES)
def test_each_parameter_reaches_its_environment_variable(name):
    environment = {e["Name"]: e["Value"] for e in container(built(name))["Environment"]}
    assert environment == {
        **{variable: {"Ref": parameter} for variable, parameter in PARAMETER_VARIABLES.items()},
        **FIXED_VARIABLES,
    }
    # Debugging only: documented, never set by a stack.
    assert "FINFOCUS_TEST_MODE" not in environment


@pytest.mark.parametrize(("name", "batch_cap"), [("finfocus-plugin", 500), ("finfocus-plugin-10-region", 100)])
def test_plugin_settings_are_typed_constrained_and_default_as_the_image_does(name, batch_cap):
    parameters = built(name)["Parameters"]
    assert parameters["LogLevel"]["AllowedValues"] == ["debug", "info", "warn", "error"]
    assert parameters["LogLevel"]["Default"] == "info"
    for flag in ("CorsAllowCredentials", "StrictValidation"):
        assert parameters[flag]["Type"] == "String"
        assert parameters[flag]["AllowedValues"] == ["true", "false"] and parameters[flag]["Default"] == "false"
    max_age = parameters["CorsMaxAge"]
    assert (max_age["Type"], max_age["MinValue"], max_age["MaxValue"], max_age["Default"]) == (
        "Number",
        0,
        86400,
        86400,
    )
    batch = parameters["MaxBatchSize"]
    # v0.1.1-v0.1.5 lower larger values to 500, v0.1.6 on to 100; default 100 in all.
    assert (batch["Type"], batch["MinValue"], batch["MaxValue"], batch["Default"]) == ("Number", 1, batch_cap, 100)
    interface = built(name)["Metadata"]["AWS::CloudFormation::Interface"]
    groups = {g["Label"]["default"]: g["Parameters"] for g in interface["ParameterGroups"]}
    assert groups["Browser access (CORS)"] == ["CorsAllowedOrigins", "CorsAllowCredentials", "CorsMaxAge"]
    assert groups["Request handling"] == ["MaxBatchSize", "StrictValidation"]


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
    # Out only to HTTPS: the image registry (ghcr.io, or ECR) and CloudWatch Logs answer on 443 alone.
    (egress,) = group["SecurityGroupEgress"]
    assert (egress["IpProtocol"], egress["FromPort"], egress["ToPort"]) == ("tcp", 443, 443)
    assert egress["CidrIp"] == "0.0.0.0/0" and egress["Description"]


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
    assert "ManagedPolicyArns" not in role


def test_task_role_grants_nothing_and_trusts_only_this_accounts_tasks(finfocus):
    role = finfocus["Resources"]["TaskRole"]["Properties"]
    assert "ManagedPolicyArns" not in role
    # The plugin calls no AWS API: with ECS Exec off (the default) the role has no policy.
    assert Evaluator(finfocus, {}, strict=False).resolve(role).get("Policies", []) == []
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
    # MULTIVALUE routing answers with at most eight healthy records, so a ninth task would get no traffic
    # (https://docs.aws.amazon.com/cloud-map/latest/api/API_DnsConfig.html). One task leaves the name
    # without a healthy address for Cloud Map's ~30 s on every release (containers-roadmap#830): two at least.
    desired = finfocus["Parameters"]["DesiredCount"]
    assert (desired["Default"], desired["MinValue"], desired["MaxValue"]) == (2, 2, 8)
    # Clients are configured with aws-public.finfocus.local (the specification's Cloud Map service name).
    assert finfocus["Parameters"]["DiscoveryServiceName"]["Default"] == "aws-public"
    assert service["Name"] == {"Ref": "DiscoveryServiceName"}


def test_service_registers_with_registry_arn_only(finfocus):
    service = only(finfocus, "AWS::ECS::Service")["Properties"]
    assert service["ServiceRegistries"] == [{"RegistryArn": {"Fn::GetAtt": ["DiscoveryService", "Arn"]}}]


def test_service_rolls_100_150_with_circuit_breaker_and_tags(finfocus):
    service = only(finfocus, "AWS::ECS::Service")["Properties"]
    assert service["LaunchType"] == "FARGATE"
    assert "CapacityProviderStrategy" not in service
    deployment = service["DeploymentConfiguration"]
    # One new task at a time, every old one kept until it is healthy (docs/ecs-deployment.md, "Releases").
    assert (deployment["MinimumHealthyPercent"], deployment["MaximumPercent"]) == (100, 150)
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
    "ProxyImage": "String",
    "TaskSize": "String",
    "DesiredCount": "Number",
    "LogLevel": "String",
    "CorsAllowedOrigins": "String",
    "CorsAllowCredentials": "String",
    "CorsMaxAge": "Number",
    "MaxBatchSize": "Number",
    "StrictValidation": "String",
    "ExistingNamespaceId": "String",
    "NamespaceName": "String",
    "DiscoveryServiceName": "String",
    "ExistingClusterName": "String",
    "LogRetentionDays": "Number",
    "LogKmsKeyArn": "String",
    "AlarmTopicArn": "String",
    "AlarmTopicKmsKeyArn": "String",
    "CreateDashboard": "String",
    "ReadonlyRootFilesystem": "String",
    "EnableExecuteCommand": "String",
}


def test_parameters_typed_and_constrained(finfocus):
    parameters = finfocus["Parameters"]
    assert {name: p["Type"] for name, p in parameters.items()} == PARAMETER_TYPES
    assert parameters["ImageUri"]["Default"] == "ghcr.io/rshade/finfocus-plugin-aws-public:v0.1.2"
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


@pytest.mark.parametrize(
    ("name", "image"),
    [
        ("finfocus-plugin", f"{REPOSITORY}:v0.1.1"),
        ("finfocus-plugin-10-region", f"{REPOSITORY}:v0.1.4"),
        # A mirror's own tag and a digest say nothing about the layout: the template's is assumed.
        ("finfocus-plugin", "123456789012.dkr.ecr.us-east-1.amazonaws.com/finfocus-plugin-aws-public:prod-2026"),
        ("finfocus-plugin-10-region", f"{REPOSITORY}@sha256:{'a' * 64}"),
        ("finfocus-plugin", "registry.example.com:5000/mirror/finfocus:v9"),
    ],
)
def test_images_that_serve_the_ports_or_are_unknown_are_accepted(name, image):
    assert built(name, image=image)["Parameters"]["ImageUri"]["Default"] == image


def test_a_release_serves_a_custom_table_it_contains():
    # us-east-1 and eu-west-1 are on 8001 and 8003 in every release with an image.
    template = built("finfocus-plugin", regions="us-east-1:8001,eu-west-1:8003", image=f"{REPOSITORY}:v0.1.3")
    refused = template["Rules"]["ImageServesThesePorts"]["Assertions"][0]["Assert"]["Fn::Not"][0]["Fn::Contains"][0]
    assert sorted(refused) == [REPOSITORY, f"{REPOSITORY}:latest"]


def test_the_10_region_task_definition_file_has_its_eleven_ports_and_release():
    definition = json.loads((ROOT / "output" / "finfocus-plugin-10-region.task-definition.json").read_text())
    assert definition["family"] == "finfocus-plugin-10-region-standalone"
    plugin, _proxy = definition["containerDefinitions"]
    assert plugin["image"] == f"{REPOSITORY}:v0.1.8"
    assert {m["containerPort"]: m["name"] for m in plugin["portMappings"]} == SPEC_PORTS_10
    assert len(plugin["portMappings"]) == 11
    assert plugin["logConfiguration"]["options"]["awslogs-group"] == "/ecs/finfocus-plugin-10-region-standalone"
    # The ECS API takes environment values as strings only, numbers included.
    environment = {e["name"]: e["value"] for e in plugin["environment"]}
    assert environment["FINFOCUS_CORS_MAX_AGE"] == "86400" and environment["FINFOCUS_MAX_BATCH_SIZE"] == "100"
    assert all(isinstance(value, str) for value in environment.values())


@pytest.mark.parametrize("name", ["finfocus-plugin", "finfocus-plugin-10-region"])
def test_the_stand_alone_task_definition_names_nothing_a_quick_start_stack_has(name):
    """The guide's quick start deploys STACK=<template>; its log group /ecs/<stack> stays after a
    delete. The stand-alone file's group and family are other names, so neither step fails on
    the other's "already exists"."""
    definition = json.loads((ROOT / "output" / f"{name}.task-definition.json").read_text())
    guide = (ROOT / "docs" / "finfocus-plugin.md").read_text()
    stacks = set(re.findall(r"^STACK=([\w-]+)$", guide, re.MULTILINE)) | {name}
    plugin, _proxy = definition["containerDefinitions"]
    for stack in stacks:
        assert plugin["logConfiguration"]["options"]["awslogs-group"] != f"/ecs/{stack}"
        assert definition["family"] != stack


PLUGIN_PARAMS = [*params.committed("finfocus-plugin"), *params.committed("finfocus-plugin-10-region")]


@pytest.mark.parametrize("path", PLUGIN_PARAMS, ids=lambda p: p.name)
def test_parameter_files_pin_a_release_of_their_templates_layout(path):
    name = path.name.rsplit(".", 2)[0]
    _, _, serving, _ = EDITIONS[name]
    given = dict(entry.split("=", 1) for entry in json.loads(path.read_text()))
    repository, _, tag = given["ImageUri"].rpartition(":")
    assert tag in serving
    if path.name.endswith(".hardened.json"):
        # Read-only needs the image the guide builds from a release (VOLUME /tmp), kept in the
        # account's ECR under the plugin's repository name and the release's tag.
        assert given["ReadonlyRootFilesystem"] == "true"
        assert re.fullmatch(r"[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com/finfocus-plugin-aws-public", repository)
    else:
        assert repository == REPOSITORY and "ReadonlyRootFilesystem" not in given
    if path.name.endswith(".prod.json"):
        assert tag == {"finfocus-plugin": "v0.1.2", "finfocus-plugin-10-region": "v0.1.8"}[name]


# Everything the image reads from its environment (entrypoint.sh, healthcheck.sh, the Go source).
IMAGE_VARIABLES = [
    "FINFOCUS_PLUGIN_WEB_ENABLED",
    "FINFOCUS_PLUGIN_HEALTH_ENDPOINT",
    "FINFOCUS_LOG_LEVEL",
    "FINFOCUS_CORS_ALLOWED_ORIGINS",
    "FINFOCUS_CORS_ALLOW_CREDENTIALS",
    "FINFOCUS_CORS_MAX_AGE",
    "FINFOCUS_MAX_BATCH_SIZE",
    "FINFOCUS_STRICT_VALIDATION",
    "FINFOCUS_TEST_MODE",
    "TERMINATION_GRACE_SECONDS",
    "HEALTH_CHECK_TIMEOUT",
    "QUIET_HEALTHCHECK",
]


def test_the_guide_documents_every_variable_the_image_reads():
    text = (ROOT / "docs" / "finfocus-plugin.md").read_text()
    block = text.split("<!-- generated:finfocus-plugin.environment -->")[1].split("<!-- /generated")[0]
    rows = {line.split("|")[1].strip().strip("`"): line for line in block.splitlines() if line.startswith("| `")}
    assert sorted(rows) == sorted(IMAGE_VARIABLES)
    for variable, parameter in PARAMETER_VARIABLES.items():
        assert f"parameter `{parameter}`" in rows[variable]
    assert "not set" in rows["FINFOCUS_TEST_MODE"]
    assert "`86400`" in rows["FINFOCUS_CORS_MAX_AGE"] and "`100`" in rows["FINFOCUS_MAX_BATCH_SIZE"]


@pytest.mark.parametrize("name", ["finfocus-plugin", "finfocus-plugin-10-region"])
def test_a_stack_refuses_subnets_of_another_vpc_before_creating_anything(name):
    # The documented form: every subnet's VpcId (read from EC2 by Fn::ValueOf) is the VPC given.
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/rules-section-structure.html
    (assertion,) = built(name)["Rules"]["SubnetsInTheVpc"]["Assertions"]
    assert assertion["Assert"] == {"Fn::EachMemberEquals": [{"Fn::ValueOf": ["SubnetIds", "VpcId"]}, {"Ref": "VpcId"}]}
    assert "SubnetIds" in assertion["AssertDescription"] and "VpcId" in assertion["AssertDescription"]


@pytest.mark.parametrize("name", NAMES)
def test_the_stand_alone_task_definition_leaves_only_the_documented_placeholders(name):
    # Rendered in memory from this build (not read from output/), so a wrong placeholder
    # fails here even before anyone rebuilds. The guide (docs/ecs-deployment.md) has users
    # replace <AWS_REGION>, <AWS_ACCOUNT_ID> and <AWS_PARTITION>, and run the task with the
    # account's ecsTaskExecutionRole; the family and log group are the template's name with
    # -standalone, which no quick-start stack has.
    files = templates.render(name, json.loads(json.dumps(built(name))))
    definition = json.loads(files[f"{name}.task-definition.json"])
    assert definition["family"] == f"{name}-standalone"
    assert definition["executionRoleArn"] == "arn:<AWS_PARTITION>:iam::<AWS_ACCOUNT_ID>:role/ecsTaskExecutionRole"
    assert "taskRoleArn" not in definition  # the plugin calls no AWS API
    plugin, _proxy = definition["containerDefinitions"]
    assert plugin["logConfiguration"]["options"] == {
        "awslogs-group": f"/ecs/{name}-standalone",
        "awslogs-region": "<AWS_REGION>",
        "awslogs-stream-prefix": "plugin",
    }
    left = set(re.findall(r"<[A-Z_]+>", files[f"{name}.task-definition.json"]))
    assert left == {"<AWS_PARTITION>", "<AWS_ACCOUNT_ID>", "<AWS_REGION>"}


def test_a_custom_table_opens_exactly_its_own_ports():
    # 8001 and 8003 with 8002 between them: two rules, and 8002 stays closed.
    template = built("finfocus-plugin", regions="us-east-1:8001,eu-west-1:8003", image=f"{REPOSITORY}:v0.1.3")
    rules = ingress_of(template)
    assert sorted((rule["FromPort"], rule["ToPort"]) for rule in rules) == [(8001, 8001), (8003, 8003), (9090, 9090)]
    assert opened_ports(rules) == {8001, 8003, 9090}


def test_the_metrics_port_option_moves_every_use_of_the_metrics_port():
    template = built("finfocus-plugin", metrics_port=9191)
    assert {m["ContainerPort"] for m in container(template)["PortMappings"] if m["Name"] == "metrics"} == {9191}
    assert template["Outputs"]["MetricsEndpoint"]["Value"] == {
        "Fn::Sub": "http://${DiscoveryServiceName}.${NamespaceName}:9191/metrics"
    }
    assert 9191 in opened_ports(ingress_of(template)) and 9090 not in opened_ports(ingress_of(template))


def synthetic_regions(count: int) -> str:
    return ",".join(f"zz-{chr(97 + i // 26)}{chr(97 + i % 26)}-1:{10000 + i}" for i in range(count))


def test_the_region_table_fills_the_outputs_exactly_up_to_the_cloudformation_limit():
    # A template has at most 200 outputs
    # (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html).
    # Nine are not per region: ClusterName, ServiceName, ServiceArn, TaskDefinitionArn,
    # SecurityGroupId, NamespaceId, ServiceDnsName, LogGroupName and MetricsEndpoint.
    # That leaves 191 regions.
    mirror = "registry.example.com/mirror/finfocus:custom"
    assert len(built("finfocus-plugin", regions=synthetic_regions(191), image=mirror)["Outputs"]) == 200
    with pytest.raises(ConfigError, match="give at most 191 regions"):
        templates.build("finfocus-plugin", {"regions": synthetic_regions(192), "image": mirror})
