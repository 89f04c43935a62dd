"""python -m ops.timeline TEMPLATE [PARAMS] [--json] [--target-group K=V,...] [--task-start S[,S]]

How long a stack's everyday events take, and how many tasks keep answering through
a release: from the built template (output/TEMPLATE.json) and a parameter file alone,
offline. Every wait is AWS's documented figure (templates/timings.py) or the
template's own setting; docs/ecs-deployment.md ("Release timeline") explains the model.
Exit status: 0, or 2 for bad input (one line naming the problem and the fix).
"""

import argparse
import json
import math
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from templates import timings
from templates.evaluate import Evaluator

from . import params, template
from .errors import BadInput

ROOT = Path(__file__).resolve().parent.parent
ROLLING = "ROLLING"


class Span(NamedTuple):
    """A duration in seconds: the typical case and the worst one."""

    typical: float
    worst: float

    def __add__(self, other):
        return Span(self.typical + other.typical, self.worst + other.worst)

    def times(self, count: int) -> "Span":
        return Span(self.typical * count, self.worst * count)


NONE = Span(0, 0)


def shortest(*spans: Span) -> Span:
    """Whichever of several checks notices first."""
    return Span(min(s.typical for s in spans), min(s.worst for s in spans))


def longest(*spans: Span) -> Span:
    """Whichever of several conditions is met last."""
    return Span(max(s.typical for s in spans), max(s.worst for s in spans))


# --- What the model reads from a template ----------------------------------------------


@dataclass(frozen=True)
class TargetGroupHealth:
    interval: int = timings.TARGET_CHECK_INTERVAL.value
    timeout: int = timings.TARGET_CHECK_TIMEOUT.value
    healthy: int = timings.TARGET_HEALTHY_THRESHOLD.value
    unhealthy: int = timings.TARGET_UNHEALTHY_THRESHOLD.value
    deregistration: int = timings.DEREGISTRATION_DELAY.value
    source: str = "AWS's defaults"


# The --target-group keys, as preflight prints a real target group's settings.
TARGET_GROUP_KEYS = {
    "interval": "interval",
    "timeout": "timeout",
    "healthy": "healthy",
    "unhealthy": "unhealthy",
    "deregistration": "deregistration",
}


@dataclass(frozen=True)
class ContainerHealth:
    interval: int
    timeout: int
    retries: int
    start_period: int


@dataclass(frozen=True)
class Dns:
    record_ttl: int
    negative_ttl: int
    negative_ttl_set_here: bool  # False: the namespace belongs to someone else


@dataclass(frozen=True)
class Scaling:
    minimum: int
    maximum: int
    metrics: tuple[str, ...]


@dataclass(frozen=True)
class Service:
    """One ECS service as a release sees it."""

    name: str
    desired: int
    minimum_healthy_percent: int
    maximum_percent: int
    # ROLLING is the only strategy modelled: BLUE_GREEN, LINEAR and CANARY (bake time,
    # alarm rollback) need figures of their own, added beside rolling() below.
    strategy: str
    circuit_breaker: bool
    stop_timeout: int
    target_group: TargetGroupHealth | None = None
    grace: int = 0
    container_health: ContainerHealth | None = None
    dns: Dns | None = None
    scaling: Scaling | None = None
    spot_possible: bool = False
    on_demand_base: int = 0

    @property
    def floor(self) -> int:
        """Tasks ECS keeps healthy during a release: the minimum percent, rounded up."""
        return math.ceil(self.desired * self.minimum_healthy_percent / 100)

    @property
    def ceiling(self) -> int:
        """Tasks ECS may run during a release: the maximum percent, rounded down."""
        return self.desired * self.maximum_percent // 100


@dataclass(frozen=True)
class Assumptions:
    """What the timeline needs that AWS does not document: replace with measured values."""

    task_start: Span = field(
        default_factory=lambda: Span(timings.TASK_START_TYPICAL.value, timings.TASK_START_WORST.value)
    )
    target_group: TargetGroupHealth = field(default_factory=TargetGroupHealth)


