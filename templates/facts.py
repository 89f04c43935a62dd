"""Facts the templates, the lint rules, the tests and the docs share.

Plain data and small pure functions only: no troposphere, no awacs, so anything
(the cfn-lint rules, preflight, a test) can import this module or read the JSON
made from it. Every value is written once, here.
"""

import re
from dataclasses import dataclass

# --- Regions ------------------------------------------------------------------------

# One shape for a region name: two letters, words, a digit (us-east-1, us-gov-west-1,
# ap-southeast-2). Composed into every pattern below that contains a region.
REGION_PART = r"[a-z]{2}(-[a-z]+)+-\d"
REGION_NAME = re.compile(REGION_PART)  # use with fullmatch

GOVCLOUD_PREFIX = "us-gov-"


def is_govcloud(region: str) -> bool:
    """AWS GovCloud (US) regions are a partition of their own (aws-us-gov)."""
    return region.startswith(GOVCLOUD_PREFIX)


def partition(region: str) -> str:
    """The ARN partition of a region (aws-us-gov for GovCloud, aws for the commercial regions)."""
    return "aws-us-gov" if is_govcloud(region) else "aws"


def commercial(regions) -> tuple[str, ...]:
    return tuple(region for region in regions if not is_govcloud(region))


# --- The finfocus plugin image ----------------------------------------------------------
# Read from docker/entrypoint.sh, docker/healthcheck.sh and the Go source of
# github.com/rshade/finfocus-plugin-aws-public at each release tag.

PLUGIN_REPOSITORY = "ghcr.io/rshade/finfocus-plugin-aws-public"
METRICS_PORT = 9090
# Every release is also pushed under this tag, so it names a different layout over time.
MOVING_TAG = "latest"

# One plugin process per region, each on its own port: the layouts the releases serve.
_NINE_REGIONS: tuple[tuple[str, int], ...] = (
    ("us-east-1", 8001),
    ("us-west-2", 8002),
    ("eu-west-1", 8003),
    ("ap-southeast-1", 8004),
    ("ap-southeast-2", 8005),
    ("ap-northeast-1", 8006),
    ("ap-south-1", 8007),
    ("ca-central-1", 8008),
    ("sa-east-1", 8009),
)
PLUGIN_LAYOUTS: dict[str, tuple[tuple[str, int], ...]] = {
    "12-region": (*_NINE_REGIONS, ("us-gov-west-1", 8010), ("us-gov-east-1", 8011), ("us-west-1", 8012)),
    "9-region": _NINE_REGIONS,
    "10-region": (*_NINE_REGIONS, ("us-west-1", 8010)),
}
PLUGIN_DEFAULT_LAYOUT = "12-region"


# Where a release's regional processes listen. LOOPBACK: each runs finfocus-spec's pluginsdk.Serve,
# which listens on 127.0.0.1:<port> unless the plugin passes a listener of its own
# (listenOnLoopback, sdk/go/pluginsdk/sdk.go); cmd/finfocus-plugin-aws-public/main.go passes none
# and reads no host setting at v0.1.0-v0.1.8. Clients in the VPC then reach a port only through a
# proxy in the task (templates/parts/loopback_proxy.py). ALL_ADDRESSES: a release that binds every
# address needs no proxy. The metrics aggregator binds :9090 at every release.
LOOPBACK = "loopback"
ALL_ADDRESSES = "all addresses"


@dataclass(frozen=True)
class PluginRelease:
    """A tagged image release: the layout it serves, its cap on FINFOCUS_MAX_BATCH_SIZE
    (larger values are lowered to the cap; internal/plugin/recommendations.go) and where its
    regional processes listen."""

    tag: str
    layout: str
    max_batch_size: int
    listens: str


# Oldest first. v0.1.0 published no image (no docker/ directory at that tag).
PLUGIN_RELEASES: tuple[PluginRelease, ...] = (
    PluginRelease("v0.1.1", "12-region", 500, LOOPBACK),
    PluginRelease("v0.1.2", "12-region", 500, LOOPBACK),
    PluginRelease("v0.1.3", "9-region", 500, LOOPBACK),
    PluginRelease("v0.1.4", "10-region", 500, LOOPBACK),
    PluginRelease("v0.1.5", "10-region", 500, LOOPBACK),
    PluginRelease("v0.1.6", "10-region", 100, LOOPBACK),
    PluginRelease("v0.1.7", "10-region", 100, LOOPBACK),
    PluginRelease("v0.1.8", "10-region", 100, LOOPBACK),
)


