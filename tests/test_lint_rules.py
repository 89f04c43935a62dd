"""Every custom cfn-lint rule fires on a broken template and stays quiet on ours."""

import copy

import pytest

import templates
from tests.helpers import custom_findings

NAMES = list(templates.TEMPLATES)


def built_copy(name: str) -> dict:
    return copy.deepcopy(templates.build(name).to_dict())


def rule_ids(document: dict) -> set[str]:
    return {match.rule.id for match in custom_findings(document)}


def drop_depends_on(d):
    del d["Resources"]["BffService"]["DependsOn"]


def wrong_container_port(d):
    d["Resources"]["Service"]["Properties"]["LoadBalancers"][0]["ContainerPort"] = 9999


def wrong_container_name(d):
    d["Resources"]["Service"]["Properties"]["LoadBalancers"][0]["ContainerName"] = "web"


def instance_target_group(d):
    d["Resources"]["BffTargetGroup"]["Properties"]["TargetType"] = "instance"


def default_target_type(d):
    del d["Resources"]["BffTargetGroup"]["Properties"]["TargetType"]


def registry_with_port(d):
    d["Resources"]["Service"]["Properties"]["ServiceRegistries"][0]["ContainerPort"] = 8001


def two_registries(d):
    registries = d["Resources"]["Service"]["Properties"]["ServiceRegistries"]
    registries.append(dict(registries[0]))


def launch_type_and_strategy(d):
    d["Resources"]["BffService"]["Properties"]["LaunchType"] = "FARGATE"


def provider_missing_on_cluster(d):
    d["Resources"]["Cluster"]["Properties"]["CapacityProviders"] = ["FARGATE"]


def two_bases(d):
    for item in d["Resources"]["AgentCoreService"]["Properties"]["CapacityProviderStrategy"]:
        item["Base"] = 1


def grace_without_balancer(d):
    d["Resources"]["Service"]["Properties"]["HealthCheckGracePeriodSeconds"] = 60


def duplicate_export(d):
    d["Outputs"]["ServiceArn"]["Export"] = copy.deepcopy(d["Outputs"]["ServiceName"]["Export"])


def hard_coded_arn(d):
    statement = d["Resources"]["ExecutionRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][-1]
    statement["Resource"] = ["arn:aws:logs:us-east-1:123456789012:log-group:/ecs/go-api:*"]


def named_role(d):
    d["Resources"]["ExecutionRole"]["Properties"]["RoleName"] = "go-api-execution"


def oversized(d):
    d["Metadata"]["Padding"] = "x" * 52_000


def log_group_not_retained(d):
    del d["Resources"]["LogGroup"]["DeletionPolicy"]


def invalid_size_offered(d):
    d["Parameters"]["TaskSize"]["AllowedValues"].append("256x8192")


def invalid_environment_size(d):
    d["Mappings"]["EnvironmentSizes"]["prod"]["Memory"] = "1024"


BREAKAGES = [
    ("E9101", "platform", drop_depends_on),
    ("E9102", "go-api", wrong_container_port),
    ("E9102", "go-api", wrong_container_name),
    ("E9103", "platform", instance_target_group),
    ("E9103", "platform", default_target_type),
    ("E9104", "finfocus-plugin", registry_with_port),
    ("E9104", "finfocus-plugin", two_registries),
    ("E9105", "platform", launch_type_and_strategy),
    ("E9106", "platform", provider_missing_on_cluster),
    ("E9107", "platform", two_bases),
    ("E9108", "finfocus-plugin", grace_without_balancer),
    ("E9109", "go-api", duplicate_export),
    ("E9110", "go-api", hard_coded_arn),
    ("E9111", "go-api", named_role),
    ("E9112", "finfocus-plugin", oversized),
    ("E9113", "go-api", log_group_not_retained),
    ("E9114", "finfocus-plugin", invalid_size_offered),
    ("E9114", "platform", invalid_environment_size),
]


@pytest.mark.parametrize(("rule", "name", "breakage"), BREAKAGES, ids=[f"{r}-{b.__name__}" for r, _, b in BREAKAGES])
def test_rule_fires_on_the_broken_template_only(rule, name, breakage):
    document = built_copy(name)
    assert rule not in rule_ids(document)
    breakage(document)
    findings = [m for m in custom_findings(document) if m.rule.id == rule]
    assert findings, f"{rule} did not fire"
    assert all(len(m.message) > 60 for m in findings)  # says what fails and how to fix it


@pytest.mark.parametrize("name", NAMES)
def test_custom_rules_are_quiet_on_our_templates(name):
    assert custom_findings(built_copy(name)) == []


def test_every_rule_has_a_breaking_example():
    from tests.helpers import _custom_rules
    from tests.test_lint_rules_lifecycle import BAD, rule_of

    # Rules with bad/good fixtures (tests/lint_fixtures/) count as having one.
    assert set(_custom_rules().data) == {rule for rule, _, _ in BREAKAGES} | {rule_of(f) for f in BAD}
