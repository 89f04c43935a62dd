"""E9103: target groups of awsvpc tasks (all Fargate tasks) must have TargetType ip.

Both of a service's groups: the first (``TargetGroupArn``) and, for blue/green, linear and
canary, the alternate one ECS registers the new revision in.
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/alb-resources-for-blue-green.html
"""

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
        matches, flagged = [], set()
        for title, service in shared.services(cfn).items():
            if not shared.is_awsvpc(shared.task_definition_of(cfn, service)):
                continue
            for balancer in shared.properties(service).get("LoadBalancers", []) or []:
                for key, value in shared.target_groups_of(balancer):
                    group = shared.referenced(value)
                    if group not in groups or group in flagged:
                        continue
                    given = shared.properties(groups[group]).get("TargetType")
                    if given != "ip":
                        flagged.add(group)
                        matches.append(
                            RuleMatch(
                                ["Resources", group, "Properties"],
                                f"Target group {group} ({key} of service {title}) has TargetType "
                                f"{given or 'instance (the default)'} but the service runs awsvpc tasks: "
                                "AWS rejects the service. Set TargetType: ip",
                            )
                        )
        return matches
