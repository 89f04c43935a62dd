"""A VPC across two Availability Zones: subnets, route tables, an internet gateway, NAT gateways.

Zones are the region's own (``Fn::GetAZs``), never typed names, so one template works in
every region and account. Every subnet keeps ``MapPublicIpOnLaunch`` off: whatever needs a
public address (the load balancer, a NAT gateway, a task with ``AssignPublicIp=ENABLED``)
asks for it, and nothing gets one by accident.
"""

from troposphere import GetAZs, Ref, Select, Sub, ec2

ZONES = 2
ANYWHERE = "0.0.0.0/0"


def zone(index: int):
    """The ``index``-th Availability Zone of the stack's region."""
    return Select(index, GetAZs(""))


def vpc(title: str, cidr) -> ec2.VPC:
    # Private DNS of interface endpoints and Cloud Map namespaces resolves only with both on.
    return ec2.VPC(title, CidrBlock=cidr, EnableDnsSupport=True, EnableDnsHostnames=True)


def internet_gateway(template, network: ec2.VPC) -> ec2.VPCGatewayAttachment:
    """An internet gateway attached to ``network``; routes to it depend on the attachment."""
    gateway = template.add_resource(ec2.InternetGateway("InternetGateway"))
    return template.add_resource(
        ec2.VPCGatewayAttachment("InternetGatewayAttachment", VpcId=Ref(network), InternetGatewayId=Ref(gateway))
    )


def subnet(title: str, network: ec2.VPC, cidr, index: int) -> ec2.Subnet:
    return ec2.Subnet(
        title, VpcId=Ref(network), CidrBlock=cidr, AvailabilityZone=zone(index), MapPublicIpOnLaunch=False
    )


def route_table(title: str, network: ec2.VPC) -> ec2.RouteTable:
    return ec2.RouteTable(title, VpcId=Ref(network))


def association(title: str, table: ec2.RouteTable, member: ec2.Subnet) -> ec2.SubnetRouteTableAssociation:
    return ec2.SubnetRouteTableAssociation(title, RouteTableId=Ref(table), SubnetId=Ref(member))


def internet_route(title: str, table: ec2.RouteTable, attachment: ec2.VPCGatewayAttachment) -> ec2.Route:
    return ec2.Route(
        title,
        RouteTableId=Ref(table),
        DestinationCidrBlock=ANYWHERE,
        GatewayId=attachment.InternetGatewayId,
        DependsOn=[attachment.title],
    )


def nat_route(title: str, table: ec2.RouteTable, nat_gateway, condition: str) -> ec2.Route:
    """The default route through ``nat_gateway`` (a Ref, or an ``Fn::If`` between two)."""
    return ec2.Route(
        title,
        Condition=condition,
        RouteTableId=Ref(table),
        DestinationCidrBlock=ANYWHERE,
        NatGatewayId=nat_gateway,
    )


def nat_gateway(template, title: str, public_subnet: ec2.Subnet, attachment, condition: str) -> ec2.NatGateway:
    """A NAT gateway with its own Elastic IP in ``public_subnet``, created only when ``condition`` holds."""
    address = template.add_resource(
        ec2.EIP(f"{title}Address", Condition=condition, Domain="vpc", DependsOn=[attachment.title])
    )
    return template.add_resource(
        ec2.NatGateway(
            title,
            Condition=condition,
            AllocationId=address.get_att("AllocationId"),
            SubnetId=Ref(public_subnet),
        )
    )


def flow_log(title: str, network: ec2.VPC, bucket, condition: str) -> ec2.FlowLog:
    """Every accepted and rejected connection of ``network``, delivered to the S3 bucket named by
    the ``bucket`` parameter (under AWSLogs/<account>/vpcflowlogs/) when ``condition`` holds. The
    bucket's policy must let log delivery (delivery.logs.amazonaws.com) write to it.
    https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3.html
    """
    return ec2.FlowLog(
        title,
        Condition=condition,
        ResourceId=Ref(network),
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="s3",
        LogDestination=Sub("arn:${AWS::Partition}:s3:::${Bucket}", Bucket=Ref(bucket)),
    )
