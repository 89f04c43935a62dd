"""Which tasks run on Fargate Spot while two revisions run, and what a Spot interruption then
leaves answering: figures worked out by hand, never imported from the code.

What AWS documents (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html):
- base: "how many tasks, at a minimum, to run on the specified capacity provider for each
  service"; "Base requirements are satisfied first before weight distribution".
- weight: "the relative percentage of the total number of tasks launched that should use the
  specified capacity provider"; "If capacityProviderA has weight 1 and capacityProviderB has
  weight 4, then for every 1 task on A, 4 tasks will run on B."
- AWS's Spot workshop (https://ec2spotworkshops.com/ecs-spot-capacity-providers/module-1/modify_default_cps.html):
  "base=2 and weight=1 for CP-OD and weight=3 for CP-SPOT. That means, ECS first places 2 tasks
  (since base=2) to CP-OD and then splits the remaining tasks between CP-OD and CP-SOT in 1:3 ratio".
What it leaves open, read as docs/releases.md#spot-zones-images says: the base counts either the
service's running tasks of every revision, stopping ones included ("service"), or each
deployment's own ("deployment"), and the figure is the fewest of the two; a split that does not
come out whole rounds Spot's share up, over all the tasks a deployment placed by weight;
either old task may be stopped first (https://github.com/aws/amazon-ecs-agent/issues/3330: "ECS
Control Plane has no control on which task to terminate when update happens").
A Spot interruption reclaims every Spot task at once.
"""

import json

import pytest

from ops.shared.template import load
from ops.timeline import cli as timeline
from ops.timeline import model, placement, rolling, spot, traffic_shifting
from ops.timeline import read as reader

# --- Placement of the tasks one deployment launches ----------------------------------

PLATFORM_DEFAULT = model.Capacity(base=1, on_demand_weight=70, spot_weight=30)


@pytest.mark.parametrize(
    ("capacity", "count", "expected"),
    [
        # The API reference's 1:4, no base: 1 on A (on demand), 4 on B (Spot).
        (model.Capacity(base=0, on_demand_weight=1, spot_weight=4), 5, (1, 4)),
        # The workshop's base 2 and 1:3 over 10 tasks: 2, then 8 split 2:6.
        (model.Capacity(base=2, on_demand_weight=1, spot_weight=3), 10, (2 + 2, 6)),
        # The platform's defaults at its minimum of 2: the base, then 30 % of one task, rounded up.
        (PLATFORM_DEFAULT, 2, (1, 1)),
        # At its maximum of 10: the base, then 30 % of 9 = 2.7, rounded up to 3.
        (PLATFORM_DEFAULT, 10, (1 + 6, 3)),
        # OnDemandWeight 0: only the base on demand.
        (model.Capacity(base=1, on_demand_weight=0, spot_weight=30), 4, (1, 3)),
        # A base larger than the count: all of it on demand.
        (model.Capacity(base=3, on_demand_weight=0, spot_weight=1), 2, (2, 0)),
        # A user's own strategy may put the base on FARGATE_SPOT (the base is for "the specified
        # capacity provider"): 1 on Spot, then 4 split 3:1, 3 on demand and 1 more on Spot.
        (model.Capacity(base=1, on_demand_weight=3, spot_weight=1, base_on_spot=True), 5, (3, 1 + 1)),
        # A Spot base larger than the count: all of it on Spot.
        (model.Capacity(base=3, on_demand_weight=1, spot_weight=0, base_on_spot=True), 2, (0, 2)),
    ],
)
def test_a_service_created_places_the_base_then_splits_the_rest_by_weight(capacity, count, expected):
    assert tuple(placement.steady(capacity, count)) == expected


