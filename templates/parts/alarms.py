"""CloudWatch alarms: the ones an on-call engineer needs, and the ones that roll a release back.

Each alarm says what missing data means for it (``TreatMissingData``): the same gap
in the data can be good news for one alarm and the emergency itself for another.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data

Every alarm is named after the stack (``<stack>-<tier>-<what>``), and the ECS service
refers to its deployment alarms by those names (``DeploymentConfiguration.Alarms``),
never by ``Ref``: a name derived from the stack name is known before the alarm exists,
it cannot collide with another stack's, and the service does not depend on an alarm
resource that a tool may not create (moto's CloudFormation skips alarms).
"""

from dataclasses import dataclass

from troposphere import GetAtt, If, NoValue, Ref, Sub, cloudwatch

from .parameters import value

ECS = "AWS/ECS"
CONTAINER_INSIGHTS = "ECS/ContainerInsights"
LOAD_BALANCER = "AWS/ApplicationELB"
MINUTE = 60
# The dimension value of an alternate target group that does not exist (yet): no metric has it.
NO_TARGET_GROUP = "none"


def alarm_name(suffix: str) -> Sub:
    """``<stack name>-<suffix>``: alarm names are unique per account and region, stack names too."""
    return Sub(f"${{AWS::StackName}}-{suffix}")


@dataclass(frozen=True)
class Notify:
    """Where ALARM notifications go: an optional SNS topic parameter and its ``Has...`` condition.

    No ``OKActions``: CloudWatch runs them on a transition to OK "from any other state",
    and every new alarm starts in INSUFFICIENT_DATA, so a stack create (and any alarm an
    update replaces) would tell the topic that alarms which never fired are OK again.
    Recoveries (ALARM -> OK only) reach the topic through :mod:`.alarm_recovery`.
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
    """

    topic: object = None
    condition: str | None = None

    def actions(self) -> dict:
        if self.topic is None:
            return {}
        topics = If(self.condition, [Ref(self.topic)], NoValue) if self.condition else [value(self.topic)]
        return {"AlarmActions": topics}


@dataclass(frozen=True)
class ServiceMetrics:
    """The dimensions of one ECS service's metrics, in AWS/ECS and in Container Insights."""

    cluster_name: object
    service_name: object

    def dimensions(self) -> list:
        return [
            cloudwatch.MetricDimension(Name="ClusterName", Value=self.cluster_name),
            cloudwatch.MetricDimension(Name="ServiceName", Value=self.service_name),
        ]


@dataclass(frozen=True)
class TargetGroups:
    """The target group(s) a service's tasks register in, behind one load balancer.

    ``alternate`` is the second group of blue/green, linear and canary deployments: ECS
    moves the tasks, and the production traffic, from one group to the other on every
    release, so an alarm that watched one group would watch an empty group after every
    other release. The alarms add both up, and only while ``alternate_condition`` (a
    traffic-shifting strategy) holds: under ROLLING the alternate's queries and terms are
    not in the alarm at all. The metric math guide does not say plainly what FILL makes of
    a series with no data point at all in the alarm's range (zeros, or no data, which would
    leave a sum without data: the 5xx and unhealthy alarms never firing, no-healthy always
    breaching), so a term that can never have data is left out rather than trusted to FILL.
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
    Values are the CloudWatch dimensions: ``targetgroup/<name>/<id>`` and ``app/<name>/<id>``.
    """

    primary: object
    load_balancer: object
    alternate: object = None
    alternate_condition: str | None = None
    # What a dashboard names as the alternate group whatever the strategy (None: ``alternate``).
    alternate_shown: object = None

    def alternate_dimension(self):
        return self.alternate if self.alternate_shown is None else self.alternate_shown

    def _query(self, query_id: str, target_group, metric: str, stat: str) -> cloudwatch.MetricDataQuery:
        dimensions = [
            cloudwatch.MetricDimension(Name="TargetGroup", Value=target_group),
            cloudwatch.MetricDimension(Name="LoadBalancer", Value=self.load_balancer),
        ]
        return cloudwatch.MetricDataQuery(
            Id=query_id,
            ReturnData=False,
            MetricStat=cloudwatch.MetricStat(
                Metric=cloudwatch.Metric(Namespace=LOAD_BALANCER, MetricName=metric, Dimensions=dimensions),
                Period=MINUTE,
                Stat=stat,
            ),
        )

    def total(self, query_id: str, metric: str, stat: str, both: bool) -> tuple[list, str]:
        """Queries of ``metric`` in the primary group (and the alternate, with ``both``), and the
        expression that adds them up (no data = 0)."""
        queries = [self._query(query_id, self.primary, metric, stat)]
        if not both:
            return queries, f"FILL({query_id}, 0)"
        queries.append(self._query(f"{query_id}Alternate", self.alternate, metric, stat))
        return queries, f"FILL({query_id}, 0) + FILL({query_id}Alternate, 0)"

    def metrics(self, made_of) -> list | If:
        """An alarm's ``Metrics``, ``made_of(both)``: with the alternate group's terms only
        while the alternate is in use."""
        if self.alternate is None:
            return made_of(False)
        if self.alternate_condition is None:
            return made_of(True)
        return If(self.alternate_condition, made_of(True), made_of(False))


