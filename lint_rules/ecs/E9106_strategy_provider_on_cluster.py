"""E9106: capacity providers in a service's strategy must be associated with its cluster."""

from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path

from cfnlint.rules import CloudFormationLintRule, RuleMatch

# cfn-lint loads each rule file outside any package, so the shared module is loaded by its path.
_spec = spec_from_file_location("lint_rules_shared", Path(__file__).resolve().parents[1] / "_shared.py")
shared = module_from_spec(_spec)
_spec.loader.exec_module(shared)


class StrategyProviderOnCluster(CloudFormationLintRule):
    id = "E9106"
    shortdesc = "Capacity providers in a service strategy must be associated with its cluster"
    description = "ECS rejects a strategy naming a capacity provider the cluster does not have"
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-ecs-service-capacityproviderstrategyitem.html"
    tags = ["ecs", "deploy-time"]

    def match(self, cfn):
        clusters = shared.resources_of(cfn, "AWS::ECS::Cluster")
        associated = {
            title: set(shared.properties(body).get("CapacityProviders", []) or []) for title, body in clusters.items()
        }
        for body in shared.resources_of(cfn, "AWS::ECS::ClusterCapacityProviderAssociations").values():
            cluster = shared.referenced(shared.properties(body).get("Cluster"))
            if cluster in associated:
                associated[cluster] |= set(shared.properties(body).get("CapacityProviders", []) or [])
        matches = []
        for title, service in shared.services(cfn).items():
            strategy = shared.properties(service).get("CapacityProviderStrategy", []) or []
            named = {shared.referenced(c) for c in shared.branches(shared.properties(service).get("Cluster"))}
            for cluster in named & set(associated):
                missing = sorted({item.get("CapacityProvider") for item in strategy} - associated[cluster])
                if missing:
                    matches.append(
                        RuleMatch(
                            ["Resources", title, "Properties", "CapacityProviderStrategy"],
                            f"ECS service {title} uses {', '.join(map(str, missing))}, which cluster {cluster} does "
                            f"not have: AWS rejects the service. Add it to the cluster's CapacityProviders",
                        )
                    )
        return matches
