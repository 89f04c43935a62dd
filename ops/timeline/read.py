"""A built template's ECS services, read into the model: strategy, health checks, DNS,
scaling, deployment alarms, capacity, containers' start order."""

import json

from templates import timings
from templates.evaluate import Evaluator

from ..preflight import deployments
from ..shared.errors import BadInput
from .model import (
    BLUE_GREEN,
    CANARY,
    LINEAR,
    ON_DEMAND_ONLY,
    ROLLING,
    AlarmWindow,
    Assumptions,
    Capacity,
    ContainerHealth,
    Dns,
    Scaling,
    Service,
    TargetGroupHealth,
    TrafficShift,
)


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
    """How the service's tasks split between Fargate and Fargate Spot: its capacity provider
    strategy, or every task on demand (a launch type)."""
    strategy = properties.get("CapacityProviderStrategy") or []
    if not strategy:
        return {"capacity": ON_DEMAND_ONLY}
    weights = {i["CapacityProvider"]: _int(i.get("Weight")) for i in strategy}
    # One item at most has a base (API_CapacityProviderStrategyItem).
    based = next((i for i in strategy if _int(i.get("Base")) > 0), None)
    return {
        "capacity": Capacity(
            base=_int(based.get("Base")) if based else 0,
            on_demand_weight=weights.get("FARGATE", 0),
            spot_weight=weights.get("FARGATE_SPOT", 0),
            base_on_spot=bool(based) and based["CapacityProvider"] == "FARGATE_SPOT",
        )
    }
