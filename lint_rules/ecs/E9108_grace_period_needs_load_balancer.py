"""E9108: HealthCheckGracePeriodSeconds needs a load balancer."""

from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path

from cfnlint.rules import CloudFormationLintRule, RuleMatch

# cfn-lint loads each rule file outside any package, so the shared module is loaded by its path.
_spec = spec_from_file_location("lint_rules_shared", Path(__file__).resolve().parents[1] / "_shared.py")
shared = module_from_spec(_spec)
_spec.loader.exec_module(shared)


class GracePeriodNeedsLoadBalancer(CloudFormationLintRule):
    id = "E9108"
    shortdesc = "HealthCheckGracePeriodSeconds needs a load balancer"
    description = "ECS rejects a health-check grace period on a service without load balancers"
    source_url = shared.ECS_API + "API_CreateService.html"
    tags = ["ecs", "deploy-time"]

    def match(self, cfn):
        return [
            RuleMatch(
                ["Resources", title, "Properties", "HealthCheckGracePeriodSeconds"],
                f"ECS service {title} sets HealthCheckGracePeriodSeconds without LoadBalancers: AWS rejects it. "
                "Remove the grace period, or attach the service to a target group",
            )
            for title, service in shared.services(cfn).items()
            if "HealthCheckGracePeriodSeconds" in shared.properties(service)
            and not shared.properties(service).get("LoadBalancers")
        ]
