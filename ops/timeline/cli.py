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
import math
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from templates import timings
from templates.evaluate import Evaluator

from ..preflight import deployments
from ..shared import invocation, params, rules, template
from ..shared.errors import BadInput

ROOT = Path(__file__).resolve().parent.parent.parent
ROLLING, BLUE_GREEN, LINEAR, CANARY = "ROLLING", "BLUE_GREEN", "LINEAR", "CANARY"


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
class AlarmWindow:
    """The slowest of a service's deployment alarms, in the terms CloudWatch evaluates it."""

    datapoints: int
    evaluation_periods: int
    period: int

    @property
    def evaluation(self) -> int:
        return self.evaluation_periods * self.period


@dataclass(frozen=True)
class TrafficShift:
    """A blue/green, linear or canary release: what it waits for, in seconds."""

    strategy: str
    bake: int  # both revisions run after all traffic moved
    shifts: int  # how many times ECS rewrites the production rule's weights
    wait: int  # the step (or canary) bake time after each shift but the last
    first_share: str  # percent of the traffic the first shift moves

    @property
    def between_shifts(self) -> int:
        """From the first production request on the new revision until all of them."""
        return self.wait * (self.shifts - 1) + timings.LINEAR_LAST_STEP_BAKE.value

    def describe(self) -> str:
        bake = f"bake {self.bake // 60} min"
        if self.strategy == LINEAR:
            return f"linear {self.first_share} % every {self.wait // 60} min, {bake}"
        if self.strategy == CANARY:
            return f"canary {self.first_share} % for {self.wait // 60} min, {bake}"
        return f"blue/green, {bake}"


@dataclass(frozen=True)
class Service:
    """One ECS service as a release sees it."""

    name: str
    desired: int
    minimum_healthy_percent: int
    maximum_percent: int
    strategy: str
    circuit_breaker: bool
    stop_timeout: int
    target_group: TargetGroupHealth | None = None
    # Set for BLUE_GREEN, LINEAR and CANARY; a ROLLING release rolls within the percentages above.
    traffic_shift: TrafficShift | None = None
    deployment_alarms: AlarmWindow | None = None  # None: no alarm rolls a release back
    grace: int = 0
    container_health: ContainerHealth | None = None
    # Containers that start only once the one before is HEALTHY (a proxy beside the application),
    # in start order; they stop in the reverse order, each after the one started after it.
    after_healthy: tuple[ContainerHealth, ...] = ()
    # startTimeout of the container the others wait for: a task whose container is not healthy by
    # then stops (the others give up). None: no container waits for another.
    gives_up: int | None = None
    # The stop timeout of the containers a task that never got healthy ran (those that start first).
    failing_stop_timeout: int | None = None
    dns: Dns | None = None
    scaling: Scaling | None = None
    spot_possible: bool = False
    on_demand_base: int = 0
    forces_deployments: bool = False  # EnableForceNewDeployment: any update of the service is a release

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
    # Whether the production rule sends the traffic to the group the service's tasks are in when
    # a blue/green, linear or canary release starts. What ECS does with a re-sent target group
    # pair is not documented (docs/releases.md#which-target-group-a-release-replaces); make
    # preflight refuses a release otherwise, so the figures assume it.
    rule_on_the_tasks: bool = True


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
        first, later = _start_order(containers)
        scaling = _scaling(resources, title)
        strategy = deployment.get("Strategy", ROLLING)
        found.append(
            Service(
                name=title,
                desired=_int(properties.get("DesiredCount"), scaling.minimum if scaling else 1),
                minimum_healthy_percent=_int(deployment.get("MinimumHealthyPercent"), 100),
                maximum_percent=_int(deployment.get("MaximumPercent"), 200),
                strategy=strategy,
                circuit_breaker=bool(breaker.get("Enable")) and bool(breaker.get("Rollback")),
                stop_timeout=sum(_stop_timeout(stage) for stage in (first, *([c] for c in later))),
                target_group=_target_group(resources, properties, assumptions),
                traffic_shift=None if strategy == ROLLING else _traffic_shift(title, deployment),
                deployment_alarms=_deployment_alarms(resources, deployment),
                grace=_int(properties.get("HealthCheckGracePeriodSeconds")),
                container_health=_container_health(first),
                after_healthy=tuple(_container_health([c]) for c in later if _container_health([c])),
                gives_up=_gives_up(first) if later else None,
                failing_stop_timeout=_stop_timeout(first) if later else None,
                dns=_dns(resources, properties),
                scaling=scaling,
                forces_deployments=(properties.get("ForceNewDeployment") or {}).get("EnableForceNewDeployment") is True,
                **_capacity(properties),
            )
        )
    return found


