"""cfn-lint rules for ECS deploy-time failures that cfn-lint itself does not catch.

Each of these passes cfn-lint's own checks and then fails in AWS, minutes into a
deployment, or leaves a service that never becomes healthy. Load them with
``cfn-lint --append-rules lint_rules``. Every message says what AWS will do and
how to fix it.
"""

import json
import os
import re
import sys
from pathlib import Path

from cfnlint.rules import CloudFormationLintRule, RuleMatch

# The Fargate size table lives in the project's parts; read it from there.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from templates.parts.fargate import FARGATE_SIZES

DIRECT_DEPLOY_LIMIT = 51_200
SOURCE = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/"


def resources_of(cfn, kind: str) -> dict:
    return {title: body for title, body in cfn.template.get("Resources", {}).items() if body.get("Type") == kind}


def properties(body: dict) -> dict:
    found = body.get("Properties", {})
    return found if isinstance(found, dict) else {}


def referenced(node) -> str | None:
    """The logical ID a ``Ref`` or ``Fn::GetAtt`` names, else ``None``."""
    if isinstance(node, dict) and len(node) == 1:
        ((function, argument),) = node.items()
        if function == "Ref" and isinstance(argument, str):
            return argument
        if function == "Fn::GetAtt":
            return argument[0] if isinstance(argument, list) else str(argument).split(".")[0]
    return None


def branches(node) -> list:
    """The values a property may take: both branches of an ``Fn::If``, else itself."""
    if isinstance(node, dict) and list(node) == ["Fn::If"] and len(node["Fn::If"]) == 3:
        return [*branches(node["Fn::If"][1]), *branches(node["Fn::If"][2])]
    return [node]


def depends_on(body: dict) -> set[str]:
    value = body.get("DependsOn", [])
    return {value} if isinstance(value, str) else set(value)


def task_definition_of(cfn, service: dict) -> dict | None:
    title = referenced(properties(service).get("TaskDefinition"))
    return cfn.template["Resources"].get(title) if title else None


def is_awsvpc(task: dict | None) -> bool:
    return task is not None and properties(task).get("NetworkMode") == "awsvpc"


class _EcsRule(CloudFormationLintRule):
    source_url = SOURCE
    tags = ["ecs", "deploy-time"]

    def services(self, cfn):
        return resources_of(cfn, "AWS::ECS::Service").items()


class ServiceDependsOnListenerRule(_EcsRule):
    id = "E9101"
    shortdesc = "ECS service must depend on the rule that attaches its target group"
    description = (
        "A service created before its listener or listener rule fails: the target group has no load balancer yet"
    )

    def match(self, cfn):
        attaching: dict[str, set[str]] = {}
        for kind in ("AWS::ElasticLoadBalancingV2::ListenerRule", "AWS::ElasticLoadBalancingV2::Listener"):
            for title, body in resources_of(cfn, kind).items():
                key = "Actions" if kind.endswith("ListenerRule") else "DefaultActions"
                for action in properties(body).get(key, []) or []:
                    groups = [action.get("TargetGroupArn")]
                    forward = action.get("ForwardConfig", {}) or {}
                    groups += [t.get("TargetGroupArn") for t in forward.get("TargetGroups", []) or []]
                    for group in groups:
                        if referenced(group):
                            attaching.setdefault(referenced(group), set()).add(title)
        matches = []
        for title, service in self.services(cfn):
            for index, balancer in enumerate(properties(service).get("LoadBalancers", []) or []):
                group = referenced(balancer.get("TargetGroupArn"))
                rules = attaching.get(group, set())
                if rules and not rules & depends_on(service):
                    matches.append(
                        RuleMatch(
                            ["Resources", title, "Properties", "LoadBalancers", index],
                            f"ECS service {title} may be created before {', '.join(sorted(rules))}: AWS fails with "
                            f"'target group {group} does not have an associated load balancer'. "
                            f"Add DependsOn: {sorted(rules)[0]}",
                        )
                    )
        return matches


class LoadBalancerContainerPort(_EcsRule):
    id = "E9102"
    shortdesc = "Service load balancer must name a container port mapping"
    description = "ContainerName/ContainerPort in LoadBalancers must match a container and one of its port mappings"

    def match(self, cfn):
        matches = []
        for title, service in self.services(cfn):
            task = task_definition_of(cfn, service)
            if task is None:
                continue
            containers = {c.get("Name"): c for c in properties(task).get("ContainerDefinitions", []) or []}
            for index, balancer in enumerate(properties(service).get("LoadBalancers", []) or []):
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


