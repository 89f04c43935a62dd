"""finfocus-plugin: the multi-region pricing plugin on Fargate, found through Cloud Map.

One container runs a plugin process per AWS region, each on a port of its own,
plus a metrics aggregator. Twelve ports do not belong behind a load balancer (a
listener and a target group each), so clients resolve the task's IP through a
private DNS name and connect to the port of the region they want:

    client --DNS--> aws-public.finfocus.local (A record = task IP) --> :8001 us-east-1
                                                                     --> :8002 us-west-2 ...
"""

import re
from dataclasses import dataclass, field

from troposphere import GetAtt, If, Ref, Sub, Template, ecs

from . import facts
from .contract import TemplateContract
from .errors import ConfigError
from .parts import cluster, discovery, ecs_api, logs, network, outputs, parameters
from .parts.fargate import Container, PortSpec, TaskSize, task_size
from .parts.parameters import Group, Input
from .parts.service import Rollout, fargate_service
from .parts.task import add_task

SUMMARY = "the multi-region finfocus pricing plugin (12 regional ports + metrics) on Fargate, reached through Cloud Map"

DEFAULT_IMAGE = f"{facts.PLUGIN_REPOSITORY}:latest"
DEFAULT_SIZE = TaskSize(2048, 4096)  # 12 processes x ~150 MB of embedded pricing data, with headroom

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

# Cloud Map answers a DNS query with at most eight A records (MULTIVALUE routing).
MAX_TASKS = 8

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
CONTAINER = Group(
    "Plugin container",
    (
        Input(
            "ImageUri",
            "Container image",
            "String",
            "Image of the multi-region plugin. Pin a release tag in production.",
            default=DEFAULT_IMAGE,
            allowed_pattern=facts.IMAGE_PATTERN,
            constraint="must be an image reference such as registry/repository:tag",
        ),
        task_size(DEFAULT_SIZE),
        Input(
            "DesiredCount",
            "Number of tasks",
            "Number",
            "Tasks to run. Each serves every region; DNS answers with all of them (Cloud Map returns at most eight).",
            default=1,
            min_value=0,
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
    ),
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
INPUTS = [
    NETWORK,
    CONTAINER,
    DISCOVERY,
    *parameters.cluster_and_logging(retention_days=30),
]

# --- Build options: what changes the template's structure -----------------------------


@dataclass(frozen=True)
class Options:
    """Build options (``build.py finfocus-plugin --set KEY=VALUE --output-dir DIR``)."""

    layout: str | None = field(
        default=None,
        metadata={"help": f"port layout of an image release: {', '.join(facts.PLUGIN_LAYOUTS)} (default 12-region)"},
    )
    regions: str | None = field(
        default=None, metadata={"help": "region:port,region:port,... instead of a layout, e.g. us-east-1:8001"}
    )
    metrics_port: int = field(default=facts.METRICS_PORT, metadata={"help": "port of the metrics aggregator"})
    image: str = field(default=DEFAULT_IMAGE, metadata={"help": "default of the ImageUri parameter"})

    def region_ports(self) -> tuple[tuple[str, int], ...]:
        if self.regions is not None:
            if self.layout is not None:
                raise ConfigError("layout and regions are both given: give one (regions replaces the layout)")
            return parse_regions(self.regions)
        layout = self.layout or facts.PLUGIN_DEFAULT_LAYOUT
        if layout not in facts.PLUGIN_LAYOUTS:
            raise ConfigError(f"unknown layout {layout!r}: choose one of {', '.join(facts.PLUGIN_LAYOUTS)}")
        return facts.PLUGIN_LAYOUTS[layout]


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


# --- The template ----------------------------------------------------------------------


def build(options: Options = Options()) -> Template:
    region_ports = options.region_ports()
    if not re.fullmatch(facts.IMAGE_PATTERN, options.image):
        raise ConfigError(f"bad image {options.image!r}: use registry/repository[:tag], e.g. {DEFAULT_IMAGE}")
    ports = [PortSpec(region, port) for region, port in region_ports] + [PortSpec("metrics", options.metrics_port)]

    template = Template(
        Description=f"finfocus pricing plugin: {len(region_ports)} regional ports and metrics on Fargate, "
        "found through Cloud Map"
    )
    inputs = parameters.declare(template, parameters.with_default(INPUTS, "ImageUri", options.image))
    cluster_choice = cluster.ClusterChoice(template, inputs["ExistingClusterName"])
    log_group = logs.stack_log_group(template, inputs)
    task = _add_task(template, inputs, log_group, ports)
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
            # Start the new task before stopping the old one: no gap in any region.
            rollout=Rollout(minimum_healthy=100, maximum=200),
        )
    )
    outputs.service(template, what="plugin", cluster_name=cluster_choice.name, service=service, task_definition=task)
    outputs.export(template, "SecurityGroupId", GetAtt(security_group, "GroupId"), "Security group of the plugin tasks")
    outputs.export(template, "NamespaceId", namespace_id, "Cloud Map namespace ID")
    _add_endpoint_outputs(template, region_ports, options.metrics_port, log_group)
    return template


