"""The VPC's subnets in two zones and their routes, and the VPC endpoints.

Public         internet gateway            PrivateApp     a NAT gateway, if any
PrivateAgent   no route out                PrivateData    no route out
"""

from dataclasses import dataclass

from troposphere import If, Ref, Template

from .. import facts
from ..parts import endpoints, vpc
from .choices import Conditions


@dataclass(frozen=True)
class SubnetTier:
    """One row of subnets, one per zone: its name is the prefix of its parameters and output."""

    name: str
    cidrs: tuple[str, str]
    use: str


PUBLIC = SubnetTier("Public", ("10.0.1.0/24", "10.0.2.0/24"), "the load balancer, NAT gateways and go-api tasks")
# The platform's tiers, with the specification's address ranges (PrivateData's are this template's choice).
PRIVATE_APP = SubnetTier(
    "PrivateApp", ("10.0.11.0/24", "10.0.12.0/24"), "the BFF and the interface endpoints (the NAT route, if any)"
)
PRIVATE_AGENT = SubnetTier("PrivateAgent", ("10.0.21.0/24", "10.0.22.0/24"), "AgentCore, without a route out")
PRIVATE_DATA = SubnetTier("PrivateData", ("10.0.31.0/24", "10.0.32.0/24"), "the database, without a route out")
TIERS = (PUBLIC, PRIVATE_APP, PRIVATE_AGENT, PRIVATE_DATA)
# Tiers without any route out of the VPC share one route table.
ISOLATED = (PRIVATE_AGENT, PRIVATE_DATA)


def cidr_parameter(tier: SubnetTier, zone: int) -> str:
    return f"{tier.name}Subnet{zone + 1}Cidr"


def add_subnets(template: Template, inputs: dict, conditions: Conditions, network_vpc, attachment):
    """Every tier's subnets and their routes: public through the internet gateway, PrivateApp
    through a NAT gateway when there is one, the isolated tiers nowhere out of the VPC."""
    subnets = {
        tier.name: [
            template.add_resource(
                vpc.subnet(f"{tier.name}Subnet{zone + 1}", network_vpc, Ref(inputs[cidr_parameter(tier, zone)]), zone)
            )
            for zone in range(vpc.ZONES)
        ]
        for tier in TIERS
    }
    public_table = template.add_resource(vpc.route_table("PublicRouteTable", network_vpc))
    template.add_resource(vpc.internet_route("PublicInternetRoute", public_table, attachment))
    nat_gateways = [
        vpc.nat_gateway(template, f"NatGateway{zone + 1}", subnets[PUBLIC.name][zone], attachment, condition)
        for zone, condition in enumerate((conditions.nat, conditions.nat_per_zone))
    ]
    app_tables = [
        template.add_resource(vpc.route_table(f"{PRIVATE_APP.name}RouteTable{zone + 1}", network_vpc))
        for zone in range(vpc.ZONES)
    ]
    # With one NAT gateway both zones use it; with one per zone each uses its own.
    nat_of_zone = [Ref(nat_gateways[0]), If(conditions.nat_per_zone, Ref(nat_gateways[1]), Ref(nat_gateways[0]))]
    for zone, table in enumerate(app_tables):
        template.add_resource(
            vpc.nat_route(f"{PRIVATE_APP.name}NatRoute{zone + 1}", table, nat_of_zone[zone], conditions.nat)
        )
    isolated_table = template.add_resource(vpc.route_table("IsolatedRouteTable", network_vpc))
    tables = {PUBLIC.name: [public_table] * vpc.ZONES, PRIVATE_APP.name: app_tables}
    tables.update({tier.name: [isolated_table] * vpc.ZONES for tier in ISOLATED})
    for tier in TIERS:
        for zone, member in enumerate(subnets[tier.name]):
            template.add_resource(vpc.association(f"{member.title}RouteTable", tables[tier.name][zone], member))
    return subnets, [*app_tables, isolated_table]


def add_endpoints(template: Template, conditions: Conditions, network_vpc, subnets: dict, tables: list, group) -> None:
    """The S3 gateway endpoint on every private route table, and the interface endpoints chosen."""
    template.add_resource(endpoints.gateway("s3", vpc=network_vpc, route_tables=tables))
    chosen = [
        (
            service,
            conditions.bedrock_endpoints if service in facts.BEDROCK_INTERFACE_ENDPOINTS else conditions.endpoints,
        )
        for service in facts.PLATFORM_INTERFACE_ENDPOINTS
    ]
    chosen += [(service, conditions.extra_endpoints) for service in facts.EXTRA_INTERFACE_ENDPOINTS]
    for service, condition in chosen:
        template.add_resource(
            endpoints.interface(
                service, vpc=network_vpc, subnets=subnets[PRIVATE_APP.name], security_group=group, condition=condition
            )
        )