class TargetGroupTypeIp(_EcsRule):
    id = "E9103"
    shortdesc = "Target groups of awsvpc tasks must have TargetType ip"
    description = "Tasks in awsvpc mode (all Fargate tasks) register by IP; an instance target group rejects them"

    def match(self, cfn):
        groups = resources_of(cfn, "AWS::ElasticLoadBalancingV2::TargetGroup")
        matches = []
        for title, service in self.services(cfn):
            if not is_awsvpc(task_definition_of(cfn, service)):
                continue
            for balancer in properties(service).get("LoadBalancers", []) or []:
                group = referenced(balancer.get("TargetGroupArn"))
                if group in groups and properties(groups[group]).get("TargetType", "instance") != "ip":
                    matches.append(
                        RuleMatch(
                            ["Resources", group, "Properties"],
                            f"Target group {group} has TargetType "
                            f"{properties(groups[group]).get('TargetType', 'instance (the default)')} but service "
                            f"{title} runs awsvpc tasks: AWS rejects the service. Set TargetType: ip",
                        )
                    )
        return matches


class ServiceRegistryShape(_EcsRule):
    id = "E9104"
    shortdesc = "ServiceRegistries must fit the discovery service"
    description = (
        "An A-record Cloud Map service takes RegistryArn alone; a service may have only one registry entry per "
        "discovery service and ECS allows one service registry"
    )

    def match(self, cfn):
        discovery = resources_of(cfn, "AWS::ServiceDiscovery::Service")
        matches = []
        for title, service in self.services(cfn):
            registries = properties(service).get("ServiceRegistries", []) or []
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
                target = referenced(registry.get("RegistryArn"))
                if target not in discovery:
                    continue
                records = properties(discovery[target]).get("DnsConfig", {}).get("DnsRecords", []) or []
                extra = sorted({"ContainerName", "ContainerPort", "Port"} & set(registry))
                if records and all(r.get("Type") == "A" for r in records) and extra:
                    matches.append(
                        RuleMatch(
                            [*path, index],
                            f"ECS service {title} gives {', '.join(extra)} for {target}, which has only A records: "
                            "AWS fails with 'you do not require a value for containerPort'. Give RegistryArn alone",
                        )
                    )
        return matches


class LaunchTypeWithStrategy(_EcsRule):
    id = "E9105"
    shortdesc = "LaunchType and CapacityProviderStrategy exclude each other"
    description = "ECS rejects a service that sets both a launch type and a capacity provider strategy"

    def match(self, cfn):
        return [
            RuleMatch(
                ["Resources", title, "Properties", "LaunchType"],
                f"ECS service {title} sets LaunchType and CapacityProviderStrategy: AWS rejects it. "
                "Remove LaunchType (the strategy decides where tasks run)",
            )
            for title, service in self.services(cfn)
            if "LaunchType" in properties(service) and properties(service).get("CapacityProviderStrategy")
        ]


class StrategyProviderOnCluster(_EcsRule):
    id = "E9106"
    shortdesc = "Capacity providers in a service strategy must be associated with its cluster"
    description = "ECS rejects a strategy naming a capacity provider the cluster does not have"

    def match(self, cfn):
        clusters = resources_of(cfn, "AWS::ECS::Cluster")
        associated = {
            title: set(properties(body).get("CapacityProviders", []) or []) for title, body in clusters.items()
        }
        for body in resources_of(cfn, "AWS::ECS::ClusterCapacityProviderAssociations").values():
            cluster = referenced(properties(body).get("Cluster"))
            if cluster in associated:
                associated[cluster] |= set(properties(body).get("CapacityProviders", []) or [])
        matches = []
        for title, service in self.services(cfn):
            strategy = properties(service).get("CapacityProviderStrategy", []) or []
            for cluster in {referenced(c) for c in branches(properties(service).get("Cluster"))} & set(associated):
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


