"""finfocus-plugin: the multi-region pricing plugin on Fargate, found through Cloud Map.

One container runs a plugin process per AWS region, each on a port of its own,
plus a metrics aggregator. Twelve ports do not belong behind a load balancer (a
listener and a target group each), so clients resolve the task's IP through a
private DNS name and connect to the port of the region they want:

    client --DNS--> aws-public.finfocus.local (A record = task IP) --> :8001 us-east-1
                                                                     --> :8002 us-west-2 ...

The image's regional processes listen on 127.0.0.1 only (facts.LOOPBACK), so a proxy
container beside the plugin takes clients at the task's IP and forwards each regional
port to 127.0.0.1 (parts/loopback_proxy.py).

Which region answers on which port depends on the image release (facts.PLUGIN_RELEASES),
so this module makes one template per port layout: ``finfocus-plugin`` for the
12-region releases (GovCloud prices, frozen at v0.1.2) and ``finfocus-plugin-10-region``
for the current release line. Each defaults to the newest release of its layout and
refuses, at build and at deploy time, an image known to serve another layout.
"""

import re
from dataclasses import dataclass, field
from typing import ClassVar

from troposphere import FindInMap, GetAtt, If, Ref, Sub, Template, ecs

from . import facts
from .contract import TemplateContract
from .controls import (
    Departure,
    alarms_without_action,
    declare_departures,
    logs_kept_less_than_a_year,
    logs_without_a_customer_key,
)
from .errors import ConfigError
from .parts import (
    cluster,
    dashboard,
    discovery,
    ecs_api,
    ecs_exec,
    hardening,
    logs,
    network,
    outputs,
    parameters,
    rules,
)
from .parts.alarms import Notify
from .parts.fargate import Container, PortSpec, TaskSize, all_sizes, memory_of, task_size
from .parts.loopback_proxy import Proxy, Timeouts
from .parts.parameters import Group, Input
from .parts.service import FOUND_BY_DNS, fargate_service
from .parts.service_alarms import ServiceAlarms
from .parts.task import add_task


@dataclass(frozen=True)
class Edition:
    """One template of this module: a port layout and the words that go with it."""

    name: str
    layout: str
    why: str  # when to pick this template rather than the other

    @property
    def default_image(self) -> str:
        return facts.plugin_image(facts.newest_release(self.layout).tag)

    @property
    def release_tags(self) -> str:
        return facts.release_span(self.layout)

    @property
    def max_batch_size(self) -> int:
        """The lowest cap among the layout's releases: a larger value would be lowered by some of them."""
        return min(release.max_batch_size for release in facts.releases_of(self.layout))


TWELVE_REGION = Edition("finfocus-plugin", "12-region", "GovCloud prices; the image is frozen at v0.1.2")
TEN_REGION = Edition("finfocus-plugin-10-region", "10-region", "current releases, with fixes and pricing data updates")
EDITIONS = {edition.layout: edition for edition in (TWELVE_REGION, TEN_REGION)}


def other_edition(edition: Edition) -> Edition:
    return TEN_REGION if edition is TWELVE_REGION else TWELVE_REGION


def summary(edition: Edition) -> str:
    count = len(facts.PLUGIN_LAYOUTS[edition.layout])
    return (
        f"the multi-region finfocus pricing plugin, {edition.layout} layout ({count} regional ports + metrics, "
        f"image releases {edition.release_tags}: {edition.why}) on Fargate, reached through Cloud Map"
    )


DEFAULT_SIZE = TaskSize(2048, 4096)  # 12 processes x ~150 MB of embedded pricing data, with headroom

# On SIGTERM the image's entrypoint signals every regional process at once; each closes
# its listener at once (a new connection is refused) and finishes the requests in flight
# (pluginsdk's Serve: http.Server.Shutdown, at most 30 s), then the entrypoint stops the
# metrics aggregator. TERMINATION_GRACE_SECONDS bounds its wait for the regional processes
# before it kills them; it is not a drain. ECS waits 5 s longer before SIGKILL, so that
# shutdown is never cut short. docker/entrypoint.sh at every release in facts.PLUGIN_RELEASES;
# github.com/rshade/finfocus-spec sdk/go/pluginsdk/sdk.go at v0.5.1 and v0.5.2.
# The plugin never runs on Fargate Spot (LaunchType FARGATE), so it needs no 120 s.
TERMINATION_GRACE_SECONDS = 30
STOP_TIMEOUT_SECONDS = TERMINATION_GRACE_SECONDS + 5

# /healthcheck.sh asks each regional port of its release in turn. The image's own
# HEALTHCHECK allows it 10 s; the same here, so ECS judges the task as Docker would.
HEALTH_CHECK = ecs.HealthCheck(
    Command=["CMD-SHELL", "/healthcheck.sh"],
    Interval=30,
    Timeout=10,
    Retries=3,
    # Every regional process loads its pricing data before the first check counts.
    StartPeriod=60,
)