def _alarm(title: str, name: str, description: str, notify: Notify, minutes: int, **rule) -> cloudwatch.Alarm:
    """``minutes`` one-minute periods in a row breaching; ``rule`` tells the alarms apart."""
    return cloudwatch.Alarm(
        title,
        AlarmName=alarm_name(name),
        AlarmDescription=description,
        EvaluationPeriods=minutes,
        DatapointsToAlarm=minutes,
        **rule,
        **notify.actions(),
    )


def _math(expression, *queries, label: str) -> list:
    return [
        *queries,
        cloudwatch.MetricDataQuery(Id="result", Label=label, Expression=expression, ReturnData=True),
    ]


# --- The service's tasks ----------------------------------------------------------------


def tasks_below_desired(
    title: str, *, name: str, service: ServiceMetrics, description: str, notify: Notify, minutes: int
) -> cloudwatch.Alarm:
    """Fewer tasks running than desired for ``minutes`` in a row (Container Insights).

    A deployment, a scale-out or a Spot interruption dips briefly; five minutes rules those out.
    Only Container Insights publishes task counts (the AWS/ECS namespace has CPU and memory
    only): in a cluster without it this alarm stays INSUFFICIENT_DATA, and ``no_running_tasks``
    or the target-group alarms are the ones that still watch.
    https://docs.aws.amazon.com/AmazonECS/latest/developerguide/available-metrics.html
    """

    def count(query_id: str, metric: str) -> cloudwatch.MetricDataQuery:
        return cloudwatch.MetricDataQuery(
            Id=query_id,
            ReturnData=False,
            MetricStat=cloudwatch.MetricStat(
                Metric=cloudwatch.Metric(
                    Namespace=CONTAINER_INSIGHTS, MetricName=metric, Dimensions=service.dimensions()
                ),
                Period=MINUTE,
                Stat="Average",
            ),
        )

    return _alarm(
        title,
        name,
        description,
        notify,
        minutes,
        Metrics=[
            count("running", "RunningTaskCount"),
            count("desired", "DesiredTaskCount"),
            cloudwatch.MetricDataQuery(
                Id="missing",
                Label="Desired minus running tasks",
                Expression="desired - FILL(running, 0)",
                ReturnData=True,
            ),
        ],
        ComparisonOperator="GreaterThanThreshold",
        Threshold=0,
        # Container Insights reports both counts every minute while the service
        # exists; no data means it is not reporting (Insights off, service gone),
        # which says nothing about tasks. "missing" shows that as INSUFFICIENT_DATA
        # instead of a reassuring OK.
        TreatMissingData="missing",
    )


def no_running_tasks(
    title: str, *, name: str, service: ServiceMetrics, description: str, notify: Notify, minutes: int
) -> cloudwatch.Alarm:
    """Not one task running for ``minutes`` in a row, from the free AWS/ECS metrics (any cluster).

    ECS sends a service's CPU and memory utilization every minute while at least one of
    its tasks is RUNNING, and nothing at all while none is: the number of CPU samples is
    the signal, and its absence the outage.
    https://docs.aws.amazon.com/AmazonECS/latest/developerguide/available-metrics.html
    """
    return _alarm(
        title,
        name,
        description,
        notify,
        minutes,
        Namespace=ECS,
        MetricName="CPUUtilization",
        Dimensions=service.dimensions(),
        Statistic="SampleCount",
        Period=MINUTE,
        ComparisonOperator="LessThanThreshold",
        Threshold=1,
        TreatMissingData="breaching",
    )


