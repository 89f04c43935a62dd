"""Template text: YAML and compact JSON from one dict.

troposphere's own to_yaml() goes dict -> JSON -> ordered dict -> YAML through
PyYAML's pure-Python emitter, which was most of the build time. This builds the
YAML node tree straight from the dict, in cfn-flip's short form (function tags
!Ref, !Sub, ...; its quoting rules), and lets libyaml's C emitter write it when
PyYAML has it. Lists are not indented under their key and fewer scalars are
quoted than with cfn-flip; a test checks that both load to the same template.
"""

import json

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

_DUMPER = getattr(yaml, "CDumper", yaml.Dumper)
_TAG = "tag:yaml.org,2002:"
_SHORT_FORM = ("Ref", "Condition")  # written as !Ref, !Condition; "Fn::X" as !X
# cfn-flip's layout choices, so the text reads as cfn-flip's does.
_WIDTH = 200
_MAX_LINES_QUOTED = 10


def _string(value: str, tag: str = _TAG + "str") -> ScalarNode:
    style = None
    if sum(value.count(end) for end in "\n\r") >= _MAX_LINES_QUOTED:
        style = "|"
    elif len(value) >= _WIDTH and "\n" not in value:
        style = ">"
    elif value.startswith("0"):  # keeps account ids and the like strings
        style = "'"
    return ScalarNode(tag, value, style=style)


def _function(name: str, argument):
    tag = f"!{name}"
    if name == "GetAtt" and isinstance(argument, list):
        return ScalarNode(tag, ".".join(argument))
    if isinstance(argument, (list, dict)):
        return _node(argument, tag)
    return ScalarNode(tag, argument) if isinstance(argument, str) else _node(argument)


def _node(value, tag: str | None = None):
    if isinstance(value, dict):
        if len(value) == 1:
            ((key, item),) = value.items()
            if key in _SHORT_FORM:
                return _function(key, item)
            if key.startswith("Fn::"):
                return _function(key[4:], item)
        pairs = [(_string(key), _node(item)) for key, item in sorted(value.items())]
        return MappingNode(tag or _TAG + "map", pairs, flow_style=False)
    if isinstance(value, list):
        return SequenceNode(tag or _TAG + "seq", [_node(item) for item in value], flow_style=False)
    if isinstance(value, bool):
        return ScalarNode(_TAG + "bool", "true" if value else "false")
    if isinstance(value, int):
        return ScalarNode(_TAG + "int", str(value))
    if isinstance(value, float):
        return ScalarNode(_TAG + "float", repr(value))
    if value is None:
        return ScalarNode(_TAG + "null", "null")
    return _string(value)


def to_json(document: dict) -> str:
    """Compact JSON with sorted keys (fits the direct-deploy limit best)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n"


def to_yaml(document: dict) -> str:
    """Short-form CloudFormation YAML, keys sorted as troposphere sorts them."""
    return yaml.serialize(_node(document), Dumper=_DUMPER, allow_unicode=True, width=_WIDTH)
