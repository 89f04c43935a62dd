"""What the rules in this folder share: reading a template, and the facts file.

cfn-lint imports every ``[A-Za-z1-9]*.py`` file under the folder it is given, each on
its own and outside any package, so this module (its name starts with an underscore)
is never taken for a rule: each rule file loads it by path in its first lines. It
imports only the standard library, so the rules work in any cfn-lint installation.
"""

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The facts the rules share, generated from templates/facts.py (python -m templates.lint_facts).
FACTS = json.loads((HERE / "facts.json").read_text())
ECS_GUIDE = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/"
ECS_API = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/"


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


def services(cfn) -> dict:
    return resources_of(cfn, "AWS::ECS::Service")


def task_definition_of(cfn, service: dict) -> dict | None:
    title = referenced(properties(service).get("TaskDefinition"))
    return cfn.template["Resources"].get(title) if title else None


def is_awsvpc(task: dict | None) -> bool:
    return task is not None and properties(task).get("NetworkMode") == "awsvpc"


# A service's target groups: ``TargetGroupArn`` of each load balancer and, for a blue/green,
# linear or canary service, the ``AlternateTargetGroupArn`` of its ``AdvancedConfiguration``.
# ECS registers tasks in either, so a rule about the first applies to the second too.
# https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_AdvancedConfiguration.html
def advanced_configurations(balancer: dict) -> list[dict]:
    """The ``AdvancedConfiguration`` a load balancer entry may take (each branch of an ``Fn::If``)."""
    return [node for node in branches(balancer.get("AdvancedConfiguration")) if isinstance(node, dict)]


def target_groups_of(balancer: dict) -> list[tuple[str, object]]:
    """(property name, value) of each target group a service's load balancer entry names."""
    found = [("TargetGroupArn", balancer.get("TargetGroupArn"))]
    found += [("AlternateTargetGroupArn", c.get("AlternateTargetGroupArn")) for c in advanced_configurations(balancer)]
    return [(key, value) for key, value in found if value is not None]