def _int(value, default: int = 0) -> int:
    if value is None or isinstance(value, dict):
        return default
    return int(float(value))


def _ref(node) -> str | None:
    return node.get("Ref") if isinstance(node, dict) and len(node) == 1 else None


def _mentions(node, title: str) -> bool:
    return f'["{title}", "Name"]' in json.dumps(node) or f'"Ref": "{title}"' in json.dumps(node)


def read_services(document: dict, values: dict[str, str], assumptions: Assumptions) -> list[Service]:
    """The stack's ECS services with every parameter resolved."""
    resources = Evaluator(document, values, strict=False).resources()
    found = []
    for title, body in resources.items():
        if body["Type"] != "AWS::ECS::Service":
            continue
        properties = body["Properties"]
        deployment = properties.get("DeploymentConfiguration", {})
        breaker = deployment.get("DeploymentCircuitBreaker", {})
        task = resources[_ref(properties["TaskDefinition"])]["Properties"]
        containers = [c for c in task["ContainerDefinitions"] if c.get("Essential", True)]
        scaling = _scaling(resources, title)
        found.append(
            Service(
                name=title,
                desired=_int(properties.get("DesiredCount"), scaling.minimum if scaling else 1),
                minimum_healthy_percent=_int(deployment.get("MinimumHealthyPercent"), 100),
                maximum_percent=_int(deployment.get("MaximumPercent"), 200),
                strategy=deployment.get("Strategy", ROLLING),
                circuit_breaker=bool(breaker.get("Enable")) and bool(breaker.get("Rollback")),
                stop_timeout=max(_int(c.get("StopTimeout"), timings.DEFAULT_STOP_TIMEOUT.value) for c in containers),
                target_group=_target_group(resources, properties, assumptions),
                grace=_int(properties.get("HealthCheckGracePeriodSeconds")),
                container_health=_container_health(containers),
                dns=_dns(resources, properties),
                scaling=scaling,
                **_capacity(properties),
            )
        )
    return found


def _scaling(resources: dict, service: str) -> Scaling | None:
    for title, body in resources.items():
        if body["Type"] == "AWS::ApplicationAutoScaling::ScalableTarget" and _mentions(
            body["Properties"]["ResourceId"], service
        ):
            metrics = tuple(
                policy["Properties"]["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"][
                    "PredefinedMetricType"
                ]
                for policy in resources.values()
                if policy["Type"] == "AWS::ApplicationAutoScaling::ScalingPolicy"
                and _ref(policy["Properties"]["ScalingTargetId"]) == title
            )
            properties = body["Properties"]
            return Scaling(_int(properties["MinCapacity"]), _int(properties["MaxCapacity"]), metrics)
    return None


def _target_group(resources: dict, properties: dict, assumptions: Assumptions) -> TargetGroupHealth | None:
    balancers = properties.get("LoadBalancers")
    if not balancers:
        return None
    own = _ref(balancers[0].get("TargetGroupArn"))
    if own not in resources:  # another stack's target group: the command's inputs
        return assumptions.target_group
    group = resources[own]["Properties"]
    attributes = {a["Key"]: a["Value"] for a in group.get("TargetGroupAttributes", [])}
    defaults = TargetGroupHealth()
    return TargetGroupHealth(
        interval=_int(group.get("HealthCheckIntervalSeconds"), defaults.interval),
        timeout=_int(group.get("HealthCheckTimeoutSeconds"), defaults.timeout),
        healthy=_int(group.get("HealthyThresholdCount"), defaults.healthy),
        unhealthy=_int(group.get("UnhealthyThresholdCount"), defaults.unhealthy),
        deregistration=_int(attributes.get("deregistration_delay.timeout_seconds"), defaults.deregistration),
        source="this template",
    )


