"""The proxy: clients at the task's address, forwarded to the plugin on 127.0.0.1.

The image's regional processes listen on loopback only (facts.LOOPBACK); an HAProxy
container beside the plugin takes each regional port at the task's IP (parts/loopback_proxy.py).
"""

from troposphere import FindInMap, Ref, Template

from .. import facts
from ..parts.fargate import Container, TaskSize, all_sizes
from ..parts.loopback_proxy import Proxy, Timeouts
from ..parts.parameters import Input
from .container import DEFAULT_SIZE, TERMINATION_GRACE_SECONDS

# The plugin's API is unary calls only (finfocus-spec proto/finfocus/v1/costsource.proto: no
# stream), served by pluginsdk.Serve with finfocus-spec's default server timeouts, which the plugin
# does not change (sdk/go/pluginsdk/sdk.go at v0.5.1, v0.5.2 and v0.5.5): a request is read within
# 60 s (ReadTimeout), its answer written within 30 s (WriteTimeout; GetRecommendations with a full
# batch is the longest call), and a kept-alive connection closed after 120 s idle (IdleTimeout).
# The proxy's inactivity limit outlasts all three, so the plugin, never the proxy, ends a connection.
PLUGIN_IDLE_TIMEOUT_SECONDS = 120
PROXY_TIMEOUTS = Timeouts(
    connect=2,  # 127.0.0.1 in the same task: a refusal is immediate, a slower connect is a stuck plugin
    # The entrypoint never restarts a regional process once the plugin is up (docker/entrypoint.sh
    # waits on them), so a refused connection to 127.0.0.1 is final: close the client at once, and
    # it tries the next address, rather than after HAProxy's default 3 retries a second apart.
    retries=0,
    tunnel=PLUGIN_IDLE_TIMEOUT_SECONDS + 60,
    # A client that has sent its request and closed its side still gets the answer (WriteTimeout 30 s).
    half_closed=30,
    # On the stop signal (SIGUSR1, the image's STOPSIGNAL, which Fargate sends since December 2025:
    # https://aws.amazon.com/about-aws/whats-new/2025/12/amazon-ecs-custom-container-stop-signals-fargate/)
    # the proxy stops listening and lets the calls in flight finish, as the plugin does
    # (TERMINATION_GRACE_SECONDS); ECS waits 5 s more.
    hard_stop=TERMINATION_GRACE_SECONDS,
)
# Connections at once across every regional port; each holds two 16 kB buffers at most, so 4096 of
# them fit in the proxy's memory limit below. More wait in the kernel's accept queue.
PROXY_MAX_CONNECTIONS = 4096
# The proxy's share of the task: 1/16 of its CPU units (a weight under contention; idle CPU is
# anyone's) and 64 MiB set aside (HAProxy idles at about 10 MiB), with a hard limit of 256 MiB.
PROXY_CPU_DIVISOR = 16
PROXY_MEMORY_RESERVATION = 64
PROXY_MEMORY_LIMIT = 256
# Task size -> the plugin's and the proxy's share (Fn::FindInMap takes only Ref and Fn::FindInMap
# for its keys, so the mapping is keyed by the TaskSize value itself).
SHARES_MAPPING = "TaskShares"


def proxy_of(region_ports) -> Proxy:
    return Proxy(tuple(region_ports), PROXY_TIMEOUTS, PROXY_MAX_CONNECTIONS)


def shares(size: TaskSize) -> dict[str, int]:
    """The plugin's and the proxy's share of a task of this size."""
    proxy_cpu = size.cpu // PROXY_CPU_DIVISOR
    return {
        "PluginCpu": size.cpu - proxy_cpu,
        "ProxyCpu": proxy_cpu,
        "PluginMiB": size.memory - PROXY_MEMORY_RESERVATION,  # the plugin's memory reservation
    }


PROXY_IMAGE_INPUT = Input(
    "ProxyImage",
    "Proxy image",
    "String",
    "HAProxy image of the proxy container, which takes clients at the task's address and forwards each regional "
    "port to the plugin on 127.0.0.1 (the plugin listens on loopback only). The Docker Official Image on ECR Public "
    "by default; your mirror or pull-through cache of it works, pinned by tag or digest. It needs busybox sh and "
    "wget (the Alpine variants).",
    default=facts.PROXY_IMAGE,
    allowed_pattern=facts.IMAGE_PATTERN,
    constraint="must be an image reference such as registry/repository:tag",
)


def proxy_container(inputs: dict, log_group, proxy: Proxy, read_only_root, cpu) -> Container:
    """HAProxy on the task's address, started once the plugin answers (parts/loopback_proxy.py)."""
    return Container(
        name="proxy",
        image=Ref(inputs["ProxyImage"]),
        ports=[],  # the plugin's port mappings name the ports; the proxy takes them at the task's address
        log_group=log_group,
        stream_prefix="proxy",
        entry_point=["/bin/sh", "-c"],
        command=[proxy.command()],
        depends_on={"plugin": "HEALTHY"},
        health_check=proxy.health_check(),
        stop_timeout=PROXY_TIMEOUTS.hard_stop + 5,
        # The image's own user (USER haproxy), stated so that the controls see it is not root.
        user=facts.PROXY_USER,
        # It writes nothing: its configuration comes on stdin, with no pidfile and no stats socket.
        read_only_root=read_only_root,
        memory=PROXY_MEMORY_LIMIT,
        memory_reservation=PROXY_MEMORY_RESERVATION,
        cpu=cpu,
        open_files=proxy.open_files(),
    )


def add_shares(template: Template, inputs: dict) -> dict:
    """The plugin's and the proxy's share of the task size chosen, from a mapping of every size."""
    template.add_mapping(SHARES_MAPPING, {str(size): shares(size) for size in all_sizes()})
    return {key: FindInMap(SHARES_MAPPING, Ref(inputs["TaskSize"]), key) for key in shares(DEFAULT_SIZE)}