# If the plugin is not HEALTHY this long after it starts, the proxy, which waits for it, gives up
# and the task stops (a task could otherwise stay PENDING: github.com/aws/containers-roadmap/issues/2379).
# The plugin's checks run every 30 s: 120 s gives it its 60 s start period and two checks more.
# https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html (startTimeout)
PLUGIN_START_TIMEOUT_SECONDS = 120

# --- The proxy: clients at the task's address, forwarded to the plugin on 127.0.0.1 ----------
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


def needs_proxy(image: str) -> bool:
    """The image's regional processes listen on loopback (every release so far, and unknown images)."""
    return facts.listens(image_tag(image)[1]) == facts.LOOPBACK


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

# Cloud Map answers a DNS query with at most eight A records (MULTIVALUE routing).
MAX_TASKS = 8
# A release replaces one task at a time and keeps the others registered in Cloud Map
# (service.FOUND_BY_DNS); with one task the name has no healthy address for about 30 s
# on every release (github.com/aws/containers-roadmap/issues/830).
MIN_TASKS = 2

ALARMS = ServiceAlarms("plugin", "Plugin", "finfocus plugin", behind_load_balancer=False)

# Browsers cache a CORS preflight answer for at most this long (Firefox 24 h, Chromium 2 h),
# so a larger FINFOCUS_CORS_MAX_AGE changes nothing; it is also the plugin's default.
# https://developer.mozilla.org/docs/Web/HTTP/Headers/Access-Control-Max-Age
CORS_MAX_AGE_SECONDS = 86400
DEFAULT_MAX_BATCH_SIZE = 100  # the plugin's default (internal/plugin/recommendations.go)

# --- Inputs, as the console shows them ----------------------------------------------

NETWORK = Group(
    "Network",
    (
        parameters.vpc_id(),
        parameters.subnet_ids(
            "SubnetIds",
            "Subnets",
            "Subnets for the tasks, in at least two Availability Zones. They need a route to the image registry "
            "(NAT gateway, or public subnets with a public IP).",
        ),
        Input(
            "ClientCidr",
            "Client CIDR",
            "String",
            "IPv4 range allowed to reach the plugin ports, usually the VPC CIDR (e.g. 10.0.0.0/16). "
            "Prefixes shorter than /8 are refused.",
            allowed_pattern=facts.CIDR_PATTERN,
            constraint="must be an IPv4 CIDR with a prefix of /8 to /32, e.g. 10.0.0.0/16",
        ),
        Input(
            "ClientSecurityGroupId",
            "Client security group (optional)",
            "String",
            "Also admit tasks and instances in this security group, wherever their IPs are. "
            "Leave empty to admit by CIDR only.",
            default="",
            allowed_pattern=facts.OPTIONAL_SECURITY_GROUP_ID_PATTERN,
            constraint="must be empty or a security group ID such as sg-0123456789abcdef0",
        ),
        parameters.assign_public_ip(
            "DISABLED",
            "ENABLED only for public subnets without a NAT gateway: the task needs a route to the image registry.",
        ),
    ),
)


def container(edition: "Edition", image: str) -> Group:
    """The task: the image (whose releases fix the ports), the proxy's, its size and count, its log level."""
    proxy = (PROXY_IMAGE_INPUT,) if needs_proxy(image) else ()
    return Group("Plugin container", (image_input(edition, image), *proxy, task_size(DEFAULT_SIZE), *TASK_SETTINGS))


TASK_SETTINGS = (
    Input(
        "DesiredCount",
        "Number of tasks",
        "Number",
        f"Tasks to run, {MIN_TASKS} to {MAX_TASKS}. Each serves every region; DNS answers with all of them (Cloud "
        f"Map returns at most eight). At least {MIN_TASKS}: a release replaces one at a time, so another stays in "
        "DNS while Cloud Map takes about 30 s to add the new one.",
        default=MIN_TASKS,
        min_value=MIN_TASKS,
        max_value=MAX_TASKS,
    ),
    Input(
        "LogLevel",
        "Log level",
        "String",
        "FINFOCUS_LOG_LEVEL for every regional process.",
        default="info",
        allowed_values=("debug", "info", "warn", "error"),
    ),
)
# Browsers' cross-origin access to the plugin's HTTP API.
CORS = Group(
    "Browser access (CORS)",
    (
        Input(
            "CorsAllowedOrigins",
            "CORS allowed origins",
            "String",
            "FINFOCUS_CORS_ALLOWED_ORIGINS: * or a comma-separated list of origins such as https://app.example.com. "
            "Set explicit origins in production.",
            default="*",
            allowed_pattern=facts.CORS_ORIGINS_PATTERN,
            constraint="must be * or comma-separated http(s) origins without spaces",
        ),
        Input(
            "CorsAllowCredentials",
            "CORS allow credentials",
            "String",
            "FINFOCUS_CORS_ALLOW_CREDENTIALS: true lets browsers send cookies and authorization headers "
            "cross-origin. Needs explicit origins above: the plugin refuses to start with credentials and origin *.",
            default="false",
            allowed_values=("true", "false"),
        ),
        Input(
            "CorsMaxAge",
            "CORS preflight cache (seconds)",
            "Number",
            "FINFOCUS_CORS_MAX_AGE: how long browsers may cache a preflight answer. 0 asks them not to; "
            f"browsers cap it at {CORS_MAX_AGE_SECONDS} s (24 h) or less.",
            default=CORS_MAX_AGE_SECONDS,
            min_value=0,
            max_value=CORS_MAX_AGE_SECONDS,
        ),
    ),
)
STRICT_VALIDATION = Input(
    "StrictValidation",
    "Strict validation",
    "String",
    "FINFOCUS_STRICT_VALIDATION: true fails a recommendations request on the first resource the plugin "
    "cannot handle (another provider, an unsupported service) instead of skipping that resource.",
    default="false",
    allowed_values=("true", "false"),
)
DISCOVERY = Group(
    "Service discovery",
    (
        Input(
            "ExistingNamespaceId",
            "Existing namespace ID (optional)",
            "String",
            "ID of a Cloud Map private DNS namespace in this VPC (ns-...). Leave empty to create one named below. "
            "If you give one, set the name below to its name.",
            default="",
            allowed_pattern=facts.OPTIONAL_NAMESPACE_ID_PATTERN,
            constraint="must be empty or a namespace ID such as ns-abcdefgh12345678",
        ),
        Input(
            "NamespaceName",
            "Namespace name",
            "String",
            "Private DNS domain clients use, e.g. finfocus.local.",
            default="finfocus.local",
            allowed_pattern=facts.DNS_NAME_PATTERN,
            constraint="must be a lower-case DNS name such as finfocus.local",
        ),
        Input(
            "DiscoveryServiceName",
            "Service DNS label",
            "String",
            "Host name of the plugin inside the namespace: <label>.<namespace>.",
            default="aws-public",
            allowed_pattern=facts.DNS_LABEL_PATTERN,
            constraint="must be a lower-case DNS label such as aws-public",
        ),
    ),
)


