"""make timeline against figures worked out by hand from AWS's documented timings.

Every number below is typed in from its source, never imported from the code:
- Cloud Map applies a custom health status about 30 s after ECS reports it
  (https://docs.aws.amazon.com/cloud-map/latest/api/API_HealthCheckCustomConfig.html).
- A target group's defaults for ip targets: interval 30 s, timeout 5 s, 2 failures to
  unhealthy; deregistration delay 300 s; a new target is healthy after one passed check
  (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html).
- Docker runs a container's first health check one interval after it starts; failures in
  the start period do not count (https://docs.docker.com/reference/dockerfile/#healthcheck).
- Fargate's default stop timeout is 30 s; Spot warns 120 s ahead
  (https://repost.aws/knowledge-center/fargate-spot-termination-notice).
- The circuit breaker fails a release after 0.5 x desired failed tasks, at least 3
  (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeploymentCircuitBreaker.html).
- Target tracking: 3 one-minute points to scale out, 15 to scale in (the specification's FR-038).
- ECS rounds the minimum healthy percent up, the maximum percent down
  (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html).
- A task start of 30 s typically, 45 s at worst: an assumption (a re:Post answer: "30-45 seconds").
- Deployment alarms: after a rolling release ECS watches them for the evaluation time of the
  slowest (https://github.com/aws/copilot-cli/pull/4294); an alarm is in ALARM after
  DatapointsToAlarm breaching periods, one more at worst (the period a problem begins in may
  not breach: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html);
  the rollback an alarm starts is not watched
  (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html).
- Blue/green, linear and canary start the new revision at the full count beside the old one,
  move traffic once it is healthy (linear: a step bake after every shift but the last; canary:
  the canary bake between its two shifts), bake, then drain and stop the old revision
  (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/blue-green-deployment-how-it-works.html,
  deployment-type-linear.html, deployment-type-canary.html).
The templates' own settings are typed from their specifications: go-api's 60 s grace
period; the plugin's check every 30 s, 10 s timeout, 3 retries, 60 s start period, 35 s
stop timeout; the platform's BFF target group (30 s, 5 s, 2 and 3, 30 s delay) and
AgentCore's check (30 s, 5 s, 3, 60 s), both stopping within 120 s. Every service's
deployment alarms read three one-minute periods (target 5xx and unhealthy targets behind
the load balancer, memory for the services found by DNS): watched 3 x 60 = 180 s, firing
after 180 s, 240 s at worst. The strategies' defaults: 15 minutes of bake time; linear 10 %
every 6 minutes; canary 5 % for 10 minutes.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ops.shared import params
from ops.shared.errors import BadInput
from ops.timeline import cli as timeline
from ops.timeline import model, tables, traffic_shifting
from ops.timeline import read as reader
from ops.timeline import release as releasing
from tests.helpers import ROOT

TEMPLATES = ("finfocus-plugin", "finfocus-plugin-10-region", "go-api", "platform")
# The templates that run ECS services; the prerequisites stack has nothing to release.
PARAMS = [str(p.relative_to(ROOT)) for p in params.committed() if p.name.split(".")[0] in TEMPLATES]

# --- The figures of each kind of service, by hand (typical, worst) ---------------------

START = (30, 45)
WATCH = 3 * 60  # ECS's watch after a rolling release: the alarms' 3 one-minute periods
FIRES = (3 * 60, (3 + 1) * 60)  # a deployment alarm in ALARM after a problem begins
# go-api, one task behind a target group with AWS's defaults, 60 s grace, 30 s stop timeout.
# Healthy: half an interval (15) / the grace period (60). Ready = start + healthy: 45 / 105.
# Rolled out: the new task is ready, then the old one drains 300 s (and at worst uses its
# 30 s stop timeout): 345 / 435.
GO_API_ONE = {
    "first_create": (30 + 15, 45 + 60),
    # Rolled out, then the alarms watched.
    "release": (345 + WATCH, 435 + WATCH),
    # One new task at a time (ceiling 2 - floor 1); 3 failures; each: start + the grace period
    # or 1.5 / 2 intervals and a timeout, whichever is later, then (worst) its stop timeout.
    "traffic_moved": None,  # a rolling release moves no traffic between revisions
    "failed_release_rolled_back": (3 * (30 + max(60, 45)), 3 * (45 + max(60, 2 * 30 + 5) + 30)),
    "alarm_fires": FIRES,
    # The first new task answers (45 / 105), the alarm fires, the old revision rolls out again.
    "alarm_in_rollout_rolled_back": (45 + 180 + 345, 105 + 240 + 435),
    # Rolled out, the alarm at the last second of the watch, the old revision rolled out again.
    "alarm_in_bake_rolled_back": (345 + WATCH + 345, 435 + WATCH + 435),
    "detect_unhealthy": (1.5 * 30, 2 * 30 + 5),
    "replace_unhealthy": (45 + 45, 65 + 105),
    "replace_stopped": (45, 105),
    "scale_out_decided": (3 * 60, 4 * 60),
    "scale_out_answering": (180 + 45, 240 + 105),
    "scale_in_decided": (15 * 60, 16 * 60),
    "spot_replacement_answering": None,
    "spot_warning": None,
}
GO_API_ONE_FEWEST = {"release": 1, "task_replacement": 0, "scale_in": 1, "spot_interruption": 1}
# Two tasks: both new ones start at once (ceiling 4 - floor 2), so a release takes as long;
# the 3 failures take 2 rounds of 2.
GO_API_TWO = {
    **GO_API_ONE,
    "failed_release_rolled_back": (2 * (30 + 60), 2 * (45 + 65 + 30)),
}
GO_API_TWO_FEWEST = {"release": 2, "task_replacement": 1, "scale_in": 2, "spot_interruption": 2}

# The plugin: two tasks found by DNS, 100/150. The plugin is healthy at its first check (30) / the
# check after the 60 s start period (60); the proxy starts then and is healthy at its first check,
# 10 s later: 40 / 70. Ready: 70 / 115. In DNS 30 s after that. A task stops the proxy, then the
# plugin: 35 + 35 s at worst.
PLUGIN = {
    # A client that asked before the name existed keeps "no such name" for the SOA TTL (10 s).
    "first_create": (70 + 30, 115 + 30 + 10),
    # Typical: B1 ready at 70, A1 stops at once, B2 ready at 140, A2 stops; B2 in DNS at 170.
    # Worst: B1 at 115, A1 gone at 185 (70 s stop), B2 ready at 300, A2 gone at 370. Then the
    # memory alarm watched.
    "release": (170 + WATCH, 370 + WATCH),
    # One at a time (150 % of 2 rounds down to 3 = floor 2 + 1); 3 failures; each: start, then the
    # plugin's startTimeout (120 s, before its checks could count it unhealthy at 150 s) stops the
    # task; only the plugin ran, so its 35 s stop at worst.
    "traffic_moved": None,  # a rolling release moves no traffic between revisions
    "failed_release_rolled_back": (3 * (30 + 120), 3 * (45 + 120 + 35)),
    "alarm_fires": FIRES,
    # The first new task in DNS (100 / 145), the alarm, the old revision rolled out (170 / 370).
    "alarm_in_rollout_rolled_back": (100 + 180 + 170, 145 + 240 + 370),
    "alarm_in_bake_rolled_back": (170 + WATCH + 170, 370 + WATCH + 370),
    # The proxy's check (every 10 s, 3 retries) asks the plugin through the task's address.
    "detect_unhealthy": (2.5 * 10, 3 * 10 + 10),
    "replace_unhealthy": (25 + 70 + 30, 40 + 115 + 30),
    "replace_stopped": (70 + 30, 115 + 30),
    "scale_out_decided": None,
    "scale_out_answering": None,
    "scale_in_decided": None,
    "spot_replacement_answering": None,
    "spot_warning": None,
}
PLUGIN_FEWEST = {"release": 1, "task_replacement": 1, "scale_in": 2, "spot_interruption": 2}

# The BFF: two tasks behind its own target group (30 s, 5 s, unhealthy 3, 30 s delay), 60 s
# grace, 50/200, on Fargate and Spot with one on-demand base task, 120 s stop timeout.
BFF = {
    "first_create": (45, 105),
    # Floor 1, ceiling 4: A1 stops at once; B1 and B2 start; ready at 45 / 105; A2 drains 30 s
    # (and at worst uses its 120 s stop timeout): 75 / 255; then the target alarms watched.
    "release": (45 + 30 + WATCH, 105 + 30 + 120 + WATCH),
    # Two new tasks at a time (4 - 1): 2 rounds; each: start + 2.5 intervals (75) / 3 and a
    # timeout (95), then (worst) the stop; then the rollback starts the stopped old task again.
    "traffic_moved": None,  # a rolling release moves no traffic between revisions
    "failed_release_rolled_back": (2 * (30 + 75) + 45, 2 * (45 + 95 + 120) + 105),
    "alarm_fires": FIRES,
    "alarm_in_rollout_rolled_back": (45 + 180 + 75, 105 + 240 + 255),
    "alarm_in_bake_rolled_back": (75 + WATCH + 75, 255 + WATCH + 255),
    "detect_unhealthy": (75, 95),
    "replace_unhealthy": (75 + 45, 95 + 105),
    "replace_stopped": (45, 105),
    "scale_out_decided": (180, 240),
    "scale_out_answering": (225, 345),
    "scale_in_decided": (900, 960),
    "spot_replacement_answering": (45, 105),
    "spot_warning": 120,
}
# Spot interruption: one on-demand base task and 70/30 place the second on Spot (30 % of one
# task, rounded up); a release stops one of the two old tasks at once (floor 1), and if it is
# the on-demand one, only the Spot one answers until the new ones are healthy: 0.
BFF_FEWEST = {"release": 1, "task_replacement": 1, "scale_in": 2, "spot_interruption": 0}
# AgentCore: two tasks found by DNS (check 30 s, 5 s, 3 retries, 60 s start period), 100/150,
# 120 s stop timeout, on Fargate and Spot with one on-demand base task.
AGENTCORE = {
    "first_create": (90, 145),
    # Typical as the plugin's (stops take no time); worst: B1 ready 105, A1 gone 225, B2 ready
    # 330, A2 gone 450. Then the memory alarm watched.
    "release": (150 + WATCH, 105 + 120 + 105 + 120 + WATCH),
    "traffic_moved": None,  # a rolling release moves no traffic between revisions
    "failed_release_rolled_back": (3 * (30 + 150), 3 * (45 + 150 + 5 + 120)),
    "alarm_fires": FIRES,
    "alarm_in_rollout_rolled_back": (90 + 180 + 150, 135 + 240 + 450),
    "alarm_in_bake_rolled_back": (150 + WATCH + 150, 450 + WATCH + 450),
    "detect_unhealthy": (75, 95),
    "replace_unhealthy": (75 + 60 + 30, 95 + 105 + 30),
    "replace_stopped": (90, 135),
    "scale_out_decided": (180, 240),
    "scale_out_answering": (180 + 90, 240 + 135),
    "scale_in_decided": (900, 960),
    "spot_replacement_answering": (90, 135),
    "spot_warning": 120,
}
# Spot interruption: the first new task is placed while the old on-demand one holds the base:
# by 70/30, 30 % of one task rounded up, on Spot; once it is healthy and an old one stops (the
# on-demand one, or the Spot one, and later the on-demand one while the second new task waits
# 30 s for Cloud Map), the only task DNS answers with is on Spot: 0.
AGENTCORE_FEWEST = {"release": 1, "task_replacement": 1, "scale_in": 2, "spot_interruption": 0}

PLATFORM = {"BffService": (BFF, BFF_FEWEST), "AgentCoreService": (AGENTCORE, AGENTCORE_FEWEST)}
EXPECTED = {
    ("go-api", None): {"Service": (GO_API_ONE, GO_API_ONE_FEWEST)},
    ("go-api", "params/go-api.dev.json"): {"Service": (GO_API_ONE, GO_API_ONE_FEWEST)},
    ("go-api", "params/go-api.prod.json"): {"Service": (GO_API_TWO, GO_API_TWO_FEWEST)},
    # The hardened file keeps prod's two to four tasks; private subnets change no timing.
    ("go-api", "params/go-api.hardened.json"): {"Service": (GO_API_TWO, GO_API_TWO_FEWEST)},
    **{
        (name, file): {"Service": (PLUGIN, PLUGIN_FEWEST)}
        for name in ("finfocus-plugin", "finfocus-plugin-10-region")
        for file in (None, *(f"params/{name}.{env}.json" for env in ("dev", "prod", "hardened")))
    },
    **{
        ("platform", file): PLATFORM
        for file in (None, *(f"params/platform.{env}.json" for env in ("dev", "test", "prod", "hardened")))
    },
}


# Traffic-shifting releases of go-api with its defaults: the new revision is ready at 45 / 105
# (as above); blue/green moves everything at once; canary after its 10 min bake at 5 %; linear
# after nine 6-minute steps of 10 % (ECS guide, deployment-type-linear / -canary).
TRAFFIC_MOVED = {
    "BLUE_GREEN": (45, 105),
    "CANARY": (45 + 10 * 60, 105 + 10 * 60),
    "LINEAR": (45 + 9 * 6 * 60, 105 + 9 * 6 * 60),
}


@pytest.mark.parametrize("strategy", sorted(TRAFFIC_MOVED))
def test_all_traffic_is_on_the_new_revision_after_the_shifts_worked_out_by_hand(strategy):
    given = {"DeploymentStrategy": strategy, **tables.EXAMPLE_TRAFFIC_SHIFT_INPUTS}
    found = timeline.timeline("go-api", None, model.Assumptions(), given=given)
    seconds = json.loads(timeline.as_json(found))["services"]["Service"]["seconds"]
    assert _pair(seconds["traffic_moved"]) == TRAFFIC_MOVED[strategy]
    assert seconds["release"]["typical"] > seconds["traffic_moved"]["typical"]  # the bake comes after


def _pair(value):
    if isinstance(value, dict):
        return (value["typical"], value["worst"])
    return value


def report(name: str, params_file: str | None, **assumptions) -> dict:
    return json.loads(timeline.as_json(timeline.timeline(name, params_file, model.Assumptions(**assumptions))))


def test_every_parameter_file_has_figures_worked_out_by_hand():
    assert {file for _, file in EXPECTED if file} == set(PARAMS)


@pytest.mark.parametrize(("name", "params_file"), sorted(EXPECTED, key=str))
def test_figures_are_the_ones_worked_out_by_hand(name, params_file):
    found = report(name, params_file)
    assert found["assumptions"]["task_start_seconds"] == {"typical": START[0], "worst": START[1]}
    assert set(found["services"]) == set(EXPECTED[name, params_file])
    for service, (seconds, fewest) in EXPECTED[name, params_file].items():
        figures = found["services"][service]
        assert {key: _pair(value) for key, value in figures["seconds"].items()} == seconds, service
        assert figures["min_healthy"] == fewest, service


# Every template with its defaults, and every file in params/ with its template (named before the first dot).
EVERY_STACK = [(name, None) for name in TEMPLATES] + [(Path(file).name.split(".")[0], file) for file in PARAMS]


@pytest.mark.parametrize(("name", "params_file"), EVERY_STACK)
def test_a_release_keeps_a_healthy_task_answering(name, params_file):
    """With its defaults and with every file in params/, every template keeps a task that
    the load balancer or Cloud Map answers with, at every moment of a release."""
    assert name in TEMPLATES
    found = report(name, params_file)
    assert found["min_healthy_tasks"] >= 1
    for service in found["services"].values():
        assert service["min_healthy"]["release"] >= 1


def test_fr024_rollout_leaves_agentcore_without_a_healthy_address(tmp_path):
    """The specification's 50/200 on a service found only by DNS: both old tasks are gone
    while Cloud Map still waits its ~30 s on the new ones."""
    file = tmp_path / "fr024.json"
    file.write_text(json.dumps(["AgentCoreRollout=50-200"]))
    found = report("platform", str(file))
    assert found["services"]["AgentCoreService"]["rollout"] == [50, 200]
    assert found["services"]["AgentCoreService"]["min_healthy"]["release"] == 0
    assert found["min_healthy_tasks"] == 0


def _dns_service(desired: int, minimum: int, maximum: int) -> model.Service:
    return model.Service(
        name="Plugin",
        desired=desired,
        minimum_healthy_percent=minimum,
        maximum_percent=maximum,
        strategy="ROLLING",
        circuit_breaker=True,
        stop_timeout=35,
        container_health=model.ContainerHealth(interval=30, timeout=10, retries=3, start_period=60),
        dns=model.Dns(record_ttl=10, negative_ttl=10, negative_ttl_set_here=True),
    )


@pytest.mark.parametrize(
    ("desired", "minimum", "maximum", "fewest"),
    [
        # containers-roadmap#830: one task, 100/200: the old task stops as the new one turns
        # healthy in ECS, 30 s before Cloud Map answers with it.
        (1, 100, 200, 0),
        # Two tasks at 100/200 start both new ones at once and stop both old ones together.
        (2, 100, 200, 0),
        (2, 100, 150, 1),
        (3, 100, 150, 2),
        (8, 100, 150, 4),
    ],
)
def test_dns_rollouts(desired, minimum, maximum, fewest):
    _, answering = releasing.release(_dns_service(desired, minimum, maximum), model.Assumptions())
    assert answering == fewest


@pytest.mark.parametrize(
    ("desired", "minimum", "maximum", "floor", "ceiling"),
    [
        # ECS's own examples: 4 tasks at 50 % may stop 2; 2 tasks at 75 % may stop none;
        # 4 tasks at 200 % may start 4 more.
        (4, 50, 200, 2, 8),
        (2, 75, 200, 2, 4),
        (2, 100, 150, 2, 3),
        (3, 100, 150, 3, 4),
    ],
)
def test_ecs_rounds_the_floor_up_and_the_ceiling_down(desired, minimum, maximum, floor, ceiling):
    service = _dns_service(desired, minimum, maximum)
    assert (service.floor, service.ceiling) == (floor, ceiling)


@pytest.mark.parametrize(("desired", "threshold"), [(1, 3), (2, 3), (6, 3), (7, 4), (8, 4), (400, 200), (1000, 200)])
def test_circuit_breaker_threshold(desired, threshold):
    assert releasing.circuit_breaker_threshold(desired) == threshold


def test_a_foreign_target_group_is_an_input_with_awss_defaults():
    found = report("go-api", None)["services"]["Service"]
    assert found["target_group"] == {
        "interval": 30,
        "timeout": 5,
        "healthy": 5,
        "unhealthy": 2,
        "deregistration": 300,
        "source": "AWS's defaults",
    }
    given = timeline.target_group_from("interval=10,unhealthy=3,deregistration=30")
    tuned = report("go-api", None, target_group=given)["services"]["Service"]["seconds"]
    # A 30 s drain instead of 300, then the alarms watched; the unhealthy task noticed after
    # 2.5 / 3 intervals of 10 s and a timeout.
    assert _pair(tuned["release"]) == (30 + 5 + 30 + WATCH, 45 + 60 + 30 + 30 + WATCH)
    assert _pair(tuned["detect_unhealthy"]) == (25, 35)


def test_a_measured_task_start_replaces_the_assumption():
    found = report("go-api", None, task_start=timeline.task_start_from("40,90"))["services"]["Service"]
    assert _pair(found["seconds"]["replace_stopped"]) == (40 + 15, 90 + 60)


# --- Blue/green, linear and canary; the deployment alarms -------------------------------

GREEN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/go-api-green/fedcba9876543210"
RULE = (
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/public-alb/"
    "50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee"
)
FORCED_NOTE = (
    "EnableForceNewDeployment is on: any update of the service (DesiredCount, the rollout, a tag) is a release, "
    "timed as above"
)
# Every service of the templates forces a deployment with each update (ECS Exec's nonce), and
# "EnableForceNewDeployment determines whether to force a new deployment of the service":
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-ecs-service-forcenewdeployment.html
TRAFFIC_SHIFT_INPUTS = {"AlternateTargetGroupArn": GREEN, "ProductionListenerRuleArn": RULE}
ALARM_FIGURES = ("alarm_fires", "alarm_in_rollout_rolled_back", "alarm_in_bake_rolled_back")


def params_file(tmp_path, base: str | None = None, **values) -> str:
    """A parameter file as a user writes one: ``base`` (a file in params/) with ``values`` over it."""
    entries = dict(entry.split("=", 1) for entry in json.loads((ROOT / base).read_text())) if base else {}
    entries.update(values)
    path = tmp_path / "strategy.json"
    path.write_text(json.dumps([f"{key}={value}" for key, value in entries.items()]))
    return str(path)


def release_figures(found: dict) -> dict:
    keys = ("release", "failed_release_rolled_back", *ALARM_FIGURES)
    return {key: _pair(found["seconds"][key]) for key in keys}


def test_go_api_blue_green_from_a_parameter_file(tmp_path):
    """The defaults (one task, AWS's target-group defaults) with BLUE_GREEN and its two inputs."""
    file = params_file(tmp_path, DeploymentStrategy="BLUE_GREEN", **TRAFFIC_SHIFT_INPUTS)
    printed = []
    assert timeline.main(["go-api", file, "--json"], out=printed.append) == 0
    found = json.loads("".join(printed))
    service = found["services"]["Service"]
    assert release_figures(service) == {
        # The green task ready (45 / 105), all traffic at once, 15 minutes of bake, then the
        # blue task drains 300 s (and at worst uses its 30 s stop timeout).
        "release": (45 + 900 + 300, 105 + 900 + 300 + 30),
        # The green task fails 3 times, one at a time (the desired count); blue keeps the traffic.
        "failed_release_rolled_back": (3 * (30 + 60), 3 * (45 + 65 + 30)),
        "alarm_fires": FIRES,
        # The alarm after the first production request on green; the traffic back at once; the
        # green task drains.
        "alarm_in_rollout_rolled_back": (45 + 180 + 300, 105 + 240 + 300 + 30),
        # The alarm in the bake's last second: the same waits as completing, green drained instead of blue.
        "alarm_in_bake_rolled_back": (45 + 900 + 300, 105 + 900 + 300 + 30),
    }
    assert service["traffic_shift"] == {
        "strategy": "BLUE_GREEN",
        "bake": 900,
        "shifts": 1,
        "wait": 0,
        "first_share": "100.0",
        "between_shifts": 0,
    }
    # Both revisions at full count: never fewer than the desired count answering.
    assert service["min_healthy"]["release"] == 1 and found["min_healthy_tasks"] == 1
    assert service["deployment"] == "blue/green, bake 15 min" and service["alarm_watch_seconds"] == 0


def test_go_api_prod_linear(tmp_path):
    """Two tasks, 25 % every 2 minutes (4 shifts, 3 waits), 5 minutes of bake."""
    file = params_file(
        tmp_path,
        "params/go-api.prod.json",
        DeploymentStrategy="LINEAR",
        LinearStepPercent="25.0",
        LinearStepBakeMinutes="2",
        BakeTimeMinutes="5",
        **TRAFFIC_SHIFT_INPUTS,
    )
    found = report("go-api", file)
    service = found["services"]["Service"]
    assert release_figures(service) == {
        "release": (45 + 3 * 120 + 300 + 300, 105 + 3 * 120 + 300 + 300 + 30),
        # Both green tasks at once, 3 failures: 2 rounds.
        "failed_release_rolled_back": (2 * (30 + 60), 2 * (45 + 65 + 30)),
        "alarm_fires": FIRES,
        "alarm_in_rollout_rolled_back": (45 + 180 + 300, 105 + 240 + 330),
        "alarm_in_bake_rolled_back": (45 + 360 + 300 + 300, 105 + 360 + 300 + 330),
    }
    assert service["min_healthy"]["release"] == 2 and found["min_healthy_tasks"] == 2
    assert service["deployment"] == "linear 25.0 % every 2 min, bake 5 min"


@pytest.mark.parametrize(
    ("step", "shifts"),
    # Shifts until 100 %: 10 steps of 10; 3.0 reaches 99 after 33, then 100; 33.3: 99.9, then 100.
    [("10.0", 10), ("3.0", 34), ("30.0", 4), ("33.3", 4), ("50.0", 2), ("100.0", 1)],
)
def test_linear_waits_after_every_shift_but_the_last(tmp_path, step, shifts):
    file = params_file(tmp_path, DeploymentStrategy="LINEAR", LinearStepPercent=step, LinearStepBakeMinutes="1")
    bff = report("platform", file)["services"]["BffService"]
    assert (bff["traffic_shift"]["shifts"], bff["traffic_shift"]["between_shifts"]) == (shifts, (shifts - 1) * 60)


def test_platform_linear_with_a_bake_shorter_than_the_alarms(tmp_path, capsys):
    """The BFF: 30 % steps (4 shifts, 3 waits of 1 minute), 2 minutes of bake; AgentCore keeps rolling."""
    file = params_file(
        tmp_path, DeploymentStrategy="LINEAR", LinearStepPercent="30.0", LinearStepBakeMinutes="1", BakeTimeMinutes="2"
    )
    found = report("platform", file)
    bff = found["services"]["BffService"]
    assert release_figures(bff) == {
        # Ready 45 / 105, 3 waits of 60 s, 120 s of bake, the old tasks drain 30 s (and stop within 120 s).
        "release": (45 + 180 + 120 + 30, 105 + 180 + 120 + 30 + 120),
        # Two green tasks at once, 3 failures: 2 rounds; nothing to start again afterwards.
        "failed_release_rolled_back": (2 * (30 + 75), 2 * (45 + 95 + 120)),
        "alarm_fires": FIRES,
        "alarm_in_rollout_rolled_back": (45 + 180 + 30, 105 + 240 + 150),
        "alarm_in_bake_rolled_back": (45 + 180 + 120 + 30, 105 + 180 + 120 + 150),
    }
    assert bff["notes"] == [
        FORCED_NOTE,
        "BakeTimeMinutes (2) is shorter than the deployment alarms need to fire (180 s): a problem that "
        "begins once all traffic moved is not rolled back",
    ]
    assert bff["min_healthy"]["release"] == 2
    assert found["services"]["AgentCoreService"]["strategy"] == "ROLLING"
    assert _pair(found["services"]["AgentCoreService"]["seconds"]["release"]) == AGENTCORE["release"]
    assert found["min_healthy_tasks"] == 1  # AgentCore, rolling 100/150 in DNS


def test_platform_canary_without_bake_time(tmp_path):
    file = params_file(
        tmp_path, DeploymentStrategy="CANARY", CanaryPercent="10.0", CanaryBakeMinutes="3", BakeTimeMinutes="0"
    )
    found = report("platform", file)
    bff = found["services"]["BffService"]
    assert release_figures(bff) == {
        # Ready, the canary share for 3 minutes, the rest, no bake: the old tasks drain and stop.
        "release": (45 + 180 + 30, 105 + 180 + 30 + 120),
        "failed_release_rolled_back": (2 * (30 + 75), 2 * (45 + 95 + 120)),
        "alarm_fires": FIRES,
        "alarm_in_rollout_rolled_back": (45 + 180 + 30, 105 + 240 + 150),
        # No bake: once all traffic moved, nothing is rolled back.
        "alarm_in_bake_rolled_back": None,
    }
    assert bff["traffic_shift"]["shifts"] == 2 and bff["deployment"] == "canary 10.0 % for 3 min, bake 0 min"
    assert any(note.startswith("BakeTimeMinutes is 0") for note in bff["notes"])
    text = timeline.as_text(timeline.timeline("platform", file, model.Assumptions()))
    assert "BffService: 2 tasks, canary 10.0 % for 3 min, bake 0 min, found by load balancer" in text
    assert "  note: BakeTimeMinutes is 0" in text


@pytest.mark.parametrize("strategy", ["BLUE_GREEN", "LINEAR", "CANARY"])
@pytest.mark.parametrize(
    ("name", "base"), [(Path(file).name.split(".")[0], file) for file in PARAMS if "finfocus" not in file]
)
def test_traffic_shifting_keeps_the_whole_desired_count_answering(tmp_path, name, base, strategy):
    """Both revisions run at full count until the old one is gone: for every parameter file of
    the templates that offer the strategies, the service never has fewer than its desired count."""
    inputs = TRAFFIC_SHIFT_INPUTS if name == "go-api" else {}
    found = report(name, params_file(tmp_path, base, DeploymentStrategy=strategy, **inputs))
    shifting = [s for s in found["services"].values() if s["traffic_shift"]]
    assert len(shifting) == 1 and shifting[0]["strategy"] == strategy
    assert shifting[0]["min_healthy"]["release"] == shifting[0]["desired_tasks"] >= 1


def test_a_strategy_the_rules_refuse_has_no_timeline(tmp_path, capsys):
    """go-api's Rules refuse BLUE_GREEN without the second target group and rule, as CloudFormation would."""
    file = params_file(tmp_path, DeploymentStrategy="BLUE_GREEN")
    assert timeline.main(["go-api", file], out=lambda text: pytest.fail(f"printed {text!r}")) == 2
    error = capsys.readouterr().err
    assert "BLUE_GREEN, LINEAR and CANARY need AlternateTargetGroupArn" in error and error.count("\n") == 1


def _go_api_document() -> dict:
    return json.loads((ROOT / "output" / "go-api.json").read_text())


def test_ecs_watches_the_slowest_deployment_alarm():
    document = _go_api_document()
    # The unhealthy-targets alarm made slower: 5 of 5 one-minute periods.
    document["Resources"]["ApiUnhealthyTargets"]["Properties"].update(EvaluationPeriods=5, DatapointsToAlarm=5)
    found = timeline.timeline("go-api", None, model.Assumptions(), document=document)["services"]["Service"]
    assert found["alarm_watch_seconds"] == 5 * 60
    assert found["seconds"]["release"] == model.Span(345 + 300, 435 + 300)
    assert found["seconds"]["alarm_fires"] == model.Span(5 * 60, 6 * 60)


def test_without_deployment_alarms_only_the_circuit_breaker_rolls_back():
    document = _go_api_document()
    del document["Resources"]["Service"]["Properties"]["DeploymentConfiguration"]["Alarms"]
    found = timeline.timeline("go-api", None, model.Assumptions(), document=document)["services"]["Service"]
    assert found["seconds"]["release"] == model.Span(345, 435)  # nothing watched after the rollout
    assert [found["seconds"][key] for key in ALARM_FIGURES] == [None, None, None]
    assert found["notes"] == [
        FORCED_NOTE,
        "no deployment alarm: only tasks that fail their health checks roll a release back",
    ]


def test_what_a_template_leaves_out_takes_ecss_defaults():
    """A linear deployment with no minutes given: ECS's 10 % every 6 minutes
    (API_LinearConfiguration) and 15 minutes of bake time (the AWS::ECS::Service schema)."""
    document = _go_api_document()
    properties = document["Resources"]["Service"]["Properties"]
    properties["DeploymentConfiguration"] = {
        key: value
        for key, value in properties["DeploymentConfiguration"].items()
        if key not in ("BakeTimeInMinutes", "LinearConfiguration", "CanaryConfiguration")
    }
    properties["DeploymentConfiguration"]["Strategy"] = "LINEAR"
    found = timeline.timeline("go-api", None, model.Assumptions(), document=document)["services"]["Service"]
    assert found["traffic_shift"]["shifts"] == 10 and found["deployment"] == "linear 10.0 % every 6 min, bake 15 min"
    assert found["seconds"]["release"] == model.Span(45 + 9 * 360 + 900 + 300, 105 + 9 * 360 + 900 + 330)


def test_a_strategy_the_timeline_does_not_know_is_refused():
    document = _go_api_document()
    document["Resources"]["Service"]["Properties"]["DeploymentConfiguration"]["Strategy"] = "EXTERNAL"
    with pytest.raises(timeline.BadInput, match="the timeline knows ROLLING, BLUE_GREEN, LINEAR and CANARY"):
        timeline.timeline("go-api", None, model.Assumptions(), document=document)


# --- The command line: make timeline ---------------------------------------------------


def make_timeline(*variables: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", "-s", "timeline", f"PYTHON={sys.executable}", *variables],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_make_timeline_prints_one_json_object():
    done = make_timeline("TEMPLATE=platform", "PARAMS=params/platform.prod.json", "FORMAT=json")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["min_healthy_tasks"] == 1
    assert found["services"]["AgentCoreService"]["seconds"]["release"] == {"typical": 150 + 180, "worst": 450 + 180}


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["nope"], "unknown template 'nope'"),
        (["go-api", "params/none.json"], "params/none.json does not exist"),
        (["go-api", "params/platform.dev.json"], "holds platform's parameters (Environment and "),
        (["go-api", "--target-group", "interval=ten"], "--target-group 'interval=ten' is not KEY="),
        (["go-api", "--target-group", "every=5"], "use interval, timeout, healthy, unhealthy, deregistration"),
        (["go-api", "--task-start", "90,40"], "the worst case (40) is shorter than the typical one (90)"),
        (["go-api", "--task-start", "soon"], "--task-start 'soon' is not SECONDS or TYPICAL,WORST"),
        (["prerequisites"], "prerequisites runs no ECS service"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(arguments, says, capsys):
    assert timeline.main(arguments, out=lambda text: pytest.fail(f"printed {text!r}")) == 2
    error = capsys.readouterr().err
    assert says in error
    assert error.count("\n") == 1


# --- The fewest answering, from which tasks are healthy in which group at each step ----------


@pytest.mark.parametrize("strategy", ["BLUE_GREEN", "LINEAR", "CANARY"])
def test_a_release_that_starts_with_the_rule_on_the_group_ecs_fills_has_nothing_answering(tmp_path, strategy):
    """The production rule left on the group ECS is about to fill (docs/releases.md#which-target-
    group-a-release-replaces): the new revision starts in the group production already points at,
    while the old revision's tasks take no production request: 0 answer until it is healthy, and
    a lost task is not replaced where the traffic goes. A figure fixed at the desired count (or
    desired - 1) would say the release keeps every task answering."""
    file = params_file(tmp_path, "params/go-api.prod.json", DeploymentStrategy=strategy, **TRAFFIC_SHIFT_INPUTS)
    aligned = report("go-api", file)["services"]["Service"]
    desired = aligned["desired_tasks"]
    assert desired >= 2
    assert (aligned["min_healthy"]["release"], aligned["min_healthy"]["task_replacement"]) == (desired, desired - 1)
    reversed_ = report("go-api", file, rule_on_the_tasks=False)["services"]["Service"]
    assert (reversed_["min_healthy"]["release"], reversed_["min_healthy"]["task_replacement"]) == (0, 0)


def test_each_step_of_a_linear_release_counts_the_healthy_tasks_of_the_groups_with_weight(tmp_path):
    """LINEAR 10 %: 10 shifts (the ECS guide: 10 % steps make 10 shifts), both revisions answering
    in between; the old revision answers nothing once all traffic moved, before it drains."""
    file = params_file(tmp_path, "params/go-api.prod.json", DeploymentStrategy="LINEAR", **TRAFFIC_SHIFT_INPUTS)
    (service,) = reader.read_services(*_document_and_values("go-api", file), model.Assumptions())
    steps = traffic_shifting.shift_steps(service, model.Assumptions())
    moved = [s.weights[1] for s in steps if s.what.endswith("% moved")]
    assert moved == [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0]
    desired = service.desired
    by_name = {s.what: s.answering for s in steps}
    assert by_name["new revision starting (SCALE_UP)"] == desired  # the old one only
    assert by_name["50.0 % moved"] == 2 * desired  # both revisions take production requests
    assert by_name["BAKE_TIME"] == desired  # the old one keeps running, with no weight
    assert by_name["old revision drained (CLEAN_UP)"] == desired


def _document_and_values(name: str, file: str):
    from ops.shared import params
    from ops.shared.template import load

    document = load(name)
    return document, params.effective(document["Parameters"], params.read(file))


def test_a_service_that_forces_deployments_says_every_update_is_a_release():
    document = json.loads((ROOT / "output" / "go-api.json").read_text())
    assert (
        FORCED_NOTE
        in timeline.timeline("go-api", None, model.Assumptions(), document=document)["services"]["Service"]["notes"]
    )
    del document["Resources"]["Service"]["Properties"]["ForceNewDeployment"]
    found = timeline.timeline("go-api", None, model.Assumptions(), document=document)["services"]["Service"]
    assert FORCED_NOTE not in found["notes"]


def test_a_container_waiting_for_a_healthy_one_starts_after_it_and_stops_before_it():
    """The plugin templates' proxy: read from the template, not assumed."""
    (service,) = reader.read_services(
        json.loads((ROOT / "output/finfocus-plugin.json").read_text()), {}, model.Assumptions()
    )
    assert service.container_health == model.ContainerHealth(interval=30, timeout=10, retries=3, start_period=60)
    assert service.after_healthy == (model.ContainerHealth(interval=10, timeout=10, retries=3, start_period=10),)
    assert service.gives_up == 120  # the plugin's startTimeout
    assert service.stop_timeout == 35 + 35 and service.failing_stop_timeout == 35


def test_containers_that_wait_for_each_other_are_refused():
    waiting = [
        {"Name": "a", "DependsOn": [{"ContainerName": "b", "Condition": "HEALTHY"}]},
        {"Name": "b", "DependsOn": [{"ContainerName": "a", "Condition": "HEALTHY"}]},
    ]
    with pytest.raises(BadInput, match="containers a, b wait for each other"):
        reader._start_order(waiting)
