"""The security groups: the ALB's, go-api's, the endpoints' and the database's."""

from troposphere import GetAtt, Ref, Template

from ..parts import network, scanner
from ..platform import BFF
from .load_balancer import ALB_HTTP, ALB_HTTPS


def add_security_groups(template: Template, inputs: dict, network_vpc) -> dict:
    """The ALB's, go-api's, the endpoints' and the database's: each opens only what its users need."""
    cidr, port = GetAtt(network_vpc, "CidrBlock"), Ref(inputs["ContainerPort"])
    alb = template.add_resource(
        scanner.accept(
            network.security_group(
                "AlbSecurityGroup",
                description="Public ALB: HTTP and HTTPS from the internet, to the tasks behind it",
                vpc=network_vpc,
                ingress=[network.port(ALB_HTTP, "HTTP from the internet", cidr=network.ANYWHERE)],
                # To addresses of this VPC only, on the ports of the applications behind it; their own
                # groups decide which of them may be reached.
                egress=[
                    network.Rule(port, port, "go-api tasks", cidr=cidr),
                    network.port(BFF.port, "platform BFF tasks", cidr=cidr),
                ],
            ),
            {
                "CKV_AWS_260": "An internet-facing load balancer: HTTP from anywhere is its purpose (with a "
                "certificate, port 80 only redirects to HTTPS)"
            },
        )
    )
    template.add_resource(
        network.ingress(
            "AlbHttpsFromInternet",
            alb,
            network.port(ALB_HTTPS, "HTTPS from the internet", cidr=network.ANYWHERE),
            condition="HasCertificateArn",
        )
    )
    app = template.add_resource(
        network.security_group(
            "AppSecurityGroup",
            description="go-api tasks: the container port from the ALB, HTTPS out for ECR and CloudWatch Logs",
            vpc=network_vpc,
            ingress=[network.Rule(port, port, "go-api port from the ALB", group=alb)],
            egress=[network.port(network.HTTPS, "ECR, CloudWatch Logs and other AWS APIs", cidr=network.ANYWHERE)],
        )
    )
    # With private DNS on, every resource of the VPC that calls CloudWatch Logs, ECR, SSM, ...
    # reaches these endpoints, whatever its route: a plugin stack in this VPC, or any other,
    # whose group this stack cannot know. So the endpoints take HTTPS from the whole VPC, as the
    # AWS CDK's interface endpoints do by default (open: "all traffic to the endpoint from within
    # the VPC ... based on the VPC's CIDR range"); what each caller may do is its role's. The
    # go-api rule stays, and the platform still adds its tiers': an update revokes nothing. (The
    # description stays as it was: a new one would replace the group.)
    # https://docs.aws.amazon.com/vpc/latest/userguide/vpce-interface.html
    # https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_ec2.InterfaceVpcEndpointOptions.html
    endpoint_group = template.add_resource(
        network.security_group(
            "VpcEndpointSecurityGroup",
            description="Interface endpoints: HTTPS from go-api tasks (the platform adds its own tiers)",
            vpc=network_vpc,
            ingress=[
                network.port(network.HTTPS, "AWS APIs for go-api tasks", group=app),
                network.port(network.HTTPS, "AWS APIs for everything in the VPC (private DNS)", cidr=cidr),
            ],
            egress=[],
        )
    )
    database = template.add_resource(
        network.security_group(
            "RdsSecurityGroup",
            description="PostgreSQL database of the platform: the platform stack adds ingress from its tiers",
            vpc=network_vpc,
            ingress=[],
            egress=[],
        )
    )
    return {group.title: group for group in (alb, app, endpoint_group, database)}
