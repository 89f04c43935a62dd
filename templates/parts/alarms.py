"""CloudWatch alarms for what target tracking does not watch: lost tasks and bad targets."""

from troposphere import GetAtt, If, NoValue, Ref, cloudwatch

from .parameters import value


def _actions(topic, topic_condition: str | None) -> dict:
    if topic is None:
        return {}
    topics = If(topic_condition, [Ref(topic)], NoValue) if topic_condition else [value(topic)]
    return {"AlarmActions": topics, "OKActions": topics}


def tasks_below_desired(
    title: str, *, cluster_name, service_name, description: str, topic=None, topic_condition=None, minutes: int = 5
) -> cloudwatch.Alarm:
    """Fewer tasks running than desired for ``minutes`` in a row (Container Insights).

    A deployment or a Spot interruption dips briefly; five minutes rules those out.
    """
    dimensions = [
        cloudwatch.MetricDimension(Name="ClusterName", Value=cluster_name),
        cloudwatch.MetricDimension(Name="ServiceName", Value=service_name),
    ]

    def metric(query_id: str, name: str) -> cloudwatch.MetricDataQuery:
        return cloudwatch.MetricDataQuery(
            Id=query_id,
            ReturnData=False,
            MetricStat=cloudwatch.MetricStat(
                Metric=cloudwatch.Metric(Namespace="ECS/ContainerInsights", MetricName=name, Dimensions=dimensions),
                Period=60,
                Stat="Average",
            ),
        )

    return cloudwatch.Alarm(
        title,
        AlarmDescription=description,
        Metrics=[
            metric("running", "RunningTaskCount"),
            metric("desired", "DesiredTaskCount"),
            cloudwatch.MetricDataQuery(
                Id="missing",
                Label="Desired minus running tasks",
                Expression="desired - FILL(running, 0)",
                ReturnData=True,
            ),
        ],
        ComparisonOperator="GreaterThanThreshold",
        Threshold=0,
        EvaluationPeriods=minutes,
        DatapointsToAlarm=minutes,
        TreatMissingData="notBreaching",
        **_actions(topic, topic_condition),
    )


def unhealthy_targets(
    title: str,
    *,
    target_group,
    load_balancer_full_name,
    description: str,
    topic=None,
    topic_condition=None,
    minutes: int = 3,
) -> cloudwatch.Alarm:
    """Any target of the group failing its health check for ``minutes`` in a row."""
    return cloudwatch.Alarm(
        title,
        AlarmDescription=description,
        Namespace="AWS/ApplicationELB",
        MetricName="UnHealthyHostCount",
        Dimensions=[
            cloudwatch.MetricDimension(Name="TargetGroup", Value=GetAtt(target_group, "TargetGroupFullName")),
            cloudwatch.MetricDimension(Name="LoadBalancer", Value=load_balancer_full_name),
        ],
        Statistic="Maximum",
        Period=60,
        EvaluationPeriods=minutes,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
        **_actions(topic, topic_condition),
    )