# The published image cannot run read-only: its entrypoint's first act is a FIFO under /tmp, and
# it declares no VOLUME, so a task volume at /tmp would be an empty directory of root's, mode 0755,
# which its user (65532) cannot write to (parts/hardening.py). Read-only needs an image that
# declares VOLUME /tmp owned by that user: docs/finfocus-plugin.md builds one from a release.
HARDENING = Group(
    "Container hardening",
    (
        hardening.read_only_root(
            "false",
            f"true: the container cannot write to its image, only to a volume at {facts.PLUGIN_WRITABLE_PATH}. "
            f"Needs an image that declares VOLUME {facts.PLUGIN_WRITABLE_PATH} owned by its user (uid "
            f"{facts.PLUGIN_USER}): the published images do not, and are refused with true. The guide builds one. "
            "Writable while ECS Exec is on.",
        ),
    ),
)


def input_groups(edition: "Edition", image: str) -> list[Group]:
    """Every parameter, in console order."""
    return [
        NETWORK,
        container(edition, image),
        CORS,
        Group("Request handling", (batch_size_input(edition), STRICT_VALIDATION)),
        DISCOVERY,
        *parameters.cluster_and_logging(retention_days=30),
        parameters.alarms_group(),
        HARDENING,
        Group("Debugging", (ecs_exec.enable_execute_command(),)),
    ]


# --- What the image reads from its environment --------------------------------------


@dataclass(frozen=True)
class Variable:
    """An environment variable the image reads: set from a parameter, fixed here, or left to the image."""

    name: str
    default: str  # what the image does when the variable is not set
    example: str
    effect: str
    parameter: str | None = None  # the stack parameter that sets it
    fixed: str | None = None  # the value every task gets


