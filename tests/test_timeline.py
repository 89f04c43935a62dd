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
The templates' own settings are typed from their specifications: go-api's 60 s grace
period; the plugin's check every 30 s, 10 s timeout, 3 retries, 60 s start period, 35 s
stop timeout; the platform's BFF target group (30 s, 5 s, 2 and 3, 30 s delay) and
AgentCore's check (30 s, 5 s, 3, 60 s), both stopping within 120 s.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ops import timeline
from tests.helpers import ROOT

TEMPLATES = ("finfocus-plugin", "finfocus-plugin-10-region", "go-api", "platform")
# The templates that run ECS services; the prerequisites stack has nothing to release.
PARAMS = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "params").glob("*.json") if p.name.split(".")[0] in TEMPLATES)

# --- The figures of each kind of service, by hand (typical, worst) ---------------------

START = (30, 45)
# go-api, one task behind a target group with AWS's defaults, 60 s grace, 30 s stop timeout.
# Healthy: half an interval (15) / the grace period (60). Ready = start + healthy: 45 / 105.
GO_API_ONE = {
    "first_create": (30 + 15, 45 + 60),
    # The new task is ready, then the old one drains 300 s (and at worst uses its 30 s stop timeout).
    "release": (45 + 300, 105 + 300 + 30),
    # One new task at a time (ceiling 2 - floor 1); 3 failures; each: start + the grace period
    # or 1.5 / 2 intervals and a timeout, whichever is later, then (worst) its stop timeout.
    "failed_release_rolled_back": (3 * (30 + max(60, 45)), 3 * (45 + max(60, 2 * 30 + 5) + 30)),
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

# The plugin: two tasks found by DNS, 100/150. Healthy: the first check (30) / the check after
# the 60 s start period (60). Ready: 60 / 105. In DNS 30 s after that.
PLUGIN = {
    # A client that asked before the name existed keeps "no such name" for the SOA TTL (10 s).
    "first_create": (60 + 30, 105 + 30 + 10),
    # Typical: B1 ready at 60, A1 stops at once, B2 ready at 120, A2 stops; B2 in DNS at 150.
    # Worst: B1 at 105, A1 gone at 140 (35 s stop), B2 ready at 245, A2 gone at 280.
    "release": (150, 280),
    # One at a time (150 % of 2 rounds down to 3 = floor 2 + 1); 3 failures; each: start + the
    # start period's two checks + 3 retries, at 30 s (150), a timeout at worst, then the stop.
    "failed_release_rolled_back": (3 * (30 + 150), 3 * (45 + 150 + 10 + 35)),
    "detect_unhealthy": (2.5 * 30, 3 * 30 + 10),
    "replace_unhealthy": (75 + 60 + 30, 100 + 105 + 30),
    "replace_stopped": (60 + 30, 105 + 30),
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
    # (and at worst uses its 120 s stop timeout).
    "release": (45 + 30, 105 + 30 + 120),
    # Two new tasks at a time (4 - 1): 2 rounds; each: start + 2.5 intervals (75) / 3 and a
    # timeout (95), then (worst) the stop; then the rollback starts the stopped old task again.
    "failed_release_rolled_back": (2 * (30 + 75) + 45, 2 * (45 + 95 + 120) + 105),
    "detect_unhealthy": (75, 95),
    "replace_unhealthy": (75 + 45, 95 + 105),
    "replace_stopped": (45, 105),
    "scale_out_decided": (180, 240),
    "scale_out_answering": (225, 345),
    "scale_in_decided": (900, 960),
    "spot_replacement_answering": (45, 105),
    "spot_warning": 120,
}
BFF_FEWEST = {"release": 1, "task_replacement": 1, "scale_in": 2, "spot_interruption": 1}
# AgentCore: two tasks found by DNS (check 30 s, 5 s, 3 retries, 60 s start period), 100/150,
# 120 s stop timeout, on Fargate and Spot with one on-demand base task.
AGENTCORE = {
    "first_create": (90, 145),
    # Typical as the plugin's (stops take no time); worst: B1 ready 105, A1 gone 225, B2 ready
    # 330, A2 gone 450.
    "release": (150, 105 + 120 + 105 + 120),
    "failed_release_rolled_back": (3 * (30 + 150), 3 * (45 + 150 + 5 + 120)),
    "detect_unhealthy": (75, 95),
    "replace_unhealthy": (75 + 60 + 30, 95 + 105 + 30),
    "replace_stopped": (90, 135),
    "scale_out_decided": (180, 240),
    "scale_out_answering": (180 + 90, 240 + 135),
    "scale_in_decided": (900, 960),
    "spot_replacement_answering": (90, 135),
    "spot_warning": 120,
}
AGENTCORE_FEWEST = {"release": 1, "task_replacement": 1, "scale_in": 2, "spot_interruption": 1}

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


def _pair(value):
    if isinstance(value, dict):
        return (value["typical"], value["worst"])
    return value


def report(name: str, params_file: str | None, **assumptions) -> dict:
    return json.loads(timeline.as_json(timeline.timeline(name, params_file, timeline.Assumptions(**assumptions))))


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


def _dns_service(desired: int, minimum: int, maximum: int) -> timeline.Service:
    return timeline.Service(
        name="Plugin",
        desired=desired,
        minimum_healthy_percent=minimum,
        maximum_percent=maximum,
        strategy="ROLLING",
        circuit_breaker=True,
        stop_timeout=35,
        container_health=timeline.ContainerHealth(interval=30, timeout=10, retries=3, start_period=60),
        dns=timeline.Dns(record_ttl=10, negative_ttl=10, negative_ttl_set_here=True),
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
    _, answering = timeline.release(_dns_service(desired, minimum, maximum), timeline.Assumptions())
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
    assert timeline.circuit_breaker_threshold(desired) == threshold


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
    # A 30 s drain instead of 300; the unhealthy task noticed after 2.5 / 3 intervals of 10 s and a timeout.
    assert _pair(tuned["release"]) == (30 + 5 + 30, 45 + 60 + 30 + 30)
    assert _pair(tuned["detect_unhealthy"]) == (25, 35)


def test_a_measured_task_start_replaces_the_assumption():
    found = report("go-api", None, task_start=timeline.task_start_from("40,90"))["services"]["Service"]
    assert _pair(found["seconds"]["replace_stopped"]) == (40 + 15, 90 + 60)


def test_only_rolling_releases_are_modelled():
    document = json.loads((ROOT / "output" / "go-api.json").read_text())
    document["Resources"]["Service"]["Properties"]["DeploymentConfiguration"]["Strategy"] = "BLUE_GREEN"
    with pytest.raises(timeline.BadInput, match="BLUE_GREEN: the timeline models ROLLING releases only"):
        timeline.timeline("go-api", None, timeline.Assumptions(), document=document)


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
    assert found["services"]["AgentCoreService"]["seconds"]["release"] == {"typical": 150, "worst": 450}


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["nope"], "unknown template 'nope'"),
        (["go-api", "params/none.json"], "params/none.json does not exist"),
        (["go-api", "params/platform.dev.json"], "unknown parameter Environment"),
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
