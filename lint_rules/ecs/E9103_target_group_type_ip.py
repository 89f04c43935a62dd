"""E9103: target groups of awsvpc tasks (all Fargate tasks) must have TargetType ip."""

from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path

from cfnlint.rules import CloudFormationLintRule, RuleMatch

# cfn-lint loads each rule file outside any package, so the shared module is loaded by its path.
_spec = spec_from_file_location("lint_rules_shared", Path(__file__).resolve().parents[1] / "_shared.py")
shared = module_from_spec(_spec)
_spec.loader.exec_module(shared)


class TargetGroupTypeIp(CloudFormationLintRule):
    id = "E9103"
    shortdesc = "Target groups of awsvpc tasks must have TargetType ip"
    description = "Tasks in awsvpc mode (all Fargate tasks) register by IP; an instance target group rejects them"
    source_url = shared.ECS_API + "API_LoadBalancer.html"
    tags = ["ecs", "deploy-time"]

    def match(self, cfn):
        groups = shared.resources_of(cfn, "AWS::ElasticLoadBalancingV2::TargetGroup")
        matches = []
        for title, service in shared.services(cfn).items():
            if not shared.is_awsvpc(shared.task_definition_of(cfn, service)):
                continue
            for balancer in shared.properties(service).get("LoadBalancers", []) or []:
                group = shared.referenced(balancer.get("TargetGroupArn"))
                if group in groups and shared.properties(groups[group]).get("TargetType", "instance") != "ip":
                    target_type = shared.properties(groups[group]).get("TargetType", "instance (the default)")
                    matches.append(
                        RuleMatch(
                            ["Resources", group, "Properties"],
                            f"Target group {group} has TargetType {target_type} but service {title} runs awsvpc "
                            "tasks: AWS rejects the service. Set TargetType: ip",
                        )
                    )
        return matches
