"""python -m ops.cost TEMPLATE [PARAMS] [--region R] [--json] [--spot-discount PCT] [...]

A monthly estimate of a built template (output/TEMPLATE.json) with a parameter file, offline:
one line per cost item at the minimum task count, then the totals at the minimum and at the
maximum (the auto-scaling ceiling). Bad input: one line, exit status 2.
"""

import argparse
import json
import os
import sys
from pathlib import Path

from templates import facts

from ..shared import invocation, params, template
from ..shared.errors import BadInput
from ..shared.report import counted
from . import catalogue, prices
from .model import Assumptions, Estimate, Model

USAGE_ERROR = 2
ROOT = Path(__file__).resolve().parent.parent.parent


class OneLineParser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(USAGE_ERROR, f"make cost: {message} (see: python -m ops.cost --help)\n")


def parse_arguments(argv):
    defaults = Assumptions()
    parser = OneLineParser(prog="python -m ops.cost", description="Monthly estimate of a stack, offline.")
    parser.add_argument("template", help="a template name, as in output/")
    parser.add_argument("params", nargs="?", help="a parameter file (params/...); none: the defaults")
    parser.add_argument("--region", default="us-east-1", help="region to price (default us-east-1)")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.add_argument(
        "--spot-discount",
        default=f"{defaults.spot_discount * 100:g}",
        help="percent Fargate Spot costs below on-demand; AWS publishes no fixed price (default %(default)s)",
    )
    parser.add_argument(
        "--log-gb-per-task",
        default=f"{defaults.log_gb_per_task:g}",
        help="GB of logs per task per month (default %(default)s)",
    )
    parser.add_argument(
        "--data-gb",
        default=f"{defaults.data_gb:g}",
        help="GB a month through each NAT gateway and endpoint (default %(default)s)",
    )
    parser.add_argument(
        "--alb-lcu", default=f"{defaults.alb_lcu:g}", help="average LCUs of a created ALB (default %(default)s)"
    )
    parser.add_argument(
        "--stored-gb",
        default=f"{defaults.stored_gb:g}",
        help="GB in each created bucket and repository (default %(default)s)",
    )
    return parser.parse_args(argv)


def number(flag: str, text: str, example: float, low: float, high: float | None = None) -> float:
    """``text`` as a number from ``low`` (to ``high``); the message names the option as it was given."""
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or value != value or value < low or (high is not None and value > high):
        bounds = f"from {low:g} to {high:g}" if high is not None else f"of {low:g} or more"
        example = invocation.option(flag, f"{example:g}")
        raise BadInput(f"{invocation.given(flag, text)} is refused: give a number {bounds}, e.g. {example}")
    return value


def assumptions_from(arguments) -> Assumptions:
    defaults = Assumptions()
    return Assumptions(
        spot_discount=number("--spot-discount", arguments.spot_discount, defaults.spot_discount * 100, 0, 100) / 100,
        log_gb_per_task=number("--log-gb-per-task", arguments.log_gb_per_task, defaults.log_gb_per_task, 0),
        data_gb=number("--data-gb", arguments.data_gb, 10, 0),
        alb_lcu=number("--alb-lcu", arguments.alb_lcu, defaults.alb_lcu, 0),
        stored_gb=number("--stored-gb", arguments.stored_gb, defaults.stored_gb, 0),
    )


def regions_of(name: str) -> tuple[str, ...]:
    import templates  # the registry: which regions a template is for

    return templates.describe(name).regions if name in templates.TEMPLATES else facts.ALL_REGIONS


def resolved(document: dict, given: dict[str, str], region: str) -> dict:
    """The resources a stack of ``document`` would create with ``given``, intrinsics evaluated."""
    from templates.evaluate import Evaluator

    parameters = document.get("Parameters", {})
    values: dict = params.effective(parameters, given)
    for key, body in parameters.items():
        kind = body.get("Type", "String")
        if key in values and (kind.startswith("List<") or kind == "CommaDelimitedList"):
            values[key] = [item.strip() for item in values[key].split(",") if item.strip()]
    values.update(
        {
            "AWS::Region": region,
            "AWS::Partition": facts.partition(region),
            "AWS::AccountId": "123456789012",
            "AWS::StackName": "stack",
            "AWS::URLSuffix": "amazonaws.com",
        }
    )
    return Evaluator(document, values, strict=False).resources()


