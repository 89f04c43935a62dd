"""The docs blocks of `make timeline`: the table per template and parameter file, the
strategies side by side, the figure of docs/releases.md."""

import json
from pathlib import Path

from templates import timings

from ..shared import params
from .cli import cell, timeline
from .model import BLUE_GREEN, CANARY, LINEAR, ROLLING, Assumptions

# --- The generated tables of docs/releases.md -------------------------------------------


def _stack_files(name: str) -> list[Path | None]:
    """The defaults, then each parameter file of the template (named before its first dot)."""
    return [None, *params.committed(name)]


def _services(files):
    """Each template that runs ECS services, as the build made it."""
    from templates import TEMPLATES

    for name in TEMPLATES:
        document = json.loads(files(f"{name}.json"))
        if any(body["Type"] == "AWS::ECS::Service" for body in document["Resources"].values()):
            yield name, document  # the prerequisites release nothing


def _alarm_cells(seconds: dict) -> str:
    return f"{cell(seconds['alarm_in_rollout_rolled_back'])}; {cell(seconds['alarm_in_bake_rolled_back'])}"


def timeline_table(files) -> str:
    """Every template with its defaults and each of its parameter files, as the build made them."""
    from templates import docblocks

    header = [
        "Template, parameters",
        "Service",
        "Tasks, deployment",
        "First create",
        "Release, until complete",
        "Tasks never healthy, rolled back",
        "Bad release rolled back: alarm in the rollout; at the end of the bake",
        "Stopped task replaced",
        "Unhealthy task noticed / replaced",
        "Breach to a new task answering",
        "Fewest answering in a release",
    ]
    rows = []
    for name, document in _services(files):
        for path in _stack_files(name):
            report = timeline(name, str(path) if path else None, Assumptions(), document=document)
            for service, found in report["services"].items():
                seconds = found["seconds"]
                noticed = seconds["detect_unhealthy"]
                rows.append(
                    [
                        f"`{name}`, {f'`params/{path.name}`' if path else 'defaults'}",
                        service,
                        f"{found['desired_tasks']}, {found['deployment']}",
                        cell(seconds["first_create"]),
                        cell(seconds["release"]),
                        cell(seconds["failed_release_rolled_back"]),
                        _alarm_cells(seconds),
                        cell(seconds["replace_stopped"]),
                        f"{cell(noticed)}; {cell(seconds['replace_unhealthy'])}" if noticed else "-",
                        cell(seconds["scale_out_answering"]),
                        found["min_healthy"]["release"],
                    ]
                )
    return docblocks.table(header, rows)


# The traffic-shifting strategies need a second target group and the production rule; for
# go-api they are another stack's, so the table names the guide's examples (no timing reads them).
EXAMPLE_TRAFFIC_SHIFT_INPUTS = {
    "AlternateTargetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/"
    "go-api-green/fedcba9876543210",
    "ProductionListenerRuleArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/public-alb/"
    "50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee",
}
STRATEGIES = (ROLLING, BLUE_GREEN, LINEAR, CANARY)


def strategies_table(files) -> str:
    """Each template that offers a choice of strategy, with its defaults and each strategy
    at the template's default minutes: only the services the strategy applies to."""
    from templates import docblocks

    header = [
        "Template",
        "Service",
        "Tasks, deployment",
        "Release, until complete",
        "Tasks never healthy, rolled back",
        "Bad release rolled back: alarm in the rollout; at the end of the bake",
        "Fewest answering in a release",
    ]
    rows = []
    for name, document in _services(files):
        parameters = document.get("Parameters", {})
        if "DeploymentStrategy" not in parameters:
            continue
        for strategy in STRATEGIES:
            given = {"DeploymentStrategy": strategy}
            if strategy != ROLLING:
                given.update({k: v for k, v in EXAMPLE_TRAFFIC_SHIFT_INPUTS.items() if k in parameters})
            report = timeline(name, None, Assumptions(), document=document, given=given)
            for service, found in report["services"].items():
                if found["strategy"] != strategy:
                    continue  # a service the strategy does not apply to (the platform's AgentCore)
                seconds = found["seconds"]
                rows.append(
                    [
                        f"`{name}`, `DeploymentStrategy={strategy}`",
                        service,
                        f"{found['desired_tasks']}, {found['deployment']}",
                        cell(seconds["release"]),
                        cell(seconds["failed_release_rolled_back"]),
                        _alarm_cells(seconds),
                        found["min_healthy"]["release"],
                    ]
                )
    return docblocks.table(header, rows)


def _given_in(name: str, environment: str, parameters: dict) -> tuple[str | None, dict | None]:
    """A figure's parameters: ``defaults``, a params/ label (``dev``), or ``Key=Value,...``."""
    if environment == "defaults":
        return None, None
    if "=" not in environment:
        path = next((p for p in _stack_files(name) if p and p.name == f"{name}.{environment}.json"), None)
        if path is None:
            raise ValueError(f"no params/{name}.{environment}.json")
        return str(path), None
    given = dict(pair.split("=", 1) for pair in environment.split(","))
    if given.get("DeploymentStrategy", ROLLING) != ROLLING:
        given = {**{k: v for k, v in EXAMPLE_TRAFFIC_SHIFT_INPUTS.items() if k in parameters}, **given}
    return None, given


def figure(files, argument: str) -> str:
    """One figure for a sentence: ``template:parameters:service:key``, as `make timeline` gives it.

    ``key`` is a seconds figure (``release``), ``min_healthy.<event>``, a task count, or
    ``spot_interruption_by_base_reading.<service|deployment>``, a task count."""
    name, environment, service, key = argument.split(":")
    document = json.loads(files(f"{name}.json"))
    path, given = _given_in(name, environment, document.get("Parameters", {}))
    found = timeline(name, path, Assumptions(), document=document, given=given)["services"][service]
    if key.startswith("min_healthy."):
        return str(found["min_healthy"][key.removeprefix("min_healthy.")])
    if key.startswith("spot_interruption_by_base_reading."):
        return str(found["spot_interruption_by_base_reading"][key.split(".", 1)[1]])
    return cell(found["seconds"][key])


DOC_BLOCKS = {
    "timeline.figure": figure,
    "releases.timeline": timeline_table,
    "releases.strategies": strategies_table,
    "releases.timings": timings.timings_table,
}