# Read from docker/entrypoint.sh, docker/healthcheck.sh and the Go source at v0.1.2 and v0.1.8.
ENVIRONMENT: tuple[Variable, ...] = (
    Variable(
        "FINFOCUS_PLUGIN_WEB_ENABLED",
        "`true` (entrypoint)",
        "`true`",
        "Turns on the HTTP server of every regional process; `/healthz` and the health check need it.",
        fixed="true",
    ),
    Variable(
        "FINFOCUS_PLUGIN_HEALTH_ENDPOINT",
        "`true` (entrypoint)",
        "`true`",
        "Serves `/healthz` on every regional port, which `/healthcheck.sh` asks.",
        fixed="true",
    ),
    Variable(
        "FINFOCUS_LOG_LEVEL",
        "`info`",
        "`warn`",
        "`debug`, `info`, `warn` or `error`. `LOG_LEVEL` is the older name, read when this one is unset.",
        parameter="LogLevel",
    ),
    Variable(
        "FINFOCUS_CORS_ALLOWED_ORIGINS",
        "unset: no cross-origin browser access",
        "`https://app.example.com`",
        "Origins browsers may call the plugin from: `*` or a comma-separated list.",
        parameter="CorsAllowedOrigins",
    ),
    Variable(
        "FINFOCUS_CORS_ALLOW_CREDENTIALS",
        "`false`",
        "`true`",
        "`true` lets browsers send credentials. With origin `*` the plugin refuses to start.",
        parameter="CorsAllowCredentials",
    ),
    Variable(
        "FINFOCUS_CORS_MAX_AGE",
        "`86400`",
        "`600`",
        "Seconds browsers may cache a preflight answer (0 or more; invalid values fall back to the default).",
        parameter="CorsMaxAge",
    ),
    Variable(
        "FINFOCUS_MAX_BATCH_SIZE",
        "`100`",
        "`50`",
        "Most resources in one recommendations request. Larger values are lowered to the release's cap "
        "(500 up to v0.1.5, 100 from v0.1.6).",
        parameter="MaxBatchSize",
    ),
    Variable(
        "FINFOCUS_STRICT_VALIDATION",
        "`false`",
        "`true`",
        "`true` (also `1`, `yes`, `on`): a recommendations request fails on the first resource the plugin "
        "cannot handle instead of skipping it.",
        parameter="StrictValidation",
    ),
    Variable(
        "FINFOCUS_TEST_MODE",
        "unset: off",
        "`true`",
        "Exactly `true`: logs every request and response in full. For debugging only; "
        "add it to a task definition revision of your own, never in production.",
    ),
    Variable(
        "TERMINATION_GRACE_SECONDS",
        "`30`",
        "`30`",
        "Seconds the entrypoint waits after SIGTERM for the regional processes to exit before it kills them. "
        "Each refuses new connections at once and finishes the requests in flight; it does not drain. "
        f"The task's stop timeout ({STOP_TIMEOUT_SECONDS} s) is set to outlast it.",
        fixed=str(TERMINATION_GRACE_SECONDS),
    ),
    Variable(
        "HEALTH_CHECK_TIMEOUT",
        "`5`",
        "`3`",
        "Seconds `/healthcheck.sh` waits for each port's `/healthz` (curl `--max-time`).",
    ),
    Variable(
        "QUIET_HEALTHCHECK",
        "unset: verbose",
        "`true`",
        "`1` or `true`: `/healthcheck.sh` prints only failures and the result.",
    ),
)


def environment(inputs: dict) -> dict:
    """The container's environment: every variable a parameter sets or the template fixes."""
    values = {}
    for variable in ENVIRONMENT:
        if variable.parameter:
            values[variable.name] = Ref(inputs[variable.parameter])
        elif variable.fixed is not None:
            values[variable.name] = variable.fixed
    return values


# --- Build options: what changes the template's structure -----------------------------


@dataclass(frozen=True)
class Options:
    """Build options of ``finfocus-plugin`` (``build.py finfocus-plugin --set KEY=VALUE --output-dir DIR``)."""

    edition: ClassVar[Edition] = TWELVE_REGION

    regions: str | None = field(
        default=None,
        metadata={"help": "region:port,region:port,... (a subset of the layout, or a mirror's own table)"},
    )
    metrics_port: int = field(default=facts.METRICS_PORT, metadata={"help": "port of the metrics aggregator"})
    image: str = field(
        default=TWELVE_REGION.default_image, metadata={"help": "default of the ImageUri parameter (a pinned tag)"}
    )

    def region_ports(self) -> tuple[tuple[str, int], ...]:
        if self.regions is not None:
            return parse_regions(self.regions)
        return facts.PLUGIN_LAYOUTS[self.edition.layout]


@dataclass(frozen=True)
class TenRegionOptions(Options):
    """Build options of ``finfocus-plugin-10-region``."""

    edition: ClassVar[Edition] = TEN_REGION

    image: str = field(
        default=TEN_REGION.default_image, metadata={"help": "default of the ImageUri parameter (a pinned tag)"}
    )


def parse_regions(text: str) -> tuple[tuple[str, int], ...]:
    if not text.strip():
        raise ConfigError("the region table is empty: give at least one region:port, e.g. regions=us-east-1:8001")
    table = []
    for item in text.split(","):
        region, _, port = item.strip().partition(":")
        if not facts.REGION_NAME.fullmatch(region) or not re.fullmatch(facts.PORT_NUMBER, port):
            raise ConfigError(f"bad region entry {item.strip()!r}: write region:port, e.g. us-east-1:8001")
        table.append((region, int(port)))
    return tuple(table)


# --- Which images fit a port table ----------------------------------------------------


def image_tag(image: str) -> tuple[str, str | None]:
    """``registry/path/name:tag`` -> (``registry/path/name``, ``tag``); a digest reference has no tag."""
    if "@" in image:
        return image.split("@", 1)[0], None
    repository, _, tag = image.rpartition(":")
    if "/" in tag or not repository:  # the colon was a registry port, or there is none
        return image, None
    return repository, tag


def is_plugin_repository(repository: str) -> bool:
    """The image's own repository, or a copy under the same name (an ECR pull-through cache)."""
    return repository.rsplit("/", 1)[-1] == facts.PLUGIN_REPOSITORY.rsplit("/", 1)[-1]