def _container_health(containers: list[dict]) -> ContainerHealth | None:
    checks = [c["HealthCheck"] for c in containers if isinstance(c.get("HealthCheck"), dict)]
    if not checks:
        return None
    check = checks[0]
    return ContainerHealth(
        interval=_int(check.get("Interval"), timings.CONTAINER_CHECK_INTERVAL.value),
        timeout=_int(check.get("Timeout"), timings.CONTAINER_CHECK_TIMEOUT.value),
        retries=_int(check.get("Retries"), timings.CONTAINER_CHECK_RETRIES.value),
        start_period=_int(check.get("StartPeriod")),
    )


def _dns(resources: dict, properties: dict) -> Dns | None:
    registries = properties.get("ServiceRegistries")
    if not registries:
        return None
    registry = resources[registries[0]["RegistryArn"]["Fn::GetAtt"][0]]["Properties"]["DnsConfig"]
    namespace = _ref(registry["NamespaceId"])
    soa = (
        resources[namespace]["Properties"].get("Properties", {}).get("DnsProperties", {}).get("SOA", {})
        if namespace in resources
        else {}
    )
    return Dns(
        record_ttl=_int(registry["DnsRecords"][0]["TTL"]),
        negative_ttl=_int(soa.get("TTL"), timings.UNSET_NEGATIVE_CACHE.value),
        negative_ttl_set_here="TTL" in soa,
    )


def _capacity(properties: dict) -> dict:
    """Whether a task may land on Fargate Spot, and how many always run on demand."""
    strategy = properties.get("CapacityProviderStrategy") or []
    spot = any(i["CapacityProvider"] == "FARGATE_SPOT" and _int(i.get("Weight")) > 0 for i in strategy)
    base = sum(_int(i.get("Base")) for i in strategy if i["CapacityProvider"] == "FARGATE")
    return {"spot_possible": spot, "on_demand_base": base}


# --- The waits, from AWS's documented figures -----------------------------------------


def becomes_healthy(service: Service) -> Span:
    """From a task's container start until ECS counts it healthy.

    Typical: the application answers at once. Worst: it takes all the time the template
    allows it (the grace period, the container check's start period).
    """
    waits = []
    group = service.target_group
    if group:
        # A new target is healthy after one passed check, run within an interval of registering.
        waits.append(Span(group.interval / 2, max(service.grace, group.interval)))
    check = service.container_health
    if check:
        # Docker runs the first check one interval after the start; the start period's checks
        # that fail do not count, so an application may answer only as it ends.
        last = max(check.interval, math.ceil(check.start_period / check.interval) * check.interval)
        waits.append(Span(check.interval, last))
    if not waits:
        waits.append(Span(timings.UNCHECKED_TASK_WAIT.value, timings.UNCHECKED_TASK_WAIT.value))
    return longest(*waits)


def dns_delay(service: Service) -> Span:
    """From ECS counting a task healthy until Cloud Map answers with it."""
    if service.dns is None or service.container_health is None:
        return NONE  # not in DNS at all, or registered healthy at once (before it may answer)
    delay = timings.CLOUD_MAP_HEALTH_DELAY.value
    return Span(delay, delay)


def old_task_stops(service: Service) -> Span:
    """From ECS deciding to stop a healthy task until it is gone.

    Behind a load balancer ECS first drains it (the deregistration delay); then SIGTERM,
    and SIGKILL after the stop timeout if the application has not exited.
    """
    drain = service.target_group.deregistration if service.target_group else 0
    return Span(drain, drain + service.stop_timeout)


def failing_task_stops(service: Service) -> Span:
    """A task that never answered: the load balancer has no request in flight to wait for."""
    return Span(0, service.stop_timeout)


