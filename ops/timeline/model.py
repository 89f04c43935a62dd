"""What the timeline is computed from: a service's release settings, read from the template,
and the assumptions the user can change; every figure is a Span (typical, worst) in seconds."""

import math
from dataclasses import dataclass, field
from typing import NamedTuple

from templates import timings

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
class Capacity:
    """A service's capacity provider strategy on Fargate: ``base`` tasks on one provider first
    (FARGATE, or FARGATE_SPOT when ``base_on_spot``), the rest by the two relative weights. A
    service given a launch type instead runs every task on demand."""

    base: int = 0
    on_demand_weight: int = 1
    spot_weight: int = 0
    base_on_spot: bool = False

    @property
    def spot_possible(self) -> bool:
        return self.spot_weight > 0 or (self.base_on_spot and self.base > 0)


ON_DEMAND_ONLY = Capacity()


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
    capacity: Capacity = ON_DEMAND_ONLY
    forces_deployments: bool = False  # EnableForceNewDeployment: any update of the service is a release

    @property
    def spot_possible(self) -> bool:
        return self.capacity.spot_possible

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


# --- Output ------------------------------------------------------------------------------


def as_seconds(value):
    if isinstance(value, Span):
        return {"typical": as_seconds(value.typical), "worst": as_seconds(value.worst)}
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
