"""The alarms of every service of every template, the ones that roll a release back, and the dashboard.

Expected values are typed here from the sources the docs cite:
- metrics, dimensions and statistics: the ECS metrics page (AWS/ECS has CPU and memory
  per service, only Container Insights has task counts,
  https://docs.aws.amazon.com/AmazonECS/latest/developerguide/available-metrics.html), the
  ALB metrics page (target metrics need both TargetGroup and LoadBalancer,
  https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html);
- thresholds and minutes: docs/go-api.md, docs/platform.md and docs/finfocus-plugin.md ("Alarms"),
  the platform's from its seed (FR-045/046: unhealthy targets 3 minutes, tasks below desired 5);
- deployment alarms: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html
"""

import json
import re

import pytest

from templates.evaluate import Evaluator
from tests.alarm_model import transitions
from tests.helpers import built

STACK, REGION, ACCOUNT = "shop", "eu-west-1", "123456789012"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:on-call"
LISTENER = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener/app/public-alb/50dc6c495c0c9188/f2f7dc8efc522ab2"
LOAD_BALANCER = "app/public-alb/50dc6c495c0c9188"  # the listener ARN without its own id
API_GROUP = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/go-api/0123456789abcdef"
API_ALTERNATE = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/go-api-green/fedcba9876543210"
RULE = f"{LISTENER.replace(':listener/', ':listener-rule/')}/9683b2d02a6cabee"
BFF_GROUP, BFF_ALTERNATE = "targetgroup/shop-BffTa-1/0123456789abcdef", "targetgroup/shop-BffAl-2/fedcba9876543210"
CLUSTER = "shop-Cluster-1"

# Inputs every template needs, and what only the deployed stack knows (GetAtt, Ref of resources).
GIVEN = {
    "AWS::StackName": STACK,
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::Partition": "aws",
    "AWS::NoValue": None,
    "TargetGroupArn": API_GROUP,
    "AlbListenerArn": LISTENER,
    "PathPattern": "/app/*",
    "Cluster": CLUSTER,
    "BffTargetGroup.TargetGroupFullName": BFF_GROUP,
    "BffAlternateTargetGroup.TargetGroupFullName": BFF_ALTERNATE,
}
SERVICES = {
    "go-api": {"Service": "shop-Service-api"},
    "platform": {"BffService": "shop-BffService-1", "AgentCoreService": "shop-AgentCoreService-2"},
    "finfocus-plugin": {"Service": "shop-Service-plugin"},
    "finfocus-plugin-10-region": {"Service": "shop-Service-plugin"},
}
TEMPLATES = list(SERVICES)


def stack(name: str, **values) -> dict:
    """The resources a stack of ``name`` gets with ``values``, intrinsics evaluated."""
    given = {**GIVEN, **{f"{title}.Name": service for title, service in SERVICES[name].items()}, **values}
    return Evaluator(built(name), given, strict=False).resources()


def alarms(name: str, **values) -> dict:
    return {t: b["Properties"] for t, b in stack(name, **values).items() if b["Type"] == "AWS::CloudWatch::Alarm"}


# Template -> alarm logical ID -> its name (after the stack name). The tier part of each name
# says whose alarm it is; a second stack of the template gets its own names.
ALARM_NAMES = {
    "go-api": {
        "ApiTasksBelowDesired": "api-tasks-below-desired",
        "ApiUnhealthyTargets": "api-unhealthy-targets",
        "ApiNoHealthyTargets": "api-no-healthy-targets",
        "ApiTarget5xx": "api-target-5xx",
    },
    "platform": {
        "BffTasksBelowDesired": "bff-tasks-below-desired",
        "BffUnhealthyTargets": "bff-unhealthy-targets",
        "BffNoHealthyTargets": "bff-no-healthy-targets",
        "BffTarget5xx": "bff-target-5xx",
        "AgentCoreTasksBelowDesired": "agentcore-tasks-below-desired",
        "AgentCoreNoRunningTasks": "agentcore-no-running-tasks",
        "AgentCoreMemoryHigh": "agentcore-memory-high",
    },
    "finfocus-plugin": {
        "PluginTasksBelowDesired": "plugin-tasks-below-desired",
        "PluginNoRunningTasks": "plugin-no-running-tasks",
        "PluginMemoryHigh": "plugin-memory-high",
    },
}
ALARM_NAMES["finfocus-plugin-10-region"] = ALARM_NAMES["finfocus-plugin"]

