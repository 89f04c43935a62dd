"""finfocus-plugin: the multi-region pricing plugin on Fargate, found through Cloud Map.

One container runs a plugin process per AWS region, each on a port of its own,
plus a metrics aggregator. Twelve ports do not belong behind a load balancer (a
listener and a target group each), so clients resolve the task's IP through a
private DNS name and connect to the port of the region they want:

    client --DNS--> aws-public.finfocus.local (A record = task IP) --> :8001 us-east-1
                                                                     --> :8002 us-west-2 ...
"""

import re
from dataclasses import dataclass

from troposphere import GetAtt, If, Ref, Sub, Template, ecs

from .errors import ConfigError
from .parts import cluster, discovery, ecs_api, logs, network, outputs, parameters
from .parts.fargate import Container, PortSpec, TaskSize, size_parameter
from .parts.service import Rollout, fargate_service
from .parts.task import add_task

SUMMARY = "the multi-region finfocus pricing plugin (12 regional ports + metrics) on Fargate, reached through Cloud Map"

DEFAULT_IMAGE = "ghcr.io/rshade/finfocus-plugin-aws-public:latest"
DEFAULT_SIZE = "2048x4096"  # 12 processes x ~150 MB of embedded pricing data, with headroom

# The image's documented layout: one port per region, in this order.
REGION_PORTS: tuple[tuple[str, int], ...] = (
    ("us-east-1", 8001),
    ("us-west-2", 8002),
    ("eu-west-1", 8003),
    ("ap-southeast-1", 8004),
    ("ap-southeast-2", 8005),
    ("ap-northeast-1", 8006),
    ("ap-south-1", 8007),
    ("ca-central-1", 8008),
    ("sa-east-1", 8009),
    ("us-gov-west-1", 8010),
    ("us-gov-east-1", 8011),
    ("us-west-1", 8012),
)
METRICS_PORT = 9090


def without_govcloud(layout):
    """Releases from v0.1.4 on drop the GovCloud regions and number the rest in order."""
    kept = [region for region, _ in layout if not region.startswith("us-gov-")]
    first = min(port for _, port in layout)
    return tuple((region, first + index) for index, region in enumerate(kept))


# The plugin runs anywhere its regions are priced from, GovCloud included.
REGIONS = tuple(region for region, _ in REGION_PORTS)

LAYOUTS = {
    "12-region": REGION_PORTS,
    "10-region": without_govcloud(REGION_PORTS),
}

# The plugin gets SIGTERM and this long to finish in-flight requests; ECS waits a
# little longer before it sends SIGKILL, so a clean shutdown is never cut short.
TERMINATION_GRACE_SECONDS = 30
STOP_TIMEOUT_SECONDS = TERMINATION_GRACE_SECONDS + 5

# /healthcheck.sh asks each regional port in turn. The image's own HEALTHCHECK
# allows it 10 s; the same here, so ECS judges the task as Docker would.
HEALTH_CHECK = ecs.HealthCheck(
    Command=["CMD-SHELL", "/healthcheck.sh"],
    Interval=30,
    Timeout=10,
    Retries=3,
    # Twelve processes load their pricing data before the first check counts.
    StartPeriod=60,
)

IMAGE_PATTERN = (
    r"^[a-z0-9]+([._-][a-z0-9]+)*(\.[a-z]{2,})?(:[0-9]+)?"
    r"(/[a-z0-9]+([._-][a-z0-9]+)*)+"
    r"(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})?$"
)
REGION_NAME = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
CIDR_PATTERN = (
    r"^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
    r"/([89]|[12]\d|3[0-2])$"
)
DNS_NAME_PATTERN = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
DNS_LABEL_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"


@dataclass(frozen=True)
class Options:
    """Build options (``build.py --set KEY=VALUE``)."""

    layout: str = "12-region"
    regions: str | None = None  # "region:port,region:port,..." replaces the layout
    metrics_port: int = METRICS_PORT
    image: str = DEFAULT_IMAGE
    task_size: str = DEFAULT_SIZE
    client_cidr: str | None = None  # default of ClientCidr; none means it must be given at deploy time

    def region_ports(self) -> tuple[tuple[str, int], ...]:
        if self.regions is not None:
            return parse_regions(self.regions)
        if self.layout not in LAYOUTS:
            raise ConfigError(f"unknown layout {self.layout!r}: choose one of {', '.join(LAYOUTS)}")
        return LAYOUTS[self.layout]


