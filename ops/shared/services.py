"""What each ECS service of a template will need from the account, read from the template.

Subnets, public IP, images, secrets, task vCPU and the most tasks it can run: the
checks size and route against these, not against a hard-coded list per template.
"""

import json
from dataclasses import dataclass, field

from .capacity import ALL_ON_FARGATE, Strategy
from .template import Values


@dataclass
class Service:
    name: str
    subnets_parameter: str | None
    subnets: list[str]
    assign_public_ip: str
    images: list[str]
    vcpu: float
    max_tasks: int
    # (provider, base, weight) of its capacity provider strategy; with LaunchType FARGATE, all on FARGATE.
    capacity: Strategy = ALL_ON_FARGATE
    ssm_parameters: list[str] = field(default_factory=list)
    # DeploymentConfiguration.MaximumPercent: a rolling deployment may run this share of the
    # desired count at once, new tasks beside old ones. ECS's default is 200.
    max_percent: int = 200
    execute_command: bool = False
    # The tasks' security groups: IDs given as parameters, and logical IDs of groups the stack creates.
    security_groups: list[str] = field(default_factory=list)
    created_groups: list[str] = field(default_factory=list)
    logs_to_cloudwatch: bool = False
    reads_secrets_manager: bool = False

    @property
    def peak_tasks(self) -> int:
        """The most tasks a release runs at once: the maximum count times MaximumPercent / 100,
        rounded down as ECS rounds it (never fewer than the count itself).
        https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html"""
        return max(self.max_tasks, self.max_tasks * self.max_percent // 100)


def _ref_name(node) -> str | None:
    return node.get("Ref") if isinstance(node, dict) else None


def _mentions(node, logical_id: str) -> bool:
    text = json.dumps(node)
    return f'"Ref": "{logical_id}"' in text or f'["{logical_id}", ' in text


def _max_tasks(values: Values, logical_id: str, properties: dict) -> int:
    for body in values.template["Resources"].values():
        if body["Type"] == "AWS::ApplicationAutoScaling::ScalableTarget" and _mentions(
            body["Properties"].get("ResourceId"), logical_id
        ):
            return int(values.get(body["Properties"]["MaxCapacity"], 1))
    return int(values.get(properties.get("DesiredCount", 1), 1))


def _groups(values: Values, nodes) -> tuple[list[str], list[str]]:
    """(IDs of existing groups, logical IDs of groups the template creates) of a SecurityGroups list."""
    given, created = [], []
    for node in nodes if isinstance(nodes, list) else []:
        value = values.get(node)
        if isinstance(value, str) and value:
            given.append(value)
        elif isinstance(node, dict) and "Fn::GetAtt" in node:
            created.append(node["Fn::GetAtt"][0])
    return given, created


def ssm_parameter_name(arn: str) -> str | None:
    """arn:aws:ssm:region:account:parameter/a/b -> /a/b (Secrets Manager ARNs are not SSM)."""
    if ":ssm:" not in arn or ":parameter" not in arn:
        return None
    name = arn.split(":parameter", 1)[1]
    return name if name.startswith("/") else "/" + name


def services(values: Values) -> list[Service]:
    resources = values.template["Resources"]
    found = []
    for logical_id, body in resources.items():
        if body["Type"] != "AWS::ECS::Service":
            continue
        properties = body["Properties"]
        network = properties.get("NetworkConfiguration", {}).get("AwsvpcConfiguration", {})
        task = resources[_ref_name(properties["TaskDefinition"])]["Properties"]
        containers = task.get("ContainerDefinitions", [])
        strategy = properties.get("CapacityProviderStrategy")
        capacity = (
            tuple(
                (
                    entry["CapacityProvider"],
                    int(values.get(entry.get("Base", 0), 0)),
                    int(values.get(entry.get("Weight", 0), 0)),
                )
                for entry in strategy
            )
            if strategy
            else ALL_ON_FARGATE
        )
        secrets = [values.get(s["ValueFrom"], "") for c in containers for s in c.get("Secrets", [])]
        rollout = properties.get("DeploymentConfiguration", {})
        given_groups, created_groups = _groups(values, network.get("SecurityGroups"))
        found.append(
            Service(
                name=logical_id,
                subnets_parameter=_ref_name(network.get("Subnets")),
                subnets=list(values.get(network.get("Subnets"), []) or []),
                assign_public_ip=str(values.get(network.get("AssignPublicIp", "DISABLED"), "DISABLED")),
                images=[str(values.get(c["Image"], "")) for c in containers],
                vcpu=int(values.get(task.get("Cpu"), 1024)) / 1024,
                max_tasks=_max_tasks(values, logical_id, properties),
                capacity=capacity,
                ssm_parameters=[n for n in map(ssm_parameter_name, secrets) if n],
                max_percent=int(values.get(rollout.get("MaximumPercent", 200), 200)),
                execute_command=str(values.get(properties.get("EnableExecuteCommand", False), False)).lower() == "true",
                security_groups=given_groups,
                created_groups=created_groups,
                logs_to_cloudwatch=any(c.get("LogConfiguration", {}).get("LogDriver") == "awslogs" for c in containers),
                reads_secrets_manager=any(":secretsmanager:" in str(arn) for arn in secrets),
            )
        )
    return found
