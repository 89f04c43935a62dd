"""ECS's rolling, blue/green, linear and canary deployments for go-api and the platform's BFF.

Values typed from the ECS API reference and guides:
https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html
https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_LinearConfiguration.html (3.0-100.0 in
steps of 0.1, default 10.0; 0-1440 minutes between steps, default 6)
https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CanaryConfiguration.html (0.1-100.0 in
steps of 0.1, default 5.0; 0-1440 minutes, default 10)
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/AmazonECSInfrastructureRolePolicyForLoadBalancers.html
(the role trusts ecs.amazonaws.com and carries the managed policy of that name)
"""

import re

import pytest

from ops.shared import params, rules
from templates.evaluate import Evaluator
from tests.helpers import built

REGION, ACCOUNT = "eu-west-1", "123456789012"
LISTENER = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener/app/public-alb/50dc6c495c0c9188/f2f7dc8efc522ab2"
BLUE = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/go-api-blue/0123456789abcdef"
GREEN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/go-api-green/fedcba9876543210"
RULE = f"{LISTENER.replace(':listener/', ':listener-rule/')}/9683b2d02a6cabee"
GIVEN = {
    "AWS::StackName": "shop",
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::Partition": "aws",
    "TargetGroupArn": BLUE,
    "AlbListenerArn": LISTENER,
    "PathPattern": "/app/*",
}
# Template -> the service that takes a strategy, the role's logical ID, the group label.
OFFERED = {
    "go-api": ("Service", "LoadBalancerRole", "Deployment strategy"),
    "platform": ("BffService", "BffLoadBalancerRole", "BFF deployment strategy"),
}
SHIFTING = {"DeploymentStrategy": "BLUE_GREEN", "AlternateTargetGroupArn": GREEN, "ProductionListenerRuleArn": RULE}


def stack(name: str, **values) -> dict:
    return Evaluator(built(name), {**GIVEN, **values}, strict=False).resources()


@pytest.mark.parametrize("name", list(OFFERED))
def test_the_strategy_parameters_take_what_ecs_accepts(name):
    parameters = built(name)["Parameters"]
    strategy = parameters["DeploymentStrategy"]
    assert (strategy["AllowedValues"], strategy["Default"]) == (
        ["ROLLING", "BLUE_GREEN", "LINEAR", "CANARY"],
        "ROLLING",
    )
    for minutes, default in (("BakeTimeMinutes", 15), ("LinearStepBakeMinutes", 6), ("CanaryBakeMinutes", 10)):
        parameter = parameters[minutes]
        assert (parameter["Type"], parameter["MinValue"], parameter["MaxValue"], parameter["Default"]) == (
            "Number",
            0,
            1440,
            default,
        ), minutes
    assert parameters["LinearStepPercent"]["Default"] == "10.0"
    assert parameters["CanaryPercent"]["Default"] == "5.0"


@pytest.mark.parametrize(
    ("value", "linear", "canary"),
    [
        ("3.0", True, True),
        ("3", True, True),
        ("10.5", True, True),
        ("100.0", True, True),
        ("100", True, True),
        ("2.9", False, True),  # below linear's 3.0
        ("0.1", False, True),  # canary's least
        ("0.0", False, False),
        ("0", False, False),
        ("100.1", False, False),
        ("10.05", False, False),  # not a multiple of 0.1
        ("05.0", False, False),
        ("", False, False),
    ],
)
def test_the_traffic_shares_are_multiples_of_a_tenth_in_ecs_ranges(value, linear, canary):
    for name in OFFERED:
        parameters = built(name)["Parameters"]
        assert bool(re.match(parameters["LinearStepPercent"]["AllowedPattern"], value)) is linear, (name, value)
        assert bool(re.match(parameters["CanaryPercent"]["AllowedPattern"], value)) is canary, (name, value)


@pytest.mark.parametrize("name", list(OFFERED))
def test_the_strategy_has_its_console_group(name):
    interface = built(name)["Metadata"]["AWS::CloudFormation::Interface"]
    (group,) = [g for g in interface["ParameterGroups"] if "DeploymentStrategy" in g["Parameters"]]
    assert group["Label"]["default"] == OFFERED[name][2]
    assert group["Parameters"][:6] == [
        "DeploymentStrategy",
        "BakeTimeMinutes",
        "LinearStepPercent",
        "LinearStepBakeMinutes",
        "CanaryPercent",
        "CanaryBakeMinutes",
    ]


