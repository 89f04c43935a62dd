"""The proxy container of the plugin templates, as the templates declare it.

tests/test_plugin_proxy_run.py runs it; these check what no run here can: that every regional port
of every layout is proxied, the task's shares at every size, the parameter, the start and stop
order, and that a release listening on all addresses would drop the proxy by data alone.
"""

import dataclasses
import json
import re

import pytest

import templates
from templates import facts
from templates.evaluate import Evaluator
from tests.helpers import ROOT, built, only
from tests.test_finfocus_plugin import SPEC_PORTS, SPEC_PORTS_10

NAMES = ["finfocus-plugin", "finfocus-plugin-10-region"]
REGIONAL = {
    "finfocus-plugin": {port for port, name in SPEC_PORTS.items() if name != "metrics"},
    "finfocus-plugin-10-region": {port for port, name in SPEC_PORTS_10.items() if name != "metrics"},
}
METRICS_PORT = 9090
# finfocus-spec sdk/go/pluginsdk/sdk.go (v0.5.1, v0.5.2, v0.5.5): the plugin server's defaults,
# which the plugin's main.go does not change.
PLUGIN_IDLE_TIMEOUT = 120
PLUGIN_WRITE_TIMEOUT = 30
# library/haproxy of docker-library/official-images at be189ea5 (2026-08-21):
# "Tags: 3.4.3-alpine, 3.4-alpine, alpine, lts-alpine, 3.4.3-alpine3.24, ..."
LISTED_ALPINE_VERSION_TAGS = {"3.4.3-alpine", "3.2.22-alpine", "3.0.26-alpine", "2.8.27-alpine", "3.3.13-alpine"}


def containers(template: dict) -> dict[str, dict]:
    definitions = only(template, "AWS::ECS::TaskDefinition")["Properties"]["ContainerDefinitions"]
    return {c["Name"]: c for c in definitions}


def proxy_script(template: dict) -> str:
    (script,) = containers(template)["proxy"]["Command"]
    return script


def forwarded(script: str) -> dict[int, int]:
    """bind port -> server port, per listen section of the HAProxy configuration."""
    sections = re.findall(r"^listen \S+\n  bind \$address:(\d+)\n  server \S+ 127\.0\.0\.1:(\d+)$", script, re.M)
    return {int(bind): int(server) for bind, server in sections}


@pytest.mark.parametrize("name", NAMES)
def test_the_proxy_forwards_exactly_the_regional_ports_to_the_same_port_on_loopback(name):
    script = proxy_script(built(name))
    assert forwarded(script) == {port: port for port in REGIONAL[name]}
    assert script.count("\nlisten ") == len(REGIONAL[name])
    assert str(METRICS_PORT) not in script  # the aggregator listens on every address itself


@pytest.mark.parametrize(
    "regions",
    [
        "us-east-1:8001,us-west-2:8002,eu-west-1:8003,ap-southeast-1:8004,ap-southeast-2:8005,"
        "ap-northeast-1:8006,ap-south-1:8007,ca-central-1:8008,sa-east-1:8009",  # the 9-region layout (v0.1.3)
        "us-east-1:8001,eu-west-1:8003",
        "us-east-1:9001,us-west-2:8002,eu-central-1:8020",  # a mirror's own table
    ],
)
def test_a_changed_region_table_changes_the_ports_proxied_with_it(regions):
    template = built("finfocus-plugin", regions=regions, image="registry.example.com/pricing/plugin:v1")
    mapped = {m["ContainerPort"] for m in containers(template)["plugin"]["PortMappings"]} - {METRICS_PORT}
    expected = {int(item.split(":")[1]) for item in regions.split(",")}
    assert mapped == expected
    assert forwarded(proxy_script(template)) == {port: port for port in expected}


