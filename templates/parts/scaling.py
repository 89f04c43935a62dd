"""Target-tracking auto-scaling of an ECS service's task count.

Application Auto Scaling uses its service-linked role for ECS, so no role is
created here. Target tracking makes its own CloudWatch alarms (scale out after
three one-minute points above the target, scale in after fifteen below it).
"""

from troposphere import GetAtt, Join, Sub
from troposphere import applicationautoscaling as scaling

from .parameters import value

CPU = "ECSServiceAverageCPUUtilization"
MEMORY = "ECSServiceAverageMemoryUtilization"


def scalable_target(title: str, *, cluster_name, service, minimum, maximum) -> scaling.ScalableTarget:
    return scaling.ScalableTarget(
        title,
        ServiceNamespace="ecs",
        ScalableDimension="ecs:service:DesiredCount",
        ResourceId=Join("/", ["service", cluster_name, GetAtt(service, "Name")]),
        MinCapacity=value(minimum),
        MaxCapacity=value(maximum),
    )


def target_tracking(
    title: str, *, target, metric: str, target_percent, scale_out_cooldown: int, scale_in_cooldown: int
) -> scaling.ScalingPolicy:
    """Keep ``metric`` (:data:`CPU` or :data:`MEMORY`) near ``target_percent``.

    Cooldowns damp flapping: scale-out may follow scale-out after
    ``scale_out_cooldown`` seconds, scale-in waits ``scale_in_cooldown``.
    """
    return scaling.ScalingPolicy(
        title,
        PolicyName=Sub(f"${{AWS::StackName}}-{title}"),
        PolicyType="TargetTrackingScaling",
        ScalingTargetId=value(target),
        TargetTrackingScalingPolicyConfiguration=scaling.TargetTrackingScalingPolicyConfiguration(
            PredefinedMetricSpecification=scaling.PredefinedMetricSpecification(PredefinedMetricType=metric),
            TargetValue=value(target_percent),
            ScaleOutCooldown=scale_out_cooldown,
            ScaleInCooldown=scale_in_cooldown,
        ),
    )