def notices_failure(service: Service, *, new: bool) -> Span | None:
    """From a task failing (or, ``new``, from its start) until a health check says so.

    Checks every ``interval``; the failure is seen after ``unhealthy``/``retries`` failed
    checks in a row: typically half an interval into the first one, at worst a whole
    interval and a timed-out check (the application hangs). A new task behind a load
    balancer is not judged before the grace period ends; a new container's failures in
    its start period do not count. None: no check can see a task that runs but does not answer.
    """
    seen = []
    group = service.target_group
    if group:
        after = Span((group.unhealthy - 0.5) * group.interval, group.unhealthy * group.interval + group.timeout)
        seen.append(longest(after, Span(service.grace, service.grace)) if new else after)
    check = service.container_health
    if check:
        if new:
            counted = (check.start_period // check.interval + check.retries) * check.interval
            seen.append(Span(counted, counted + check.timeout))
        else:
            seen.append(Span((check.retries - 0.5) * check.interval, check.retries * check.interval + check.timeout))
    return shortest(*seen) if seen else None


# --- A rolling release, step by step ---------------------------------------------------


@dataclass(frozen=True)
class Rolled:
    seconds: float  # until the last old task is gone (and, in DNS, the last new one answers)
    serving: int  # fewest healthy tasks ECS (and a load balancer) counts at any moment
    in_dns: int | None  # fewest tasks Cloud Map answers with as healthy at any moment


def rolling(service: Service, ready: float, stop: float, delay: float) -> Rolled:
    """ECS's rolling update of ``desired`` tasks, one case (typical or worst durations).

    At each moment ECS stops old tasks while more than the floor are healthy, and starts
    new ones while fewer than the ceiling run (a stopping task still counts against it).
    ``ready``: launch to healthy; ``stop``: decision to gone; ``delay``: healthy to in DNS.
    A task that turns healthy in Cloud Map at the very moment an old one stops is not
    counted: Cloud Map's delay is "about" 30 s.
    """
    desired, floor, ceiling = service.desired, service.floor, service.ceiling
    old, stopping, pending, healthy_at = desired, [], [], []
    now, serving, in_dns = 0.0, desired, desired
    while True:
        stopping = [t for t in stopping if t > now]
        healthy_at += [t for t in pending if t <= now]
        pending = [t for t in pending if t > now]
        stop_now = min(old, old + len(healthy_at) - floor)
        if stop_now > 0:
            old -= stop_now
            stopping += [now + stop] * stop_now
        running = old + len(healthy_at) + len(pending) + len(stopping)
        start_now = min(desired - len(healthy_at) - len(pending), ceiling - running)
        if start_now > 0:
            pending += [now + ready] * start_now
        serving = min(serving, old + len(healthy_at))
        in_dns = min(in_dns, old + sum(1 for t in healthy_at if t + delay < now))
        if any(t <= now for t in pending + stopping):
            continue  # something finished at this very moment: act again before time moves
        upcoming = pending + stopping
        if not upcoming:
            break
        now = min(upcoming)
    if len(healthy_at) < desired:
        raise BadInput(
            f"{service.name}: a rollout of {service.minimum_healthy_percent}/{service.maximum_percent} % of "
            f"{desired} tasks can neither stop nor start a task: raise the maximum or lower the minimum percent"
        )
    last_in_dns = max(healthy_at) + delay if service.dns else 0
    return Rolled(max(now, last_in_dns), serving, in_dns if service.dns else None)


def release(service: Service, assumptions: Assumptions) -> tuple[Span, int]:
    """The duration of a release of the desired count, and the fewest tasks answering meanwhile."""
    if service.strategy != ROLLING:
        raise BadInput(
            f"{service.name} deploys with {service.strategy}: the timeline models ROLLING releases only; "
            "read docs/ecs-deployment.md for that strategy's waits"
        )
    ready = assumptions.task_start + becomes_healthy(service)
    stop, delay = old_task_stops(service), dns_delay(service)
    typical = rolling(service, ready.typical, stop.typical, delay.typical)
    worst = rolling(service, ready.worst, stop.worst, delay.worst)
    answering = [typical.serving, worst.serving]
    if service.dns:
        answering += [typical.in_dns, worst.in_dns]
    return Span(typical.seconds, worst.seconds), min(answering)


# --- Every figure of one service -------------------------------------------------------


def circuit_breaker_threshold(desired: int) -> int:
    """Failed tasks that fail a release: half the desired count, within 3 and 200."""
    half = math.ceil(desired * timings.CIRCUIT_BREAKER_PERCENT.value / 100)
    return min(max(half, timings.CIRCUIT_BREAKER_MINIMUM.value), timings.CIRCUIT_BREAKER_MAXIMUM.value)


def failed_release(service: Service, assumptions: Assumptions) -> Span | None:
    """A release whose tasks start but never pass a health check, until the rollback is done.

    New tasks run as many at a time as the ceiling leaves room beside the old tasks ECS
    keeps; each is stopped once a check sees it fail; after ``threshold`` of them the
    circuit breaker rolls back, which starts the old version's tasks stopped at the start
    (none when ECS kept them all).
    """
    seen = notices_failure(service, new=True)
    if seen is None or not service.circuit_breaker:
        return None
    at_once = min(service.desired, service.ceiling - service.floor)
    rounds = math.ceil(circuit_breaker_threshold(service.desired) / at_once)
    one_failure = assumptions.task_start + seen + failing_task_stops(service)
    rollback = NONE
    if service.floor < service.desired:
        rollback = assumptions.task_start + becomes_healthy(service) + dns_delay(service)
    return one_failure.times(rounds) + rollback


def first_create(service: Service, assumptions: Assumptions) -> Span:
    """Every task is started at once; a client that asked before the name existed keeps
    that answer for the negative-caching TTL."""
    answering = assumptions.task_start + becomes_healthy(service) + dns_delay(service)
    cached = Span(0, service.dns.negative_ttl) if service.dns else NONE
    return answering + cached


def scale_out(service: Service, assumptions: Assumptions) -> tuple[Span, Span] | None:
    """When target tracking raises the count, and when the new task answers."""
    if service.scaling is None:
        return None
    period = timings.METRIC_PERIOD.value
    points = timings.SCALE_OUT_DATAPOINTS.value
    # Typical: the breach begins as a minute begins; worst: just after, so that minute may not count.
    decided = Span(points * period, (points + 1) * period)
    return decided, decided + assumptions.task_start + becomes_healthy(service) + dns_delay(service)


def scale_in(service: Service) -> Span | None:
    if service.scaling is None:
        return None
    period, points = timings.METRIC_PERIOD.value, timings.SCALE_IN_DATAPOINTS.value
    return Span(points * period, (points + 1) * period)


def figures(service: Service, assumptions: Assumptions) -> dict:
    """Every figure of one service, in seconds, with the fewest tasks answering per event."""
    replacement = assumptions.task_start + becomes_healthy(service) + dns_delay(service)
    noticed = notices_failure(service, new=False)
    released, answering = release(service, assumptions)
    scaled = scale_out(service, assumptions)
    return {
        "desired_tasks": service.desired,
        "rollout": [service.minimum_healthy_percent, service.maximum_percent],
        "strategy": service.strategy,
        "found_by": "dns" if service.dns else "load balancer" if service.target_group else "nothing",
        "target_group": asdict(service.target_group) if service.target_group else None,
        "seconds": {
            "first_create": first_create(service, assumptions),
            "release": released,
            "failed_release_rolled_back": failed_release(service, assumptions),
            "detect_unhealthy": noticed,
            "replace_unhealthy": noticed + replacement if noticed else None,
            "replace_stopped": replacement,
            "scale_out_decided": scaled[0] if scaled else None,
            "scale_out_answering": scaled[1] if scaled else None,
            "scale_in_decided": scale_in(service),
            "spot_replacement_answering": replacement if service.spot_possible else None,
            "spot_warning": timings.SPOT_WARNING.value if service.spot_possible else None,
        },
        "min_healthy": {
            "release": answering,
            "task_replacement": service.desired - 1,
            "scale_in": service.scaling.minimum if service.scaling else service.desired,
            "spot_interruption": min(service.desired, service.on_demand_base)
            if service.spot_possible
            else service.desired,
        },
    }


def _check_given(parameters: dict, given: dict[str, str], source: str | None) -> None:
    """The values given must fit the template; the ones not given (IDs, ARNs) take no part in the timings."""
    for key, value in given.items():
        if key not in parameters:
            raise BadInput(f"{source}: unknown parameter {key}: remove it or check its spelling (make preflight)")
        problems = params.value_problems(parameters[key], value)
        if problems:
            raise BadInput(f"{source}: {key} {problems[0]}: give a value the template accepts (make preflight)")


def timeline(name: str, params_file: str | None, assumptions: Assumptions, document: dict | None = None) -> dict:
    """The whole report of one template and parameter file."""
    document = document if document is not None else template.load(name)
    given = params.read(params_file)
    _check_given(document.get("Parameters", {}), given, params_file)
    values = params.effective(document.get("Parameters", {}), given)
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


# --- Output ------------------------------------------------------------------------------


def _seconds(value):
    if isinstance(value, Span):
        return {"typical": _seconds(value.typical), "worst": _seconds(value.worst)}
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def as_json(report: dict) -> str:
    def plain(node):
        if isinstance(node, Span):
            return _seconds(node)
        if isinstance(node, dict):
            return {key: plain(item) for key, item in node.items()}
        if isinstance(node, list | tuple):
            return [plain(item) for item in node]
        return _seconds(node)

    return json.dumps(plain(report), indent=2) + "\n"


LABELS = {
    "first_create": "first create, to answering",
    "release": "rolling release of the desired count",
    "failed_release_rolled_back": "failed release, until rolled back",
    "detect_unhealthy": "an unhealthy task noticed",
    "replace_unhealthy": "an unhealthy task replaced, answering",
    "replace_stopped": "a stopped task replaced, answering",
    "scale_out_decided": "CPU/memory breach to a higher count",
    "scale_out_answering": "CPU/memory breach to a new task answering",
    "scale_in_decided": "lull to a lower count",
    "spot_replacement_answering": "Spot interruption to a replacement answering",
    "spot_warning": "Spot warning before the task is reclaimed",
}


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, Span):
        typical, worst = _seconds(value.typical), _seconds(value.worst)
        return f"{typical} s" if typical == worst else f"{typical} s / {worst} s"
    return f"{value} s"