def _traffic_shift(service: str, deployment: dict) -> TrafficShift:
    """The strategy's waits: ECS's documented sequence with the template's minutes (ECS's
    defaults for a value the template leaves out)."""
    from templates.parts import deployment_strategy as ecs  # troposphere: only for these strategies

    strategy = deployment["Strategy"]
    bake = _int(deployment.get("BakeTimeInMinutes"), ecs.DEFAULT_BAKE_MINUTES) * 60
    if strategy == LINEAR:
        linear = deployment.get("LinearConfiguration") or {}
        step = str(linear.get("StepPercent", ecs.DEFAULT_LINEAR_STEP_PERCENT))
        # CloudFormation's count of step bakes: one after every shift but the one reaching 100 %.
        shifts = deployments.linear_steps(step) + 1
        step_bake = _int(linear.get("StepBakeTimeInMinutes"), ecs.DEFAULT_LINEAR_STEP_MINUTES) * 60
        return TrafficShift(strategy, bake, shifts, step_bake, step)
    if strategy == CANARY:
        canary = deployment.get("CanaryConfiguration") or {}
        wait = _int(canary.get("CanaryBakeTimeInMinutes"), ecs.DEFAULT_CANARY_MINUTES) * 60
        share = str(canary.get("CanaryPercent", ecs.DEFAULT_CANARY_PERCENT))
        return TrafficShift(strategy, bake, timings.CANARY_SHIFTS.value, wait, share)
    if strategy == BLUE_GREEN:
        return TrafficShift(strategy, bake, 1, 0, "100.0")
    raise BadInput(f"{service} deploys with {strategy!r}: the timeline knows ROLLING, BLUE_GREEN, LINEAR and CANARY")


def _deployment_alarms(resources: dict, deployment: dict) -> AlarmWindow | None:
    """The slowest alarm that rolls a release back, when the template creates it."""
    alarms = deployment.get("Alarms") or {}
    if alarms.get("Enable") is not True or alarms.get("Rollback") is not True:
        return None
    names = alarms.get("AlarmNames") or []
    windows = [
        AlarmWindow(
            datapoints=_int(body["Properties"].get("DatapointsToAlarm"), _int(body["Properties"]["EvaluationPeriods"])),
            evaluation_periods=_int(body["Properties"]["EvaluationPeriods"]),
            period=_alarm_period(body["Properties"]),
        )
        for body in resources.values()
        if body["Type"] == "AWS::CloudWatch::Alarm" and body["Properties"].get("AlarmName") in names
    ]
    # None when the alarms belong to another stack: their timing is not in this template.
    return max(windows, key=lambda w: (w.evaluation, w.datapoints * w.period)) if windows else None


def _alarm_period(alarm: dict) -> int:
    """A metric alarm's period, or the longest of a metric-math alarm's queries."""
    if "Period" in alarm:
        return _int(alarm["Period"])
    return max(_int(query["MetricStat"]["Period"]) for query in alarm.get("Metrics", []) if "MetricStat" in query)


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


def _start_order(containers: list[dict]) -> tuple[list[dict], list[dict]]:
    """(the containers that start with the task, those that wait for another to be HEALTHY, in order)."""
    waiting = {c["Name"]: c for c in containers if any(d["Condition"] == "HEALTHY" for d in c.get("DependsOn", []))}
    first = [c for c in containers if c["Name"] not in waiting]
    later, started = [], {c["Name"] for c in first}
    while waiting:
        ready = [c for name, c in waiting.items() if {d["ContainerName"] for d in c["DependsOn"]} <= started]
        if not ready:
            raise BadInput(f"containers {', '.join(sorted(waiting))} wait for each other: none could start")
        for container in ready:
            later.append(waiting.pop(container["Name"]))
            started.add(container["Name"])
    return first, later


def _stop_timeout(containers: list[dict]) -> int:
    return max(_int(c.get("StopTimeout"), timings.DEFAULT_STOP_TIMEOUT.value) for c in containers)


