"""E9117: a rule on a listener this template does not create must not match every path alone.

Rules on a shared listener are evaluated by priority: a rule whose only condition
is a catch-all path (``/*``) takes every request that no rule with a lower
priority number took, the traffic of other applications and the listener's
default action included. A host header, a narrower path, or an opt-in the user
sets deliberately keeps it to this application. A parameter counts as a catch-all
when its default is one, since that is what a stack gets when nobody thinks of it.
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html
"""

from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path

from cfnlint.rules import CloudFormationLintRule, RuleMatch

# cfn-lint loads each rule file outside any package, so the shared module is loaded by its path.
_spec = spec_from_file_location("lint_rules_shared", Path(__file__).resolve().parents[1] / "_shared.py")
shared = module_from_spec(_spec)
_spec.loader.exec_module(shared)

CATCH_ALL = {"*", "/*", "**", "/**"}


def _is_no_value(node) -> bool:
    return node == {"Ref": "AWS::NoValue"}


def _always_present(conditions: list) -> list:
    """The conditions that apply whatever the template's Conditions say.

    An ``Fn::If`` with an ``AWS::NoValue`` branch may vanish; one with two
    conditions always leaves one of them, so both branches count.
    """
    found = []
    for condition in conditions:
        if isinstance(condition, dict) and list(condition) == ["Fn::If"]:
            branches = condition["Fn::If"][1:] if isinstance(condition["Fn::If"], list) else []
            if len(branches) != 2 or any(_is_no_value(branch) for branch in branches):
                continue
            found.extend(branches)  # flagged only if both branches are catch-all paths
        else:
            found.append(condition)
    return found


class CatchAllRuleOnSharedListener(CloudFormationLintRule):
    id = "E9117"
    shortdesc = "A rule on a listener this template does not create must not match every path alone"
    description = (
        "A listener rule whose only condition is a catch-all path takes the traffic of every other application on "
        "a shared listener"
    )
    source_url = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html"
    tags = ["lifecycle", "elbv2"]

    def match(self, cfn):
        resources = cfn.template.get("Resources") or {}
        parameters = cfn.template.get("Parameters") or {}
        listeners = {
            title for title, body in resources.items() if body.get("Type") == "AWS::ElasticLoadBalancingV2::Listener"
        }
        matches = []
        for title, body in resources.items():
            if body.get("Type") != "AWS::ElasticLoadBalancingV2::ListenerRule":
                continue
            properties = body.get("Properties") or {}
            # Either branch of an Fn::If may be the listener: both must be this template's own.
            if all(shared.referenced(arn) in listeners for arn in shared.branches(properties.get("ListenerArn"))):
                continue
            conditions = _always_present(properties.get("Conditions") or [])
            if conditions and all(self._catch_all_path(condition, parameters) for condition in conditions):
                matches.append(
                    RuleMatch(
                        ["Resources", title, "Properties", "Conditions"],
                        f"{title} is added to a listener this template does not create and its only condition is "
                        "a catch-all path: it takes every request other rules do not, other applications' too. "
                        "Add a host-header condition, use a narrower path, or make the catch-all an explicit "
                        "opt-in (no catch-all default)",
                    )
                )
        return matches

    @staticmethod
    def _catch_all_path(condition, parameters: dict) -> bool:
        if not isinstance(condition, dict) or condition.get("Field") != "path-pattern":
            return False
        values = (condition.get("PathPatternConfig") or {}).get("Values") or condition.get("Values") or []
        if not values:
            return False
        for item in values:
            name = shared.referenced(item)
            if name is not None:
                item = (parameters.get(name) or {}).get("Default")
            if item not in CATCH_ALL:
                return False
        return True