def test_the_old_revisions_on_demand_tasks_hold_the_base_while_they_run():
    """Two old tasks (1 on demand, 1 Spot) still run: the new revision's two are placed by the
    weights alone. A base per deployment would put one of them on demand."""
    new = placement.Deployment(PLATFORM_DEFAULT).launch(2, running=placement.Placed(1, 1))
    assert tuple(new) == (1, 1)  # 30 % of 2 = 0.6, rounded up: 1 on Spot
    only_spot = model.Capacity(base=1, on_demand_weight=0, spot_weight=30)
    assert tuple(placement.Deployment(only_spot).launch(2, running=placement.Placed(1, 1))) == (0, 2)
    # With nothing on demand running, the base is placed first again.
    assert tuple(placement.Deployment(only_spot).launch(2, running=placement.Placed(0, 2))) == (1, 1)


def test_the_old_revisions_spot_tasks_hold_a_base_on_spot():
    """Base 1 on FARGATE_SPOT, then FARGATE 3 : FARGATE_SPOT 1. Read service-wide, an old Spot
    task still running holds the base: both new tasks by weight, 1/4 of 2 rounded up, 1 on Spot
    and 1 on demand. After a strategy change to this one (which starts no deployment) the old
    revision's tasks all run on demand and hold no Spot base: the first new task is the base, on
    Spot, the second by weight, 1/4 of 1 rounded up, on Spot too."""
    spot_base = model.Capacity(base=1, on_demand_weight=3, spot_weight=1, base_on_spot=True)
    assert tuple(placement.Deployment(spot_base).launch(2, running=placement.Placed(1, 1))) == (1, 1)
    assert tuple(placement.Deployment(spot_base).launch(2, running=placement.Placed(2, 0))) == (0, 2)


def test_a_base_on_fargate_spot_is_read_from_the_services_strategy():
    """A user's template may give the base to FARGATE_SPOT: "Only one capacity provider in a
    capacity provider strategy can have a base defined", whichever it is (the API reference above)."""
    document = load("platform")
    values = {key: str(body["Default"]) for key, body in document["Parameters"].items() if "Default" in body}
    document["Resources"]["BffService"]["Properties"]["CapacityProviderStrategy"] = [
        {"CapacityProvider": "FARGATE", "Weight": 3},
        {"CapacityProvider": "FARGATE_SPOT", "Base": 1, "Weight": 1},
    ]
    services = {s.name: s for s in reader.read_services(document, values, model.Assumptions())}
    assert services["BffService"].capacity == model.Capacity(
        base=1, on_demand_weight=3, spot_weight=1, base_on_spot=True
    )


def test_a_deployment_launching_one_task_at_a_time_splits_all_of_them_by_weight():
    """100/150 starts one new task at a time: 30 % of 1 rounds up to Spot, but of 2 only 1 of
    them is Spot, so the second goes on demand (a split per batch would put both on Spot)."""
    deployment = placement.Deployment(PLATFORM_DEFAULT)
    held = placement.Placed(1, 1)
    assert tuple(deployment.launch(1, running=held)) == (0, 1)
    assert tuple(deployment.launch(1, running=held)) == (1, 0)


# --- The figures of a release ---------------------------------------------------------


def platform(**given) -> dict:
    found = timeline.timeline("platform", None, model.Assumptions(), given=given)
    return json.loads(timeline.as_json(found))["services"]


def test_a_blue_green_bake_on_spot_only_leaves_nothing_answering_after_a_spot_interruption():
    """OnDemandWeight 0 (docs/releases.md: every task after the base on Spot). Steady state: the
    base task on demand, the other on Spot; a Spot interruption leaves 1. Blue/green starts two
    new tasks while the old on-demand one holds the base: both on Spot. Once all traffic moved
    (the bake), the old revision takes none: a Spot interruption leaves 0, and so after the old
    revision is drained, until the tasks are replaced. A figure from the base alone (1) or the
    steady state's split (1) says otherwise."""
    bff = platform(DeploymentStrategy="BLUE_GREEN", OnDemandWeight="0")["BffService"]
    assert bff["desired_tasks"] == 2
    assert bff["min_healthy"]["spot_interruption"] == 0
    assert bff["min_healthy"]["release"] == 2
    assert any(note.startswith("Spot interruption: 1 on demand in the steady state, 0 at") for note in bff["notes"])