# Service -> the alarms that roll its releases back: the ones a working release never raises
# and a bad one does (docs "Alarms" sections say why the others are left out).
ROLLBACK = {
    "go-api": {"Service": ["api-target-5xx", "api-unhealthy-targets"]},
    "platform": {
        "BffService": ["bff-target-5xx", "bff-unhealthy-targets"],
        "AgentCoreService": ["agentcore-memory-high"],
    },
    "finfocus-plugin": {"Service": ["plugin-memory-high"]},
    "finfocus-plugin-10-region": {"Service": ["plugin-memory-high"]},
}


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_service_has_its_alarms_named_after_the_stack(name):
    found = alarms(name)
    assert {title: body["AlarmName"] for title, body in found.items()} == {
        title: f"{STACK}-{suffix}" for title, suffix in ALARM_NAMES[name].items()
    }
    # In the template, each name is made from the stack name (unique per account and region).
    for title in ALARM_NAMES[name]:
        assert built(name)["Resources"][title]["Properties"]["AlarmName"]["Fn::Sub"].startswith("${AWS::StackName}-")


@pytest.mark.parametrize("name", TEMPLATES)
def test_each_service_rolls_back_on_its_release_alarms_named_not_referenced(name):
    resources = stack(name)
    for title, names in ROLLBACK[name].items():
        deployment = resources[title]["Properties"]["DeploymentConfiguration"]
        assert deployment["Alarms"] == {
            "AlarmNames": [f"{STACK}-{suffix}" for suffix in names],
            "Enable": True,
            "Rollback": True,
        }, title
        # The circuit breaker stays: it catches tasks that never start, which no alarm sees.
        assert deployment["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
        # By name: moto's CloudFormation skips alarms, and a Ref to one fails the whole stack there.
        service = json.dumps(built(name)["Resources"][title]["Properties"])
        assert not [alarm for alarm in ALARM_NAMES[name] if f'"Ref": "{alarm}"' in service or f'"{alarm}", ' in service]
    # Every name the services give is an alarm of the template.
    named = {n for names in ROLLBACK[name].values() for n in names}
    assert named <= set(ALARM_NAMES[name].values())


@pytest.mark.parametrize(
    ("name", "service", "target_alarms"),
    [
        ("go-api", "Service", {"ApiTarget5xx", "ApiUnhealthyTargets"}),
        ("platform", "BffService", {"BffTarget5xx", "BffUnhealthyTargets"}),
    ],
)
def test_the_target_alarms_exist_before_the_service_starts_a_release(name, service, target_alarms):
    assert target_alarms <= set(built(name)["Resources"][service]["DependsOn"])


# --- No healthy target: an outage alarms, a create does not -----------------------------------
# CloudWatch's documented evaluation: a new alarm starts in INSUFFICIENT_DATA and is evaluated at
# once, and the actions of the state it moves to run (PutMetricAlarm); "breaching: missing data
# points are treated as breaching the threshold"; ALARM when DatapointsToAlarm of the last
# EvaluationPeriods points breach.
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html
# An empty target group reports no HealthyHostCount (the ALB reports a metric only when it has
# data for it: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html).


def notifications(alarm: dict, minutes: list[float | None], created: int = 0) -> list[str]:
    """The states an alarm changes to (tests/alarm_model.py), given its value each minute from the
    stack's create (None: no data point) and the minute the alarm itself is created."""
    return [new for _, new in transitions(alarm, minutes, created)]


NO_HEALTHY = [("go-api", "Service", "ApiNoHealthyTargets"), ("platform", "BffService", "BffNoHealthyTargets")]


@pytest.mark.parametrize(("name", "service", "title"), NO_HEALTHY)
def test_a_stack_create_raises_no_no_healthy_target_alarm(name, service, title):
    """The alarm is created after the service, whose create completes once its tasks are healthy
    in the target group: its first minutes have data (1 healthy or more). Created with the rest,
    before the service, its first minutes would have none: ALARM, then OK, on every create."""
    resources = built(name)["Resources"]
    alarm = resources[title]
    assert service in alarm["DependsOn"] and title not in resources[service].get("DependsOn", [])
    # Tasks registering from minute 2, healthy from minute 3; the service's create completes after.
    create = [None, None, 0, 1, 1, 1, 1]
    assert notifications(alarm, create, created=5) == ["OK"]  # INSUFFICIENT_DATA -> OK: no notification
    assert notifications(alarm, create, created=0) == ["ALARM", "OK"]  # created with the stack: the order avoided
    # Not a deployment alarm: a release must not wait for it to exist.
    rollback = resources[service]["Properties"]["DeploymentConfiguration"]["Alarms"]["AlarmNames"]
    assert not [n for n in rollback if "NoHealthyTargets" in json.dumps(n)]


@pytest.mark.parametrize(("name", "service", "title"), NO_HEALTHY)
def test_an_outage_still_raises_the_no_healthy_target_alarm(name, service, title):
    alarm = built(name)["Resources"][title]
    # Targets registered, none healthy: the ALB reports 0 healthy.
    assert notifications(alarm, [1, 1, 0, 0, 0]) == ["OK", "ALARM"]
    # Every target drained: 0 while they drain, then no data at all from the empty group.
    assert notifications(alarm, [1, 1, 0, None, None, None]) == ["OK", "ALARM"]
    assert notifications(alarm, [1, 1, None, None]) == ["OK", "ALARM"]
    # One minute without a healthy target (the only task replaced) is not an outage.
    assert notifications(alarm, [1, 0, 1, 1]) == ["OK"]


# --- Each alarm measures what it says ---------------------------------------------------


def queries(alarm: dict) -> dict:
    return {query["Id"]: query for query in alarm["Metrics"]}


def metric(query: dict) -> tuple:
    stat = query["MetricStat"]
    dimensions = {d["Name"]: d["Value"] for d in stat["Metric"]["Dimensions"]}
    return stat["Metric"]["Namespace"], stat["Metric"]["MetricName"], dimensions, stat["Stat"], stat["Period"]


def rule(alarm: dict) -> tuple:
    return (
        alarm["ComparisonOperator"],
        alarm["Threshold"],
        alarm["EvaluationPeriods"],
        alarm["DatapointsToAlarm"],
        alarm["TreatMissingData"],
    )


SERVICE_OF = {
    ("go-api", "Api"): "shop-Service-api",
    ("platform", "Bff"): "shop-BffService-1",
    ("platform", "AgentCore"): "shop-AgentCoreService-2",
    ("finfocus-plugin", "Plugin"): "shop-Service-plugin",
}
# A stack that creates its cluster; go-api and the plugin may also run in an existing one.
CLUSTER_OF = {"go-api": CLUSTER, "platform": CLUSTER, "finfocus-plugin": CLUSTER}


@pytest.mark.parametrize(("name", "tier"), list(SERVICE_OF))
def test_tasks_below_desired_from_container_insights_five_minutes(name, tier):
    alarm = alarms(name)[f"{tier}TasksBelowDesired"]
    found = queries(alarm)
    service = {"ClusterName": CLUSTER_OF[name], "ServiceName": SERVICE_OF[(name, tier)]}
    assert metric(found["running"]) == ("ECS/ContainerInsights", "RunningTaskCount", service, "Average", 60)
    assert metric(found["desired"]) == ("ECS/ContainerInsights", "DesiredTaskCount", service, "Average", 60)
    assert (found["running"]["ReturnData"], found["desired"]["ReturnData"]) == (False, False)
    assert found["missing"]["Expression"] == "desired - FILL(running, 0)" and found["missing"]["ReturnData"] is True
    # No Container Insights data says nothing about tasks: INSUFFICIENT_DATA, not OK.
    assert rule(alarm) == ("GreaterThanThreshold", 0, 5, 5, "missing")
    assert "fewer tasks running than desired for 5 minutes" in alarm["AlarmDescription"]


def test_an_existing_cluster_is_watched_by_its_name():
    alarm = alarms("go-api", ExistingClusterName="shared")["ApiTasksBelowDesired"]
    assert metric(queries(alarm)["running"])[2]["ClusterName"] == "shared"


@pytest.mark.parametrize(("name", "tier"), [("platform", "AgentCore"), ("finfocus-plugin", "Plugin")])
def test_no_running_task_from_the_free_ecs_metrics_any_cluster(name, tier):
    alarm = alarms(name)[f"{tier}NoRunningTasks"]
    dimensions = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"], alarm["Period"]) == (
        "AWS/ECS",
        "CPUUtilization",
        "SampleCount",
        60,
    )
    assert dimensions == {"ClusterName": CLUSTER_OF[name], "ServiceName": SERVICE_OF[(name, tier)]}
    # ECS sends nothing while no task runs: the missing data is the outage.
    assert rule(alarm) == ("LessThanThreshold", 1, 3, 3, "breaching")


