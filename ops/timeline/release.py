"""Every figure of one service: a release, one that fails (circuit breaker) or is rolled back
by an alarm, a task replaced, the first create, scaling; the strategy's own model for each."""

import math
from dataclasses import asdict

from templates import timings

from .model import NONE, Assumptions, Service, Span, as_seconds
from .rolling import alarm_watch, rolled_out
from .spot import by_reading, spot_note
from .tasks import alarm_fires, becomes_healthy, dns_delay, failing_task_stops, notices_failure, old_task_stops
from .traffic_shifting import (
    fewest,
    green_ready,
    replacement_steps,
    shifted,
    traffic_moved,
)


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
            f"({as_seconds(fires.typical)} s): a problem that begins once all traffic moved is not rolled back"
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
    readings = by_reading(service, assumptions) if service.spot_possible else None
    spot = min(readings.values()) if readings else service.desired
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
            "spot_interruption": spot,
        },
        # The Spot interruption figure if the service's tasks hold the base, or each deployment's own.
        "spot_interruption_by_base_reading": readings,
        "notes": notes(service) + spot_note(service, assumptions, readings),
    }