def deployment(name: str, **values) -> tuple[dict, dict]:
    resources = stack(name, **values)
    service = resources[OFFERED[name][0]]["Properties"]
    return service, resources


@pytest.mark.parametrize("name", list(OFFERED))
def test_rolling_by_default_without_bake_time_second_group_or_role(name):
    service, resources = deployment(name)
    settings = service["DeploymentConfiguration"]
    assert settings["Strategy"] == "ROLLING"
    # A bake time on a rolling deployment would stretch CloudFormation's wait to 36 hours.
    assert not {"BakeTimeInMinutes", "LinearConfiguration", "CanaryConfiguration"} & set(settings)
    assert service["DeploymentController"] == {"Type": "ECS"}
    # go-api without the alternate group and rule has nothing to switch with; the platform owns
    # both, so its rolling service carries the advanced configuration already (below).
    if name == "go-api":
        assert "AdvancedConfiguration" not in service["LoadBalancers"][0]
        assert OFFERED[name][1] not in resources


@pytest.mark.parametrize("name", list(OFFERED))
def test_a_rolling_service_with_both_groups_has_the_advanced_configuration_ecs_needs_before_a_switch(name):
    """ECS switches a load-balanced ROLLING service to BLUE_GREEN, LINEAR or CANARY only after
    "update the service with the new advancedConfiguration and start a rolling deployment":
    https://docs.aws.amazon.com/AmazonECS/latest/developerguide/update-rolling-to-bluegreen.html
    So the rolling template already sends it once the groups are known: the first of two updates."""
    values = {**SHIFTING, "DeploymentStrategy": "ROLLING"} if name == "go-api" else {}
    service, resources = deployment(name, **values)
    assert service["DeploymentConfiguration"]["Strategy"] == "ROLLING"
    advanced = service["LoadBalancers"][0]["AdvancedConfiguration"]
    assert set(advanced) == {"AlternateTargetGroupArn", "ProductionListenerRule", "RoleArn"}
    assert OFFERED[name][1] in resources  # the role the configuration names
    assert "BakeTimeInMinutes" not in service["DeploymentConfiguration"]


def shifting(name: str, strategy: str) -> dict:
    values = {**SHIFTING, "DeploymentStrategy": strategy} if name == "go-api" else {"DeploymentStrategy": strategy}
    return values


@pytest.mark.parametrize("name", list(OFFERED))
@pytest.mark.parametrize(
    ("strategy", "extra"),
    [
        ("BLUE_GREEN", {}),
        ("LINEAR", {"LinearConfiguration": {"StepPercent": "10.0", "StepBakeTimeInMinutes": 6}}),
        ("CANARY", {"CanaryConfiguration": {"CanaryPercent": "5.0", "CanaryBakeTimeInMinutes": 10}}),
    ],
)
def test_a_traffic_shifting_strategy_gets_its_settings_both_groups_the_rule_and_the_role(name, strategy, extra):
    service, resources = deployment(name, **shifting(name, strategy))
    settings = service["DeploymentConfiguration"]
    found = {
        k: settings[k]
        for k in ("Strategy", "BakeTimeInMinutes", "LinearConfiguration", "CanaryConfiguration")
        if k in settings
    }
    assert found == {"Strategy": strategy, "BakeTimeInMinutes": 15, **extra}
    advanced = service["LoadBalancers"][0]["AdvancedConfiguration"]
    role = OFFERED[name][1]
    if name == "go-api":
        assert advanced == {
            "AlternateTargetGroupArn": GREEN,
            "ProductionListenerRule": RULE,
            "RoleArn": {"Fn::GetAtt": [role, "Arn"]},
        }
    else:
        assert advanced == {
            "AlternateTargetGroupArn": {"Ref": "BffAlternateTargetGroup"},
            "ProductionListenerRule": {"Ref": "BffListenerRule"},
            "RoleArn": {"Fn::GetAtt": [role, "Arn"]},
        }
    assert resources[role]["Type"] == "AWS::IAM::Role"