def check_image(image: str, edition: Edition, region_ports) -> None:
    """Refuse a moving tag, and a release known to serve other ports than the template exposes."""
    repository, tag = image_tag(image)
    pinned = edition.default_image
    if "@" not in image and tag in (None, facts.MOVING_TAG):
        raise ConfigError(
            f"image {image} has the moving tag :{tag or facts.MOVING_TAG}, which follows every release and its "
            f"port layout: pin a release, e.g. image={pinned}"
        )
    release = facts.plugin_release(tag) if is_plugin_repository(repository) else None
    if release is None or facts.serves(release, region_ports):
        return
    if region_ports != facts.PLUGIN_LAYOUTS[edition.layout]:
        raise ConfigError(
            f"image {image} is release {release.tag} ({release.layout} layout), which does not serve this region "
            "table: use only region:port pairs of its layout, or set image= to an image that serves the table"
        )
    others = [other.name for other in EDITIONS.values() if other.layout == release.layout]
    instead = f"build {others[0]} for it, or pin" if others else "no template here serves it; pin"
    raise ConfigError(
        f"image {image} is release {release.tag}, which serves the {release.layout} layout, not this template's "
        f"ports ({edition.name}, {edition.layout}): {instead} e.g. image={pinned}"
    )


def refused_images(region_ports) -> list[str]:
    """The ghcr.io references a stack of this port table must not run: moving, or another layout."""
    moving = [facts.plugin_image(None), facts.plugin_image(facts.MOVING_TAG)]
    return moving + [
        facts.plugin_image(release.tag) for release in facts.PLUGIN_RELEASES if not facts.serves(release, region_ports)
    ]


def published_images() -> list[str]:
    """Every ghcr.io reference of the plugin's releases: none declares a VOLUME (docker/Dockerfile)."""
    tags = [None, facts.MOVING_TAG, *(release.tag for release in facts.PLUGIN_RELEASES)]
    return [facts.plugin_image(tag) for tag in tags]


def image_input(edition: Edition, default: str) -> Input:
    return Input(
        "ImageUri",
        "Container image",
        "String",
        f"Image of the plugin. This template's ports are fixed to the {edition.layout} layout: use a release "
        f"that serves it ({edition.release_tags}) or your mirror of one, pinned by tag or digest. Other releases "
        f"and :latest are refused; for the other layout deploy {other_edition(edition).name}.",
        default=default,
        allowed_pattern=facts.IMAGE_PATTERN,
        constraint="must be an image reference such as registry/repository:tag",
    )


def batch_size_input(edition: Edition) -> Input:
    cap = edition.max_batch_size
    return Input(
        "MaxBatchSize",
        "Recommendations batch size",
        "Number",
        f"FINFOCUS_MAX_BATCH_SIZE: most resources in one recommendations request (1-{cap}; the cap of the "
        f"{edition.layout} releases).",
        default=DEFAULT_MAX_BATCH_SIZE,
        min_value=1,
        max_value=cap,
    )


def _add_rules(template: Template, inputs: dict, edition: Edition, region_ports, *, with_proxy: bool) -> None:
    """What the parameters' own constraints cannot say, checked before anything is created.

    ClientSecurityGroupId and ExistingNamespaceId may be empty, so they are plain
    strings, which Rules cannot look up: `make preflight` checks those.
    """
    rules.add(template, "SubnetsInTheVpc", rules.subnets_in_vpc(inputs["SubnetIds"], inputs["VpcId"]))
    rules.add(
        template,
        "ImageServesThesePorts",
        rules.none_of(
            inputs["ImageUri"],
            refused_images(region_ports),
            f"ImageUri is :latest, untagged, or a release that serves another port layout. This stack's ports are "
            f"fixed to the {edition.layout} layout (releases {edition.release_tags}): pin one of those, or deploy "
            f"{other_edition(edition).name} for the {other_edition(edition).layout} releases.",
        ),
    )
    rules.add(
        template,
        "ReadOnlyNeedsAnImageWithAVolume",
        rules.none_of(
            inputs["ImageUri"],
            published_images(),
            f"ReadonlyRootFilesystem=true needs an image that declares VOLUME {facts.PLUGIN_WRITABLE_PATH} owned by "
            f"uid {facts.PLUGIN_USER}; the published images declare none, so the plugin could not write its FIFOs. "
            "Build one from the release (docs/finfocus-plugin.md) and give its URI, or set "
            "ReadonlyRootFilesystem=false.",
        ),
        when=rules.equals(inputs["ReadonlyRootFilesystem"], "true"),
    )
    if not with_proxy:
        # Built for a release that listens on every address: a release on loopback would be unreachable.
        loopback = [facts.plugin_image(r.tag) for r in facts.PLUGIN_RELEASES if r.listens == facts.LOOPBACK]
        rules.add(
            template,
            "ImageListensOnEveryAddress",
            rules.none_of(
                inputs["ImageUri"],
                loopback,
                "ImageUri is a release whose regional processes listen on 127.0.0.1 only, and this template has no "
                "proxy to reach them: pin a release that listens on every address.",
            ),
        )
    rules.add(
        template,
        "CorsCredentialsNeedExplicitOrigins",
        rules.none_of(
            inputs["CorsAllowedOrigins"],
            ["*"],
            "CorsAllowCredentials=true needs explicit CorsAllowedOrigins (https://app.example.com,...): "
            "the plugin refuses to start with credentials and origin *.",
        ),
        when=rules.equals(inputs["CorsAllowCredentials"], "true"),
    )