def memory_high(
    title: str, *, name: str, service: ServiceMetrics, description: str, notify: Notify, minutes: int, percent: int
) -> cloudwatch.Alarm:
    """The busiest task's memory at ``percent`` of its limit or more for ``minutes`` in a row.

    A task that reaches its memory limit is stopped (out of memory). The Maximum statistic
    is the task with the highest use, which a leak in a new release shows first.
    https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service_utilization.html
    """
    return _alarm(
        title,
        name,
        description,
        notify,
        minutes,
        Namespace=ECS,
        MetricName="MemoryUtilization",
        Dimensions=service.dimensions(),
        Statistic="Maximum",
        Period=MINUTE,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        Threshold=percent,
        # No data: no task is running, so no task is short of memory; no_running_tasks
        # and the target-group alarms report that outage.
        TreatMissingData="notBreaching",
    )


# --- The targets behind the load balancer --------------------------------------------------


def _host_count(
    title: str,
    *,
    name: str,
    targets: TargetGroups,
    description: str,
    notify: Notify,
    minutes: int,
    metric: tuple[str, str, str, str],
    **rule,
) -> cloudwatch.Alarm:
    """An alarm on the sum of one host count over the target groups; ``metric`` is (query id,
    metric name, statistic, label) and ``rule`` what tells the alarms apart (comparison,
    threshold, missing data)."""
    query_id, metric_name, statistic, label = metric

    def metrics(both: bool) -> list:
        queries, total = targets.total(query_id, metric_name, statistic, both)
        return _math(total, *queries, label=label)

    return _alarm(title, name, description, notify, minutes, Metrics=targets.metrics(metrics), **rule)


def unhealthy_targets(title: str, **alarm) -> cloudwatch.Alarm:
    """Any target failing its health check for ``minutes`` in a row.

    A new task is ``initial`` until it passes its checks and a leaving one ``draining``;
    neither counts as unhealthy, so a release that works does not raise this alarm.
    https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
    """
    return _host_count(
        title,
        **alarm,
        metric=("unhealthy", "UnHealthyHostCount", "Maximum", "Unhealthy targets"),
        ComparisonOperator="GreaterThanThreshold",
        Threshold=0,
        # No data: the load balancer reported no unhealthy target. An empty group
        # also reads 0 here; no_healthy_targets is the alarm for that.
        TreatMissingData="notBreaching",
    )


def no_healthy_targets(title: str, **alarm) -> cloudwatch.Alarm:
    """Not one healthy target (the lowest count of each minute below 1) for ``minutes`` in a row.

    The outage :func:`unhealthy_targets` cannot see: with no task registered at all
    (all stopped, none starting) the unhealthy count is 0 while the ALB answers 503.
    """
    return _host_count(
        title,
        **alarm,
        metric=("healthy", "HealthyHostCount", "Minimum", "Healthy targets"),
        ComparisonOperator="LessThanThreshold",
        Threshold=1,
        # No data: nothing in the groups for the load balancer to report on, which is
        # exactly "no healthy target". (HealthyHostCount is reported while health
        # checks run: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html)
        TreatMissingData="breaching",
    )


def target_error_rate(
    title: str,
    *,
    name: str,
    targets: TargetGroups,
    description: str,
    notify: Notify,
    minutes: int,
    percent: int,
    minimum_requests: int,
) -> cloudwatch.Alarm:
    """More than ``percent`` % of the requests answered 5xx by the tasks, ``minutes`` in a row.

    Minutes with fewer than ``minimum_requests`` requests count as 0 %: one failed request
    of three is not a trend. The load balancer sends both counts only when they are not
    zero, so no data is no request and no error.
    https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html
    """

    def metrics(both: bool) -> list:
        error_queries, errors = targets.total("errors", "HTTPCode_Target_5XX_Count", "Sum", both)
        request_queries, requests = targets.total("requests", "RequestCount", "Sum", both)
        rate = f"IF(({requests}) >= {minimum_requests}, 100 * ({errors}) / ({requests}), 0)"
        return _math(rate, *error_queries, *request_queries, label="Target 5xx (% of requests)")

    return _alarm(
        title,
        name,
        description,
        notify,
        minutes,
        Metrics=targets.metrics(metrics),
        ComparisonOperator="GreaterThanThreshold",
        Threshold=percent,
        TreatMissingData="notBreaching",
    )


def target_group_dimension(target_group):
    """``targetgroup/<name>/<id>`` of a target group resource (its ``TargetGroupFullName``)."""
    return GetAtt(target_group, "TargetGroupFullName")