@pytest.mark.parametrize("name", list(OFFERED))
def test_the_role_ecs_shifts_traffic_with_is_the_guides(name):
    role = stack(name, **shifting(name, "CANARY"))[OFFERED[name][1]]["Properties"]
    assert role["AssumeRolePolicyDocument"] == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"}, "Action": ["sts:AssumeRole"]}],
    }
    assert role["ManagedPolicyArns"] == ["arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"]
    # No fixed name (IAM is global: a second stack would collide) and nothing of our own.
    assert not {"RoleName", "Policies"} & set(role)


def test_the_role_names_the_partition_of_the_region():
    role = built("go-api")["Resources"]["LoadBalancerRole"]["Properties"]
    assert role["ManagedPolicyArns"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"}
    ]


def test_the_platform_rule_forwards_to_both_groups_all_weight_on_the_first_whatever_the_strategy():
    for strategy in ("ROLLING", "BLUE_GREEN"):
        resources = stack("platform", DeploymentStrategy=strategy)
        (action,) = resources["BffListenerRule"]["Properties"]["Actions"]
        assert action == {
            "Type": "forward",
            "ForwardConfig": {
                "TargetGroups": [
                    {"TargetGroupArn": {"Ref": "BffTargetGroup"}, "Weight": 100},
                    {"TargetGroupArn": {"Ref": "BffAlternateTargetGroup"}, "Weight": 0},
                ]
            },
        }


def test_the_platforms_two_target_groups_are_alike():
    """ECS's guide: both groups with the same target type, protocol, port, VPC and health check."""
    resources = stack("platform")
    first, second = (resources[t]["Properties"] for t in ("BffTargetGroup", "BffAlternateTargetGroup"))
    assert first == second
    assert (first["TargetType"], first["Port"]) == ("ip", 3000)


# --- Rules: an incomplete combination is refused before anything is created --------------


def rule_results(**values) -> dict:
    given = {"ImageUri": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/go-api:v1", "TargetGroupArn": BLUE}
    given.update({"AlbListenerArn": LISTENER, "VpcId": "vpc-1", "SubnetIds": "subnet-1", "AppSecurityGroupId": "sg-1"})
    document = built("go-api")
    effective = params.effective(document["Parameters"], {**given, **values})  # the defaults, as preflight reads them
    results = rules.evaluate(document, effective, lambda kind, value, attribute: "vpc-1")
    return {r.check: r for r in results}


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"DeploymentStrategy": "BLUE_GREEN", "ProductionListenerRuleArn": RULE}, "need AlternateTargetGroupArn"),
        ({"DeploymentStrategy": "LINEAR", "AlternateTargetGroupArn": GREEN}, "need ProductionListenerRuleArn"),
    ],
)
def test_go_api_refuses_a_traffic_shifting_strategy_without_its_pieces(values, says):
    result = rule_results(**values)["rule:TrafficShiftingNeedsTwoTargetGroupsAndTheRule"]
    assert result.status == "fail" and says in result.detail


@pytest.mark.parametrize("strategy", ["ROLLING", "CANARY"])
def test_go_api_refuses_the_first_group_as_the_alternate_under_any_strategy(strategy):
    """Under ROLLING too: given, the alternate group is in the service's advanced configuration
    (the first of the two updates of a switch)."""
    values = {"DeploymentStrategy": strategy, "AlternateTargetGroupArn": BLUE, "ProductionListenerRuleArn": RULE}
    result = rule_results(**values)["rule:AlternateTargetGroupIsAnotherGroup"]
    assert result.status == "fail"
    assert "AlternateTargetGroupArn must be another target group than TargetGroupArn" in result.detail
    assert (
        rule_results(**{**values, "AlternateTargetGroupArn": GREEN})["rule:AlternateTargetGroupIsAnotherGroup"].status
        == "pass"
    )


@pytest.mark.parametrize("values", [{}, SHIFTING, {**SHIFTING, "DeploymentStrategy": "CANARY"}])
def test_go_api_accepts_rolling_alone_and_a_complete_traffic_shift(values):
    result = rule_results(**values)["rule:TrafficShiftingNeedsTwoTargetGroupsAndTheRule"]
    assert result.status == "pass", result