def _add_task(template: Template, inputs: dict, log_group, ports: list[PortSpec]) -> ecs.TaskDefinition:
    """One container, every regional port."""
    plugin = Container(
        name="plugin",
        image=Ref(inputs["ImageUri"]),
        ports=ports,
        log_group=log_group,
        stream_prefix="plugin",
        environment={
            # The web server and /healthz back the container health check: not optional.
            "FINFOCUS_PLUGIN_WEB_ENABLED": "true",
            "FINFOCUS_PLUGIN_HEALTH_ENDPOINT": "true",
            "FINFOCUS_LOG_LEVEL": Ref(inputs["LogLevel"]),
            "FINFOCUS_CORS_ALLOWED_ORIGINS": Ref(inputs["CorsAllowedOrigins"]),
            "TERMINATION_GRACE_SECONDS": str(TERMINATION_GRACE_SECONDS),
        },
        health_check=HEALTH_CHECK,
        stop_timeout=STOP_TIMEOUT_SECONDS,
    )
    return add_task(
        template,
        plugin,
        size=inputs["TaskSize"],
        family=Ref("AWS::StackName"),
        # The default image is public on ghcr.io and needs no permission; these let the
        # same stack pull a copy kept in this account's ECR (a pull-through cache),
        # which is how many teams avoid registry rate limits.
        repositories=[Sub("arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/*")],
        # The plugin calls no AWS API: its task role grants nothing.
    )


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

# Values for what only an AWS account knows; the guide shows how to fill them in.
TASK_DEFINITION_PLACEHOLDERS = {
    "AWS::StackName": "finfocus-plugin",
    "AWS::Region": "<AWS_REGION>",
    "LogGroup": "/ecs/finfocus-plugin",
    "ExecutionRole.Arn": "arn:<AWS_PARTITION>:iam::<AWS_ACCOUNT_ID>:role/ecsTaskExecutionRole",
    # The task role grants nothing; the stand-alone definition goes without one.
    "TaskRole.Arn": None,
}
TASK_DEFINITION_FILE = "task-definition.json"


def artifacts(document: dict) -> dict[str, str]:
    """Files written beside the template, keyed by their suffix."""
    return {TASK_DEFINITION_FILE: ecs_api.register_input(document, "TaskDefinition", TASK_DEFINITION_PLACEHOLDERS)}


def region_port_table(files) -> str:
    from . import docblocks  # only the docs need it

    twelve, ten = facts.PLUGIN_LAYOUTS["12-region"], dict(facts.PLUGIN_LAYOUTS["10-region"])
    rows = [[f"`{port}`", region, f"`{ten[region]}`" if region in ten else "not served"] for region, port in twelve]
    metrics = facts.METRICS_PORT
    rows.append([f"`{metrics}`", "metrics (`/metrics`, `/metrics/aggregated`)", f"`{metrics}`"])
    return docblocks.table(["Port (12-region, default)", "Region", "Port (10-region, v0.1.4 on)"], rows)


def task_definition_json(files) -> str:
    """The stand-alone task definition, as the build writes it, for the guide."""
    return "```json\n" + files(f"finfocus-plugin.{TASK_DEFINITION_FILE}") + "```\n"


# The plugin runs anywhere its regions are priced from, GovCloud included.
TEMPLATE = TemplateContract(
    "finfocus-plugin",
    SUMMARY,
    facts.FINFOCUS_PLUGIN_REGIONS,
    Options,
    build,
    artifacts=artifacts,
    doc_blocks={
        "finfocus-plugin.region-ports": region_port_table,
        "finfocus-plugin.task-definition": task_definition_json,
    },
)