def as_text(report: dict) -> str:
    start = report["assumptions"]["task_start_seconds"]
    lines = [
        f"{report['template']} with {report['parameters'] or 'its defaults'}: seconds, typical / worst "
        f"(a task start assumed {_cell(start)}: measure yours and give it, make timeline TASK_START=typical,worst)",
    ]
    for name, service in report["services"].items():
        group = service["target_group"]
        lines.append("")
        lines.append(
            f"{name}: {service['desired_tasks']} task{'s' if service['desired_tasks'] != 1 else ''}, "
            f"{service['strategy'].lower()} "
            f"{service['rollout'][0]}/{service['rollout'][1]} %, found by {service['found_by']}"
            + (f" (target group: {group['source']})" if group else "")
        )
        width = max(len(label) for label in LABELS.values())
        for key, label in LABELS.items():
            value = service["seconds"][key]
            if value is not None:
                lines.append(f"  {label:{width}}  {_cell(value)}")
        fewest = service["min_healthy"]
        lines.append(
            f"  fewest tasks answering: release {fewest['release']}, one task replaced {fewest['task_replacement']}, "
            f"scale-in {fewest['scale_in']}, Spot interruption {fewest['spot_interruption']}"
        )
    lines += ["", f"min_healthy_tasks (through a release): {report['min_healthy_tasks']}"]
    return "\n".join(lines) + "\n"


