"""Evaluate a template's intrinsic functions for given parameter values.

CloudFormation does this at deploy time; doing it here lets the build render the
stand-alone task definition, and lets tests check what a stack will really get
for each environment or optional input, instead of only what the text says.
"""

import re

from .errors import ConfigError

_SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")


class Drop(Exception):
    """Raised for a name whose value is ``None``: the property using it is left out."""


DROPPED = object()


class Evaluator:
    """Resolves ``Ref``, ``Fn::GetAtt``, ``Fn::Sub``, ``Fn::Select``, ``Fn::Split``,
    ``Fn::Join``, ``Fn::FindInMap``, ``Fn::If`` and the condition functions.

    ``values`` maps parameter names, pseudo parameters, resource names and
    ``Resource.Attribute`` to values. With ``strict``, a name not in ``values`` is
    an error; without, the function that names it is kept as written. With
    ``as_deployed``, a Number parameter's default is text, as ``Ref`` gives it.
    """

    def __init__(self, document: dict, values: dict, *, strict: bool = True, as_deployed: bool = False):
        self.document = document
        self.values = {
            **{
                name: _as_referenced(parameter) if as_deployed else parameter["Default"]
                for name, parameter in document.get("Parameters", {}).items()
                if "Default" in parameter
            },
            **values,
        }
        self.strict = strict

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.document["Conditions"][name]))

    def resources(self) -> dict:
        """The resources the stack would create, with their properties resolved."""
        kept = {}
        for title, body in self.document["Resources"].items():
            if "Condition" in body and not self.condition(body["Condition"]):
                continue
            kept[title] = self.resolve(body)
        return kept

    def resolve(self, node):
        if isinstance(node, list):
            return [item for item in (self._resolve_or_drop(item) for item in node) if item is not DROPPED]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((function, argument),) = node.items()
            if function == "Ref" or function.startswith("Fn::") or function == "Condition":
                return self._function(node, function, argument)
        resolved = {}
        for key, item in node.items():
            item = self._resolve_or_drop(item)
            if item is not DROPPED:
                resolved[key] = item
        return resolved

    def _resolve_or_drop(self, node):
        try:
            return self.resolve(node)
        except Drop:
            return DROPPED

    def _function(self, node, function, argument):
        if function == "Ref":
            if argument == "AWS::NoValue":
                raise Drop
            return self._lookup(argument, node)
        if function == "Fn::GetAtt":
            return self._lookup(".".join(argument), node)
        if function == "Condition":
            return self.condition(argument)
        if function == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else argument
            local = {name: self.resolve(expression) for name, expression in variables.items()}

            def substitute(match):
                name = match.group(1)
                found = local[name] if name in local else self._lookup(name, node)
                if isinstance(found, dict):  # an unknown name kept as written
                    raise _Unresolved
                return str(found)

            try:
                return _SUB_VARIABLE.sub(substitute, text)
            except _Unresolved:
                return node
        if function == "Fn::If":
            # Only the chosen branch is evaluated: the other may be AWS::NoValue.
            name, when_true, when_false = argument
            return self.resolve(when_true if self.condition(name) else when_false)
        arguments = self.resolve(argument)
        if _unresolved(arguments):
            return {function: arguments}
        if function == "Fn::Select":
            index, items = arguments
            return items[int(index)]
        if function == "Fn::Split":
            separator, text = arguments
            return str(text).split(separator)
        if function == "Fn::Join":
            separator, items = arguments
            return separator.join(str(item) for item in items)
        if function == "Fn::FindInMap":
            mapping, key, attribute = arguments
            return self.document["Mappings"][mapping][key][attribute]
        if function == "Fn::Equals":
            return arguments[0] == arguments[1]
        if function == "Fn::Not":
            return not arguments[0]
        if function == "Fn::And":
            return all(arguments)
        if function == "Fn::Or":
            return any(arguments)
        if function == "Fn::GetAZs" and not self.strict:
            # The zones are the account's: only CloudFormation knows them. Kept as written.
            return {function: arguments}
        raise ConfigError(f"{function} cannot be evaluated here: use a plain value")

    def _lookup(self, name: str, node):
        if name not in self.values:
            if self.strict:
                raise ConfigError(f"no value for {name}: give one")
            return node
        if self.values[name] is None:
            raise Drop
        return self.values[name]


class _Unresolved(Exception):
    pass


def _unresolved(node) -> bool:
    """True when an argument still holds a function that could not be evaluated."""
    if isinstance(node, dict):
        return True
    if isinstance(node, list):
        return any(_unresolved(item) for item in node)
    return False


def _as_referenced(parameter: dict):
    """A parameter's default as ``Ref`` returns it: a Number parameter's value becomes a string.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html
    """
    default = parameter["Default"]
    return str(default) if parameter.get("Type") == "Number" else default
