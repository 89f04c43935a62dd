"""Every attribute a template's Rules read with Fn::ValueOf / Fn::ValueOfAll is one CloudFormation offers.

CloudFormation refuses a template whose rule asks for any other attribute, so a mistake
here fails every deploy while cfn-lint and the offline rule evaluation stay quiet.
"""

import copy

import pytest

import templates
from tests.helpers import built

# The attributes rules may read, per parameter type, as AWS lists them:
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-rules.html#rules-parameter-attributes
# "Tags.<key>" is written here as the prefix "Tags.".
READABLE = {
    "AWS::EC2::VPC::Id": {"DefaultNetworkAcl", "DefaultSecurityGroup", "Tags."},
    "AWS::EC2::Subnet::Id": {"AvailabilityZone", "Tags.", "VpcId"},
    "AWS::EC2::SecurityGroup::Id": {"Tags."},
}


def _element_type(parameter_type: str) -> str:
    """``List<AWS::EC2::Subnet::Id>`` -> ``AWS::EC2::Subnet::Id``: a list parameter's attributes are its items'."""
    if parameter_type.startswith("List<") and parameter_type.endswith(">"):
        return parameter_type[len("List<") : -1]
    return parameter_type


def _readable(parameter_type: str, attribute: str) -> bool:
    allowed = READABLE.get(_element_type(parameter_type), set())
    return attribute in allowed or ("Tags." in allowed and attribute.startswith("Tags.") and attribute != "Tags.")


def _reads(node):
    """Every (function, first argument, attribute) of Fn::ValueOf / Fn::ValueOfAll under ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("Fn::ValueOf", "Fn::ValueOfAll"):
                yield key, value[0], value[1]
            yield from _reads(value)
    elif isinstance(node, list):
        for item in node:
            yield from _reads(item)


def unreadable_attributes(template: dict) -> list[str]:
    """What the template's Rules read that CloudFormation does not offer, one line each."""
    parameters = template.get("Parameters", {})
    problems = []
    for rule_name, rule in template.get("Rules", {}).items():
        for function, first, attribute in _reads(rule):
            # Fn::ValueOf names a parameter; Fn::ValueOfAll names a parameter type.
            kind = parameters[first]["Type"] if function == "Fn::ValueOf" else first
            if not _readable(kind, attribute):
                problems.append(f"{rule_name}: {function} [{first}, {attribute}] ({kind})")
    return problems


@pytest.mark.parametrize("name", list(templates.TEMPLATES))
def test_rules_read_only_documented_attributes(name):
    template = built(name)
    assert unreadable_attributes(template) == []


def test_every_template_with_a_subnet_list_checks_it_with_a_rule():
    """The check above must have something to look at: each template reads its subnets' VpcId."""
    with_subnets = [
        name
        for name in templates.TEMPLATES
        if any(p["Type"] == "List<AWS::EC2::Subnet::Id>" for p in built(name)["Parameters"].values())
    ]
    assert len(with_subnets) >= 4, with_subnets  # the plugin's two, go-api and the platform
    for name in with_subnets:
        reads = [read for rule in built(name).get("Rules", {}).values() for read in _reads(rule)]
        assert any(attribute == "VpcId" for _, _, attribute in reads), name


def _with_assertion(template: dict, condition: dict) -> dict:
    broken = copy.deepcopy(template)
    broken.setdefault("Rules", {})["Broken"] = {"Assertions": [{"Assert": condition}]}
    return broken


@pytest.mark.parametrize(
    "condition",
    [
        # A security group's VPC: not offered to rules.
        {"Fn::Contains": [[{"Ref": "VpcId"}], {"Fn::ValueOf": ["AlbSecurityGroupId", "VpcId"]}]},
        {"Fn::EachMemberIn": [{"Fn::ValueOfAll": ["AWS::EC2::SecurityGroup::Id", "VpcId"]}, ["vpc-1"]]},
        # A subnet has no CidrBlock attribute for rules, a VPC no VpcId.
        {"Fn::EachMemberEquals": [{"Fn::ValueOf": ["PrivateAppSubnetIds", "CidrBlock"]}, "10.0.0.0/24"]},
        {"Fn::Contains": [["vpc-1"], {"Fn::ValueOf": ["VpcId", "VpcId"]}]},
        # Nested under Fn::Not.
        {"Fn::Not": [{"Fn::Contains": [["x"], {"Fn::ValueOf": ["RdsSecurityGroupId", "GroupName"]}]}]},
    ],
)
def test_a_broken_copy_is_refused(condition):
    problems = unreadable_attributes(_with_assertion(built("platform"), condition))
    assert len(problems) == 1 and problems[0].startswith("Broken: "), problems


def test_a_rule_condition_is_checked_too():
    broken = copy.deepcopy(built("platform"))
    rule = next(iter(broken["Rules"].values()))
    rule["RuleCondition"] = {"Fn::Contains": [["vpc-1"], {"Fn::ValueOf": ["AlbSecurityGroupId", "VpcId"]}]}
    assert len(unreadable_attributes(broken)) == 1


@pytest.mark.parametrize(
    "condition",
    [
        {"Fn::EachMemberEquals": [{"Fn::ValueOf": ["PrivateAppSubnetIds", "AvailabilityZone"]}, "us-east-1a"]},
        {"Fn::Contains": [["team-a"], {"Fn::ValueOf": ["AlbSecurityGroupId", "Tags.Owner"]}]},
        {"Fn::Contains": [["sg-1"], {"Fn::ValueOf": ["VpcId", "DefaultSecurityGroup"]}]},
        {
            "Fn::EachMemberIn": [
                {"Fn::ValueOfAll": ["AWS::EC2::Subnet::Id", "VpcId"]},
                {"Fn::RefAll": "AWS::EC2::VPC::Id"},
            ]
        },
    ],
)
def test_documented_attributes_pass(condition):
    assert unreadable_attributes(_with_assertion(built("platform"), condition)) == []
