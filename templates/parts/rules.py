"""CloudFormation ``Rules``: assertions on parameter values, checked before anything is created.

The console and the CLI already refuse what a parameter's type and constraints
can express. Rules add what they cannot: that values agree with each other and
with the account (a subnet's VPC is read from EC2 by ``Fn::ValueOf``). A stack
whose rule fails is never created, so nothing has to be rolled back.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/rules-section-structure.html

``Fn::ValueOf`` reads only the attributes AWS lists for each parameter type: a VPC's
DefaultNetworkAcl, DefaultSecurityGroup and tags; a subnet's AvailabilityZone, VpcId
and tags; a security group's tags, and nothing else. A rule therefore cannot
ask which VPC a security group belongs to (CloudFormation refuses the template):
``make preflight`` checks that with EC2 reads before a deploy.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-rules.html#rules-parameter-attributes
"""

from troposphere import Ref, Template


def _name(parameter) -> str:
    return parameter if isinstance(parameter, str) else parameter.title


def assertion(condition: dict, description: str) -> dict:
    return {"Assert": condition, "AssertDescription": description}


def add(template: Template, name: str, *assertions: dict, when: dict | None = None) -> None:
    """A rule named ``name``; ``when`` (a rule condition) limits it to some inputs."""
    rule = {"Assertions": list(assertions)}
    if when is not None:
        rule["RuleCondition"] = when
    template.add_rule(name, rule)


def subnets_in_vpc(subnets, vpc) -> dict:
    """Every subnet of a ``List<AWS::EC2::Subnet::Id>`` parameter lies in the VPC."""
    return assertion(
        {"Fn::EachMemberEquals": [{"Fn::ValueOf": [_name(subnets), "VpcId"]}, Ref(_name(vpc))]},
        f"Every subnet in {_name(subnets)} must belong to the VPC given in {_name(vpc)}",
    )


def none_of(parameter, refused: list[str], description: str) -> dict:
    """The parameter is none of ``refused`` (exact values)."""
    return assertion({"Fn::Not": [{"Fn::Contains": [refused, Ref(_name(parameter))]}]}, description)


def equals(parameter, value: str) -> dict:
    """A rule condition: the parameter has exactly this value."""
    return {"Fn::Equals": [Ref(_name(parameter)), value]}


def given(parameter, description: str) -> dict:
    """An optional (empty by default) parameter is set."""
    return none_of(parameter, [""], description)


def differs(parameter, other, description: str) -> dict:
    """Two parameters have different values."""
    return assertion({"Fn::Not": [{"Fn::Equals": [Ref(_name(parameter)), Ref(_name(other))]}]}, description)
