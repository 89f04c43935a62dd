"""The plugin's parameters, as the console shows them."""

from .. import facts
from ..parts import ecs_exec, hardening, parameters
from ..parts.fargate import task_size
from ..parts.parameters import Group, Input
from .container import DEFAULT_SIZE
from .editions import Edition, other_edition
from .images import needs_proxy
from .proxy import PROXY_IMAGE_INPUT

# Cloud Map answers a DNS query with at most eight A records (MULTIVALUE routing).
MAX_TASKS = 8
# A release replaces one task at a time and keeps the others registered in Cloud Map
# (service.FOUND_BY_DNS); with one task the name has no healthy address for about 30 s
# on every release (github.com/aws/containers-roadmap/issues/830).
MIN_TASKS = 2

# Browsers cache a CORS preflight answer for at most this long (Firefox 24 h, Chromium 2 h),
# so a larger FINFOCUS_CORS_MAX_AGE changes nothing; it is also the plugin's default.
# https://developer.mozilla.org/docs/Web/HTTP/Headers/Access-Control-Max-Age
CORS_MAX_AGE_SECONDS = 86400
DEFAULT_MAX_BATCH_SIZE = 100  # the plugin's default (internal/plugin/recommendations.go)

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


def container(edition: Edition, image: str) -> Group:
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


def input_groups(edition: Edition, image: str) -> list[Group]:
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
