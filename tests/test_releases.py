"""What keeps every template's services answering through releases, Spot interruptions
and zone changes: facts from the specifications and AWS's documentation, typed in."""

import re

import pytest

from ops.shared import params
from templates.evaluate import Evaluator
from tests.helpers import built

TEMPLATES = ("finfocus-plugin", "finfocus-plugin-10-region", "go-api", "platform")
PARAMS = params.committed()


def stacks():
    """Every template with its defaults and with each of its parameter files: (label, resources)."""
    for name in TEMPLATES:
        document = built(name)
        files = [None] + [p for p in PARAMS if p.name.split(".")[0] == name]
        for file in files:
            given = params.read(str(file)) if file else {}
            values = params.effective(document["Parameters"], given)
            yield f"{name}:{file.name if file else 'defaults'}", Evaluator(document, values, strict=False).resources()


STACKS = dict(stacks())


def of_type(resources: dict, kind: str) -> dict:
    return {title: body["Properties"] for title, body in resources.items() if body["Type"] == kind}


# --- Spot: a tier's minimum tasks cannot all sit on Fargate Spot -----------------------


@pytest.mark.parametrize("label", sorted(STACKS))
def test_at_least_one_task_of_every_service_runs_on_demand(label):
    """Fargate Spot reclaims tasks at two minutes' notice, several at once. The platform
    runs each tier at a minimum of 2 tasks (FR-020, FR-037) on 70 % Fargate and 30 % Spot
    (FR-004, FR-005); ECS places a strategy's base tasks first, on the provider that
    carries it, and only one provider may carry one (CapacityProviderStrategyItem):
    so the base belongs to FARGATE, at least 1, or both tasks may sit on Spot.
    https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html
    """
    resources = STACKS[label]
    strategies = [s.get("CapacityProviderStrategy") for s in of_type(resources, "AWS::ECS::Service").values()]
    strategies += [c.get("DefaultCapacityProviderStrategy") for c in of_type(resources, "AWS::ECS::Cluster").values()]
    for strategy in filter(None, strategies):
        spot = [i for i in strategy if i["CapacityProvider"] == "FARGATE_SPOT"]
        if not spot or int(spot[0].get("Weight", 0)) == 0:
            continue
        bases = {i["CapacityProvider"]: int(i["Base"]) for i in strategy if "Base" in i}
        assert list(bases) == ["FARGATE"], strategy
        assert bases["FARGATE"] >= 1, strategy


def test_the_on_demand_base_cannot_be_set_below_one_task():
    base = built("platform")["Parameters"]["OnDemandBaseTasks"]
    assert (base["Type"], base["Default"], base["MinValue"], base["MaxValue"]) == ("Number", 1, 1, 100000)


def test_the_weights_are_the_specifications_70_30_within_what_ecs_accepts():
    """FR-004/FR-005: 70 on Fargate, 30 on Spot; ECS takes a weight of 0-1000."""
    found = built("platform")["Parameters"]
    for name, default in (("OnDemandWeight", 70), ("SpotWeight", 30)):
        weight = found[name]
        assert (weight["Type"], weight["Default"], weight["MinValue"], weight["MaxValue"]) == (
            "Number",
            default,
            0,
            1000,
        )


@pytest.mark.parametrize("label", sorted(STACKS))
def test_containers_that_may_run_on_spot_stop_within_the_warning(label):
    """Spot sends SIGTERM two minutes before it reclaims a task; 120 s is also Fargate's
    longest stop timeout. https://repost.aws/knowledge-center/fargate-spot-termination-notice"""
    resources = STACKS[label]
    definitions = of_type(resources, "AWS::ECS::TaskDefinition")
    for service in of_type(resources, "AWS::ECS::Service").values():
        strategy = service.get("CapacityProviderStrategy") or []
        on_spot = any(i["CapacityProvider"] == "FARGATE_SPOT" and int(i.get("Weight", 0)) > 0 for i in strategy)
        for container in definitions[service["TaskDefinition"]["Ref"]]["ContainerDefinitions"]:
            assert container.get("StopTimeout", 30) <= 120
            if on_spot:
                assert container["StopTimeout"] == 120, container["Name"]


# --- Health checks that a broken release cannot pass -----------------------------------


def http_codes(matcher: str) -> set[int]:
    """``200-399``, ``200,202`` or ``200-299,302`` as the status codes they accept."""
    codes = set()
    for part in matcher.split(","):
        first, _, last = part.partition("-")
        codes |= set(range(int(first), int(last or first) + 1))
    return codes


@pytest.mark.parametrize("name", TEMPLATES)
def test_target_groups_take_no_client_or_server_error_for_healthy(name):
    """A health check is passed by a success ("curl .../health and verify HTTP 200", go-api
    US1); a 404 from a wrong path or a 401 from an authenticating layer would make a broken
    release healthy, and the circuit breaker would never roll it back.
    https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html"""
    groups = {t: b["Properties"] for t, b in built(name)["Resources"].items() if b["Type"].endswith("TargetGroup")}
    for title, group in groups.items():
        codes = http_codes(group.get("Matcher", {}).get("HttpCode", "200"))
        assert 200 in codes, title
        assert not {code for code in codes if code >= 400}, title