def estimate(
    name: str, params_file: str | None, region: str, assumptions: Assumptions, snapshot=None, notes=None
) -> Estimate:
    """``notes`` (a list) receives a line naming the values still to be filled in, which no price reads."""
    document = template.load(name)
    given = params.read(params_file)
    params.refuse_other_template(name, document.get("Parameters", {}), given, params_file)
    params.refuse_unfit(document.get("Parameters", {}), given, params_file or name)
    if region not in regions_of(name):
        raise BadInput(f"region {region!r} is not one {name} is for: choose one of {', '.join(regions_of(name))}")
    snapshot = snapshot or prices.load()
    result, note = params.settled(
        given,
        lambda values: estimate_document(document, values, region, assumptions, snapshot),
        params_file or name,
        "make cost",
    )
    if note and notes is not None:
        notes.append(note)
    return result


def estimate_document(
    document: dict, given: dict, region: str, assumptions: Assumptions, snapshot, capacity: tuple | None = None
) -> Estimate:
    snapshot.price(region, "fargate.x86.vcpu")  # a region without prices is refused before any line
    return Model(resolved(document, given, region), snapshot, region, assumptions, capacity).estimate()


def as_json(name: str, params_file: str | None, region: str, result: Estimate, as_of: str) -> str:
    return json.dumps(
        {
            "template": name,
            "params": params_file,
            "region": region,
            "currency": "USD",
            "lines": [
                {
                    "item": line.item,
                    "quantity": round(line.quantity, 6),
                    "unit": line.unit,
                    "unit_usd": round(line.unit_usd, 8),
                    "monthly_usd": round(line.monthly_usd, 2),
                }
                for line in result.lines
            ],
            "monthly_usd_min": round(result.monthly_usd_min, 2),
            "monthly_usd_max": round(result.monthly_usd_max, 2),
            "prices_as_of": as_of,
        },
        indent=2,
    )


def as_text(
    name: str, params_file: str | None, region: str, result: Estimate, assumptions: Assumptions, as_of: str
) -> str:
    width = max(len(line.item) for line in result.lines)
    out = [
        f"{name} with {params_file or 'its defaults'} in {region}: prices as of {as_of}, USD, "
        f"{catalogue.HOURS_PER_MONTH} hours a month, at the minimum task count",
        f"{'item':<{width}}  {'quantity':>10}  {'unit':<16}  {'unit price':>10}  {'monthly':>9}",
    ]
    for line in result.lines:
        figures = f"{line.quantity:>10.2f}  {line.unit:<16}  {line.unit_usd:>10.6g}  {line.monthly_usd:>9.2f}"
        out.append(f"{line.item:<{width}}  {figures}")
    flag = invocation.option
    assumed = [f"{assumptions.data_gb:g} GB through each NAT gateway and endpoint ({flag('--data-gb')})"]
    if result.tasks_max:
        out += [
            f"total at the minimum ({counted(result.tasks_min, 'task')}): {result.monthly_usd_min:.2f} USD a month",
            f"total at the maximum ({counted(result.tasks_max, 'task')}): {result.monthly_usd_max:.2f} USD a month",
        ]
        assumed[:0] = [
            f"Fargate Spot {assumptions.spot_discount:.0%} below on-demand ({flag('--spot-discount')})",
            f"{assumptions.log_gb_per_task:g} GB of logs per task-month ({flag('--log-gb-per-task')})",
        ]
    else:  # the stack runs no task: one total, and no assumption about tasks
        out.append(f"total (the stack runs no task): {result.monthly_usd_min:.2f} USD a month")
    out.append(f"assumed: {', '.join(assumed)}; free tiers not deducted")
    if result.relies_on:
        out.append("relies on, priced elsewhere:")
        out += [f"  - {item}" for item in result.relies_on]
    return "\n".join(out)


def main(argv=None) -> int:
    try:
        arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
        assumptions = assumptions_from(arguments)
        snapshot = prices.load()
        notes = []
        result = estimate(arguments.template, arguments.params, arguments.region, assumptions, snapshot, notes)
        for note in notes:
            print(f"make cost: {note}", file=sys.stderr)
        if arguments.json:
            print(as_json(arguments.template, arguments.params, arguments.region, result, snapshot.as_of))
        else:
            print(as_text(arguments.template, arguments.params, arguments.region, result, assumptions, snapshot.as_of))
        return 0
    except BadInput as error:
        print(f"make cost: {error}", file=sys.stderr)
        return USAGE_ERROR
    except BrokenPipeError:  # `make cost ... | head`: the reader left
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
