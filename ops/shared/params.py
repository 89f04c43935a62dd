"""Offline: a parameter file against the template's Parameters section.

Two file formats: the awscli `--parameter-overrides` list (["Key=Value", ...], what
params/*.json hold) and CloudFormation's [{"ParameterKey": ..., "ParameterValue": ...}].
"""

import difflib
import json
import re
from itertools import combinations
from pathlib import Path

from templates import facts

from . import invocation
from .errors import BadInput
from .report import Result, failed, passed

# The shapes the console and CloudFormation check for AWS-specific parameter types.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-supplied-parameter-types.html
ID_SHAPES = {
    "AWS::EC2::VPC::Id": r"vpc-[0-9a-f]{8}([0-9a-f]{9})?",
    "AWS::EC2::Subnet::Id": r"subnet-[0-9a-f]{8}([0-9a-f]{9})?",
    "AWS::EC2::SecurityGroup::Id": r"sg-[0-9a-f]{8}([0-9a-f]{9})?",
    "AWS::EC2::AvailabilityZone::Name": facts.REGION_PART + "[a-z]",
    "AWS::EC2::Image::Id": r"ami-[0-9a-f]{8}([0-9a-f]{9})?",
}
GUIDE = "docs/deploying.md#parameter-files"
DIRECTORY = Path(__file__).resolve().parent.parent.parent / "params"
# A user's own files (make params-from-stack writes them; git ignores them).
LOCAL = ".local.json"
# Starts a value make params-from-stack leaves for the user ("<fill in: image tag>"): "<"
# matches the pattern of no parameter it leaves (image URIs, PathPattern), so such a file
# cannot be deployed by mistake.
MARKER = "<fill in:"
PLATFORM_INPUTS = "docs/platform.md#inputs-it-expects-from-the-other-stacks"


def committed(template: str | None = None) -> list[Path]:
    """The project's parameter files, params/<template>.<env>.json. A user's params/*.local.json
    are input to the day-2 commands only: never to the build, the docs, the controls or the tests."""
    return sorted(
        path
        for path in DIRECTORY.glob("*.json")
        if not path.name.endswith(LOCAL) and template in (None, path.name.split(".")[0])
    )


