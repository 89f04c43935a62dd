"""A rolling release: tasks replaced a batch at a time within the minimum and maximum
percent, then the deployment alarms watched (ECS's rolling bake)."""

from dataclasses import dataclass

from templates import timings

from ..shared.errors import BadInput
from .model import NONE, Assumptions, Service, Span
from .placement import SERVICE_WIDE, Deployment, Placed, steady
from .tasks import becomes_healthy, dns_delay, old_task_stops

# --- A rolling release, step by step ---------------------------------------------------


@dataclass(frozen=True)
class Rolled:
    seconds: float  # until the last old task is gone (and, in DNS, the last new one answers)
    serving: int  # fewest healthy tasks ECS (and a load balancer) counts at any moment
    in_dns: int | None  # fewest tasks Cloud Map answers with as healthy at any moment
    # The same two, of the tasks on Fargate (on demand): what answers if Spot reclaims its tasks then.
    serving_on_demand: int
    in_dns_on_demand: int | None
    after: Placed  # the new revision's split, which it keeps until its tasks are replaced


def rolling(
    service: Service,
    ready: float,
    stop: float,
    delay: float,
    spot_stops_first: bool = False,
    reading: str = SERVICE_WIDE,
) -> Rolled:
    """ECS's rolling update of ``desired`` tasks, one case (typical or worst durations).

    At each moment ECS stops old tasks while more than the floor are healthy, and starts
    new ones while fewer than the ceiling run (a stopping task still counts against it).
    ``ready``: launch to healthy; ``stop``: decision to gone; ``delay``: healthy to in DNS.
    A task that turns healthy in Cloud Map at the very moment an old one stops is not
    counted: Cloud Map's delay is "about" 30 s.

    Each task is on Fargate Spot or not (True/False): the old ones as the service placed them,
    each new batch by the strategy while the others run (placement.py). Which old task ECS
    stops first is not the user's choice (github.com/aws/amazon-ecs-agent/issues/3330) nor
    documented: ``spot_stops_first`` says which; ``reading``, who holds the base (placement.py).
    """
    desired, floor, ceiling = service.desired, service.floor, service.ceiling
    placed = steady(service.capacity, desired)
    old = [True] * placed.spot + [False] * placed.on_demand
    old = old if spot_stops_first else old[::-1]
    stopping, pending, healthy = [], [], []  # (when it is gone or healthy, on Spot)
    now, seen, deployment = 0.0, _Fewest(desired, desired - placed.spot), Deployment(service.capacity, reading)
    while True:
        stopping = [t for t in stopping if t[0] > now]
        healthy += [t for t in pending if t[0] <= now]
        pending = [t for t in pending if t[0] > now]
        stop_now = min(len(old), len(old) + len(healthy) - floor)
        if stop_now > 0:
            stopping += [(now + stop, on_spot) for on_spot in old[:stop_now]]
            old = old[stop_now:]
        running = len(old) + len(healthy) + len(pending) + len(stopping)
        start_now = min(desired - len(healthy) - len(pending), ceiling - running)
        if start_now > 0:
            spots = old + [on_spot for _, on_spot in stopping + pending + healthy]
            new = deployment.launch(start_now, Placed(spots.count(False), spots.count(True)))
            pending += [(now + ready, False)] * new.on_demand + [(now + ready, True)] * new.spot
        seen.note(old + [on_spot for _, on_spot in healthy], old + [s for t, s in healthy if t + delay < now])
        if any(t <= now for t, _ in pending + stopping):
            continue  # something finished at this very moment: act again before time moves
        upcoming = [t for t, _ in pending + stopping]
        if not upcoming:
            break
        now = min(upcoming)
    if len(healthy) < desired:
        raise BadInput(
            f"{service.name}: a rollout of {service.minimum_healthy_percent}/{service.maximum_percent} % of "
            f"{desired} tasks can neither stop nor start a task: raise the maximum or lower the minimum percent"
        )
    last_in_dns = max(t for t, _ in healthy) + delay if service.dns else 0
    dns = service.dns is not None
    return Rolled(
        max(now, last_in_dns),
        seen.serving,
        seen.in_dns if dns else None,
        seen.serving_on_demand,
        seen.in_dns_on_demand if dns else None,
        Placed(*(sum(on_spot is spot for _, on_spot in healthy) for spot in (False, True))),
    )


class _Fewest:
    """The fewest tasks answering seen so far, all of them and those on demand; each list holds
    whether each answering task is on Spot."""

    def __init__(self, desired: int, on_demand: int):
        self.serving = self.in_dns = desired
        self.serving_on_demand = self.in_dns_on_demand = on_demand

    def note(self, serving: list[bool], in_dns: list[bool]) -> None:
        self.serving = min(self.serving, len(serving))
        self.in_dns = min(self.in_dns, len(in_dns))
        self.serving_on_demand = min(self.serving_on_demand, serving.count(False))
        self.in_dns_on_demand = min(self.in_dns_on_demand, in_dns.count(False))


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


def rolled_out_spot_reclaimed(
    service: Service,
    assumptions: Assumptions,
    reading: str = SERVICE_WIDE,
    spot_first: tuple[bool, ...] = (False, True),
    in_dns: bool = True,
) -> int:
    """The fewest tasks answering if Fargate Spot reclaims its tasks at the worst moment of a
    rolling release, or after it (the new revision keeps the split it was placed with): typical
    and worst durations, each order of stopping the old tasks in ``spot_first``. Without
    ``in_dns``, only what ECS and the load balancer count: Cloud Map's delay left out."""
    ready = assumptions.task_start + becomes_healthy(service)
    stop = old_task_stops(service)
    delay = dns_delay(service) if in_dns else NONE
    found = []
    for first in spot_first:
        for case in (0, 1):
            rolled = rolling(service, ready[case], stop[case], delay[case], first, reading)
            found += [rolled.serving_on_demand]
            found += [rolled.in_dns_on_demand] if service.dns and in_dns else []
    return min(found)


def alarm_watch(service: Service) -> int:
    """How long ECS keeps a rolling release IN_PROGRESS after its last task was replaced."""
    window = service.deployment_alarms
    return timings.ALARM_WATCH.value * window.evaluation if window else 0