# The image's own user at every release above: docker/Dockerfile creates it with
# `adduser -u 65532 -S plugin -G plugin` (group 65532) and ends with `USER plugin`.
PLUGIN_USER = "65532"
# The only place the image writes: docker/entrypoint.sh makes a FIFO and a PID file per region there,
# and the metrics aggregator's PID file (tests/test_plugin_writable_paths.py proves it for every release).
PLUGIN_WRITABLE_PATH = "/tmp"
# The image is built by a plain `docker build` on an x86_64 GitHub runner (ubuntu-latest),
# without --platform or buildx, so each tag is a linux/amd64 image only
# (.github/workflows/docker-publish.yml at v0.1.2 and v0.1.8). On ARM64 it would not start.
PLUGIN_CPU_ARCHITECTURE = "X86_64"


def plugin_release(tag: str) -> PluginRelease | None:
    return next((release for release in PLUGIN_RELEASES if release.tag == tag), None)


def listens(tag: str | None) -> str:
    """Where the regional processes of the image with this tag listen; an unknown image, on loopback."""
    release = plugin_release(tag) if tag else None
    return release.listens if release else LOOPBACK


def releases_of(layout: str) -> tuple[PluginRelease, ...]:
    return tuple(release for release in PLUGIN_RELEASES if release.layout == layout)


def newest_release(layout: str) -> PluginRelease:
    return releases_of(layout)[-1]


def release_span(layout: str) -> str:
    """The releases of a layout as text: ``v0.1.1-v0.1.2``, ``v0.1.3``."""
    tags = [release.tag for release in releases_of(layout)]
    return tags[0] if len(tags) == 1 else f"{tags[0]}-{tags[-1]}"


def serves(release: PluginRelease, region_ports) -> bool:
    """The release runs every region of ``region_ports`` on the port given there."""
    return set(region_ports) <= set(PLUGIN_LAYOUTS[release.layout])


def plugin_image(tag: str | None) -> str:
    return PLUGIN_REPOSITORY if tag is None else f"{PLUGIN_REPOSITORY}:{tag}"


# --- The proxy beside the plugin (templates/parts/loopback_proxy.py) --------------------
# HAProxy's Docker Official Image, from Docker's mirror of the Official Images on ECR Public
# (no rate limit for pulls from AWS, no credentials). The tag is a version of the library file's
# Alpine line "Tags: 3.4.3-alpine, 3.4-alpine, alpine, lts-alpine, 3.4.3-alpine3.24, ..."
# (github.com/docker-library/official-images library/haproxy at be189ea5, 2026-08-21): the current
# LTS branch, Alpine for busybox sh, wget, timeout, tr and sed. The image runs as USER haproxy
# (uid 99, group 99: 3.4/alpine/Dockerfile of github.com/docker-library/haproxy), sets STOPSIGNAL
# SIGUSR1 (HAProxy's graceful stop) and has the binary on PATH.
PROXY_REPOSITORY = "public.ecr.aws/docker/library/haproxy"
PROXY_TAG = "3.4.3-alpine"
PROXY_IMAGE = f"{PROXY_REPOSITORY}:{PROXY_TAG}"
PROXY_USER = "99"

# --- Where each template is meant to be deployed (cfn-lint checks each of them) ----------

# The plugin runs in any region it prices, GovCloud included.
FINFOCUS_PLUGIN_REGIONS = tuple(region for region, _ in PLUGIN_LAYOUTS["12-region"])
FINFOCUS_PLUGIN_10_REGION_REGIONS = tuple(region for region, _ in PLUGIN_LAYOUTS["10-region"])
# Commercial regions with Fargate, Fargate Spot and ECR in every one.
GO_API_REGIONS = (
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "ap-south-1",
    "ca-central-1",
    "sa-east-1",
    "us-west-1",
)
# Where Amazon Bedrock Agents is offered, as AWS lists it:
# https://docs.aws.amazon.com/bedrock/latest/userguide/agents-supported.html
BEDROCK_AGENTS_REGIONS = frozenset(
    {
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-south-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "ca-central-1",
        "eu-central-1",
        "eu-central-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "sa-east-1",
        "us-east-1",
        "us-east-2",
        "us-gov-west-1",
        "us-west-2",
    }
)
# The platform's AgentCore invokes agents: the go-api regions that offer them (not us-west-1).
PLATFORM_REGIONS = tuple(region for region in GO_API_REGIONS if region in BEDROCK_AGENTS_REGIONS)
# Every region any template is for: what `make lint` covers.
ALL_REGIONS = tuple(
    dict.fromkeys(FINFOCUS_PLUGIN_REGIONS + FINFOCUS_PLUGIN_10_REGION_REGIONS + GO_API_REGIONS + PLATFORM_REGIONS)
)
# The prerequisites stack builds the surroundings of every template, so it is for all their regions.
PREREQUISITES_REGIONS = ALL_REGIONS

# --- The surroundings the templates take as inputs -----------------------------------

