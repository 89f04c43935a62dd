"""E9107: only one capacity provider in a strategy may have a Base."""

from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path

from cfnlint.rules import CloudFormationLintRule, RuleMatch

# cfn-lint loads each rule file outside any package, so the shared module is loaded by its path.
_spec = spec_from_file_location("lint_rules_shared", Path(__file__).resolve().parents[1] / "_shared.py")
shared = module_from_spec(_spec)
_spec.loader.exec_module(shared)


class SingleBase(CloudFormationLintRule):
    id = "E9107"
    shortdesc = "Only one capacity provider in a strategy may have a Base"
    description = "ECS rejects a capacity provider strategy where more than one provider sets Base"
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-ecs-service-capacityproviderstrategyitem.html"
    tags = ["ecs", "deploy-time"]

    def match(self, cfn):
        matches = []
        places = [(t, b, "CapacityProviderStrategy") for t, b in shared.services(cfn).items()]
        places += [
            (t, b, "DefaultCapacityProviderStrategy") for t, b in shared.resources_of(cfn, "AWS::ECS::Cluster").items()
        ]
        for title, body, key in places:
            with_base = [
                item.get("CapacityProvider") for item in shared.properties(body).get(key, []) or [] if item.get("Base")
            ]
            if len(with_base) > 1:
                matches.append(
                    RuleMatch(
                        ["Resources", title, "Properties", key],
                        f"{title} sets Base on {', '.join(map(str, with_base))}: AWS accepts a base on one capacity "
                        "provider only. Keep Base on one and use Weight for the rest",
                    )
                )
        return matches