def test_a_blue_green_bake_at_70_30_keeps_one_on_demand():
    """The defaults: the new revision's two tasks placed by 70/30 alone, 30 % of 2 rounded up
    is one on Spot, one on demand: a Spot interruption in the bake leaves 1."""
    bff = platform(DeploymentStrategy="BLUE_GREEN")["BffService"]
    assert bff["min_healthy"]["spot_interruption"] == 1
    assert not any(note.startswith("Spot interruption") for note in bff["notes"])


def _bff(desired: int, capacity: model.Capacity, strategy: str = model.BLUE_GREEN) -> model.Service:
    shift = (
        model.TrafficShift(strategy, bake=900, shifts=1, wait=0, first_share="100.0") if strategy != "ROLLING" else None
    )
    return model.Service(
        name="BffService",
        desired=desired,
        minimum_healthy_percent=50,
        maximum_percent=200,
        strategy=strategy,
        circuit_breaker=True,
        stop_timeout=120,
        target_group=model.TargetGroupHealth(interval=30, timeout=5, healthy=2, unhealthy=3, deregistration=30),
        traffic_shift=shift,
        grace=60,
        capacity=capacity,
    )


def test_four_tasks_in_a_blue_green_bake_have_fewer_on_demand_than_the_steady_state():
    """Four tasks at base 1, 70/30. Steady state: the base, then 30 % of 3 = 0.9, one on Spot:
    3 on demand. The new revision's four placed by weight alone: 30 % of 4 = 1.2, two on Spot:
    2 on demand through the bake and after. Neither the base (1) nor the steady split (3) is it."""
    service = _bff(4, PLATFORM_DEFAULT)
    steps = {step.what: step for step in traffic_shifting.shift_steps(service, model.Assumptions())}
    assert steps["before"].spot == (1, 0)
    assert steps["BAKE_TIME"].spot == (1, 2) and steps["BAKE_TIME"].answering_after_spot_reclaimed == 2
    assert steps["old revision drained (CLEAN_UP)"].answering_after_spot_reclaimed == 2
    assert steps["new revision healthy"].answering_after_spot_reclaimed == 3  # the old revision answers
    assert spot.spot_interruption(service, model.Assumptions()) == 2


def test_a_rolling_release_that_stops_the_on_demand_task_first_leaves_only_spot_answering():
    """BFF, 2 tasks, 50/200 (floor 1): one old task stops at once. Stopped first, the on-demand
    one leaves the Spot one answering until the new ones are healthy: 0 on demand. The Spot one
    stopped first leaves the on-demand one; the new two (1 on demand, 1 Spot) then keep 1."""
    service = _bff(2, PLATFORM_DEFAULT, strategy="ROLLING")
    on_demand_first = rolling.rolling(service, ready=45, stop=30, delay=0, spot_stops_first=False)
    spot_first = rolling.rolling(service, ready=45, stop=30, delay=0, spot_stops_first=True)
    assert (on_demand_first.serving, on_demand_first.serving_on_demand) == (1, 0)
    assert (spot_first.serving, spot_first.serving_on_demand) == (1, 1)
    assert tuple(on_demand_first.after) == tuple(spot_first.after) == (1, 1)
    assert spot.spot_interruption(service, model.Assumptions()) == 0


def test_a_stopping_on_demand_task_still_holds_the_base_and_the_new_revision_stays_on_spot():
    """OnDemandWeight 0, 50/200: the old on-demand task is stopped first, and while it drains
    both new tasks are placed: it still holds the base, so both go on Spot, and the service
    keeps no task on demand after the release (ECS moves no running task)."""
    only_spot = model.Capacity(base=1, on_demand_weight=0, spot_weight=30)
    rolled = rolling.rolling(_bff(2, only_spot, strategy=model.ROLLING), ready=45, stop=30, delay=0)
    assert tuple(rolled.after) == (0, 2)
    assert rolled.serving_on_demand == 0