# The ECR repository of each application's image, as the specifications name them
# (go-api; the platform's BFF in bidopsai/app and AgentCore in bidopsai/agent).
IMAGE_REPOSITORIES = {"go-api": "go-api", "bff": "bidopsai/app", "agentcore": "bidopsai/agent"}

# Interface endpoints (com.amazonaws.<region>.<name>) the platform's tasks call from subnets
# without a route to the internet: image pulls, logs, SSM secrets, Bedrock models and agents.
# https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html
# https://docs.aws.amazon.com/bedrock/latest/userguide/vpc-interface-endpoints.html
PLATFORM_INTERFACE_ENDPOINTS = ("ecr.api", "ecr.dkr", "logs", "ssm", "bedrock-runtime", "bedrock-agent-runtime")
# Bedrock's two: offered only where Bedrock Agents are (the runtime endpoint is in every region
# that offers Bedrock, https://docs.aws.amazon.com/bedrock/latest/userguide/endpoints-region-availability.html).
BEDROCK_INTERFACE_ENDPOINTS = ("bedrock-runtime", "bedrock-agent-runtime")
# Beyond the platform's: ECS Exec's channel (Session Manager) and secrets kept in Secrets Manager.
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html
EXTRA_INTERFACE_ENDPOINTS = ("ssmmessages", "secretsmanager")

# --- Value patterns (CloudFormation AllowedPattern syntax, Python re compatible) ----------

PARTITION_PART = r"aws[a-z-]*"
ACCOUNT_PART = r"\d{12}"

CIDR_PATTERN = (
    r"^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
    r"/([89]|[12]\d|3[0-2])$"
)
# Any OCI image reference: registry[:port]/repository[:tag|@digest].
IMAGE_PATTERN = (
    r"^[a-z0-9]+([._-][a-z0-9]+)*(\.[a-z]{2,})?(:[0-9]+)?"
    r"(/[a-z0-9]+([._-][a-z0-9]+)*)+"
    r"(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})?$"
)
# An ECR image: account, region, repository (with optional namespaces), tag or digest.
ECR_IMAGE_PATTERN = (
    rf"^{ACCOUNT_PART}\.dkr\.ecr\.{REGION_PART}\.amazonaws\.com/"
    r"[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*"
    r"(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$"
)
DNS_NAME_PATTERN = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
# A name with at least one dot (a namespace such as platform.local).
DOTTED_DNS_NAME_PATTERN = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
DNS_LABEL_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
TARGET_GROUP_ARN_PATTERN = (
    rf"^arn:{PARTITION_PART}:elasticloadbalancing:{REGION_PART}:{ACCOUNT_PART}"
    r":targetgroup/[A-Za-z0-9-]{1,32}/[a-f0-9]{16}$"
)
LISTENER_ARN_PATTERN = (
    rf"^arn:{PARTITION_PART}:elasticloadbalancing:{REGION_PART}:{ACCOUNT_PART}"
    r":listener/app/[A-Za-z0-9-]+/[a-f0-9]+/[a-f0-9]+$"
)
# A VPC or subnet IPv4 block: /16 to /28 (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html).
VPC_CIDR_PATTERN = (
    r"^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
    r"/(1[6-9]|2[0-8])$"
)
OPTIONAL_CERTIFICATE_ARN_PATTERN = (
    rf"^(arn:{PARTITION_PART}:acm:{REGION_PART}:{ACCOUNT_PART}:certificate/[a-f0-9-]{{36}})?$"
)
OPTIONAL_SNS_TOPIC_ARN_PATTERN = rf"^(arn:{PARTITION_PART}:sns:{REGION_PART}:{ACCOUNT_PART}:[A-Za-z0-9_-]{{1,256}})?$"
# A key's ID: a UUID, or for a multi-Region key "mrk-" and 32 hex digits (the key ARN
# arn:aws:kms:us-east-2:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab of
# https://docs.aws.amazon.com/kms/latest/APIReference/API_ReplicateKey.html; the prefix:
# https://docs.aws.amazon.com/kms/latest/developerguide/mrk-how-it-works.html).
KMS_KEY_ID_PART = r"([a-f0-9]{8}(-[a-f0-9]{4}){3}-[a-f0-9]{12}|mrk-[a-f0-9]{32})"
OPTIONAL_KMS_KEY_ARN_PATTERN = rf"^(arn:{PARTITION_PART}:kms:{REGION_PART}:{ACCOUNT_PART}:key/{KMS_KEY_ID_PART})?$"
OPTIONAL_SECURITY_GROUP_ID_PATTERN = r"^(sg-[0-9a-f]{8,17})?$"
OPTIONAL_NAMESPACE_ID_PATTERN = r"^(ns-[a-z0-9]{16})?$"
PREFIX_LIST_ID_PATTERN = r"^pl-[a-f0-9]{8,17}$"
BUCKET_NAME_PATTERN = r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"
OPTIONAL_BUCKET_NAME_PATTERN = r"^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])?$"
SSM_PATH_PATTERN = r"^(/[A-Za-z0-9_.-]+)+$"
CLUSTER_NAME_OR_EMPTY_PATTERN = r"^[A-Za-z0-9_-]{0,255}$"
# Listener rule conditions, as the ALB accepts them: a path of at most 128 characters from
# A-Z a-z 0-9 _ - . $ / ~ " ' @ : + & and the wildcards * ? (no %); a host name of at most
# 128 characters from A-Z a-z 0-9 - _ . * ?, with at least one "." and only letters after the last one.
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html
# https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_HostHeaderConditionConfig.html
ALB_PATH_PATTERN = "^/[A-Za-z0-9_.$/~\"'@:+&*?-]{0,127}$"
OPTIONAL_HOST_HEADER_PATTERN = r"^((?=.{1,128}$)[A-Za-z0-9_*?.-]*\.[A-Za-z]+)?$"
CORS_ORIGINS_PATTERN = r"^(\*|https?://[^\s,]+(,https?://[^\s,]+)*)$"
# A listener rule of an Application Load Balancer (the production rule of blue/green deployments).
LISTENER_RULE_ARN_PATTERN = (
    rf"^arn:{PARTITION_PART}:elasticloadbalancing:{REGION_PART}:{ACCOUNT_PART}"
    r":listener-rule/app/[A-Za-z0-9-]+/[a-f0-9]+/[a-f0-9]+/[a-f0-9]+$"
)
OPTIONAL_TARGET_GROUP_ARN_PATTERN = (
    rf"^(arn:{PARTITION_PART}:elasticloadbalancing:{REGION_PART}:{ACCOUNT_PART}"
    r":targetgroup/[A-Za-z0-9-]{1,32}/[a-f0-9]{16})?$"
)
OPTIONAL_LISTENER_RULE_ARN_PATTERN = (
    rf"^(arn:{PARTITION_PART}:elasticloadbalancing:{REGION_PART}:{ACCOUNT_PART}"
    r":listener-rule/app/[A-Za-z0-9-]+/[a-f0-9]+/[a-f0-9]+/[a-f0-9]+)?$"
)
# Traffic shares of ECS linear and canary deployments: multiples of 0.1, from 3.0 (linear) or
# 0.1 (canary) to 100.0. https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_LinearConfiguration.html
# https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CanaryConfiguration.html
LINEAR_STEP_PERCENT_PATTERN = r"^(100(\.0)?|[3-9](\.\d)?|[1-9]\d(\.\d)?)$"
CANARY_PERCENT_PATTERN = r"^(100(\.0)?|0\.[1-9]|[1-9](\.\d)?|[1-9]\d(\.\d)?)$"