def _gives_up(containers: list[dict]) -> int | None:
    timeouts = [_int(c.get("StartTimeout")) for c in containers if c.get("StartTimeout") is not None]
    return min(timeouts) if timeouts else None


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
        # that fail do not count, so an application may answer only as it ends. A container that
        # waits for this one to be HEALTHY starts then, and its own checks begin.
        chain = NONE
        for each in (check, *service.after_healthy):
            last = max(each.interval, math.ceil(each.start_period / each.interval) * each.interval)
            chain = chain + Span(each.interval, last)
        waits.append(chain)
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
    """A task that never answered: the load balancer has no request in flight to wait for, and
    the containers waiting for a healthy one never started."""
    stop = service.failing_stop_timeout if service.failing_stop_timeout is not None else service.stop_timeout
    return Span(0, stop)


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
            if service.gives_up is not None:
                # The containers waiting for this one give up, and the task stops.
                seen.append(Span(service.gives_up, service.gives_up))
        else:
            # Any essential container's check: a proxy's sees the application fail too.
            for each in (check, *service.after_healthy):
                seen.append(Span((each.retries - 0.5) * each.interval, each.retries * each.interval + each.timeout))
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


def rolled_out(service: Service, assumptions: Assumptions) -> tuple[Span, int]:
    """A rolling replacement of the desired count, until the last old task is gone (and the
    last new one answers), and the fewest tasks answering meanwhile."""
    ready = assumptions.task_start + becomes_healthy(service)
    stop, delay = old_task_stops(service), dns_delay(service)
    typical = rolling(service, ready.typical, stop.typical, delay.typical)
    worst = rolling(service, ready.worst, stop.worst, delay.worst)
    answering = [typical.serving, worst.serving]
    if service.dns:
        answering += [typical.in_dns, worst.in_dns]
    return Span(typical.seconds, worst.seconds), min(answering)


# --- Deployment alarms ---------------------------------------------------------------


def alarm_fires(service: Service) -> Span | None:
    """From a bad release's first request (or task) until a deployment alarm is in ALARM.

    Typical: the problem begins as a period begins, and DatapointsToAlarm periods breach;
    worst: it begins just after, so that period may not breach and one more is needed.
    ECS's polling of the alarm is not documented and not counted.
    """
    window = service.deployment_alarms
    if window is None:
        return None
    late = timings.ALARM_LATE_BREACH.value
    return Span(window.datapoints * window.period, (window.datapoints + late) * window.period)


def alarm_watch(service: Service) -> int:
    """How long ECS keeps a rolling release IN_PROGRESS after its last task was replaced."""
    window = service.deployment_alarms
    return timings.ALARM_WATCH.value * window.evaluation if window else 0


# --- Blue/green, linear and canary -------------------------------------------------------


def green_ready(service: Service, assumptions: Assumptions) -> Span:
    """The new revision at full count and healthy in the alternate target group: ECS starts
    every new task at once, beside the old ones, and moves traffic only then."""
    return assumptions.task_start + becomes_healthy(service)


def traffic_moved(service: Service, assumptions: Assumptions) -> Span:
    """Until the last shift has put all production traffic on the new revision."""
    shift = service.traffic_shift
    waits = shift.between_shifts + shift.shifts * timings.TRAFFIC_SHIFT_WAIT.value
    return green_ready(service, assumptions) + Span(waits, waits)


@dataclass(frozen=True)
class Step:
    """One moment: healthy tasks registered in each target group (the group the current
    revision is in, the other one) and the production rule's weights on them. The load
    balancer sends production requests only to healthy targets of a group with weight."""

    what: str
    healthy: tuple[int, int]
    weights: tuple[float, float]

    @property
    def answering(self) -> int:
        return sum(tasks for tasks, weight in zip(self.healthy, self.weights, strict=True) if weight > 0)


def shares(shift: TrafficShift) -> list[float]:
    """The production percentage on the new revision after each shift."""
    if shift.strategy == LINEAR:
        step = float(shift.first_share)
        return [min(100.0, round(step * n, 1)) for n in range(1, shift.shifts)] + [100.0]
    if shift.strategy == CANARY:
        return [float(shift.first_share), 100.0]
    return [100.0]


def shift_steps(service: Service, assumptions: Assumptions) -> list[Step]:
    """A blue/green, linear or canary release as ECS runs it: the new revision started in the
    other group, healthy there, the weights moved, both kept through the bake time, the old one
    drained. With the rule on the group ECS is about to fill, nothing answers until it is."""
    desired = service.desired
    start = (100.0, 0.0) if assumptions.rule_on_the_tasks else (0.0, 100.0)
    steps = [
        Step("before", (desired, 0), start),
        Step("new revision starting (SCALE_UP)", (desired, 0), start),
        Step("new revision healthy", (desired, desired), start),
    ]
    steps += [
        Step(f"{moved} % moved", (desired, desired), (100 - moved, moved)) for moved in shares(service.traffic_shift)
    ]
    steps += [
        Step("BAKE_TIME", (desired, desired), (0.0, 100.0)),
        Step("old revision drained (CLEAN_UP)", (0, desired), (0.0, 100.0)),
    ]
    return steps