def test_the_strategy_is_read_from_the_template():
    """The platform's services: FARGATE with the base (1 by default) and OnDemandWeight (given:
    5), FARGATE_SPOT with SpotWeight (30 by default); go-api's LaunchType FARGATE runs every
    task on demand."""
    document = load("platform")
    values = {key: str(body["Default"]) for key, body in document["Parameters"].items() if "Default" in body}
    services = {
        s.name: s for s in reader.read_services(document, {**values, "OnDemandWeight": "5"}, model.Assumptions())
    }
    assert services["BffService"].capacity == model.Capacity(base=1, on_demand_weight=5, spot_weight=30)
    (api,) = reader.read_services(load("go-api"), {}, model.Assumptions())
    assert api.capacity == model.Capacity(base=0, on_demand_weight=1, spot_weight=0) and not api.spot_possible


# --- Both readings of the base, and the cause a note names -------------------------------


def test_a_deployment_that_places_its_own_base_does_so_whatever_the_old_revision_holds():
    """Read per deployment, the new revision puts its first task on demand though the old one's
    on-demand task still runs (the service-wide reading puts both on Spot), and only its first:
    one at a time at 70/30, the second goes by weight, 30 % of 1 rounded up: Spot."""
    only_spot = model.Capacity(base=1, on_demand_weight=0, spot_weight=30)
    old = placement.Placed(1, 1)
    assert tuple(placement.Deployment(only_spot, placement.EACH_DEPLOYMENT).launch(2, running=old)) == (1, 1)
    assert tuple(placement.Deployment(only_spot, placement.SERVICE_WIDE).launch(2, running=old)) == (0, 2)
    one_at_a_time = placement.Deployment(PLATFORM_DEFAULT, placement.EACH_DEPLOYMENT)
    assert tuple(one_at_a_time.launch(1, running=old)) == (1, 0)
    assert tuple(one_at_a_time.launch(1, running=old)) == (0, 1)


def test_where_the_base_is_held_decides_a_blue_green_bake_on_spot_only():
    """OnDemandWeight 0, 2 tasks: steady state the base on demand, the other on Spot (1 on
    demand). The new revision's two, started beside the old ones: with the old on-demand task
    holding the base, both by weight, both on Spot: 0 in the bake. Placing its own base: 1 on
    demand, 1 on Spot: 1, as in the steady state. The note names the reading with both figures."""
    bff = platform(DeploymentStrategy="BLUE_GREEN", OnDemandWeight="0")["BffService"]
    assert bff["spot_interruption_by_base_reading"] == {"service": 0, "deployment": 1}
    (note,) = [n for n in bff["notes"] if n.startswith("Spot interruption")]
    assert "hold the base while the new one's start (1 if each revision places its own base)" in note
    assert "either reading" not in note


def test_a_rolling_agentcore_release_with_a_base_of_two_depends_on_where_the_base_is_held():
    """OnDemandBaseTasks 2, 2 tasks, 100/150 (one new task at a time), in DNS 30 s after ECS
    counts a task healthy. Steady state: both on demand. Placing its own base, the new revision's
    tasks go on demand; the first healthy, ECS stops an old one, and DNS still answers with the
    other: never fewer than 1. With the old tasks holding the base, the first new task goes by
    weight (30 % of 1, rounded up: Spot), the second on demand (30 % of 2 is 1, placed); when the
    second is healthy the last old one stops, and DNS answers only with the first, on Spot: 0."""
    agent = platform(OnDemandBaseTasks="2")["AgentCoreService"]
    assert agent["spot_interruption_by_base_reading"] == {"service": 0, "deployment": 1}
    assert agent["min_healthy"]["spot_interruption"] == 0


def _spot_note(found: dict) -> str:
    (note,) = [n for n in found["notes"] if n.startswith("Spot interruption")]
    return note