def test_the_matcher_reader_reads_ranges_and_lists():
    assert http_codes("200-299,302") == set(range(200, 300)) | {302}
    assert http_codes("200") == {200}


# --- Names Cloud Map can serve ----------------------------------------------------------

# A DNS label is 1-63 octets of letters, digits and hyphens (RFC 1035 section 2.3.4; Cloud
# Map's CreateService takes a service name of such labels).
# https://www.rfc-editor.org/rfc/rfc1035#section-2.3.4
# https://docs.aws.amazon.com/cloud-map/latest/api/API_CreateService.html
LONGEST_LABEL, TOO_LONG = "a" * 63, "a" * 64


@pytest.mark.parametrize("name", TEMPLATES)
def test_cloud_map_service_names_are_dns_labels(name):
    document = built(name)
    services = [
        b["Properties"] for b in document["Resources"].values() if b["Type"] == "AWS::ServiceDiscovery::Service"
    ]
    for service in services:
        given = service["Name"]
        if isinstance(given, str):
            assert re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?", given) and len(given) <= 63, given
            continue
        parameter = document["Parameters"][given["Ref"]]
        pattern = parameter["AllowedPattern"]
        assert re.fullmatch(pattern, LONGEST_LABEL)
        assert re.fullmatch(pattern, parameter["Default"])
        assert not re.fullmatch(pattern, TOO_LONG), f"{given['Ref']} takes a 64-character label"
        assert not re.fullmatch(pattern, "a.b"), f"{given['Ref']} takes a dotted name"


# --- DNS: what a resolver may keep, and how ECS rolls ------------------------------------


@pytest.mark.parametrize("label", sorted(STACKS))
def test_a_missing_name_is_cached_no_longer_than_an_address(label):
    """A namespace the stack creates sets its negative-caching TTL (the SOA's): left alone
    it was 300 s through the VPC resolver (aws/aws-app-mesh-roadmap#221)."""
    resources = STACKS[label]
    records = [
        s["DnsConfig"]["DnsRecords"][0]["TTL"] for s in of_type(resources, "AWS::ServiceDiscovery::Service").values()
    ]
    for namespace in of_type(resources, "AWS::ServiceDiscovery::PrivateDnsNamespace").values():
        negative = namespace["Properties"]["DnsProperties"]["SOA"]["TTL"]
        assert 0 < negative <= min(records)


# Services found only by DNS, and the task counts they can run at.
DNS_SERVICES = {
    ("finfocus-plugin", "Service"): range(2, 9),
    ("finfocus-plugin-10-region", "Service"): range(2, 9),
    ("platform", "AgentCoreService"): range(2, 11),
}


@pytest.mark.parametrize(("name", "service"), sorted(DNS_SERVICES))
def test_services_found_by_dns_keep_an_old_task_while_new_ones_wait_for_cloud_map(name, service):
    """ECS counts a new task healthy about 30 s before Cloud Map answers with it, and stops
    an old one then (containers-roadmap#830, #343). Every old task must stay until its
    replacement is healthy (minimum 100 %), and the first new tasks started together must
    leave at least one old task running: ceiling - desired <= desired - 1, the ceiling being
    the maximum percent of the desired count rounded down (deployment-type-ecs.html)."""
    document = built(name)
    deployment = Evaluator(document, {}, strict=False).resources()[service]["Properties"]["DeploymentConfiguration"]
    minimum, maximum = int(deployment["MinimumHealthyPercent"]), int(deployment["MaximumPercent"])
    assert minimum == 100
    for desired in DNS_SERVICES[name, service]:
        new_at_once = desired * maximum // 100 - desired
        assert 1 <= new_at_once <= desired - 1, desired


def test_agentcore_keeps_the_specifications_50_200_as_a_choice():
    rollout = built("platform")["Parameters"]["AgentCoreRollout"]
    assert (rollout["Default"], rollout["AllowedValues"]) == ("100-150", ["100-150", "50-200"])


# --- Zones and images -------------------------------------------------------------------


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_service_rebalances_zones_explicitly(name):
    """On create ECS enables it by default; on update it keeps the service's value, and a
    service that never had one stays DISABLED.
    https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html"""
    for body in built(name)["Resources"].values():
        if body["Type"] == "AWS::ECS::Service":
            assert body["Properties"]["AvailabilityZoneRebalancing"] == "ENABLED"


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_container_runs_the_digest_its_deployment_resolved(name):
    """ECS resolves a tag to a digest per deployment; a tag pushed again reaches the tasks
    only with the next deployment (docs/ecs-deployment.md, "Releases")."""
    for body in built(name)["Resources"].values():
        if body["Type"] == "AWS::ECS::TaskDefinition":
            for container in body["Properties"]["ContainerDefinitions"]:
                assert container["VersionConsistency"] == "enabled"
