"""E9104: ServiceRegistries must fit the Cloud Map service they register in."""

from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path

from cfnlint.rules import CloudFormationLintRule, RuleMatch

# cfn-lint loads each rule file outside any package, so the shared module is loaded by its path.
_spec = spec_from_file_location("lint_rules_shared", Path(__file__).resolve().parents[1] / "_shared.py")
shared = module_from_spec(_spec)
_spec.loader.exec_module(shared)


# What an SRV-record service needs and an A-record one refuses: any of them alone fails.
PORT_FIELDS = ("ContainerName", "ContainerPort", "Port")


class ServiceRegistryShape(CloudFormationLintRule):
    id = "E9104"
    shortdesc = "ServiceRegistries must fit the discovery service"
    description = (
        "An A-record Cloud Map service takes RegistryArn alone; a service may have only one registry entry per "
        "discovery service and ECS allows one service registry"
    )
    source_url = shared.ECS_API + "API_ServiceRegistry.html"
    tags = ["ecs", "deploy-time"]

    def match(self, cfn):
        discovery = shared.resources_of(cfn, "AWS::ServiceDiscovery::Service")
        matches = []
        for title, service in shared.services(cfn).items():
            registries = shared.properties(service).get("ServiceRegistries", []) or []
            path = ["Resources", title, "Properties", "ServiceRegistries"]
            if len(registries) > 1:
                matches.append(
                    RuleMatch(
                        path,
                        f"ECS service {title} has {len(registries)} service registries: ECS accepts one. "
                        "Register the service in one Cloud Map service",
                    )
                )
            for index, registry in enumerate(registries):
                target = shared.referenced(registry.get("RegistryArn"))
                if target not in discovery:
                    continue
                records = shared.properties(discovery[target]).get("DnsConfig", {}).get("DnsRecords", []) or []
                extra = sorted(set(PORT_FIELDS) & set(registry))
                if records and all(r.get("Type") == "A" for r in records) and extra:
                    matches.append(
                        RuleMatch(
                            [*path, index],
                            f"ECS service {title} gives {', '.join(extra)} for {target}, which has only A records: "
                            "AWS fails with 'you do not require a value for containerPort'. Give RegistryArn alone",
                        )
                    )
        return matches