class SingleBase(_EcsRule):
    id = "E9107"
    shortdesc = "Only one capacity provider in a strategy may have a Base"
    description = "ECS rejects a capacity provider strategy where more than one provider sets Base"

    def match(self, cfn):
        matches = []
        places = [(t, b, "CapacityProviderStrategy") for t, b in resources_of(cfn, "AWS::ECS::Service").items()]
        places += [(t, b, "DefaultCapacityProviderStrategy") for t, b in resources_of(cfn, "AWS::ECS::Cluster").items()]
        for title, body, key in places:
            with_base = [
                item.get("CapacityProvider") for item in properties(body).get(key, []) or [] if item.get("Base")
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


class GracePeriodNeedsLoadBalancer(_EcsRule):
    id = "E9108"
    shortdesc = "HealthCheckGracePeriodSeconds needs a load balancer"
    description = "ECS rejects a health-check grace period on a service without load balancers"

    def match(self, cfn):
        return [
            RuleMatch(
                ["Resources", title, "Properties", "HealthCheckGracePeriodSeconds"],
                f"ECS service {title} sets HealthCheckGracePeriodSeconds without LoadBalancers: AWS rejects it. "
                "Remove the grace period, or attach the service to a target group",
            )
            for title, service in self.services(cfn)
            if "HealthCheckGracePeriodSeconds" in properties(service) and not properties(service).get("LoadBalancers")
        ]


class DuplicateExportNames(CloudFormationLintRule):
    id = "E9109"
    shortdesc = "Export names must be unique"
    description = "CloudFormation fails the stack when two outputs export the same name"
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/outputs-section-structure.html"
    tags = ["outputs"]

    def match(self, cfn):
        seen: dict[str, str] = {}
        matches = []
        for title, output in (cfn.template.get("Outputs", {}) or {}).items():
            export = (output.get("Export") or {}).get("Name")
            if export is None:
                continue
            key = json.dumps(export, sort_keys=True)
            if key in seen:
                matches.append(
                    RuleMatch(
                        ["Outputs", title, "Export", "Name"],
                        f"Outputs {seen[key]} and {title} export the same name {key}: CloudFormation fails the "
                        "stack. Give each export its own name",
                    )
                )
            seen.setdefault(key, title)
        return matches


_REGION = r"(us|eu|ap|sa|ca|me|af|il|mx|cn)(-gov|-iso[a-z]?)?-[a-z]+-\d"
_PINNED = [
    (re.compile(r"arn:aws(-cn|-us-gov|-iso[a-z-]*)?:"), "partition", "${AWS::Partition}"),
    (re.compile(rf"[:.]{_REGION}[:./]"), "region", "${AWS::Region}"),
    (re.compile(r"(?<![\w.-])\d{12}(?![\w.-])"), "account id", "${AWS::AccountId}"),
    (re.compile(r"amazonaws\.com\.cn"), "URL suffix", "${AWS::URLSuffix}"),
]
# Service principals are the same in every commercial and GovCloud partition.
_PRINCIPAL = re.compile(r"^[a-z0-9.-]+\.amazonaws\.com$")


class HardCodedEnvironment(CloudFormationLintRule):
    id = "E9110"
    shortdesc = "No hard-coded partition, region or account id in resources"
    description = "A template with a fixed partition, region or account works in one place and fails elsewhere"
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html"
    tags = ["portability"]

    def match(self, cfn):
        matches = []

        def walk(node, path):
            if isinstance(node, dict):
                for key, item in node.items():
                    walk(item, [*path, key])
            elif isinstance(node, list):
                for index, item in enumerate(node):
                    walk(item, [*path, index])
            elif isinstance(node, str) and not _PRINCIPAL.match(node):
                for pattern, what, fix in _PINNED:
                    if pattern.search(node):
                        matches.append(
                            RuleMatch(
                                path,
                                f"{node!r} hard-codes the {what}: the stack breaks in another partition, region "
                                f"or account. Use {fix} (Fn::Sub)",
                            )
                        )

        for title, body in cfn.template.get("Resources", {}).items():
            walk(body.get("Properties", {}), ["Resources", title, "Properties"])
        return matches


_IAM_NAMES = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::Group": "GroupName",
}


class FixedIamName(CloudFormationLintRule):
    id = "E9111"
    shortdesc = "IAM roles and policies must not have fixed names"
    description = "IAM is global: a fixed name makes a second stack of the template (another region, a StackSet) fail"
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-template.html"
    tags = ["iam", "stacksets"]

    def match(self, cfn):
        return [
            RuleMatch(
                ["Resources", title, "Properties", key],
                f"{title} has a fixed {key}: IAM names are global, so the same template in a second region or "
                f"account-wide StackSet fails with 'already exists'. Remove {key} and let CloudFormation name it",
            )
            for kind, key in _IAM_NAMES.items()
            for title, body in resources_of(cfn, kind).items()
            if key in properties(body)
        ]


class TemplateSizeForDirectDeploy(CloudFormationLintRule):
    id = "E9112"
    shortdesc = "Template must fit aws cloudformation deploy without S3"
    description = f"A template body over {DIRECT_DEPLOY_LIMIT} bytes must be uploaded to S3 first"
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html"
    tags = ["limits"]

    def match(self, cfn):
        if cfn.filename and os.path.isfile(cfn.filename):
            size = os.path.getsize(cfn.filename)
        else:
            size = len(json.dumps(cfn.template, separators=(",", ":"), default=str).encode())
        if size <= DIRECT_DEPLOY_LIMIT:
            return []
        return [
            RuleMatch(
                [],
                f"The template is {size} bytes, over the {DIRECT_DEPLOY_LIMIT}-byte limit for a template body: "
                "'aws cloudformation deploy' fails without --s3-bucket. Deploy with --s3-bucket "
                "(or 'make package'), or split the template",
            )
        ]