def replacement_steps(service: Service, assumptions: Assumptions) -> list[Step]:
    """One task of the group the tasks are in lost (stopped, or failing its checks, which takes
    it out of the load balancer) until its replacement is healthy in the same group."""
    desired = service.desired
    on_tasks = assumptions.rule_on_the_tasks or service.traffic_shift is None
    weights = (100.0, 0.0) if on_tasks else (0.0, 100.0)
    return [
        Step("before", (desired, 0), weights),
        Step("one task lost", (desired - 1, 0), weights),
        Step("replacement healthy", (desired, 0), weights),
    ]


def fewest(steps: list[Step]) -> int:
    return min(step.answering for step in steps)


def shifted(service: Service, assumptions: Assumptions) -> tuple[Span, int]:
    """A traffic-shifting release until it completes: all traffic moved, the bake time, then
    the old revision's tasks drained and stopped; the fewest answering from its steps."""
    bake = service.traffic_shift.bake
    done = traffic_moved(service, assumptions) + Span(bake, bake) + old_task_stops(service)
    return done, fewest(shift_steps(service, assumptions))


def release(service: Service, assumptions: Assumptions) -> tuple[Span, int]:
    """A release of the desired count until ECS calls it complete (what CloudFormation waits
    for), and the fewest tasks answering meanwhile.

    Rolling: the tasks replaced, then the deployment alarms watched (ECS's own bake).
    Blue/green, linear and canary: their own sequence and bake time.
    """
    if service.traffic_shift:
        return shifted(service, assumptions)
    rolled, answering = rolled_out(service, assumptions)
    watch = alarm_watch(service)
    return rolled + Span(watch, watch), answering


# --- Every figure of one service -------------------------------------------------------


def circuit_breaker_threshold(desired: int) -> int:
    """Failed tasks that fail a release: half the desired count, within 3 and 200."""
    half = math.ceil(desired * timings.CIRCUIT_BREAKER_PERCENT.value / 100)
    return min(max(half, timings.CIRCUIT_BREAKER_MINIMUM.value), timings.CIRCUIT_BREAKER_MAXIMUM.value)


def failed_release(service: Service, assumptions: Assumptions) -> Span | None:
    """A release whose tasks start but never pass a health check, until the rollback is done.

    Rolling: new tasks run as many at a time as the ceiling leaves room beside the old tasks
    ECS keeps; each is stopped once a check sees it fail; after ``threshold`` of them the
    circuit breaker rolls back, which starts the old version's tasks stopped at the start
    (none when ECS kept them all). Blue/green, linear and canary start every new task at
    once beside the old ones, which keep all traffic: nothing has to come back.
    """
    seen = notices_failure(service, new=True)
    if seen is None or not service.circuit_breaker:
        return None
    one_failure = assumptions.task_start + seen + failing_task_stops(service)
    threshold = circuit_breaker_threshold(service.desired)
    if service.traffic_shift:
        return one_failure.times(math.ceil(threshold / service.desired))
    at_once = min(service.desired, service.ceiling - service.floor)
    rollback = NONE
    if service.floor < service.desired:
        rollback = assumptions.task_start + becomes_healthy(service) + dns_delay(service)
    return one_failure.times(math.ceil(threshold / at_once)) + rollback


def alarm_rollbacks(service: Service, assumptions: Assumptions) -> tuple[Span | None, Span | None]:
    """A release whose tasks are healthy but bad (5xx, memory), rolled back by a deployment alarm,
    from the release's start until the rollback is complete: (the alarm during the rollout, as
    soon as it can fire; the alarm at the end of the bake, the last moment ECS acts on it).

    Rolling: the alarm fires its detection window after the first new task answers, or at the
    end of ECS's watch (the rolling "bake"); the rollback is a rolling release of the previous
    revision, not watched. Blue/green, linear and canary: its detection window after the
    first production request reaches the new revision, or at the end of the bake time; ECS
    moves all traffic back at once, and the new revision's tasks drain and stop.
    """
    fires = alarm_fires(service)
    if fires is None:
        return None, None
    if service.traffic_shift:
        shift_back = timings.TRAFFIC_SHIFT_WAIT.value
        back = Span(shift_back, shift_back) + old_task_stops(service)
        in_rollout = green_ready(service, assumptions) + fires + back
        bake = service.traffic_shift.bake
        in_bake = traffic_moved(service, assumptions) + Span(bake, bake) + back if bake else None
        return in_rollout, in_bake
    rolled, _ = rolled_out(service, assumptions)
    rollback = rolled + Span(timings.ROLLBACK_WATCH.value, timings.ROLLBACK_WATCH.value)
    first_answering = assumptions.task_start + becomes_healthy(service) + dns_delay(service)
    watch = alarm_watch(service)
    return first_answering + fires + rollback, rolled + Span(watch, watch) + rollback