def read(path: str | None) -> dict[str, str]:
    """The file's Key -> Value pairs; None (no file) is no values."""
    if path is None:
        return {}
    file = Path(path)
    if not file.is_file():
        raise BadInput(f"parameter file {path} does not exist: see params/ for examples")
    try:
        entries = json.loads(file.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BadInput(f'parameter file {path} is not JSON ({error}): expected a list of "Key=Value"') from None
    if isinstance(entries, dict) and isinstance(entries.get("Parameters"), dict):
        return {str(k): str(v) for k, v in entries["Parameters"].items()}
    if isinstance(entries, list) and all(isinstance(e, str) and "=" in e for e in entries):
        return dict(entry.split("=", 1) for entry in entries)
    if isinstance(entries, list) and all(isinstance(e, dict) and "ParameterKey" in e for e in entries):
        return {e["ParameterKey"]: str(e.get("ParameterValue", "")) for e in entries}
    raise BadInput(
        f'parameter file {path} has an unknown shape: use a JSON list of "Key=Value" strings '
        'or of {"ParameterKey": ..., "ParameterValue": ...}'
    )


def effective(parameters: dict, given: dict[str, str]) -> dict[str, str]:
    """Given values over defaults, as CloudFormation would pass them."""
    values = {key: _text(body["Default"]) for key, body in parameters.items() if "Default" in body}
    values.update({key: value for key, value in given.items() if key in parameters})
    return values


def _text(value) -> str:
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


# An example of each AWS-specific ID, for a fix that shows the shape the value needs.
ID_EXAMPLES = {
    "AWS::EC2::VPC::Id": "vpc-0123456789abcdef0",
    "AWS::EC2::Subnet::Id": "subnet-0123456789abcdef0",
    "AWS::EC2::SecurityGroup::Id": "sg-0123456789abcdef0",
    "AWS::EC2::AvailabilityZone::Name": "us-east-1a",
    "AWS::EC2::Image::Id": "ami-0123456789abcdef0",
}


def value_problems(key: str, body: dict, value: str) -> list[tuple[str, str]]:
    """What CloudFormation would reject about one value (before any resource is touched),
    each as (what is wrong, what to do)."""
    kind = body.get("Type", "String")
    # What the value must be, in the template's words when it has them, else its pattern.
    shape = body.get("ConstraintDescription") or f"must match the pattern {body.get('AllowedPattern')}"
    problems = []
    if "AllowedValues" in body and value not in [_text(v) for v in body["AllowedValues"]]:
        allowed = ", ".join(_text(v) for v in body["AllowedValues"])
        problems.append((f"{value!r} is not one of {allowed}", f"set {key} to one of {allowed}"))
    # CloudFormation matches the whole value, as if the pattern were anchored.
    if "AllowedPattern" in body and not re.fullmatch(body["AllowedPattern"], value):
        problems.append((f"{value!r} is refused: {key} {shape}", f"change {key}: it {shape}"))
    if "MinLength" in body and len(value) < int(body["MinLength"]):
        problems.append((f"shorter than {body['MinLength']} characters", f"lengthen {key}: it {shape}"))
    if "MaxLength" in body and len(value) > int(body["MaxLength"]):
        problems.append((f"longer than {body['MaxLength']} characters", f"shorten {key}: it {shape}"))
    items = value.split(",") if kind.startswith("List<") or kind == "CommaDelimitedList" else [value]
    item_kind = kind[5:-1] if kind.startswith("List<") else kind
    between = f"set {key} to a number from {body.get('MinValue', '-inf')} to {body.get('MaxValue', 'inf')}"
    for item in items:
        if item_kind == "Number":
            number = _number(item)
            if number is None:
                problems.append((f"{item!r} is not a number", between))
                continue
            if "MinValue" in body and number < float(body["MinValue"]):
                problems.append((f"{item} is below the minimum {body['MinValue']}", between))
            if "MaxValue" in body and number > float(body["MaxValue"]):
                problems.append((f"{item} is above the maximum {body['MaxValue']}", between))
        elif item_kind in ID_SHAPES and not re.fullmatch(ID_SHAPES[item_kind], item.strip()):
            example = ID_EXAMPLES[item_kind]
            problems.append(
                (f"{item!r} is not a {item_kind}", f"set {key} to IDs such as {example} (one per item of a list)")
            )
    return problems


def combination_problems(parameters: dict, values: dict[str, str]) -> list[Result]:
    """What a value-by-value check cannot see."""
    results = []
    if "MinTasks" in values and "MaxTasks" in values:
        low, high = _number(values["MinTasks"]), _number(values["MaxTasks"])
        if low is not None and high is not None and low > high:
            detail = f"MinTasks {values['MinTasks']} > MaxTasks {values['MaxTasks']}"
            results.append(failed("params:MinTasks", detail, "set MinTasks at or below MaxTasks"))
    subnet_lists = [k for k, b in parameters.items() if b.get("Type") == "List<AWS::EC2::Subnet::Id>" and k in values]
    for key in subnet_lists:
        items = [s.strip() for s in values[key].split(",") if s.strip()]
        if len(set(items)) != len(items):
            results.append(failed(f"params:{key}", f"{key} names a subnet twice", f"list each subnet once in {key}"))
    # The platform keeps its two tiers in separate subnets (docs/platform.md, inputs).
    for first, second in combinations(subnet_lists, 2):
        if set(values[first].split(",")) == set(values[second].split(",")):
            fix = f"set {second} to the subnets of its own tier ({PLATFORM_INPUTS})"
            results.append(failed(f"params:{second}", f"{first} and {second} are the same subnets", fix))
    return results


def check(template: dict, given: dict[str, str]) -> list[Result]:
    parameters = template.get("Parameters", {})
    results = []
    for key in given:
        if key not in parameters:
            close = difflib.get_close_matches(key, parameters, n=1)
            if close:  # the key and its likely intended name on the one line a reader sees first
                detail, fix = f"unknown parameter {key}: did you mean {close[0]}?", f"rename {key} to {close[0]}"
            else:
                detail, fix = f"unknown parameter {key}", "remove it: the template does not take it"
            results.append(failed(f"params:{key}", detail, fix))
    for key, body in parameters.items():
        if "Default" not in body and key not in given:
            results.append(
                failed(
                    f"params:{key}",
                    f"{key} is required and not in the file",
                    f'add "{key}=<value>" to the file ({GUIDE}; docs/reference/ describes each parameter)',
                )
            )
    for key, value in given.items():
        if key in parameters and MARKER in value:
            # One line, and no pattern to read: the value was never meant to pass.
            results.append(failed(f"params:{key}", f"{key} is still to be filled in: {value}", ""))
        elif key in parameters:
            for detail, fix in value_problems(key, parameters[key], value):
                results.append(failed(f"params:{key}", detail, fix))
    if not results:
        results += combination_problems(parameters, effective(parameters, given))
    if not results:
        results.append(passed("params", f"{len(given)} values fit the {len(parameters)} parameters of the template"))
    return results


def refuse_unfit(parameters: dict, given: dict[str, str], source: str | None) -> None:
    """Stop with one line at the first given value the template would refuse (an unknown key, a
    value outside its constraints): for the offline commands that need only a fitting file.
    A value still to be filled in passes here: `settled` decides whether the command reads it."""
    for key, value in given.items():
        if key not in parameters:
            raise BadInput(f"{source}: unknown parameter {key}: remove it or check its spelling (make preflight)")
        problems = [] if MARKER in value else value_problems(key, parameters[key], value)
        if problems:
            raise BadInput(f"{source}: {one_line(*problems[0])}")


def one_line(detail: str, fix: str) -> str:
    """A problem and its fix on one line. A pattern's description is both what is wrong and
    what to do ("ImageUri must be ..."): said once."""
    shape = fix.partition(": it ")[2]
    if not fix or (shape and shape in detail):
        return detail
    return f"{detail}: {fix}"


def refuse_other_template(name: str, parameters: dict, given: dict[str, str], source: str | None) -> None:
    """A file written for another template (TEMPLATE= and PARAMS= that do not match) is one
    mistake: one line naming it, rather than a line per key the template does not take."""
    from . import template

    unknown = [key for key in given if key not in parameters]
    if not unknown:
        return
    for other in template.names():
        if other != name and set(given) <= set(template.load(other).get("Parameters", {})):
            more = f" and {len(unknown) - 1} more" if len(unknown) > 1 else ""
            raise BadInput(
                f"{source} holds {other}'s parameters ({unknown[0]}{more} are not {name}'s): "
                f"give {invocation.argument('TEMPLATE', other)} with it, or a parameter file for {name}"
            )


def still_open(given: dict[str, str]) -> list[str]:
    """The keys whose value make params-from-stack left to be filled in."""
    return [key for key, value in given.items() if MARKER in value]


def settled(given: dict[str, str], compute, source: str | None, command: str):
    """``compute(given)``, for a command that may not read every value: a value still to be
    filled in is accepted when the outcome does not depend on it (computed again with another
    value in its place), and refused in one line when it does. Returns (outcome, note): the
    note names what is still to fill in, or is empty."""
    opened = still_open(given)
    try:
        outcome = compute(given)
    except (ValueError, TypeError, KeyError, ArithmeticError):
        if not opened:
            raise
        # The computation could not use one of them (a count, a size): it reads it.
        if len(opened) == 1:
            key = opened[0]
            raise BadInput(f"{source}: {key} is still to be filled in and {command} reads it: {given[key]}") from None
        keys = ", ".join(opened)
        raise BadInput(f"{source}: {keys} are still to be filled in and {command} reads one: fill them in") from None
    for key in opened:
        probe = {**given, key: given[key].replace(MARKER, "<another value:")}
        if compute(probe) != outcome:
            raise BadInput(f"{source}: {key} is still to be filled in and {command} reads it: {given[key]}")
    if not opened:
        return outcome, ""
    them = "them" if len(opened) > 1 else "it"
    return outcome, f"{source}: still to fill in before a deploy: {', '.join(opened)} ({command} does not read {them})"
