"""Render a template's task definition as input for ``aws ecs register-task-definition``.

The JSON is made from the very resource the template deploys: intrinsic functions
are evaluated against parameter defaults and a few named placeholders, and
CloudFormation's property names become the ECS API's camelCase ones. So the
stand-alone task definition cannot drift from the template.
"""

import json
import re

from troposphere import Template

from ..errors import ConfigError

# Maps keep their keys as written (log driver options, docker labels).
_VERBATIM_MAPS = {"Options", "DockerLabels"}
_SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")


def register_input(template: Template, resource_title: str, placeholders: dict[str, object]) -> str:
    """JSON for ``--cli-input-json``.

    ``placeholders`` gives values for pseudo parameters (``AWS::Region``), resources
    (``LogGroup``) and attributes (``ExecutionRole.Arn``); a value of ``None`` drops
    the property that refers to it. Parameters not named there take their defaults.
    """
    document = template.to_dict()
    values = {
        name: parameter["Default"]
        for name, parameter in document.get("Parameters", {}).items()
        if "Default" in parameter
    }
    values.update(placeholders)
    properties = document["Resources"][resource_title]["Properties"]
    properties = {key: item for key, item in properties.items() if key != "Tags"}
    resolved = _resolve(properties, values)
    return json.dumps(_camel(resolved), indent=2) + "\n"


class _Drop(Exception):
    pass


def _resolve(node, values):
    if isinstance(node, list):
        return [item for item in (_resolve_or_drop(item, values) for item in node) if item is not _DROPPED]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        ((function, argument),) = node.items()
        if function == "Ref":
            return _lookup(argument, values)
        if function == "Fn::GetAtt":
            return _lookup(".".join(argument), values)
        if function == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else argument
            local = {**values, **{k: _resolve(v, values) for k, v in variables.items()}}
            return _SUB_VARIABLE.sub(lambda m: str(_lookup(m.group(1), local)), text)
        if function == "Fn::Select":
            index, items = argument
            return _resolve(items, values)[int(index)]
        if function == "Fn::Split":
            separator, text = argument
            return str(_resolve(text, values)).split(separator)
        if function == "Fn::Join":
            separator, items = argument
            return separator.join(str(item) for item in _resolve(items, values))
        if function.startswith("Fn::"):
            raise ConfigError(f"{function} cannot be rendered for the ECS API: use a plain value")
    resolved = {}
    for key, item in node.items():
        item = _resolve_or_drop(item, values)
        if item is not _DROPPED:
            resolved[key] = item
    return resolved


_DROPPED = object()


def _resolve_or_drop(node, values):
    try:
        return _resolve(node, values)
    except _Drop:
        return _DROPPED


def _lookup(name: str, values: dict):
    if name not in values:
        raise ConfigError(f"no placeholder for {name} in the task definition JSON: add one")
    if values[name] is None:
        raise _Drop
    return values[name]


def _camel(node, verbatim: bool = False):
    if isinstance(node, list):
        return [_camel(item) for item in node]
    if not isinstance(node, dict):
        return node
    if verbatim:
        return dict(node)
    return {key[0].lower() + key[1:]: _camel(item, key in _VERBATIM_MAPS) for key, item in node.items()}
