"""Blue/green, linear and canary releases: the new revision started beside the old one in
the other target group, the production rule's weights moved, the bake time, the old one drained."""

from dataclasses import dataclass

from templates import timings

from .model import CANARY, LINEAR, Assumptions, Service, Span, TrafficShift
from .placement import SERVICE_WIDE, Deployment, steady
from .tasks import becomes_healthy, old_task_stops

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
    revision is in, the other one), how many of those run on Fargate Spot, and the production
    rule's weights on them. The load balancer sends production requests only to healthy
    targets of a group with weight."""

    what: str
    healthy: tuple[int, int]
    weights: tuple[float, float]
    spot: tuple[int, int] = (0, 0)

    @property
    def answering(self) -> int:
        return sum(tasks for tasks, weight in zip(self.healthy, self.weights, strict=True) if weight > 0)

    @property
    def answering_after_spot_reclaimed(self) -> int:
        """Answering once Fargate Spot has reclaimed every task it runs."""
        on_demand = (tasks - spot for tasks, spot in zip(self.healthy, self.spot, strict=True))
        return sum(tasks for tasks, weight in zip(on_demand, self.weights, strict=True) if weight > 0)


def shares(shift: TrafficShift) -> list[float]:
    """The production percentage on the new revision after each shift."""
    if shift.strategy == LINEAR:
        step = float(shift.first_share)
        return [min(100.0, round(step * n, 1)) for n in range(1, shift.shifts)] + [100.0]
    if shift.strategy == CANARY:
        return [float(shift.first_share), 100.0]
    return [100.0]


def shift_steps(service: Service, assumptions: Assumptions, reading: str = SERVICE_WIDE) -> list[Step]:
    """A blue/green, linear or canary release as ECS runs it: the new revision started in the
    other group, healthy there, the weights moved, both kept through the bake time, the old one
    drained. With the rule on the group ECS is about to fill, nothing answers until it is.

    The new revision's tasks are placed while the old revision's run (placement.py): read
    ``SERVICE_WIDE``, the old one's on-demand tasks hold the base, so the new one may have fewer
    on demand than the old, and keeps that split once the old one is gone."""
    desired = service.desired
    old = steady(service.capacity, desired)
    new = Deployment(service.capacity, reading).launch(desired, running=old)
    start = (100.0, 0.0) if assumptions.rule_on_the_tasks else (0.0, 100.0)
    both = {"healthy": (desired, desired), "spot": (old.spot, new.spot)}
    steps = [
        Step("before", (desired, 0), start, (old.spot, 0)),
        Step("new revision starting (SCALE_UP)", (desired, 0), start, (old.spot, 0)),
        Step("new revision healthy", weights=start, **both),
    ]
    steps += [Step(f"{moved} % moved", weights=(100 - moved, moved), **both) for moved in shares(service.traffic_shift)]
    steps += [
        Step("BAKE_TIME", weights=(0.0, 100.0), **both),
        Step("old revision drained (CLEAN_UP)", (0, desired), (0.0, 100.0), (0, new.spot)),
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


def fewest_after_spot_reclaimed(steps: list[Step]) -> int:
    """The fewest answering if Fargate Spot reclaims its tasks at the worst step."""
    return min(step.answering_after_spot_reclaimed for step in steps)


def shifted(service: Service, assumptions: Assumptions) -> tuple[Span, int]:
    """A traffic-shifting release until it completes: all traffic moved, the bake time, then
    the old revision's tasks drained and stopped; the fewest answering from its steps."""
    bake = service.traffic_shift.bake
    done = traffic_moved(service, assumptions) + Span(bake, bake) + old_task_stops(service)
    return done, fewest(shift_steps(service, assumptions))
