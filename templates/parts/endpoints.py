"""VPC endpoints: AWS services reached from inside the VPC, without the internet.

A gateway endpoint (S3) is a route-table entry and costs nothing. An interface endpoint
is a network interface in each zone's subnet, billed per zone and hour, with private DNS
on so the service's usual name (ecr.api, logs, ...) resolves to it inside the VPC.
https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html
"""

import re

from troposphere import GetAtt, Ref, Sub, ec2


def service_name(service: str) -> Sub:
    """``com.amazonaws.<region>.<service>``, the name in every commercial and GovCloud region."""
    return Sub(f"com.amazonaws.${{AWS::Region}}.{service}")


def title_of(service: str) -> str:
    """``ecr.api`` -> ``EcrApiEndpoint``: the logical ID of the endpoint of ``service``."""
    return "".join(word.capitalize() for word in re.split(r"[.-]", service)) + "Endpoint"


def gateway(service: str, *, vpc, route_tables: list) -> ec2.VPCEndpoint:
    return ec2.VPCEndpoint(
        title_of(service),
        VpcEndpointType="Gateway",
        VpcId=Ref(vpc),
        ServiceName=service_name(service),
        RouteTableIds=[Ref(table) for table in route_tables],
    )


def interface(service: str, *, vpc, subnets: list, security_group, condition: str) -> ec2.VPCEndpoint:
    return ec2.VPCEndpoint(
        title_of(service),
        Condition=condition,
        VpcEndpointType="Interface",
        VpcId=Ref(vpc),
        ServiceName=service_name(service),
        PrivateDnsEnabled=True,
        SubnetIds=[Ref(subnet) for subnet in subnets],
        SecurityGroupIds=[GetAtt(security_group, "GroupId")],
    )