# --- The template ----------------------------------------------------------------------


def build(options: Options = Options()) -> Template:
    edition = options.edition
    region_ports = options.region_ports()
    if not re.fullmatch(facts.IMAGE_PATTERN, options.image):
        raise ConfigError(f"bad image {options.image!r}: use registry/repository[:tag], e.g. {edition.default_image}")
    ports = [PortSpec(region, port) for region, port in region_ports] + [PortSpec("metrics", options.metrics_port)]

    template = Template(Description=_description(edition, region_ports))
    inputs = parameters.declare(template, input_groups(edition, options.image))
    _add_rules(template, inputs, edition, region_ports, with_proxy=needs_proxy(options.image))
    cluster_choice = cluster.ClusterChoice(template, inputs["ExistingClusterName"])
    log_group = logs.stack_log_group(template, inputs)
    execute_command = ecs_exec.add_condition(template, inputs[ecs_exec.PARAMETER])
    proxy = proxy_of(region_ports) if needs_proxy(options.image) else None
    task = _add_task(template, inputs, log_group, ports, execute_command, proxy)
    security_group = _add_security_group(template, inputs, ports)
    namespace_id, discovery_service = _add_discovery(template, inputs)
    service = template.add_resource(
        fargate_service(
            "Service",
            cluster=cluster_choice.name,
            task_definition=task,
            registries=[discovery.registry(discovery_service)],
            security_groups=[GetAtt(security_group, "GroupId")],
            desired_count=inputs["DesiredCount"],
            subnets=inputs["SubnetIds"],
            assign_public_ip=inputs["AssignPublicIp"],
            # One new task at a time, the old ones stay until it is healthy: another task
            # stays registered in Cloud Map while the new one waits for its ~30 s.
            rollout=FOUND_BY_DNS,
            execute_command=execute_command,
            deployment_alarms=ALARMS.rollback_names(),
        )
    )
    _add_alarms(template, inputs, service, cluster_choice.name)
    outputs.service(template, what="plugin", cluster_name=cluster_choice.name, service=service, task_definition=task)
    outputs.export(template, "SecurityGroupId", GetAtt(security_group, "GroupId"), "Security group of the plugin tasks")
    outputs.export(template, "NamespaceId", namespace_id, "Cloud Map namespace ID")
    _add_endpoint_outputs(template, region_ports, options.metrics_port, log_group)
    declare_departures(template, [alarms_without_action(template), *departures(log_group, task)])
    # After the table's own checks, so a bad table is reported as such.
    check_image(options.image, edition, region_ports)
    return template


def departures(log_group, task) -> list[Departure]:
    """The controls the defaults do not meet (docs/controls.md)."""
    tmp = facts.PLUGIN_WRITABLE_PATH
    return [
        Departure(
            "CT.ECS.PR.6",
            (task.title,),
            f"The published image writes FIFOs under {tmp} and declares no VOLUME there: read-only, {tmp} would be "
            "a volume only root may write to, so the root filesystem stays writable.",
            f"ReadonlyRootFilesystem=true and an image that declares VOLUME {tmp} (the guide builds one)",
        ),
        logs_kept_less_than_a_year(
            (log_group.title,), "30 days of logs by default: a year costs twelve times the storage."
        ),
        logs_without_a_customer_key((log_group.title,)),
    ]


def _add_alarms(template: Template, inputs: dict, service, cluster_name) -> None:
    """The service's alarms and the optional dashboard."""
    notify = Notify(inputs["AlarmTopicArn"], parameters.when_given(template, inputs["AlarmTopicArn"]))
    ALARMS.add_task_alarms(template, service=service, cluster_name=cluster_name, notify=notify)
    parameters.when_true(template, inputs[dashboard.PARAMETER], dashboard.CONDITION)
    template.add_resource(
        dashboard.dashboard(
            "Dashboard",
            panels=[dashboard.Panel("Plugin", GetAtt(service, "Name"))],
            cluster_name=cluster_name,
            alarm_names=ALARMS.names(),
        )
    )


def _description(edition: Edition, region_ports) -> str:
    if region_ports == facts.PLUGIN_LAYOUTS[edition.layout]:
        ports = f"the {edition.layout} layout of image releases {edition.release_tags}"
    else:
        ports = f"{len(region_ports)} regions of a custom table"
    return (
        f"finfocus pricing plugin on Fargate, found through Cloud Map. Its ports are fixed to {ports}, "
        f"plus metrics; for the {other_edition(edition).layout} releases deploy {other_edition(edition).name}."
    )


