"""ECS services on Fargate: networking, rolling deployments, circuit breaker, zone balance."""

from dataclasses import dataclass

from troposphere import Ref, ecs

from . import ecs_exec
from .parameters import value


@dataclass(frozen=True)
class Rollout:
    """Rolling-deployment bounds, in percent of the desired count (numbers or parameter expressions).

    ECS rounds the minimum up and the maximum down to whole tasks.
    https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html
    """

    minimum_healthy: object
    maximum: object


# Behind a load balancer a new task gets traffic the moment its target is healthy, the
# moment ECS counts it: keep every old task until then (100), start as many new ones (200).
BEHIND_A_LOAD_BALANCER = Rollout(minimum_healthy=100, maximum=200)
# Found by DNS: ECS counts a new task healthy about 30 s before Cloud Map answers with it,
# and stops an old task at that moment. Keeping every old task (100) and adding half as
# many new ones at a time (150: one at two tasks) leaves an old task registered while the
# first new ones wait for Cloud Map; the last old tasks stop only when the next new ones
# have started and passed a health check, an image pull and at least one 30 s check
# interval later. 100/200 stops every old task the moment the new ones turn healthy.
# Needs at least two tasks. https://github.com/aws/containers-roadmap/issues/830
FOUND_BY_DNS = Rollout(minimum_healthy=100, maximum=150)

# ECS balances a service's tasks across its zones. Set explicitly: on create ECS enables
# it by default, on update it keeps what the service had, and a service that never had a
# value (created before June 2025) stays DISABLED. Changing it starts no deployment.
# https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-rebalancing.html
ZONE_REBALANCING = "ENABLED"


def fargate_service(
    title: str,
    *,
    cluster,
    task_definition,
    subnets,
    security_groups: list,
    assign_public_ip,
    rollout: Rollout,
    desired_count=None,
    capacity_strategy: list | None = None,
    load_balancers: list | None = None,
    health_check_grace_seconds=None,
    registries: list | None = None,
    depends_on: list | None = None,
    execute_command: str | None = None,
    deployment_alarms: list | None = None,
    strategy: dict | None = None,
) -> ecs.Service:
    """A service that rolls forward, and rolls back by itself when a release fails.

    The circuit breaker is always on: a release whose tasks keep failing to start
    or to pass health checks is stopped and the last good task definition comes
    back. ``capacity_strategy`` replaces the FARGATE launch type (ECS rejects both).

    ``deployment_alarms`` are the names of the alarms that fail a release and roll it back
    (ECS deployment alarms); ``strategy`` is the part of the deployment configuration a
    :class:`deployment_strategy.Strategy` gives, for a service that offers other strategies
    than rolling (it also sets the ECS deployment controller they need).

    Leave ``desired_count`` out for a service that auto-scaling manages: ECS then
    starts one task, registering the scalable target lifts it to the minimum, and
    stack updates leave the count alone. With a count in the template, every
    update of the service (every release) would reset it to that number.
    """
    placement = {"CapacityProviderStrategy": capacity_strategy} if capacity_strategy else {"LaunchType": "FARGATE"}
    optional = {}
    if desired_count is not None:
        optional["DesiredCount"] = value(desired_count)
    if load_balancers:
        optional["LoadBalancers"] = load_balancers
        if health_check_grace_seconds is not None:
            optional["HealthCheckGracePeriodSeconds"] = value(health_check_grace_seconds)
    if registries:
        optional["ServiceRegistries"] = registries
    if depends_on:
        optional["DependsOn"] = depends_on
    if strategy:
        optional["DeploymentController"] = ecs.DeploymentController(Type="ECS")
    if execute_command:
        optional["EnableExecuteCommand"] = ecs_exec.service_setting(execute_command)
        # Without it, turning ECS Exec on or off would leave the running tasks as they are.
        optional["ForceNewDeployment"] = ecs_exec.redeploy_on_change()
    return ecs.Service(
        title,
        Cluster=cluster,
        TaskDefinition=Ref(task_definition),
        PlatformVersion="LATEST",
        NetworkConfiguration=ecs.NetworkConfiguration(
            AwsvpcConfiguration=ecs.AwsvpcConfiguration(
                Subnets=Ref(subnets),
                SecurityGroups=security_groups,
                AssignPublicIp=value(assign_public_ip),
            )
        ),
        DeploymentConfiguration=ecs.DeploymentConfiguration(
            MinimumHealthyPercent=value(rollout.minimum_healthy),
            MaximumPercent=value(rollout.maximum),
            DeploymentCircuitBreaker=ecs.DeploymentCircuitBreaker(Enable=True, Rollback=True),
            **_alarms(deployment_alarms),
            **(strategy or {}),
        ),
        AvailabilityZoneRebalancing=ZONE_REBALANCING,
        EnableECSManagedTags=True,
        PropagateTags="SERVICE",
        **placement,
        **optional,
    )


def _alarms(names: list | None) -> dict:
    """ECS fails a deployment when one of these alarms goes to ALARM, and rolls back to the
    last completed one; the alarms are named, not referenced (parts/alarms.py says why).
    https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html
    """
    if not names:
        return {}
    return {"Alarms": ecs.DeploymentAlarms(AlarmNames=names, Enable=True, Rollback=True)}


def load_balancer(target_group, *, container_name: str, container_port, advanced=None) -> ecs.LoadBalancer:
    """``advanced`` is the ``AdvancedConfiguration`` of the traffic-shifting strategies."""
    optional = {"AdvancedConfiguration": advanced} if advanced is not None else {}
    return ecs.LoadBalancer(
        TargetGroupArn=value(target_group),
        ContainerName=container_name,
        ContainerPort=value(container_port),
        **optional,
    )