def parse_regions(text: str) -> tuple[tuple[str, int], ...]:
    if not text.strip():
        raise ConfigError("the region table is empty: give at least one region:port, e.g. regions=us-east-1:8001")
    table = []
    for item in text.split(","):
        region, _, port = item.strip().partition(":")
        if not REGION_NAME.match(region) or not port.isdigit():
            raise ConfigError(f"bad region entry {item.strip()!r}: write region:port, e.g. us-east-1:8001")
        table.append((region, int(port)))
    return tuple(table)


def build(options: Options = Options()) -> Template:
    region_ports = options.region_ports()
    if not region_ports:
        raise ConfigError("the region table is empty: give at least one region:port")
    if not re.match(IMAGE_PATTERN, options.image):
        raise ConfigError(f"bad image {options.image!r}: use registry/repository[:tag], e.g. {DEFAULT_IMAGE}")
    if options.client_cidr is not None and not re.match(CIDR_PATTERN, options.client_cidr):
        raise ConfigError(
            f"bad client CIDR {options.client_cidr!r}: give an IPv4 range from /8 to /32, e.g. 10.0.0.0/16 "
            "(the whole internet is refused)"
        )
    ports = [PortSpec(region, port) for region, port in region_ports] + [PortSpec("metrics", options.metrics_port)]

    template = Template(
        Description=f"finfocus pricing plugin: {len(region_ports)} regional ports and metrics on Fargate, "
        "found through Cloud Map"
    )

    # --- Inputs, as the console shows them ---------------------------------------
    network_group = "Network"
    vpc = parameters.vpc(template, network_group)
    subnets = parameters.subnets(
        template, "SubnetIds", group=network_group, label="Subnets",
        description="Subnets for the tasks, in at least two Availability Zones. They need a "
        "route to the image registry (NAT gateway, or public subnets with a public IP).",
    )  # fmt: skip
    client_cidr = parameters.add(
        template, "ClientCidr", group=network_group, label="Client CIDR",
        Type="String", AllowedPattern=CIDR_PATTERN,
        **({"Default": options.client_cidr} if options.client_cidr else {}),
        Description="IPv4 range allowed to reach the plugin ports, usually the VPC CIDR "
        "(e.g. 10.0.0.0/16). Prefixes shorter than /8 are refused.",
        ConstraintDescription="must be an IPv4 CIDR with a prefix of /8 to /32, e.g. 10.0.0.0/16",
    )  # fmt: skip
    client_group = parameters.add(
        template, "ClientSecurityGroupId", group=network_group, label="Client security group (optional)",
        Type="String", Default="", AllowedPattern=r"^(sg-[0-9a-f]{8,17})?$",
        Description="Also admit tasks and instances in this security group, wherever their IPs are. "
        "Leave empty to admit by CIDR only.",
        ConstraintDescription="must be empty or a security group ID such as sg-0123456789abcdef0",
    )  # fmt: skip
    public_ip = parameters.assign_public_ip(
        template, network_group, default="DISABLED",
        description="ENABLED only for public subnets without a NAT gateway: the task needs "
        "a route to the image registry.",
    )  # fmt: skip

    container_group = "Plugin container"
    image = parameters.add(
        template, "ImageUri", group=container_group, label="Container image",
        Type="String", Default=options.image, AllowedPattern=IMAGE_PATTERN,
        Description="Image of the multi-region plugin. Pin a release tag in production.",
        ConstraintDescription="must be an image reference such as registry/repository:tag",
    )  # fmt: skip
    size = size_parameter(template, group=container_group, default=TaskSize.parse(options.task_size))
    desired_count = parameters.add(
        template, "DesiredCount", group=container_group, label="Number of tasks",
        Type="Number", Default=1, MinValue=0, MaxValue=8,
        Description="Tasks to run. Each serves every region; DNS answers with all of them "
        "(Cloud Map returns at most eight).",
    )  # fmt: skip
    log_level = parameters.add(
        template, "LogLevel", group=container_group, label="Log level",
        Type="String", Default="info", AllowedValues=["debug", "info", "warn", "error"],
        Description="FINFOCUS_LOG_LEVEL for every regional process.",
    )  # fmt: skip
    cors_origins = parameters.add(
        template, "CorsAllowedOrigins", group=container_group, label="CORS allowed origins",
        Type="String", Default="*", AllowedPattern=r"^(\*|https?://[^\s,]+(,https?://[^\s,]+)*)$",
        Description="FINFOCUS_CORS_ALLOWED_ORIGINS: * or a comma-separated list of origins "
        "such as https://app.example.com. Set explicit origins in production.",
        ConstraintDescription="must be * or comma-separated http(s) origins without spaces",
    )  # fmt: skip

    discovery_group = "Service discovery"
    existing_namespace = parameters.add(
        template, "ExistingNamespaceId", group=discovery_group, label="Existing namespace ID (optional)",
        Type="String", Default="", AllowedPattern=r"^(ns-[a-z0-9]{16})?$",
        Description="ID of a Cloud Map private DNS namespace in this VPC (ns-...). Leave empty "
        "to create one named below. If you give one, set the name below to its name.",
        ConstraintDescription="must be empty or a namespace ID such as ns-abcdefgh12345678",
    )  # fmt: skip
    namespace_name = parameters.add(
        template, "NamespaceName", group=discovery_group, label="Namespace name",
        Type="String", Default="finfocus.local", AllowedPattern=DNS_NAME_PATTERN,
        Description="Private DNS domain clients use, e.g. finfocus.local.",
        ConstraintDescription="must be a lower-case DNS name such as finfocus.local",
    )  # fmt: skip
    discovery_name = parameters.add(
        template, "DiscoveryServiceName", group=discovery_group, label="Service DNS label",
        Type="String", Default="aws-public", AllowedPattern=DNS_LABEL_PATTERN,
        Description="Host name of the plugin inside the namespace: <label>.<namespace>.",
        ConstraintDescription="must be a lower-case DNS label such as aws-public",
    )  # fmt: skip

    cluster_choice = cluster.ClusterChoice(template, group="Cluster")

    logging_group = "Logging"
    retention = parameters.log_retention(template, logging_group, default=30)
    kms_key = parameters.log_kms_key(template, logging_group)

    # --- Logs ------------------------------------------------------------------------
    log_group = template.add_resource(
        logs.log_group(
            "LogGroup", name="/ecs/${AWS::StackName}", retention_days=retention, kms_key=kms_key,
        )
    )  # fmt: skip
    # --- The task: one container, every regional port ----------------------------
    plugin = Container(
        name="plugin",
        image=Ref(image),
        ports=ports,
        log_group=log_group,
        stream_prefix="plugin",
        environment={
            # The web server and /healthz back the container health check: not optional.
            "FINFOCUS_PLUGIN_WEB_ENABLED": "true",
            "FINFOCUS_PLUGIN_HEALTH_ENDPOINT": "true",
            "FINFOCUS_LOG_LEVEL": Ref(log_level),
            "FINFOCUS_CORS_ALLOWED_ORIGINS": Ref(cors_origins),
            "TERMINATION_GRACE_SECONDS": str(TERMINATION_GRACE_SECONDS),
        },
        health_check=HEALTH_CHECK,
        stop_timeout=STOP_TIMEOUT_SECONDS,
    )
    task = add_task(
        template, plugin, size=size, family=Ref("AWS::StackName"),
        # The default image is public on ghcr.io and needs no permission; these let the
        # same stack pull a copy kept in this account's ECR (a pull-through cache),
        # which is how many teams avoid registry rate limits.
        repositories=[Sub("arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/*")],
        # The plugin calls no AWS API: its task role grants nothing.
    )  # fmt: skip

    # --- Network: the plugin ports, to the clients only -------------------------
    port_numbers = [port.port for port in ports]

    def describe(first: int, last: int) -> str:
        return _describe_ports(first, last, ports)

    security_group = template.add_resource(
        network.security_group(
            "SecurityGroup",
            description="finfocus plugin tasks: regional and metrics ports from the client CIDR",
            vpc=vpc,
            ingress=network.ports(port_numbers, describe, cidr=client_cidr),
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
    has_client_group = parameters.when_given(template, client_group)
    for rule in network.ports(port_numbers, describe, group=client_group):
        title = f"ClientGroupPorts{rule.first_port}To{rule.last_port}"
        template.add_resource(network.ingress(title, security_group, rule, has_client_group))

    # --- Discovery: <label>.<namespace> resolves to the task IPs -----------------
    create_namespace = parameters.when_empty(template, existing_namespace, "CreateNamespace")
    namespace = template.add_resource(
        discovery.private_namespace(
            "Namespace", name=namespace_name, vpc=vpc,
            description="Private DNS names of the finfocus plugin",
        )
    )  # fmt: skip
    namespace.Condition = create_namespace
    namespace_id = If(create_namespace, Ref(namespace), Ref(existing_namespace))
    discovery_service = template.add_resource(
        discovery.a_record_service(
            "DiscoveryService", name=discovery_name, namespace_id=namespace_id,
            description="A records of the healthy finfocus plugin tasks",
        )
    )  # fmt: skip

    service = template.add_resource(
        fargate_service(
            "Service",
            cluster=cluster_choice.name,
            task_definition=task,
            desired_count=desired_count,
            subnets=subnets,
            security_groups=[GetAtt(security_group, "GroupId")],
            assign_public_ip=public_ip,
            # Start the new task before stopping the old one: no gap in any region.
            rollout=Rollout(minimum_healthy=100, maximum=200),
            registries=[discovery.registry(discovery_service)],
        )
    )

    # --- Outputs -------------------------------------------------------------------
    host = "${DiscoveryServiceName}.${NamespaceName}"
    outputs.export(template, "ClusterName", cluster_choice.name, "ECS cluster the plugin runs in")
    outputs.export(template, "ServiceName", GetAtt(service, "Name"), "ECS service name")
    outputs.export(template, "ServiceArn", Ref(service), "ECS service ARN")
    outputs.export(template, "TaskDefinitionArn", Ref(task), "Task definition ARN (this revision)")
    outputs.export(template, "SecurityGroupId", GetAtt(security_group, "GroupId"), "Security group of the plugin tasks")
    outputs.export(template, "NamespaceId", namespace_id, "Cloud Map namespace ID")
    outputs.export(template, "ServiceDnsName", Sub(host), "DNS name that resolves to the plugin tasks")
    outputs.export(template, "LogGroupName", Ref(log_group), "CloudWatch Logs group of the plugin")
    for region, port in region_ports:
        outputs.export(
            template, endpoint_output(region), Sub(f"http://{host}:{port}"),
            f"Pricing endpoint for {region}",
        )  # fmt: skip
    outputs.export(
        template, "MetricsEndpoint", Sub(f"http://{host}:{options.metrics_port}/metrics"), "Aggregated metrics"
    )
    return template


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


# Values for what only an AWS account knows; the guide shows how to fill them in.
TASK_DEFINITION_PLACEHOLDERS = {
    "AWS::StackName": "finfocus-plugin",
    "AWS::Region": "<AWS_REGION>",
    "LogGroup": "/ecs/finfocus-plugin",
    "ExecutionRole.Arn": "arn:<AWS_PARTITION>:iam::<AWS_ACCOUNT_ID>:role/ecsTaskExecutionRole",
    # The task role grants nothing; the stand-alone definition goes without one.
    "TaskRole.Arn": None,
}


def artifacts(template: Template) -> dict[str, str]:
    """Files written beside the template, keyed by their suffix."""
    return {"task-definition.json": ecs_api.register_input(template, "TaskDefinition", TASK_DEFINITION_PLACEHOLDERS)}


def region_port_table() -> str:
    from . import docblocks  # only the docs need it

    twelve, ten = LAYOUTS["12-region"], dict(LAYOUTS["10-region"])
    rows = [[f"`{port}`", region, f"`{ten[region]}`" if region in ten else "not served"] for region, port in twelve]
    rows.append([f"`{METRICS_PORT}`", "metrics (`/metrics`, `/metrics/aggregated`)", f"`{METRICS_PORT}`"])
    return docblocks.table(["Port (12-region, default)", "Region", "Port (10-region, v0.1.4 on)"], rows)


DOC_BLOCKS = {"finfocus-plugin.region-ports": region_port_table}