def test_every_plugin_stack_has_the_no_running_task_alarm():
    # The plugin runs 2 to 8 tasks: none running is always an outage. (Number parameters reach
    # the template as text.)
    for count in ("2", "8"):
        assert "PluginNoRunningTasks" in alarms("finfocus-plugin", DesiredCount=count)
    assert "Condition" not in built("finfocus-plugin")["Resources"]["PluginNoRunningTasks"]


@pytest.mark.parametrize(("name", "tier"), [("platform", "AgentCore"), ("finfocus-plugin", "Plugin")])
def test_memory_high_is_the_busiest_task_at_90_percent_three_minutes(name, tier):
    alarm = alarms(name)[f"{tier}MemoryHigh"]
    dimensions = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"], alarm["Period"]) == (
        "AWS/ECS",
        "MemoryUtilization",
        "Maximum",
        60,
    )
    assert dimensions == {"ClusterName": CLUSTER_OF[name], "ServiceName": SERVICE_OF[(name, tier)]}
    assert rule(alarm) == ("GreaterThanOrEqualToThreshold", 90, 3, 3, "notBreaching")


# Template, tier -> the dimensions of its two target groups. The dashboard shows both whatever the
# strategy (go-api's second one only once it is given; until then a name no group has, "none").
TARGETS = {
    ("go-api", "Api"): ("targetgroup/go-api/0123456789abcdef", "none"),
    ("platform", "Bff"): (BFF_GROUP, BFF_ALTERNATE),
}
# A strategy that shifts traffic between the two groups, with what each template then needs.
SHIFTING = {
    "go-api": {
        "DeploymentStrategy": "CANARY",
        "AlternateTargetGroupArn": API_ALTERNATE,
        "ProductionListenerRuleArn": RULE,
    },
    "platform": {"DeploymentStrategy": "LINEAR"},
}
API_GREEN = "targetgroup/go-api-green/fedcba9876543210"
# The alternate group's dimension while a strategy shifts traffic to it.
SHIFTED_TO = {"go-api": API_GREEN, "platform": BFF_ALTERNATE}
# Under ROLLING every task is in the first group: the alarms watch it alone, with no term for a
# group that never has data (FILL of a series with no data point at all is not plainly documented:
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html).
STRATEGIES = ["ROLLING", "shifting"]


