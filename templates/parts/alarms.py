"""CloudWatch alarms for what target tracking does not watch: lost tasks and bad targets.

Each alarm says what missing data means for it (``TreatMissingData``): the same gap
in the data can be good news for one alarm and the emergency itself for another.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data
"""

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
        # Container Insights reports both counts every minute while the service
        # exists; no data means it is not reporting (Insights off, service gone),
        # which says nothing about tasks. "missing" shows that as INSUFFICIENT_DATA
        # instead of a reassuring OK.
        TreatMissingData="missing",
        **_actions(topic, topic_condition),
    )


def _per_minute_target_group_alarm(
    title: str,
    *,
    target_group,
    load_balancer_full_name,
    description: str,
    minutes: int,
    topic=None,
    topic_condition=None,
    **rule,
) -> cloudwatch.Alarm:
    """An alarm on one of the target group's per-minute ALB metrics, breaching ``minutes`` minutes in a row.

    ``rule`` is what tells the alarms apart: metric, statistic, threshold, comparison, missing data.
    """
    return cloudwatch.Alarm(
        title,
        AlarmDescription=description,
        Namespace="AWS/ApplicationELB",
        Dimensions=[
            cloudwatch.MetricDimension(Name="TargetGroup", Value=GetAtt(target_group, "TargetGroupFullName")),
            cloudwatch.MetricDimension(Name="LoadBalancer", Value=load_balancer_full_name),
        ],
        Period=60,
        EvaluationPeriods=minutes,
        DatapointsToAlarm=minutes,
        **rule,
        **_actions(topic, topic_condition),
    )


def unhealthy_targets(title: str, *, minutes: int = 3, **target_group_and_topic) -> cloudwatch.Alarm:
    """Any target of the group failing its health check for ``minutes`` in a row."""
    return _per_minute_target_group_alarm(
        title,
        minutes=minutes,
        **target_group_and_topic,
        MetricName="UnHealthyHostCount",
        Statistic="Maximum",
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
        # No data: the load balancer reported no unhealthy target. An empty group
        # also reads 0 here; :func:`no_healthy_targets` is the alarm for that.
        TreatMissingData="notBreaching",
    )


def no_healthy_targets(title: str, *, minutes: int = 2, **target_group_and_topic) -> cloudwatch.Alarm:
    """Not one healthy target in the group (the lowest count of each minute below 1) for ``minutes`` in a row.

    The outage :func:`unhealthy_targets` cannot see: with no task registered at all
    (all stopped, none starting) the unhealthy count is 0 while the ALB answers 503.
    """
    return _per_minute_target_group_alarm(
        title,
        minutes=minutes,
        **target_group_and_topic,
        MetricName="HealthyHostCount",
        Statistic="Minimum",
        Threshold=1,
        ComparisonOperator="LessThanThreshold",
        # No data: nothing in the group for the load balancer to report on, which is
        # exactly "no healthy target". (HealthyHostCount is reported while health
        # checks run: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html)
        TreatMissingData="breaching",
    )
