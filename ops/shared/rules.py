"""The template's own `Rules` section, evaluated before CloudFormation does.

Fn::Equals / Fn::Contains / Fn::EachMemberEquals / Fn::EachMemberIn / Fn::And / Fn::Or /
Fn::Not / Ref / Fn::RefAll are evaluated offline. Fn::ValueOf and Fn::ValueOfAll read
attributes of AWS resources (the VPC of a subnet...): they need a ``lookup`` into the
account, and without one the rule is skipped with that reason.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/rules-section-structure.html
"""

from collections.abc import Callable

from .report import Result, failed, passed, skipped
from .template import Unknown, Values

# The attributes CloudFormation documents for Fn::ValueOf / Fn::ValueOfAll, per parameter
# type ("Tags" stands for Tags.<key>); it refuses any other. A security group has no VpcId
# here: preflight's security-group check compares its VPC instead.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-rules.html#rules-parameter-attributes
SUPPORTED_ATTRIBUTES = {
    "AWS::EC2::SecurityGroup::Id": {"Tags"},
    "AWS::EC2::Subnet::Id": {"AvailabilityZone", "Tags", "VpcId"},
    "AWS::EC2::VPC::Id": {"DefaultNetworkAcl", "DefaultSecurityGroup", "Tags"},
}

# (parameter type, value, attribute) -> the attribute's value in the account
Lookup = Callable[[str, str, str], str | None]


class NeedsAccount(Exception):
    """Fn::ValueOf / Fn::ValueOfAll without access to the account."""


class Unsupported(Exception):
    """An Fn::ValueOf attribute CloudFormation does not offer for the parameter's type."""


def _item_type(kind: str) -> str:
    return kind[5:-1] if kind.startswith("List<") else kind


def supported(kind: str, attribute: str) -> None:
    """Raise Unsupported unless CloudFormation documents ``attribute`` for ``kind``."""
    name, dot, key = attribute.partition(".")
    if name not in SUPPORTED_ATTRIBUTES.get(kind, set()) or (name == "Tags") != bool(dot and key):
        raise Unsupported(f"CloudFormation does not support Fn::ValueOf attribute {attribute} for type {kind}")


class RuleValues(Values):
    def __init__(self, template: dict, values: dict[str, str], lookup: Lookup | None = None):
        super().__init__(template, values)
        self.lookup = lookup

    def _fn_Contains(self, argument):
        items, value = self.resolve(argument[0]), self.resolve(argument[1])
        return str(value) in [str(item) for item in items]

    def _fn_EachMemberEquals(self, argument):
        items, value = self.resolve(argument[0]), self.resolve(argument[1])
        return all(str(item) == str(value) for item in items)

    def _fn_EachMemberIn(self, argument):
        items, allowed = self.resolve(argument[0]), self.resolve(argument[1])
        return all(str(item) in [str(a) for a in allowed] for item in items)

    def _fn_RefAll(self, parameter_type):
        return [value for key, value in self.values.items() if self.parameters[key].get("Type") == parameter_type]

    def _attribute(self, name: str, value: str, attribute: str):
        kind = _item_type(self.parameters[name]["Type"])
        supported(kind, attribute)
        if self.lookup is None:
            raise NeedsAccount(f"Fn::ValueOf {name}.{attribute}")
        return self.lookup(kind, value, attribute)

    def _fn_ValueOf(self, argument):
        name, attribute = argument
        value = self.parameter(name)
        if isinstance(value, list):
            return [self._attribute(name, item, attribute) for item in value]
        return self._attribute(name, value, attribute)

    def _fn_ValueOfAll(self, argument):
        parameter_type, attribute = argument
        values = [
            item
            for key, value in self.values.items()
            if self.parameters.get(key, {}).get("Type") == parameter_type
            for item in value.split(",")
        ]
        kind = _item_type(parameter_type)
        supported(kind, attribute)
        if self.lookup is None:
            raise NeedsAccount(f"Fn::ValueOfAll {parameter_type}.{attribute}")
        return [self.lookup(kind, item, attribute) for item in values]


def evaluate(template: dict, values: dict[str, str], lookup: Lookup | None = None) -> list[Result]:
    """One result per rule: pass, fail with its AssertDescription, or skip with the reason."""
    results = []
    for name, rule in template.get("Rules", {}).items():
        check = f"rule:{name}"
        evaluator = RuleValues(template, values, lookup)
        try:
            if "RuleCondition" in rule and not evaluator.resolve(rule["RuleCondition"]):
                results.append(passed(check, "does not apply (its RuleCondition is false)"))
                continue
            broken = [
                assertion.get("AssertDescription", "an assertion is false")
                for assertion in rule.get("Assertions", [])
                if not evaluator.resolve(assertion["Assert"])
            ]
        except NeedsAccount as reason:
            results.append(skipped(check, f"needs the account ({reason})"))
            continue
        except Unsupported as reason:
            # CloudFormation refuses the whole template, whatever the values.
            results.append(failed(check, str(reason), "use only the documented attributes in the template's Rules"))
            continue
        except (Unknown, KeyError, TypeError, IndexError) as reason:
            results.append(skipped(check, f"cannot be evaluated offline ({reason})"))
            continue
        if broken:
            results.append(failed(check, "; ".join(broken), "change the parameter values the rule names"))
        else:
            results.append(passed(check, f"{len(rule.get('Assertions', []))} assertion(s) hold"))
    return results
