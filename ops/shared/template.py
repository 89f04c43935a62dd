"""A built template (output/<name>.json) and the values of its intrinsic functions.

Only what preflight needs is evaluated: Ref to parameters and pseudo parameters,
Fn::FindInMap, Fn::Select, Fn::Split, Fn::Join, Fn::Sub, Fn::If and conditions.
Anything that depends on a resource (Fn::GetAtt, Ref to a resource) is Unknown.
"""

import json
from pathlib import Path

from templates import facts

from .errors import BadInput

OUTPUT = Path(__file__).resolve().parent.parent.parent / "output"


class Unknown(Exception):
    """The value depends on something only the deployed stack knows."""


def names() -> list[str]:
    return sorted(p.stem for p in OUTPUT.glob("*.json") if not p.name.endswith(".task-definition.json"))


def load(name: str) -> dict:
    path = OUTPUT / f"{name}.json"
    if name not in names():
        raise BadInput(f"unknown template {name!r}: use one of {', '.join(names())} (make template builds them)")
    return json.loads(path.read_text())


class Values:
    """Parameter values (given or default) and the intrinsics of one template."""

    def __init__(
        self, template: dict, values: dict[str, str], region: str = "us-east-1", account: str = "", stack: str = "STACK"
    ):
        self.template = template
        self.parameters = template.get("Parameters", {})
        self.values = values
        self.pseudo = {
            "AWS::Region": region,
            "AWS::Partition": facts.partition(region),
            "AWS::AccountId": account or "123456789012",
            "AWS::StackName": stack,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": None,
        }

    def parameter(self, name: str):
        """A parameter's value as CloudFormation passes it: List<...> types as lists."""
        if name not in self.values:
            raise Unknown(name)
        value = self.values[name]
        kind = self.parameters.get(name, {}).get("Type", "String")
        if kind.startswith("List<") or kind == "CommaDelimitedList":
            return [item.strip() for item in value.split(",")] if value else []
        return value

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.template.get("Conditions", {})[name]))

    def resolve(self, node):
        if isinstance(node, list):
            return [self.resolve(item) for item in node]
        if not isinstance(node, dict):
            return node
        if len(node) != 1:
            return {key: self.resolve(value) for key, value in node.items()}
        ((function, argument),) = node.items()
        handler = getattr(self, "_" + function.replace("::", "_").replace("Fn_", "fn_"), None)
        if handler is None:
            if function.startswith("Fn::") or function == "Ref" or function == "Condition":
                raise Unknown(function)
            return {function: self.resolve(argument)}
        return handler(argument)

    def _Ref(self, name):
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameter(name)
        raise Unknown(f"Ref {name}")

    def _Condition(self, name):
        return self.condition(name)

    def _fn_FindInMap(self, argument):
        mapping, first, second = (self.resolve(a) for a in argument)
        return self.template["Mappings"][mapping][first][second]

    def _fn_Select(self, argument):
        index, items = self.resolve(argument[0]), self.resolve(argument[1])
        return items[int(index)]

    def _fn_Split(self, argument):
        return str(self.resolve(argument[1])).split(self.resolve(argument[0]))

    def _fn_Join(self, argument):
        return self.resolve(argument[0]).join(str(item) for item in self.resolve(argument[1]))

    def _fn_If(self, argument):
        name, when_true, when_false = argument
        return self.resolve(when_true if self.condition(name) else when_false)

    def _fn_Equals(self, argument):
        left, right = (self.resolve(a) for a in argument)
        return str(left) == str(right) if not isinstance(left, list) else left == right

    def _fn_Not(self, argument):
        return not self.resolve(argument[0])

    def _fn_And(self, argument):
        return all(self.resolve(a) for a in argument)

    def _fn_Or(self, argument):
        return any(self.resolve(a) for a in argument)

    def _fn_Sub(self, argument):
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        local = {key: self.resolve(value) for key, value in variables.items()}
        out, rest = [], text
        while "${" in rest:
            before, _, after = rest.partition("${")
            name, _, rest = after.partition("}")
            out.append(before)
            if name.startswith("!"):
                out.append("${" + name[1:] + "}")
            elif name in local:
                out.append(str(local[name]))
            else:
                value = self._Ref(name) if "." not in name else self._fn_GetAtt(name)
                out.append(",".join(value) if isinstance(value, list) else str(value))
        return "".join(out) + rest

    def _fn_GetAtt(self, argument):
        raise Unknown(f"Fn::GetAtt {argument}")

    def get(self, node, default=None):
        """``resolve`` that answers ``default`` where the stack would have to exist first."""
        try:
            return self.resolve(node)
        except (Unknown, KeyError, IndexError, ValueError):
            return default
