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
    return json.dumps(_camel(resolved), indent=2) + "\n"


def _camel(node, verbatim: bool = False):
    if isinstance(node, list):
        return [_camel(item) for item in node]
    if not isinstance(node, dict):
        return node
    if verbatim:
        return dict(node)
    return {key[0].lower() + key[1:]: _camel(item, key in _VERBATIM_MAPS) for key, item in node.items()}
