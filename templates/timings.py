"""The timings of a release as AWS documents them: one table, each value with its source.

The templates choose their settings against these numbers, `make timeline` adds them
up (ops/timeline/), and the docs print this table (a generated block), so a value
is written once. Where AWS documents no number, the entry says whose word it is.
Plain data, like :mod:`templates.facts`.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Documented:
    """A number with what it means and where it is written."""

    value: int
    unit: str  # "s", "%" or "count"
    what: str
    source: str


# --- Cloud Map and DNS ------------------------------------------------------------------

CLOUD_MAP_HEALTH_DELAY = Documented(
    30,
    "s",
    "Cloud Map changes a custom health status about 30 s after ECS reports it (FailureThreshold is always 1); "
    "a second report does not speed it up",
    "https://docs.aws.amazon.com/cloud-map/latest/api/API_HealthCheckCustomConfig.html",
)
# Before the namespace's SOA TTL could be set, an AWS engineer measured the negative caching of a
# private namespace through the VPC resolver: 300 s. What the templates assume for a namespace
# they did not create (its owner may never have set it).
UNSET_NEGATIVE_CACHE = Documented(
    300,
    "s",
    "a lookup that finds no record is cached this long through the VPC resolver when the namespace's SOA TTL "
    "was left alone",
    "https://github.com/aws/aws-app-mesh-roadmap/issues/221",
)

# --- ECS --------------------------------------------------------------------------------

UNCHECKED_TASK_WAIT = Documented(
    40,
    "s",
    "a task of a service without a load balancer and without a container health check counts as healthy "
    "40 s after it is RUNNING",
    "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html",
)
CIRCUIT_BREAKER_MINIMUM = Documented(
    3,
    "count",
    "the deployment circuit breaker fails a release after 0.5 x the desired count of failed tasks, "
    "at least 3 and at most 200",
    "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeploymentCircuitBreaker.html",
)
CIRCUIT_BREAKER_MAXIMUM = Documented(200, "count", CIRCUIT_BREAKER_MINIMUM.what, CIRCUIT_BREAKER_MINIMUM.source)
CIRCUIT_BREAKER_PERCENT = Documented(50, "%", CIRCUIT_BREAKER_MINIMUM.what, CIRCUIT_BREAKER_MINIMUM.source)

# --- ECS deployment alarms --------------------------------------------------------------
# The ECS guide says only that ECS computes the watch after a rolling release "based on the
# alarm configuration" and that it cannot be set; the ECS team's Copilot CLI gives the rule:
# "based on the evaluation time of the alarm(s). (With multiple different times, the longest
# is used.)", that is EvaluationPeriods x Period of the slowest deployment alarm.
ALARM_WATCH = Documented(
    1,
    "count",
    "after a rolling release has replaced every task, ECS keeps the deployment IN_PROGRESS and watches its "
    "deployment alarms for one evaluation time (EvaluationPeriods x Period) of the slowest of them",
    "https://github.com/aws/copilot-cli/pull/4294",
)
ALARM_LATE_BREACH = Documented(
    1,
    "count",
    "an alarm goes to ALARM after DatapointsToAlarm breaching periods; a problem that begins inside a period "
    "may not breach that period's statistic, so at worst one period more",
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarm-evaluation",
)
ROLLBACK_WATCH = Documented(
    0,
    "s",
    "the rollback an alarm starts is not watched: ECS ignores the alarms of a deployment that starts while one "
    "of them is in ALARM, so the rollback ends when its tasks are replaced",
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html",
)

# --- Blue/green, linear and canary --------------------------------------------------------

GREEN_SCALE_UP = Documented(
    100,
    "%",
    "blue/green, linear and canary first start the new revision at 100 % of the desired count beside the old "
    "one (SCALE_UP); production traffic moves only once the load balancer finds those tasks healthy",
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/blue-green-deployment-how-it-works.html",
)
TRAFFIC_SHIFT_WAIT = Documented(
    0,
    "s",
    "ECS moves production traffic by rewriting the production listener rule's weights, blue/green all at once; "
    "no wait for the load balancer is documented, forward or back",
    GREEN_SCALE_UP.source,
)
LINEAR_LAST_STEP_BAKE = Documented(
    0,
    "s",
    "linear: the step bake time runs after each shift but the last (the one that reaches 100 %)",
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-linear.html",
)
CANARY_SHIFTS = Documented(
    2,
    "count",
    "canary: the canary percent first, the canary bake time, then the rest of the traffic at once",
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-canary.html",
)
OLD_REVISION_AFTER_BAKE = Documented(
    0,
    "count",
    "after the bake time ECS scales the old revision to 0 tasks (CLEAN_UP, its targets drained first); the "
    "deployment completes when none runs. An alarm before then moves all traffic back to the old revision",
    GREEN_SCALE_UP.source,
)

# --- Fargate ----------------------------------------------------------------------------

DEFAULT_STOP_TIMEOUT = Documented(
    30,
    "s",
    "after SIGTERM a container that has not exited is killed after its stopTimeout: 30 s unless set",
    "https://repost.aws/knowledge-center/fargate-spot-termination-notice",
)
MAX_STOP_TIMEOUT = Documented(
    120,
    "s",
    "the longest stopTimeout Fargate accepts",
    "https://repost.aws/knowledge-center/fargate-spot-termination-notice",
)
SPOT_WARNING = Documented(
    120,
    "s",
    "Fargate Spot warns two minutes before it reclaims a task: an EventBridge event and SIGTERM to the task",
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-capacity-providers.html",
)
# Not documented by AWS: a re:Post answer calls 30-45 s "normal" for a Fargate task to
# start (instance, network interface, image pull, unpacking). `make timeline` treats it as an
# assumption a user replaces with a measured value (--task-start).
TASK_START_TYPICAL = Documented(
    30,
    "s",
    "assumed: a Fargate task from launch to its container started (network interface, image pull)",
    "https://repost.aws/questions/QUjZAzJd27SZWxXM7MgyxOZw/how-to-speed-up-provisioning-of-ecs-fargate-task",
)
TASK_START_WORST = Documented(45, "s", TASK_START_TYPICAL.what, TASK_START_TYPICAL.source)

# --- Health checks --------------------------------------------------------------------

CONTAINER_CHECK_INTERVAL = Documented(
    30,
    "s",
    "container health check interval when none is set",
    "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html",
)
CONTAINER_CHECK_TIMEOUT = Documented(
    5, "s", "container health check timeout when none is set", CONTAINER_CHECK_INTERVAL.source
)
CONTAINER_CHECK_RETRIES = Documented(
    3,
    "count",
    "failed container health checks in a row that make a container unhealthy",
    CONTAINER_CHECK_INTERVAL.source,
)
# Docker runs the first check one interval after the container starts; failures inside the
# start period do not count, a success inside it makes the container healthy.
CONTAINER_FIRST_CHECK = Documented(
    1,
    "count",
    "the first container health check runs one interval after the container starts",
    "https://docs.docker.com/reference/dockerfile/#healthcheck",
)
TARGET_CHECK_INTERVAL = Documented(
    30,
    "s",
    "target group health check interval when none is set (ip targets)",
    "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html",
)
TARGET_CHECK_TIMEOUT = Documented(
    5, "s", "target group health check timeout when none is set (ip targets)", TARGET_CHECK_INTERVAL.source
)
TARGET_HEALTHY_THRESHOLD = Documented(
    5, "count", "passes in a row that bring an unhealthy target back when none is set", TARGET_CHECK_INTERVAL.source
)
TARGET_UNHEALTHY_THRESHOLD = Documented(
    2, "count", "failures in a row that take a target out when none is set", TARGET_CHECK_INTERVAL.source
)
NEW_TARGET_CHECKS = Documented(
    1, "count", "a newly registered target is healthy after one passed health check", TARGET_CHECK_INTERVAL.source
)
DEREGISTRATION_DELAY = Documented(
    300,
    "s",
    "how long a leaving target keeps its in-flight requests when none is set (a target with none leaves at once)",
    "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#deregistration-delay",
)

# --- Target tracking --------------------------------------------------------------------
# AWS's guides say target tracking scales out "as fast as it can" and in "more gradually"
# without the alarm figures; the alarms it creates read one-minute data points, 3 in a row
# to scale out and 15 to scale in (the specification's FR-038/FR-039 "for 3 consecutive
# minutes"; the alarms as Application Auto Scaling creates them: hashicorp/terraform-provider-aws#42553
# for the high alarm, aws/containers-roadmap#638 for the 15-point low alarm).
METRIC_PERIOD = Documented(
    60,
    "s",
    "ECS service CPU and memory utilization data points, one a minute",
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-autoscaling-targettracking.html",
)
SCALE_OUT_DATAPOINTS = Documented(
    3,
    "count",
    "one-minute points above the target before target tracking adds tasks",
    "https://github.com/hashicorp/terraform-provider-aws/issues/42553",
)
SCALE_IN_DATAPOINTS = Documented(
    15,
    "count",
    "one-minute points below the target before target tracking removes tasks (never during a deployment)",
    "https://github.com/aws/containers-roadmap/issues/638",
)

TABLE: dict[str, Documented] = {
    name: value for name, value in dict(globals()).items() if isinstance(value, Documented) and name.isupper()
}


def timings_table(files) -> str:
    """The table above, for docs/ecs-deployment.md."""
    from . import docblocks  # only the docs need it

    rows = [
        [f"`{name}`", entry.value if entry.unit == "count" else f"{entry.value} {entry.unit}", entry.what, entry.source]
        for name, entry in TABLE.items()
    ]
    return docblocks.table(["Name", "Value", "What it is", "Source"], rows)
