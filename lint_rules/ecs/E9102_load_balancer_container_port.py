"""E9102: a service's load balancer entry must name a container and one of its port mappings."""

import json
from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path

from cfnlint.rules import CloudFormationLintRule, RuleMatch

# cfn-lint loads each rule file outside any package, so the shared module is loaded by its path.
_spec = spec_from_file_location("lint_rules_shared", Path(__file__).resolve().parents[1] / "_shared.py")
shared = module_from_spec(_spec)
_spec.loader.exec_module(shared)


class LoadBalancerContainerPort(CloudFormationLintRule):
    id = "E9102"
    shortdesc = "Service load balancer must name a container port mapping"
    description = "ContainerName/ContainerPort in LoadBalancers must match a container and one of its port mappings"
    source_url = shared.ECS_API + "API_LoadBalancer.html"
    tags = ["ecs", "deploy-time"]

    def match(self, cfn):
        matches = []
        for title, service in shared.services(cfn).items():
            task = shared.task_definition_of(cfn, service)
            if task is None:
                continue
            containers = {c.get("Name"): c for c in shared.properties(task).get("ContainerDefinitions", []) or []}
            for index, balancer in enumerate(shared.properties(service).get("LoadBalancers", []) or []):
                name, port = balancer.get("ContainerName"), balancer.get("ContainerPort")
                path = ["Resources", title, "Properties", "LoadBalancers", index]
                if name not in containers:
                    matches.append(
                        RuleMatch(
                            path,
                            f"ECS service {title} sends load balancer traffic to container {name!r}, which the task "
                            f"definition does not have ({', '.join(map(str, containers))}): AWS rejects the service. "
                            "Use one of those container names",
                        )
                    )
                    continue
                ports = [m.get("ContainerPort") for m in containers[name].get("PortMappings", []) or []]
                if json.dumps(port, sort_keys=True) not in {json.dumps(p, sort_keys=True) for p in ports}:
                    matches.append(
                        RuleMatch(
                            path,
                            f"ECS service {title} sends load balancer traffic to port {json.dumps(port)} of container "
                            f"{name!r}, which maps only {json.dumps(ports)}: AWS rejects the service. "
                            "Use a mapped port or add the port mapping",
                        )
                    )
        return matches
