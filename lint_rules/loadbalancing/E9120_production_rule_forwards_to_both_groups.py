"""E9120: the production listener rule of a blue/green, linear or canary service forwards to both groups.

ECS moves the traffic by rewriting the weights of the rule's forward action between the
service's two target groups; both must be in that action (weights 100 and 0 to start).
"Ensure that your Application Load Balancer target groups are properly associated with
listener rules: if you are not using test listeners, both target groups (production and
test) must be associated with production listener rules."
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/migrate-code-deploy-to-ecs-blue-green.html
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/alb-resources-for-blue-green.html
"""

from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path

from cfnlint.rules import CloudFormationLintRule, RuleMatch

# cfn-lint loads each rule file outside any package, so the shared module is loaded by its path.
_spec = spec_from_file_location("lint_rules_shared", Path(__file__).resolve().parents[1] / "_shared.py")
shared = module_from_spec(_spec)
_spec.loader.exec_module(shared)


def forwarded(rule: dict) -> set[str]:
    """Logical IDs of the target groups a listener rule's forward actions name."""
    found = set()
    for action in shared.properties(rule).get("Actions", []) or []:
        if not isinstance(action, dict):
            continue
        groups = [action.get("TargetGroupArn")]
        groups += [t.get("TargetGroupArn") for t in (action.get("ForwardConfig") or {}).get("TargetGroups", []) or []]
        found |= {shared.referenced(group) for group in groups if shared.referenced(group)}
    return found


class ProductionRuleForwardsToBothGroups(CloudFormationLintRule):
    id = "E9120"
    shortdesc = "A blue/green production listener rule must forward to both target groups"
    description = (
        "ECS shifts traffic by rewriting the weights of the production rule's forward action between "
        "TargetGroupArn and AlternateTargetGroupArn; a rule that forwards to one of them only cannot be shifted"
    )
    source_url = shared.ECS_GUIDE + "alb-resources-for-blue-green.html"
    tags = ["ecs", "elasticloadbalancingv2", "deploy-time"]

    def match(self, cfn):
        rules = shared.resources_of(cfn, "AWS::ElasticLoadBalancingV2::ListenerRule")
        matches, flagged = [], set()
        for title, service in shared.services(cfn).items():
            for balancer in shared.properties(service).get("LoadBalancers", []) or []:
                for advanced in shared.advanced_configurations(balancer):
                    rule = shared.referenced(advanced.get("ProductionListenerRule"))
                    if rule not in rules or rule in flagged:
                        continue
                    groups = {shared.referenced(v) for _, v in shared.target_groups_of(balancer)} - {None}
                    missing = sorted(groups - forwarded(rules[rule]))
                    if missing:
                        flagged.add(rule)
                        matches.append(
                            RuleMatch(
                                ["Resources", rule, "Properties", "Actions"],
                                f"Listener rule {rule} is the production rule of service {title} but does not "
                                f"forward to {', '.join(missing)}: ECS cannot shift the traffic between the two "
                                "groups. Forward to both in one ForwardConfig (weights 100 and 0)",
                            )
                        )
        return matches