@pytest.mark.parametrize("name", NAMES)
def test_the_proxy_starts_after_the_plugin_is_healthy_and_gives_up_in_time(name):
    found = containers(built(name))
    proxy, plugin = found["proxy"], found["plugin"]
    assert list(found) == ["plugin", "proxy"]
    assert proxy["Essential"] is True
    assert proxy["DependsOn"] == [{"ContainerName": "plugin", "Condition": "HEALTHY"}]
    # startTimeout belongs to the container waited for: without it a task whose plugin never
    # gets healthy stays PENDING (github.com/aws/containers-roadmap/issues/2379).
    check = plugin["HealthCheck"]
    # Long enough for the plugin's start period and a check after it; short enough that the task
    # stops before its own checks would count it unhealthy (start period's checks + retries).
    assert check["StartPeriod"] + check["Interval"] <= plugin["StartTimeout"]
    assert plugin["StartTimeout"] < (check["StartPeriod"] // check["Interval"] + check["Retries"]) * check["Interval"]
    assert "StartTimeout" not in proxy


@pytest.mark.parametrize("name", NAMES)
def test_the_proxy_runs_haproxy_from_its_official_image_as_its_own_user(name):
    template = built(name)
    proxy = containers(template)["proxy"]
    parameter = template["Parameters"]["ProxyImage"]
    assert proxy["Image"] == {"Ref": "ProxyImage"}
    repository, _, tag = parameter["Default"].rpartition(":")
    assert repository == "public.ecr.aws/docker/library/haproxy"
    assert tag in LISTED_ALPINE_VERSION_TAGS  # a version the library lists, not alpine or lts-alpine
    assert re.fullmatch(parameter["AllowedPattern"], parameter["Default"])
    assert parameter["ConstraintDescription"]
    assert proxy["User"] == "99"  # USER haproxy in the image; stated so the controls see it is not root
    assert proxy["EntryPoint"] == ["/bin/sh", "-c"]
    script = proxy_script(template)
    # HAProxy replaces the shell (PID 1 gets the stop signal) and reads its configuration on stdin.
    assert "exec haproxy -W -db -f /dev/stdin <<EOF\n" in script
    assert script.endswith("\nEOF")
    assert "stats socket" not in script and "pidfile" not in script


@pytest.mark.parametrize("name", NAMES)
def test_the_proxy_image_parameter_sits_beside_the_plugin_image(name):
    template = built(name)
    interface = template["Metadata"]["AWS::CloudFormation::Interface"]
    (group,) = [g for g in interface["ParameterGroups"] if "ImageUri" in g["Parameters"]]
    assert group["Parameters"].index("ProxyImage") == group["Parameters"].index("ImageUri") + 1
    assert interface["ParameterLabels"]["ProxyImage"]["default"] == "Proxy image"
    assert template["Parameters"]["ProxyImage"]["Type"] == "String"


@pytest.mark.parametrize("name", NAMES)
def test_timeouts_outlast_the_plugins_own(name):
    script = proxy_script(built(name))
    seconds = {key: int(value) for key, value in re.findall(r"^  timeout (\S+) (\d+)s$", script, re.M)}
    # A kept-alive connection is the plugin's to close (IdleTimeout), never cut by the proxy first.
    assert seconds["tunnel"] > PLUGIN_IDLE_TIMEOUT
    assert seconds["client"] >= seconds["tunnel"] and seconds["server"] >= seconds["tunnel"]
    # A client that has closed its side still gets an answer the plugin may take 30 s to write.
    assert seconds["client-fin"] >= PLUGIN_WRITE_TIMEOUT and seconds["server-fin"] >= PLUGIN_WRITE_TIMEOUT
    assert 0 < seconds["connect"] <= 5
    # No retry: the plugin never restarts a regional process (docker/entrypoint.sh at v0.1.1-v0.1.8),
    # so a refusal is final and a client should hear of it at once.
    assert re.findall(r"^  retries (\d+)$", script, re.M) == ["0"]
    (hard_stop,) = re.findall(r"^  hard-stop-after (\d+)s$", script, re.M)
    assert int(hard_stop) < containers(built(name))["proxy"]["StopTimeout"]


@pytest.mark.parametrize("name", NAMES)
def test_the_connection_cap_has_the_open_files_it_needs(name):
    proxy = containers(built(name))["proxy"]
    (maxconn,) = re.findall(r"^  maxconn (\d+)$", proxy_script(built(name)), re.M)
    (nofile,) = proxy["Ulimits"]
    assert nofile["Name"] == "nofile" and nofile["SoftLimit"] == nofile["HardLimit"]
    # Two sockets a connection (client and plugin side) and one a listener.
    assert nofile["HardLimit"] >= 2 * int(maxconn) + len(REGIONAL[name])


@pytest.mark.parametrize("name", NAMES)
def test_the_health_check_asks_a_regional_port_at_the_task_address(name):
    check = containers(built(name))["proxy"]["HealthCheck"]
    kind, command = check["Command"]
    assert kind == "CMD-SHELL"
    assert "$ECS_CONTAINER_METADATA_URI_V4" in command
    (port,) = re.findall(r'wget -q -O /dev/null "http://\$address:(\d+)/healthz"', command)
    assert int(port) in REGIONAL[name]
    # Longer than HAProxy's connect timeout, so a hung plugin fails the check by HAProxy's close.
    (wait,) = re.findall(r"timeout (\d+) wget -q -O /dev/null", command)
    assert int(wait) >= 5
    assert check["Timeout"] > int(wait)


@pytest.mark.parametrize("name", NAMES)
def test_every_task_size_is_shared_so_the_plugin_keeps_all_but_the_proxys_part(name):
    template = built(name)
    sizes = template["Parameters"]["TaskSize"]["AllowedValues"]
    assert len(sizes) > 50
    for size in sizes:
        cpu, memory = (int(part) for part in size.split("x"))
        resolved = Evaluator(template, {"TaskSize": size}, strict=False).resolve(
            only(template, "AWS::ECS::TaskDefinition")["Properties"]["ContainerDefinitions"]
        )
        plugin, proxy = (dict(c) for c in resolved)
        assert int(plugin["Cpu"]) + int(proxy["Cpu"]) == cpu, size
        assert int(proxy["Cpu"]) >= 1, size
        # Fargate sets aside what the containers reserve, which must fit in the task.
        assert int(plugin["MemoryReservation"]) + int(proxy["MemoryReservation"]) == memory, size
        assert int(plugin["Memory"]) == memory, size  # the plugin's hard limit: the task's memory
        assert int(proxy["Memory"]) <= memory, size
        assert int(proxy["MemoryReservation"]) < int(proxy["Memory"]), size


def test_the_default_size_leaves_the_plugin_what_its_guide_says():
    """2 vCPU / 4 GB (docs/finfocus-plugin.md, Sizing): the plugin keeps all but 1/16 of the CPU and 64 MiB."""
    document = json.loads((ROOT / "output/finfocus-plugin.task-definition.json").read_text())
    plugin, proxy = document["containerDefinitions"]
    assert (document["cpu"], document["memory"]) == ("2048", "4096")
    assert (plugin["cpu"], plugin["memoryReservation"], plugin["memory"]) == (1920, 4032, 4096)
    assert (proxy["cpu"], proxy["memoryReservation"], proxy["memory"]) == (128, 64, 256)


@pytest.mark.parametrize("name", NAMES)
def test_the_proxy_logs_to_the_stacks_group_under_its_own_prefix_and_writes_nothing(name):
    found = containers(built(name))
    plugin, proxy = found["plugin"]["LogConfiguration"], found["proxy"]["LogConfiguration"]
    assert proxy["Options"]["awslogs-group"] == plugin["Options"]["awslogs-group"]
    assert proxy["Options"]["awslogs-stream-prefix"] == "proxy"
    assert "MountPoints" not in found["proxy"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    ("values", "proxy_read_only"),
    [
        ({}, True),  # the defaults: the plugin's root filesystem is writable, the proxy's is not
        ({"ReadonlyRootFilesystem": "true"}, True),
        # ECS Exec's agent writes to the container's filesystem: while it is on, nothing is read-only.
        ({"ReadonlyRootFilesystem": "true", "EnableExecuteCommand": "true"}, False),
    ],
)
def test_the_proxy_runs_read_only_unless_ecs_exec_is_on(name, values, proxy_read_only):
    template = built(name)
    resolved = Evaluator(template, values, strict=False).resolve(
        only(template, "AWS::ECS::TaskDefinition")["Properties"]["ContainerDefinitions"]
    )
    proxy = next(c for c in resolved if c["Name"] == "proxy")
    assert proxy["ReadonlyRootFilesystem"] is proxy_read_only


@pytest.mark.parametrize("name", NAMES)
def test_the_stand_alone_task_definition_carries_the_proxy(name):
    document = json.loads((ROOT / f"output/{name}.task-definition.json").read_text())
    names = [c["name"] for c in document["containerDefinitions"]]
    assert names == ["plugin", "proxy"]
    proxy = document["containerDefinitions"][1]
    assert proxy["image"].startswith("public.ecr.aws/docker/library/haproxy:")
    assert proxy["dependsOn"] == [{"containerName": "plugin", "condition": "HEALTHY"}]


def test_a_release_that_listens_on_every_address_needs_no_proxy(monkeypatch):
    """By data: the release table says where a release listens, and the template follows it."""
    future = facts.PluginRelease("v0.2.0", "10-region", 100, facts.ALL_ADDRESSES)
    monkeypatch.setattr(facts, "PLUGIN_RELEASES", (*facts.PLUGIN_RELEASES, future))
    image = f"{facts.PLUGIN_REPOSITORY}:v0.2.0"
    without = templates.build("finfocus-plugin-10-region", {"image": image}).to_dict()
    assert list(containers(without)) == ["plugin"]
    assert "ProxyImage" not in without["Parameters"]
    assert "Mappings" not in without
    assert "Cpu" not in containers(without)["plugin"]
    # And a release on loopback is refused there before anything is created.
    refused = without["Rules"]["ImageListensOnEveryAddress"]["Assertions"][0]["Assert"]["Fn::Not"][0]["Fn::Contains"][0]
    assert f"{facts.PLUGIN_REPOSITORY}:v0.1.8" in refused and image not in refused
    # Every release so far listens on loopback, and so does an image the table does not know.
    for release in facts.PLUGIN_RELEASES[:-1]:
        assert facts.listens(release.tag) == facts.LOOPBACK
    with_proxy = templates.build("finfocus-plugin-10-region", {"image": "registry.example.com/mirror/plugin:v9"})
    assert "proxy" in containers(with_proxy.to_dict())


def test_every_release_says_where_it_listens():
    assert {dataclasses.asdict(r)["listens"] for r in facts.PLUGIN_RELEASES} == {facts.LOOPBACK}
    assert [r.tag for r in facts.PLUGIN_RELEASES] == [f"v0.1.{n}" for n in range(1, 9)]