def describe_deployment(service: Service) -> str:
    """The strategy in a few words: ``rolling 100/200 %, alarms watched 180 s``."""
    if service.traffic_shift:
        return service.traffic_shift.describe()
    watched = f", alarms watched {alarm_watch(service)} s" if service.deployment_alarms else ""
    return f"rolling {service.minimum_healthy_percent}/{service.maximum_percent} %{watched}"


def notes(service: Service) -> list[str]:
    """What a reader of the figures must know about this service's release settings."""
    found = []
    if service.forces_deployments:
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-ecs-service-forcenewdeployment.html
        found.append(
            "EnableForceNewDeployment is on: any update of the service (DesiredCount, the rollout, a tag) is a "
            "release, timed as above"
        )
    fires = alarm_fires(service)
    if fires is None:
        found.append("no deployment alarm: only tasks that fail their health checks roll a release back")
    shift = service.traffic_shift
    if shift and shift.bake == 0:
        found.append(
            "BakeTimeMinutes is 0: the old revision stops as soon as all traffic moved; a problem found later "
            "is fixed by another release"
        )
    elif shift and fires and shift.bake < fires.typical:
        found.append(
            f"BakeTimeMinutes ({shift.bake // 60}) is shorter than the deployment alarms need to fire "
            f"({_seconds(fires.typical)} s): a problem that begins once all traffic moved is not rolled back"
        )
    return found


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
    in_rollout, in_bake = alarm_rollbacks(service, assumptions)
    shift = service.traffic_shift
    return {
        "desired_tasks": service.desired,
        "rollout": [service.minimum_healthy_percent, service.maximum_percent],
        "strategy": service.strategy,
        "deployment": describe_deployment(service),
        "traffic_shift": {**asdict(shift), "between_shifts": shift.between_shifts} if shift else None,
        "deployment_alarms": asdict(service.deployment_alarms) if service.deployment_alarms else None,
        "alarm_watch_seconds": 0 if shift else alarm_watch(service),
        "found_by": "dns" if service.dns else "load balancer" if service.target_group else "nothing",
        "target_group": asdict(service.target_group) if service.target_group else None,
        "seconds": {
            "first_create": first_create(service, assumptions),
            "release": released,
            "traffic_moved": traffic_moved(service, assumptions) if shift else None,
            "failed_release_rolled_back": failed_release(service, assumptions),
            "alarm_fires": alarm_fires(service),
            "alarm_in_rollout_rolled_back": in_rollout,
            "alarm_in_bake_rolled_back": in_bake,
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
            "task_replacement": fewest(replacement_steps(service, assumptions)),
            "scale_in": service.scaling.minimum if service.scaling else service.desired,
            "spot_interruption": min(service.desired, service.on_demand_base)
            if service.spot_possible
            else service.desired,
        },
        "notes": notes(service),
    }


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
            f"{service['deployment']}, found by {service['found_by']}"
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
    return f"{_cell(seconds['alarm_in_rollout_rolled_back'])}; {_cell(seconds['alarm_in_bake_rolled_back'])}"


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
                        _cell(seconds["first_create"]),
                        _cell(seconds["release"]),
                        _cell(seconds["failed_release_rolled_back"]),
                        _alarm_cells(seconds),
                        _cell(seconds["replace_stopped"]),
                        f"{_cell(noticed)}; {_cell(seconds['replace_unhealthy'])}" if noticed else "-",
                        _cell(seconds["scale_out_answering"]),
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
                        _cell(seconds["release"]),
                        _cell(seconds["failed_release_rolled_back"]),
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

    ``key`` is a seconds figure (``release``) or ``min_healthy.<event>``, a task count."""
    name, environment, service, key = argument.split(":")
    document = json.loads(files(f"{name}.json"))
    path, given = _given_in(name, environment, document.get("Parameters", {}))
    found = timeline(name, path, Assumptions(), document=document, given=given)["services"][service]
    if key.startswith("min_healthy."):
        return str(found["min_healthy"][key.removeprefix("min_healthy.")])
    return _cell(found["seconds"][key])


DOC_BLOCKS = {
    "timeline.figure": figure,
    "releases.timeline": timeline_table,
    "releases.strategies": strategies_table,
    "releases.timings": timings.timings_table,
}