def target_alarms(name: str, strategy: str) -> dict:
    return alarms(name, **(SHIFTING[name] if strategy == "shifting" else {"DeploymentStrategy": "ROLLING"}))


def target(group: str, metric_name: str, stat: str) -> tuple:
    return "AWS/ApplicationELB", metric_name, {"TargetGroup": group, "LoadBalancer": LOAD_BALANCER}, stat, 60


def total(query_id: str, strategy: str) -> str:
    """The sum of a metric over the groups in use."""
    one = f"FILL({query_id}, 0)"
    return one if strategy == "ROLLING" else f"{one} + FILL({query_id}Alternate, 0)"


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize(("name", "tier"), list(TARGETS))
def test_unhealthy_targets_any_target_in_the_groups_in_use_three_minutes(name, tier, strategy):
    alarm = target_alarms(name, strategy)[f"{tier}UnhealthyTargets"]
    primary, _ = TARGETS[(name, tier)]
    found = queries(alarm)
    assert metric(found["unhealthy"]) == target(primary, "UnHealthyHostCount", "Maximum")
    if strategy == "ROLLING":
        assert list(found) == ["unhealthy", "result"]
    else:
        assert list(found) == ["unhealthy", "unhealthyAlternate", "result"]
        assert metric(found["unhealthyAlternate"]) == target(SHIFTED_TO[name], "UnHealthyHostCount", "Maximum")
    assert found["result"]["Expression"] == total("unhealthy", strategy)
    assert [q["ReturnData"] for q in alarm["Metrics"]] == [False] * (len(found) - 1) + [True]
    # No data: nothing unhealthy reported; the empty group is the other alarm's job.
    assert rule(alarm) == ("GreaterThanThreshold", 0, 3, 3, "notBreaching")


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize(("name", "tier"), list(TARGETS))
def test_no_healthy_target_in_the_groups_in_use_two_minutes(name, tier, strategy):
    alarm = target_alarms(name, strategy)[f"{tier}NoHealthyTargets"]
    primary, _ = TARGETS[(name, tier)]
    found = queries(alarm)
    assert metric(found["healthy"]) == target(primary, "HealthyHostCount", "Minimum")
    if strategy == "ROLLING":
        assert list(found) == ["healthy", "result"]
    else:
        assert metric(found["healthyAlternate"]) == target(SHIFTED_TO[name], "HealthyHostCount", "Minimum")
    assert found["result"]["Expression"] == total("healthy", strategy)
    # No data at all: nothing registered to report on, the outage itself.
    assert rule(alarm) == ("LessThanThreshold", 1, 2, 2, "breaching")
    assert "(the ALB answers 503)" in alarm["AlarmDescription"]


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize(("name", "tier"), list(TARGETS))
def test_target_5xx_over_5_percent_of_at_least_10_requests_three_minutes(name, tier, strategy):
    alarm = target_alarms(name, strategy)[f"{tier}Target5xx"]
    primary, _ = TARGETS[(name, tier)]
    found = queries(alarm)
    assert metric(found["errors"]) == target(primary, "HTTPCode_Target_5XX_Count", "Sum")
    assert metric(found["requests"]) == target(primary, "RequestCount", "Sum")
    if strategy == "ROLLING":
        assert list(found) == ["errors", "requests", "result"]
    else:
        assert list(found) == ["errors", "errorsAlternate", "requests", "requestsAlternate", "result"]
        assert metric(found["errorsAlternate"]) == target(SHIFTED_TO[name], "HTTPCode_Target_5XX_Count", "Sum")
        assert metric(found["requestsAlternate"]) == target(SHIFTED_TO[name], "RequestCount", "Sum")
    requests, errors = total("requests", strategy), total("errors", strategy)
    assert found["result"]["Expression"] == f"IF(({requests}) >= 10, 100 * ({errors}) / ({requests}), 0)"
    # The ALB sends both counts only when they are not zero: no data is no error.
    assert rule(alarm) == ("GreaterThanThreshold", 5, 3, 3, "notBreaching")


