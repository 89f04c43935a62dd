"""What one task and one alarm take, whatever the strategy: healthy, in DNS, stopped, a
failure noticed, a deployment alarm in ALARM."""

import math

from templates import timings

from .model import NONE, Service, Span, longest, shortest

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
