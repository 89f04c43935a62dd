"""Render a template's task definition as input for ``aws ecs register-task-definition``.

The JSON is made from the very resource the template deploys: intrinsic functions
are evaluated against parameter defaults and a few named placeholders, and
CloudFormation's property names become the ECS API's camelCase ones. So the
stand-alone task definition cannot drift from the template.
"""

import json

from ..evaluate import Evaluator

# Maps keep their keys as written (log driver options, docker labels).
_VERBATIM_MAPS = {"Options", "DockerLabels"}
# Container properties the ECS API takes as integers; a template may give them as text (a value split
# from a parameter), which CloudFormation converts and the API does not.
# https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html
_CONTAINER_INTEGERS = ("Memory", "MemoryReservation", "Cpu")


def register_input(document: dict, resource_title: str, placeholders: dict[str, object]) -> str:
    """JSON for ``--cli-input-json``.

    ``placeholders`` gives values for pseudo parameters (``AWS::Region``), resources
    (``LogGroup``) and attributes (``ExecutionRole.Arn``); a value of ``None`` drops
    the property that refers to it. Parameters not named there take their defaults.
    """
    properties = document["Resources"][resource_title]["Properties"]
    properties = {key: item for key, item in properties.items() if key != "Tags"}
    # As CloudFormation passes them: a Number parameter's value is text, which the ECS API
    # requires of environment values.
    resolved = Evaluator(document, placeholders, as_deployed=True).resolve(properties)
    for container in resolved.get("ContainerDefinitions", []):
        for key in _CONTAINER_INTEGERS:
            if isinstance(container.get(key), str):
                container[key] = int(container[key])
    return json.dumps(_camel(resolved), indent=2) + "\n"


def _camel(node, verbatim: bool = False):
    if isinstance(node, list):
        return [_camel(item) for item in node]
    if not isinstance(node, dict):
        return node
    if verbatim:
        return dict(node)
    return {key[0].lower() + key[1:]: _camel(item, key in _VERBATIM_MAPS) for key, item in node.items()}
