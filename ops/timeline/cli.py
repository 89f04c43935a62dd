"""python -m ops.timeline TEMPLATE [PARAMS] [--json] [--target-group K=V,...] [--task-start S[,S]]

How long a stack's everyday events take, and how many tasks keep answering through
a release: from the built template (output/TEMPLATE.json) and a parameter file alone,
offline, for the deployment strategy the file chooses (rolling, blue/green, linear,
canary) and the deployment alarms the template sets. Every wait is AWS's documented
figure (templates/timings.py) or the template's own setting; docs/releases.md
explains the model.
Exit status: 0, or 2 for bad input (one line naming the problem and the fix).
"""

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import replace

from ..shared import invocation, params, rules, template
from ..shared.errors import BadInput
from .model import TARGET_GROUP_KEYS, Assumptions, Span, TargetGroupHealth, as_seconds
from .read import read_services
from .release import figures


def _check_rules(document: dict, values: dict[str, str], source: str | None) -> None:
    """What the template's own Rules refuse (a strategy without its target group) has no timeline."""
    # A value with no default that was not given (an ARN, an ID) takes no part in the timings;
    # a mark no real value equals lets the assertions about the others be evaluated.
    unset = {key: "<not given>" for key in document.get("Parameters", {}) if key not in values}
    refused = [r for r in rules.evaluate(document, {**unset, **values}) if r.status == "fail"]
    if refused:
        raise BadInput(f"{source or 'the defaults'}: {refused[0].detail}: the template refuses these values")


def timeline(
    name: str,
    params_file: str | None,
    assumptions: Assumptions,
    document: dict | None = None,
    given: dict[str, str] | None = None,
    notes: list[str] | None = None,
) -> dict:
    """The whole report of one template and parameter file (or ``given`` values instead); a
    line naming the values still to be filled in (which no timing reads) goes to ``notes``."""
    document = document if document is not None else template.load(name)
    given = given if given is not None else params.read(params_file)
    params.refuse_other_template(name, document.get("Parameters", {}), given, params_file)
    params.refuse_unfit(document.get("Parameters", {}), given, params_file)
    report, note = params.settled(
        given, lambda values: _report(name, params_file, assumptions, document, values), params_file, "make timeline"
    )
    if note and notes is not None:
        notes.append(note)
    return report


def _report(name: str, params_file: str | None, assumptions: Assumptions, document: dict, given: dict) -> dict:
    values = params.effective(document.get("Parameters", {}), given)
    _check_rules(document, values, params_file)
    services = read_services(document, values, assumptions)
    if not services:
        raise BadInput(f"{name} runs no ECS service, so it has no release to time: use a template that runs one")
    report = {name: figures(s, assumptions) for name, s in ((s.name, s) for s in services)}
    return {
        "template": name,
        "parameters": params_file,
        "assumptions": {"task_start_seconds": assumptions.task_start},
        "services": report,
        "min_healthy_tasks": min(r["min_healthy"]["release"] for r in report.values()),
    }


def as_json(report: dict) -> str:
    def plain(node):
        if isinstance(node, Span):
            return as_seconds(node)
        if isinstance(node, dict):
            return {key: plain(item) for key, item in node.items()}
        if isinstance(node, list | tuple):
            return [plain(item) for item in node]
        return as_seconds(node)

    return json.dumps(plain(report), indent=2) + "\n"


LABELS = {
    "first_create": "first create, to answering",
    "release": "release of the desired count, until complete",
    "traffic_moved": "release, until all traffic is on the new revision",
    "failed_release_rolled_back": "tasks never healthy, until rolled back",
    "alarm_fires": "a deployment alarm firing",
    "alarm_in_rollout_rolled_back": "bad release, alarm in the rollout, rolled back",
    "alarm_in_bake_rolled_back": "bad release, alarm at the end of the bake, rolled back",
    "detect_unhealthy": "an unhealthy task noticed",
    "replace_unhealthy": "an unhealthy task replaced, answering",
    "replace_stopped": "a stopped task replaced, answering",
    "scale_out_decided": "CPU/memory breach to a higher count",
    "scale_out_answering": "CPU/memory breach to a new task answering",
    "scale_in_decided": "lull to a lower count",
    "spot_replacement_answering": "Spot interruption to a replacement answering",
    "spot_warning": "Spot warning before the task is reclaimed",
}


def cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, Span):
        typical, worst = as_seconds(value.typical), as_seconds(value.worst)
        return f"{typical} s" if typical == worst else f"{typical} s / {worst} s"
    return f"{value} s"


def as_text(report: dict) -> str:
    start = report["assumptions"]["task_start_seconds"]
    lines = [
        f"{report['template']} with {report['parameters'] or 'its defaults'}: seconds, typical / worst "
        f"(a task start assumed {cell(start)}: measure yours and give it, make timeline TASK_START=typical,worst)",
    ]
    for name, service in report["services"].items():
        group = service["target_group"]
        lines.append("")
        lines.append(
            f"{name}: {service['desired_tasks']} task{'s' if service['desired_tasks'] != 1 else ''}, "
            f"{service['deployment']}, found by {service['found_by']}"
            + (f" (target group: {group['source']})" if group else "")
        )
        width = max(len(label) for label in LABELS.values())
        for key, label in LABELS.items():
            value = service["seconds"][key]
            if value is not None:
                lines.append(f"  {label:{width}}  {cell(value)}")
        fewest = service["min_healthy"]
        lines.append(
            f"  fewest tasks answering: release {fewest['release']}, one task replaced {fewest['task_replacement']}, "
            f"scale-in {fewest['scale_in']}, Spot interruption {fewest['spot_interruption']}"
        )
        lines += [f"  note: {note}" for note in service["notes"]]
    lines += ["", f"min_healthy_tasks (through a release): {report['min_healthy_tasks']}"]
    return "\n".join(lines) + "\n"


# --- The command line -----------------------------------------------------------------


# A target group's settings when nobody changed them (interval, timeout, thresholds, delay).
AWS_DEFAULT_TARGET_GROUP = "interval=30,timeout=5,healthy=5,unhealthy=2,deregistration=300"


def target_group_from(text: str | None) -> TargetGroupHealth:
    """``interval=10,healthy=2`` over AWS's defaults; make preflight prints a real group's values."""
    if not text:
        return TargetGroupHealth()
    settings = {}
    for pair in text.split(","):
        key, sep, value = pair.strip().partition("=")
        if key not in TARGET_GROUP_KEYS or not sep or not value.isdigit() or not value.isascii():
            raise BadInput(
                f"{invocation.given('--target-group', pair)} is not KEY=SECONDS_OR_COUNT: "
                f"use {', '.join(TARGET_GROUP_KEYS)}, "
                f"e.g. {invocation.option('--target-group', AWS_DEFAULT_TARGET_GROUP)}"
            )
        settings[TARGET_GROUP_KEYS[key]] = int(value)
    return replace(TargetGroupHealth(), source="given", **settings)


def task_start_from(text: str | None) -> Span:
    if not text:
        return Assumptions().task_start
    parts = text.split(",")
    if len(parts) > 2 or not all(p.isdigit() and p.isascii() for p in parts):
        raise BadInput(
            f"{invocation.given('--task-start', text)} is not SECONDS or TYPICAL,WORST: "
            f"e.g. {invocation.option('--task-start', '40,90')}"
        )
    typical, worst = int(parts[0]), int(parts[-1])
    if worst < typical:
        raise BadInput(
            f"{invocation.given('--task-start', text)}: the worst case ({worst}) is shorter than the typical one "
            f"({typical})"
        )
    return Span(typical, worst)


def main(argv: list[str] | None = None, out: Callable[[str], object] = sys.stdout.write) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.timeline", description=__doc__.splitlines()[0])
    parser.add_argument("template", help=f"one of {', '.join(template.names())}")
    parser.add_argument("params", nargs="?", help="parameter file (params/*.json); without it, the defaults")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--target-group",
        help="health-check settings of a target group another stack owns (go-api), as make preflight prints them: "
        f"{AWS_DEFAULT_TARGET_GROUP} (AWS's defaults)",
    )
    parser.add_argument("--task-start", help="seconds from launch to a started container: SECONDS or TYPICAL,WORST")
    arguments = parser.parse_args(argv)
    try:
        assumptions = Assumptions(
            task_start=task_start_from(arguments.task_start), target_group=target_group_from(arguments.target_group)
        )
        notes = []
        report = timeline(arguments.template, arguments.params, assumptions, notes=notes)
    except BadInput as error:
        print(f"timeline: {error}", file=sys.stderr)
        return 2
    for note in notes:
        print(f"timeline: {note}", file=sys.stderr)
    out(as_json(report) if arguments.json else as_text(report))
    return 0