def test_the_platform_defaults_bff_figure_comes_from_its_rollout_not_the_base():
    """BFF, 2 tasks (1 on demand, 1 Spot), 50/200: the floor of 1 lets ECS stop an old task at
    once; if it is the on-demand one, the Spot one answers alone until new ones are healthy: 0,
    wherever the new tasks go. With a 100 % minimum both old ones answer until the new two
    (1 on demand, 1 Spot under either reading) are: 1. Stopping the Spot one first leaves 1."""
    bff = platform()["BffService"]
    assert bff["spot_interruption_by_base_reading"] == {"service": 0, "deployment": 0}
    note = _spot_note(bff)
    assert "1 on demand in the steady state, 0 at the worst moment" in note
    assert "under either reading" in note
    assert "the minimum healthy 50 % lets ECS stop an old task before a new one is healthy" in note
    assert "if the old task it stops first is the on-demand one" in note
    assert "Cloud Map" not in note and "weights alone" not in note


def test_the_platform_defaults_agentcore_figure_comes_from_cloud_maps_delay_not_the_base():
    """AgentCore, 2 tasks (1 on demand, 1 Spot), 100/150: ECS stops an old task as soon as the
    first new one is healthy, 30 s before Cloud Map answers with it; if the stopped one is the
    on-demand one, DNS answers only with the Spot one: 0 under either reading. Were the new
    task in DNS at once, its own base puts it on demand: 1; stopping the Spot one first leaves
    the on-demand one answering, and the first new one (its base) on demand after: 1."""
    agent = platform()["AgentCoreService"]
    assert agent["spot_interruption_by_base_reading"] == {"service": 0, "deployment": 0}
    note = _spot_note(agent)
    assert "under either reading" in note
    assert "about 30 s before Cloud Map answers with the new one" in note
    assert "if the old task it stops first is the on-demand one" in note
    assert "minimum healthy" not in note and "weights alone" not in note


def test_worst_case_durations_alone_can_leave_only_spot_answering_in_a_rolling_release():
    """A worker: 2 tasks, no load balancer, no container check (ECS counts such a task healthy
    40 s after it is RUNNING, API_DeploymentConfiguration), stop timeout 30 s, 50/150 (floor 1,
    ceiling 3), base 2 on demand and OnDemandWeight 0: both on demand in the steady state. Task
    start 30 s typical, 45 s worst: ready at 70 s or 85 s. With no target to drain, a stopped
    task is gone at once (its application exits on SIGTERM) or after the 30 s stop timeout.
    At 0 s ECS stops one old task and starts one new one while it still runs and holds the base:
    by weight, on Spot. Typical: the stopped task is gone at 0 s, so the second new task starts
    at once, on demand (the base); both are healthy at 70 s, when the last old one stops: 1 on
    demand throughout. Worst: the second new task waits for the stopped one (the ceiling) and
    starts at 30 s, on demand, healthy at 115 s; the Spot one is healthy at 85 s and ECS stops
    the last old task: from 85 s to 115 s only the Spot one answers: 0. Were each revision to
    place its own base, both new tasks would go on demand: 1."""
    worker = model.Service(
        name="Worker",
        desired=2,
        minimum_healthy_percent=50,
        maximum_percent=150,
        strategy=model.ROLLING,
        circuit_breaker=True,
        stop_timeout=30,
        capacity=model.Capacity(base=2, on_demand_weight=0, spot_weight=1),
    )
    typical = rolling.rolling(worker, ready=70, stop=0, delay=0)
    worst = rolling.rolling(worker, ready=85, stop=30, delay=0)
    assert (typical.serving_on_demand, worst.serving_on_demand) == (1, 0)
    assert (typical.seconds, worst.seconds) == (70, 115)
    assumptions = model.Assumptions(task_start=model.Span(30, 45))
    assert rolling.rolled_out_spot_reclaimed(worker, assumptions) == 0
    assert spot.by_reading(worker, assumptions) == {"service": 0, "deployment": 1}