# --- The command line -----------------------------------------------------------------


def target_group_from(text: str | None) -> TargetGroupHealth:
    """``interval=10,healthy=2`` over AWS's defaults; make preflight prints a real group's values."""
    if not text:
        return TargetGroupHealth()
    settings = {}
    for pair in text.split(","):
        key, sep, value = pair.strip().partition("=")
        if key not in TARGET_GROUP_KEYS or not sep or not value.isdigit() or not value.isascii():
            raise BadInput(
                f"--target-group {pair!r} is not KEY=SECONDS_OR_COUNT: use {', '.join(TARGET_GROUP_KEYS)}, "
                "e.g. interval=30,timeout=5,healthy=5,unhealthy=2,deregistration=300"
            )
        settings[TARGET_GROUP_KEYS[key]] = int(value)
    return replace(TargetGroupHealth(), source="given", **settings)


def task_start_from(text: str | None) -> Span:
    if not text:
        return Assumptions().task_start
    parts = text.split(",")
    if len(parts) > 2 or not all(p.isdigit() and p.isascii() for p in parts):
        raise BadInput(f"--task-start {text!r} is not SECONDS or TYPICAL,WORST: e.g. --task-start 40,90")
    typical, worst = int(parts[0]), int(parts[-1])
    if worst < typical:
        raise BadInput(f"--task-start {text!r}: the worst case ({worst}) is shorter than the typical one ({typical})")
    return Span(typical, worst)