@pytest.mark.parametrize(("name", "tier"), list(TARGETS))
def test_every_strategy_but_rolling_watches_both_groups(name, tier):
    for strategy in ("BLUE_GREEN", "LINEAR", "CANARY"):
        found = alarms(name, **{**SHIFTING[name], "DeploymentStrategy": strategy})
        for title in (f"{tier}UnhealthyTargets", f"{tier}NoHealthyTargets", f"{tier}Target5xx"):
            dimensions = [metric(q)[2]["TargetGroup"] for q in found[title]["Metrics"] if "MetricStat" in q]
            assert SHIFTED_TO[name] in dimensions and "none" not in dimensions, (strategy, title)


def evaluate(expression: str, series: dict[str, float | None]) -> float:
    """One datapoint of a metric math expression of the forms above (FILL, IF, + * / >=)."""
    python = re.sub(r"FILL\((\w+), 0\)", r"(\1 if \1 is not None else 0)", expression)
    python = re.sub(r"IF\((.*) >= (\d+), (.*), 0\)$", r"((\3) if (\1) >= \2 else 0)", python)
    return eval(python, {}, dict(series))  # our own expression; names from the test


def test_the_error_rate_is_a_percentage_of_both_groups_and_ignores_quiet_minutes():
    expression = queries(target_alarms("platform", "shifting")["BffTarget5xx"])["result"]["Expression"]
    quiet = {"errors": 3, "errorsAlternate": None, "requests": 9, "requestsAlternate": None}
    assert evaluate(expression, quiet) == 0  # 9 requests: below the 10 that make a trend
    split = {"errors": 1, "errorsAlternate": 5, "requests": 60, "requestsAlternate": 40}
    assert evaluate(expression, split) == 6.0  # a canary: 6 errors of 100 requests, both groups
    assert (
        evaluate(expression, {"errors": None, "errorsAlternate": None, "requests": 50, "requestsAlternate": None}) == 0
    )


