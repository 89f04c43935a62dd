"""A rolling release: tasks replaced a batch at a time within the minimum and maximum
percent, then the deployment alarms watched (ECS's rolling bake)."""

from dataclasses import dataclass

from templates import timings

from ..shared.errors import BadInput
from .model import Assumptions, Service, Span
from .tasks import becomes_healthy, dns_delay, old_task_stops

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


def alarm_watch(service: Service) -> int:
    """How long ECS keeps a rolling release IN_PROGRESS after its last task was replaced."""
    window = service.deployment_alarms
    return timings.ALARM_WATCH.value * window.evaluation if window else 0