class LogGroupRetained(CloudFormationLintRule):
    id = "E9113"
    shortdesc = "Log groups must survive stack deletion and replacement"
    description = (
        "Without DeletionPolicy Retain (or RetainExceptOnCreate) and UpdateReplacePolicy Retain, deleting the stack "
        "deletes the logs"
    )
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html"
    tags = ["logs", "data"]

    # RetainExceptOnCreate keeps the group on delete like Retain; UpdateReplacePolicy has no such value.
    KEEPING = {"DeletionPolicy": ("Retain", "RetainExceptOnCreate"), "UpdateReplacePolicy": ("Retain",)}

    def match(self, cfn):
        matches = []
        for title, body in resources_of(cfn, "AWS::Logs::LogGroup").items():
            missing = [key for key, kept in self.KEEPING.items() if body.get(key) not in kept]
            if missing:
                matches.append(
                    RuleMatch(
                        ["Resources", title],
                        f"Log group {title} lacks {' and '.join(missing)} that keeps it, so deleting the stack (or a "
                        "change that replaces the group) deletes its logs. Set DeletionPolicy: RetainExceptOnCreate "
                        "and UpdateReplacePolicy: Retain",
                    )
                )
        return matches


class FargateSize(_EcsRule):
    id = "E9114"
    shortdesc = "Fargate CPU/memory must be a valid pair for every allowed parameter value"
    description = (
        "cfn-lint checks literal sizes only; a size split from a parameter or read from a mapping is checked here "
        "for every value the parameter allows"
    )

    def match(self, cfn):
        matches = []
        for title, body in resources_of(cfn, "AWS::ECS::TaskDefinition").items():
            task = properties(body)
            if "FARGATE" not in (task.get("RequiresCompatibilities") or []):
                continue
            for cpu, memory, source in self._pairs(cfn, task.get("Cpu"), task.get("Memory")):
                try:
                    valid = int(memory) in FARGATE_SIZES.get(int(cpu), ())
                except (TypeError, ValueError):
                    valid = False
                if not valid:
                    matches.append(
                        RuleMatch(
                            ["Resources", title, "Properties", "Cpu"],
                            f"Task definition {title} can get CPU {cpu} with memory {memory} ({source}): Fargate "
                            "rejects that pair at deploy time. Offer only valid pairs "
                            "(see templates/parts/fargate.py FARGATE_SIZES)",
                        )
                    )
        return matches

    def _pairs(self, cfn, cpu, memory):
        """Every (cpu, memory) the stack may get, with where it comes from."""
        if not isinstance(cpu, dict) and not isinstance(memory, dict):
            return []  # literal values: cfn-lint's own E3047 covers them
        split = self._split_parameter(cpu), self._split_parameter(memory)
        if all(split) and split[0][0] == split[1][0]:
            (name, separator, cpu_index), (_, _, memory_index) = split
            parameter = cfn.template.get("Parameters", {}).get(name, {})
            values = list(parameter.get("AllowedValues", [])) + (
                [parameter["Default"]] if "Default" in parameter else []
            )
            pairs = []
            for text in values:
                parts = str(text).split(separator)
                if len(parts) > max(cpu_index, memory_index):
                    pairs.append((parts[cpu_index], parts[memory_index], f"parameter {name} = {text}"))
                else:
                    pairs.append((text, text, f"parameter {name} = {text}"))
            return pairs
        mapped = self._mapping(cpu), self._mapping(memory)
        if all(mapped) and mapped[0][0] == mapped[1][0]:
            (mapping, cpu_key), (_, memory_key) = mapped
            rows = cfn.template.get("Mappings", {}).get(mapping, {})
            return [(row.get(cpu_key), row.get(memory_key), f"mapping {mapping}.{key}") for key, row in rows.items()]
        return []

    @staticmethod
    def _split_parameter(node):
        try:
            index, (separator, target) = node["Fn::Select"][0], node["Fn::Select"][1]["Fn::Split"]
            return target["Ref"], separator, int(index)
        except (KeyError, TypeError, ValueError, IndexError):
            return None

    @staticmethod
    def _mapping(node):
        try:
            mapping, _, key = node["Fn::FindInMap"]
            return mapping, key
        except (KeyError, TypeError, ValueError):
            return None