# --- Notifications ------------------------------------------------------------------------


@pytest.mark.parametrize("name", TEMPLATES)
def test_alarm_topic_parameter_is_optional_and_every_alarm_notifies_it(name):
    parameter = built(name)["Parameters"]["AlarmTopicArn"]
    assert (parameter["Type"], parameter["Default"]) == ("String", "")
    assert re.match(parameter["AllowedPattern"], TOPIC) and re.match(parameter["AllowedPattern"], "")
    assert not re.match(parameter["AllowedPattern"], f"arn:aws:sqs:{REGION}:{ACCOUNT}:on-call")
    interface = built(name)["Metadata"]["AWS::CloudFormation::Interface"]
    (group,) = [g for g in interface["ParameterGroups"] if "AlarmTopicArn" in g["Parameters"]]
    assert group["Label"]["default"] == "Alarms"
    assert built(name)["Conditions"]["HasAlarmTopicArn"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmTopicArn"}, ""]}]
    }
    notified = alarms(name, AlarmTopicArn=TOPIC)
    # ALARM straight to the topic; no OKActions, which CloudWatch runs on a change to OK from any state,
    # the INSUFFICIENT_DATA of every new alarm included (recoveries: tests/test_alarm_recovery.py).
    assert all(a["AlarmActions"] == [TOPIC] and "OKActions" not in a for a in notified.values())
    silent = alarms(name)
    assert all("AlarmActions" not in a and "OKActions" not in a for a in silent.values())


# --- The dashboard --------------------------------------------------------------------------


@pytest.mark.parametrize("name", TEMPLATES)
def test_the_dashboard_is_off_by_default_and_named_after_the_stack_and_its_region(name):
    parameter = built(name)["Parameters"]["CreateDashboard"]
    assert (parameter["Default"], parameter["AllowedValues"]) == ("false", ["false", "true"])
    assert "Dashboard" not in stack(name)
    dashboard = stack(name, CreateDashboard="true")["Dashboard"]
    assert dashboard["Type"] == "AWS::CloudWatch::Dashboard"
    # "All dashboards in your account are global, not region-specific" (AWS::CloudWatch::Dashboard):
    # a stack of the same name in another region must not get, and delete, the same one.
    assert dashboard["Properties"]["DashboardName"] == "shop-eu-west-1"


# The longest stack name CloudFormation takes: 128 characters, a letter first, then letters,
# digits and hyphens (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html).
LONGEST_STACK = "S" + "-9a" * 42 + "b"


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_region_gets_a_dashboard_name_of_its_own_that_cloudwatch_takes(name):
    from templates import describe

    assert len(LONGEST_STACK) == 128
    names = {
        region: stack(name, CreateDashboard="true", **{"AWS::StackName": LONGEST_STACK, "AWS::Region": region})[
            "Dashboard"
        ]["Properties"]["DashboardName"]
        for region in describe(name).regions
    }
    assert len(set(names.values())) == len(names) > 1
    # 1-255 characters: letters, digits, "-" and "_" (the DashboardName property).
    for region, dashboard_name in names.items():
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,255}", dashboard_name), (region, dashboard_name)


def body(name: str, **values) -> dict:
    return json.loads(stack(name, CreateDashboard="true", **values)["Dashboard"]["Properties"]["DashboardBody"])