def _add_task(
    template: Template, inputs: dict, log_group, ports: list[PortSpec], execute_command: str, proxy: Proxy | None
):
    """The plugin, every regional port; and, while it listens on loopback, the proxy beside it."""
    read_only_root = hardening.read_only(template, inputs["ReadonlyRootFilesystem"], execute_command)
    share = _shares(template, inputs) if proxy else {}
    plugin = Container(
        name="plugin",
        image=Ref(inputs["ImageUri"]),
        ports=ports,
        log_group=log_group,
        stream_prefix="plugin",
        environment=environment(inputs),
        health_check=HEALTH_CHECK,
        stop_timeout=STOP_TIMEOUT_SECONDS,
        # The image's own user, which writes only under /tmp (facts.py): on the image's own /tmp
        # by default, on a volume there while the root filesystem is read-only (HARDENING).
        user=facts.PLUGIN_USER,
        read_only_root=read_only_root,
        writable_paths={hardening.SCRATCH_VOLUME: facts.PLUGIN_WRITABLE_PATH},
        writable_condition=hardening.READ_ONLY_ROOT,
        # A hard limit the hooks can see (CT.ECS.PR.7): the whole task's memory. Beside the proxy,
        # the task's CPU and memory less the proxy's share is set aside for it.
        memory=memory_of(inputs["TaskSize"]),
        cpu=share.get("PluginCpu"),
        memory_reservation=share.get("PluginMiB"),
        start_timeout=PLUGIN_START_TIMEOUT_SECONDS if proxy else None,
    )
    # The proxy writes nothing, so its root filesystem is read-only whatever the plugin's is (CT.ECS.PR.6),
    # except while ECS Exec is on: its agent writes to the container's filesystem (parts/hardening.py).
    proxy_read_only = If(execute_command, False, True)
    sidecars = [_proxy_container(inputs, log_group, proxy, proxy_read_only, share["ProxyCpu"])] if proxy else []
    return add_task(
        template,
        plugin,
        size=inputs["TaskSize"],
        family=Ref("AWS::StackName"),
        # The default image is public on ghcr.io and needs no permission; these let the
        # same stack pull a copy kept in this account's ECR (a pull-through cache),
        # which is how many teams avoid registry rate limits. The proxy's image is public on
        # ECR Public, which needs none either.
        repositories=[Sub("arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/*")],
        # The plugin calls no AWS API: its task role grants nothing unless ECS Exec is on.
        execute_command=execute_command,
        # Pinned, not a parameter: every release of the image is linux/amd64 only.
        architecture=facts.PLUGIN_CPU_ARCHITECTURE,
        sidecars=sidecars,
    )


def _proxy_container(inputs: dict, log_group, proxy: Proxy, read_only_root, cpu) -> Container:
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


def _shares(template: Template, inputs: dict) -> dict:
    """The plugin's and the proxy's share of the task size chosen, from a mapping of every size."""
    template.add_mapping(SHARES_MAPPING, {str(size): shares(size) for size in all_sizes()})
    return {key: FindInMap(SHARES_MAPPING, Ref(inputs["TaskSize"]), key) for key in shares(DEFAULT_SIZE)}


def _add_security_group(template: Template, inputs: dict, ports: list[PortSpec]):
    """The plugin ports, to the client CIDR and (when given) the client security group."""
    port_numbers = [port.port for port in ports]

    def describe(first: int, last: int) -> str:
        return _describe_ports(first, last, ports)

    security_group = template.add_resource(
        network.security_group(
            "SecurityGroup",
            description="finfocus plugin tasks: regional and metrics ports from the client CIDR",
            vpc=inputs["VpcId"],
            ingress=network.ports(port_numbers, describe, cidr=inputs["ClientCidr"]),
            egress=[
                network.port(
                    network.HTTPS,
                    "Image pulls from the container registry and log delivery to CloudWatch Logs",
                    cidr=network.ANYWHERE,
                )
            ],
        )
    )
    # A client group, when given, gets the same ports (rules that exist only then).
    client_group = inputs["ClientSecurityGroupId"]
    has_client_group = parameters.when_given(template, client_group)
    for rule in network.ports(port_numbers, describe, group=client_group):
        title = f"ClientGroupPorts{rule.first_port}To{rule.last_port}"
        template.add_resource(network.ingress(title, security_group, rule, has_client_group))
    return security_group


def _add_discovery(template: Template, inputs: dict):
    """<label>.<namespace> resolves to the task IPs; the namespace is created unless one is given."""
    existing_namespace = inputs["ExistingNamespaceId"]
    create_namespace = parameters.when_empty(template, existing_namespace, "CreateNamespace")
    namespace = template.add_resource(
        discovery.private_namespace(
            "Namespace",
            name=inputs["NamespaceName"],
            vpc=inputs["VpcId"],
            description="Private DNS names of the finfocus plugin",
        )
    )
    namespace.Condition = create_namespace
    namespace_id = If(create_namespace, Ref(namespace), Ref(existing_namespace))
    discovery_service = template.add_resource(
        discovery.a_record_service(
            "DiscoveryService",
            name=inputs["DiscoveryServiceName"],
            namespace_id=namespace_id,
            description="A records of the healthy finfocus plugin tasks",
        )
    )
    return namespace_id, discovery_service


