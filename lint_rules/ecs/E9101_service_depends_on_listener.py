"""E9101: an ECS service must depend on the listener (rule) that attaches its target groups (both, for
blue/green, linear and canary: ECS health-checks the new revision in the alternate group)."""

from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path

from cfnlint.rules import CloudFormationLintRule, RuleMatch

# cfn-lint loads each rule file outside any package, so the shared module is loaded by its path.
_spec = spec_from_file_location("lint_rules_shared", Path(__file__).resolve().parents[1] / "_shared.py")
shared = module_from_spec(_spec)
_spec.loader.exec_module(shared)


class ServiceDependsOnListener(CloudFormationLintRule):
    id = "E9101"
    shortdesc = "ECS service must depend on the rule that attaches its target group"
    description = (
        "A service created before its listener or listener rule fails: the target group has no load balancer yet"
    )
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ecs-service.html"
    tags = ["ecs", "deploy-time"]

    def match(self, cfn):
        attaching: dict[str, set[str]] = {}
        for kind in ("AWS::ElasticLoadBalancingV2::ListenerRule", "AWS::ElasticLoadBalancingV2::Listener"):
            for title, body in shared.resources_of(cfn, kind).items():
                key = "Actions" if kind.endswith("ListenerRule") else "DefaultActions"
                for action in shared.properties(body).get(key, []) or []:
                    groups = [action.get("TargetGroupArn")]
                    forward = action.get("ForwardConfig", {}) or {}
                    groups += [t.get("TargetGroupArn") for t in forward.get("TargetGroups", []) or []]
                    for group in groups:
                        if shared.referenced(group):
                            attaching.setdefault(shared.referenced(group), set()).add(title)
        matches = []
        for title, service in shared.services(cfn).items():
            for index, balancer in enumerate(shared.properties(service).get("LoadBalancers", []) or []):
                for _, value in shared.target_groups_of(balancer):
                    group = shared.referenced(value)
                    rules = attaching.get(group, set())
                    if not rules or rules & shared.depends_on(service):
                        continue
                    matches.append(
                        RuleMatch(
                            ["Resources", title, "Properties", "LoadBalancers", index],
                            f"ECS service {title} may be created before {', '.join(sorted(rules))}: AWS fails with "
                            f"'target group {group} does not have an associated load balancer'. "
                            f"Add DependsOn: {sorted(rules)[0]}",
                        )
                    )
                    break
        return matches