def expanded(lines: list) -> list[list]:
    """Metric lines with every "." replaced by the item of the line above, as CloudWatch reads them."""
    full = []
    for line in lines:
        items = [item for item in line if not isinstance(item, dict)]
        if full:
            items = [full[-1][i] if item == "." else item for i, item in enumerate(items)]
        full.append(items)
    return full


@pytest.mark.parametrize("name", TEMPLATES)
def test_the_dashboard_body_is_cloudwatch_dashboard_json(name):
    """The shape CloudWatch's PutDashboard takes (Dashboard Body Structure reference):
    widgets of type metric or alarm on the 24-column grid, metric lines of a namespace,
    a metric name and name/value dimension pairs, then one options object."""
    widgets = body(name)["widgets"]
    assert widgets and all(w["type"] in ("metric", "alarm") for w in widgets)
    for widget in widgets:
        assert 1 <= widget["width"] <= 24 and widget["height"] >= 1
        properties = widget["properties"]
        if widget["type"] == "alarm":
            continue
        assert properties["region"] == REGION and properties["period"] == 60
        assert properties["stat"] in ("Average", "Minimum", "Maximum", "Sum", "SampleCount")
        for line in properties["metrics"]:
            assert isinstance(line[-1], dict) and "label" in line[-1]
        for line in expanded(properties["metrics"]):
            assert len(line) % 2 == 0 and "." not in line and "${" not in json.dumps(line), line
            namespace, metric_name = line[:2]
            assert namespace in ("AWS/ECS", "ECS/ContainerInsights", "AWS/ApplicationELB") and metric_name


@pytest.mark.parametrize("name", TEMPLATES)
def test_the_dashboard_shows_each_service_through_a_release_and_every_alarm(name):
    widgets = body(name)["widgets"]
    lines = [line for w in widgets if w["type"] == "metric" for line in expanded(w["properties"]["metrics"])]
    for service in SERVICES[name].values():
        where = ["ClusterName", CLUSTER, "ServiceName", service]
        for namespace, metric_name in (
            ("ECS/ContainerInsights", "DesiredTaskCount"),
            ("ECS/ContainerInsights", "RunningTaskCount"),
            ("ECS/ContainerInsights", "PendingTaskCount"),
            ("ECS/ContainerInsights", "DeploymentCount"),
            ("AWS/ECS", "CPUUtilization"),
            ("AWS/ECS", "MemoryUtilization"),
        ):
            assert [namespace, metric_name, *where] in lines, (service, metric_name)
    for (template, _), groups in TARGETS.items():
        if template != name:
            continue
        for group in groups:
            for metric_name in ("HealthyHostCount", "UnHealthyHostCount", "RequestCount", "HTTPCode_Target_5XX_Count"):
                line = ["AWS/ApplicationELB", metric_name, "TargetGroup", group, "LoadBalancer", LOAD_BALANCER]
                assert line in lines, line
    (alarm_widget,) = [w for w in widgets if w["type"] == "alarm"]
    arn = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:"
    always = {
        suffix for title, suffix in ALARM_NAMES[name].items() if "Condition" not in built(name)["Resources"][title]
    }
    assert sorted(alarm_widget["properties"]["alarms"]) == sorted(arn + f"{STACK}-{s}" for s in always)


def test_the_dashboard_of_a_canary_go_api_shows_its_second_target_group():
    values = {
        "DeploymentStrategy": "CANARY",
        "AlternateTargetGroupArn": API_ALTERNATE,
        "ProductionListenerRuleArn": RULE,
    }
    widgets = body("go-api", **values)["widgets"]
    lines = [line for w in widgets if w["type"] == "metric" for line in expanded(w["properties"]["metrics"])]
    green = "targetgroup/go-api-green/fedcba9876543210"
    assert ["AWS/ApplicationELB", "RequestCount", "TargetGroup", green, "LoadBalancer", LOAD_BALANCER] in lines


def test_the_dashboard_parameter_says_it_is_billed():
    # Beyond the free tier each dashboard is billed by the month (https://aws.amazon.com/cloudwatch/pricing/).
    for name in TEMPLATES:
        assert "billed" in built(name)["Parameters"]["CreateDashboard"]["Description"]