def _add_endpoint_outputs(template: Template, region_ports, metrics_port: int, log_group) -> None:
    """The DNS name, one endpoint per region and the metrics endpoint."""
    room = facts.MAX_OUTPUTS - len(template.outputs) - 3  # the DNS name, the log group and the metrics endpoint
    if len(region_ports) > room:
        raise ConfigError(
            f"the region table has {len(region_ports)} regions, one output each: CloudFormation allows "
            f"{facts.MAX_OUTPUTS} outputs, which leaves room for {room}; give at most {room} regions"
        )
    host = "${DiscoveryServiceName}.${NamespaceName}"
    outputs.export(template, "ServiceDnsName", Sub(host), "DNS name that resolves to the plugin tasks")
    outputs.export(template, "LogGroupName", Ref(log_group), "CloudWatch Logs group of the plugin")
    for region, port in region_ports:
        outputs.export(
            template, endpoint_output(region), Sub(f"http://{host}:{port}"), f"Pricing endpoint for {region}"
        )
    outputs.export(template, "MetricsEndpoint", Sub(f"http://{host}:{metrics_port}/metrics"), "Aggregated metrics")


def endpoint_output(region: str) -> str:
    """``us-east-1`` -> ``EndpointUsEast1``."""
    return "Endpoint" + "".join(part.capitalize() for part in region.split("-"))


def _describe_ports(first: int, last: int, ports: list[PortSpec]) -> str:
    names = [spec.name for spec in ports if first <= spec.port <= last]
    span = f"{first}-{last}" if first != last else str(first)
    if names == ["metrics"]:
        return f"Plugin metrics ({span})"
    shown = names if len(names) <= 3 else [names[0], "...", names[-1]]
    return f"Regional pricing ports {span} ({', '.join(shown)})"


# --- Files beside the template, and the generated docs --------------------------------

TASK_DEFINITION_FILE = "task-definition.json"


def task_definition_placeholders(edition: Edition) -> dict:
    """Values for what only an AWS account knows; the guide shows how to fill them in.

    Its names are not a stack's: the guide's quick start names its stack after the template,
    whose log group /ecs/<stack> (kept after a delete) would otherwise be this one too."""
    name = f"{edition.name}-standalone"
    return {
        "AWS::StackName": name,
        "AWS::Region": "<AWS_REGION>",
        "LogGroup": f"/ecs/{name}",
        "ExecutionRole.Arn": "arn:<AWS_PARTITION>:iam::<AWS_ACCOUNT_ID>:role/ecsTaskExecutionRole",
        # The task role grants nothing; the stand-alone definition goes without one.
        "TaskRole.Arn": None,
    }


def artifacts_of(edition: Edition):
    def artifacts(document: dict) -> dict[str, str]:
        """Files written beside the template, keyed by their suffix."""
        placeholders = task_definition_placeholders(edition)
        return {TASK_DEFINITION_FILE: ecs_api.register_input(document, "TaskDefinition", placeholders)}

    return artifacts


def region_port_table(files) -> str:
    from . import docblocks  # only the docs need it

    layouts = {name: dict(table) for name, table in facts.PLUGIN_LAYOUTS.items()}
    regions = dict.fromkeys(region for table in facts.PLUGIN_LAYOUTS.values() for region, _ in table)
    header = ["Region"]
    for name in layouts:
        edition = EDITIONS.get(name)
        served_by = f"`{edition.name}`" if edition else "no template"
        header.append(f"{name}: {facts.release_span(name)} ({served_by})")
    rows = [
        [region] + [f"`{table[region]}`" if region in table else "-" for table in layouts.values()]
        for region in regions
    ]
    rows.append(["metrics (`/metrics`, `/metrics/aggregated`)"] + [f"`{facts.METRICS_PORT}`"] * len(layouts))
    return docblocks.table(header, rows)


def environment_table(files) -> str:
    from . import docblocks  # only the docs need it

    def set_by(variable: Variable) -> str:
        if variable.parameter:
            return f"parameter `{variable.parameter}`"
        if variable.fixed is not None:
            return f"fixed: `{variable.fixed}`"
        return "not set (image default)"

    rows = [[f"`{v.name}`", v.default, v.example, set_by(v), v.effect.replace("|", "\\|")] for v in ENVIRONMENT]
    return docblocks.table(["Variable", "Image default", "Example", "Set by the template", "What it does"], rows)


def task_definition_json(files) -> str:
    """The stand-alone task definition, as the build writes it, for the guide."""
    return "```json\n" + files(f"{TWELVE_REGION.name}.{TASK_DEFINITION_FILE}") + "```\n"


def contract(edition: Edition, options: type, doc_blocks: dict | None = None) -> TemplateContract:
    # The plugin runs anywhere its regions are priced from, GovCloud included.
    return TemplateContract(
        edition.name,
        summary(edition),
        tuple(region for region, _ in facts.PLUGIN_LAYOUTS[edition.layout]),
        options,
        build,
        artifacts=artifacts_of(edition),
        doc_blocks=doc_blocks or {},
    )


TEMPLATE = contract(
    TWELVE_REGION,
    Options,
    {
        "finfocus-plugin.region-ports": region_port_table,
        "finfocus-plugin.environment": environment_table,
        "finfocus-plugin.task-definition": task_definition_json,
    },
)
TEMPLATE_10_REGION = contract(TEN_REGION, TenRegionOptions)
