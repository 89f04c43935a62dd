"""A template and a parameter file as a CloudFormation hook is shown them: resource by resource,
every condition applied, every intrinsic function of a parameter evaluated, values typed.

CloudFormation hands a resource its properties in the types of the resource's schema (a
``Memory`` split from a parameter is an integer by then); the schemas are cfn-lint's copies.
References to other resources of the stack (``Ref LogGroup``, ``Fn::GetAtt Role.Arn``) stay as
written: their values exist only once the stack does.
"""

import json
from pathlib import Path

from ops.shared import params as parameter_files
from templates.evaluate import Evaluator

# Pseudo parameters as one account and region would give them.
PSEUDO = {
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::StackName": "stack",
    "AWS::URLSuffix": "amazonaws.com",
}
SCHEMA_REGION = "us-east-1"


def parameter_values(path: Path | None) -> dict[str, str]:
    """The file's values (none for the template's defaults)."""
    return parameter_files.read(None if path is None else str(path))


def stack_resources(document: dict, given: dict[str, str]) -> dict:
    """``{"Resources": ...}`` as a stack with ``given`` parameter values gets them."""
    evaluator = Evaluator(document, {**PSEUDO, **given}, strict=False, as_deployed=True)
    resources = evaluator.resources()
    for body in resources.values():
        if "Properties" in body:
            body["Properties"] = typed(body["Type"], body["Properties"])
    return {"Resources": resources}


def typed(resource_type: str, properties: dict) -> dict:
    schema = _schema(resource_type)
    return _coerce(properties, schema, schema) if schema else properties


def _schema(resource_type: str) -> dict | None:
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER  # only the checks need cfn-lint

    try:
        return PROVIDER_SCHEMA_MANAGER.get_resource_schema(SCHEMA_REGION, resource_type).schema
    except Exception:  # a type cfn-lint does not know: leave its values as they are
        return None


def _coerce(value, schema: dict, root: dict):
    while "$ref" in schema:
        schema = _follow(root, schema["$ref"])
    kind = schema.get("type")
    kinds = set(kind) if isinstance(kind, list) else {kind}
    if isinstance(value, dict) and not _is_function(value):
        properties = schema.get("properties", {})
        return {key: _coerce(item, properties.get(key, {}), root) for key, item in value.items()}
    if isinstance(value, list):
        items = schema.get("items", {})
        return [_coerce(item, items, root) for item in value]
    if isinstance(value, str) and value:
        if kinds & {"integer"} and not kinds & {"string"} and _is_integer(value):
            return int(value)
        if kinds & {"number"} and not kinds & {"string"} and _is_number(value):
            return float(value)
        if kinds & {"boolean"} and not kinds & {"string"} and value in ("true", "false"):
            return value == "true"
    return value


def _follow(root: dict, reference: str) -> dict:
    node = root
    for part in reference.lstrip("#/").split("/"):
        node = node[part]
    return node


def _is_function(value: dict) -> bool:
    return (len(value) == 1 and next(iter(value)) in ("Ref", "Condition")) or next(iter(value), "").startswith("Fn::")


def _is_integer(text: str) -> bool:
    return text.lstrip("-").isascii() and text.lstrip("-").isdigit()


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def dump(document: dict) -> str:
    return json.dumps(document, indent=2, sort_keys=True)
