"""E9105: LaunchType and CapacityProviderStrategy exclude each other."""

from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path

from cfnlint.rules import CloudFormationLintRule, RuleMatch

# cfn-lint loads each rule file outside any package, so the shared module is loaded by its path.
_spec = spec_from_file_location("lint_rules_shared", Path(__file__).resolve().parents[1] / "_shared.py")
shared = module_from_spec(_spec)
_spec.loader.exec_module(shared)


class LaunchTypeWithStrategy(CloudFormationLintRule):
    id = "E9105"
    shortdesc = "LaunchType and CapacityProviderStrategy exclude each other"
    description = "ECS rejects a service that sets both a launch type and a capacity provider strategy"
    source_url = shared.ECS_API + "API_CreateService.html"
    tags = ["ecs", "deploy-time"]

    def match(self, cfn):
        return [
            RuleMatch(
                ["Resources", title, "Properties", "LaunchType"],
                f"ECS service {title} sets LaunchType and CapacityProviderStrategy: AWS rejects it. "
                "Remove LaunchType (the strategy decides where tasks run)",
            )
            for title, service in shared.services(cfn).items()
            if "LaunchType" in shared.properties(service) and shared.properties(service).get("CapacityProviderStrategy")
        ]
