"""How clients reach the plugin: its ports in a security group, its name in Cloud Map, an output per region."""

from troposphere import If, Ref, Sub, Template

from .. import facts
from ..errors import ConfigError
from ..parts import discovery, network, outputs, parameters
from ..parts.fargate import PortSpec


def add_security_group(template: Template, inputs: dict, ports: list[PortSpec]):
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


def add_discovery(template: Template, inputs: dict):
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


def add_endpoint_outputs(template: Template, region_ports, metrics_port: int, log_group) -> None:
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