# --- Fargate ---------------------------------------------------------------------------


def _steps(first: int, last: int, step: int) -> tuple[int, ...]:
    return tuple(range(first, last + 1, step))


# CPU units -> the memory sizes (MiB) Fargate accepts with it (Linux, platform 1.4.0).
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
FARGATE_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: _steps(1024, 4096, 1024),
    1024: _steps(2048, 8192, 1024),
    2048: _steps(4096, 16384, 1024),
    4096: _steps(8192, 30720, 1024),
    8192: _steps(16384, 61440, 4096),
    16384: _steps(32768, 122880, 8192),
}

# The CPU architectures of Fargate Linux tasks (RuntimePlatform.CpuArchitecture).
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#runtime-platform
CPU_ARCHITECTURES = ("X86_64", "ARM64")

# --- TCP ports -------------------------------------------------------------------------

FIRST_PORT, LAST_PORT = 1, 65535
PORT_NUMBER = r"[0-9]+"  # ASCII digits only (str.isdigit() also takes "²" and other scripts' digits)

# --- CloudWatch Logs -------------------------------------------------------------------

# The values RetentionInDays accepts.
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)

# --- CloudFormation limits -------------------------------------------------------------
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html

TEMPLATE_BODY_DIRECT_BYTES = 51_200  # passed inline (aws cloudformation deploy without --s3-bucket)
TEMPLATE_BODY_S3_BYTES = 1_000_000  # read from S3
# A template with this key in its Metadata is over the direct limit and deployed from S3
# (make deploy S3_BUCKET=..., make package); the build and lint rule E9112 read it.
DEPLOYED_FROM_S3_METADATA = "DeployedFromS3"
MAX_RESOURCES = 500
MAX_PARAMETERS = 200
MAX_OUTPUTS = 200
MAX_MAPPINGS = 200