def main(argv: list[str] | None = None, out: Callable[[str], object] = sys.stdout.write) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.timeline", description=__doc__.splitlines()[0])
    parser.add_argument("template", help=f"one of {', '.join(template.names())}")
    parser.add_argument("params", nargs="?", help="parameter file (params/*.json); without it, the defaults")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--target-group",
        help="health-check settings of a target group another stack owns (go-api), as make preflight prints them: "
        "interval=30,timeout=5,healthy=5,unhealthy=2,deregistration=300 (AWS's defaults)",
    )
    parser.add_argument("--task-start", help="seconds from launch to a started container: SECONDS or TYPICAL,WORST")
    arguments = parser.parse_args(argv)
    try:
        assumptions = Assumptions(
            task_start=task_start_from(arguments.task_start), target_group=target_group_from(arguments.target_group)
        )
        report = timeline(arguments.template, arguments.params, assumptions)
    except BadInput as error:
        print(f"timeline: {error}", file=sys.stderr)
        return 2
    out(as_json(report) if arguments.json else as_text(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())


# --- The generated tables of docs/releases.md -------------------------------------------


def _stack_files(name: str) -> list[Path | None]:
    """The defaults, then each parameter file of the template (named before its first dot)."""
    return [None, *sorted(p for p in (ROOT / "params").glob("*.json") if p.name.split(".")[0] == name)]


def timeline_table(files) -> str:
    """Every template with its defaults and each of its parameter files, as the build made them."""
    from templates import TEMPLATES, docblocks

    header = [
        "Template, parameters",
        "Service",
        "Tasks, rollout",
        "First create",
        "Release",
        "Failed release, rolled back",
        "Stopped task replaced",
        "Unhealthy task noticed / replaced",
        "Breach to a new task answering",
        "Fewest answering in a release",
    ]
    rows = []
    for name in TEMPLATES:
        document = json.loads(files(f"{name}.json"))
        if not any(body["Type"] == "AWS::ECS::Service" for body in document["Resources"].values()):
            continue  # nothing released: the prerequisites
        for path in _stack_files(name):
            report = timeline(name, str(path) if path else None, Assumptions(), document=document)
            for service, found in report["services"].items():
                seconds = found["seconds"]
                noticed = seconds["detect_unhealthy"]
                rows.append(
                    [
                        f"`{name}`, {f'`params/{path.name}`' if path else 'defaults'}",
                        service,
                        f"{found['desired_tasks']}, {found['rollout'][0]}/{found['rollout'][1]} %",
                        _cell(seconds["first_create"]),
                        _cell(seconds["release"]),
                        _cell(seconds["failed_release_rolled_back"]),
                        _cell(seconds["replace_stopped"]),
                        f"{_cell(noticed)}; {_cell(seconds['replace_unhealthy'])}" if noticed else "-",
                        _cell(seconds["scale_out_answering"]),
                        found["min_healthy"]["release"],
                    ]
                )
    return docblocks.table(header, rows)


DOC_BLOCKS = {"releases.timeline": timeline_table, "releases.timings": timings.timings_table}
