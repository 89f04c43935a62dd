"""The finfocus plugin deployment written with the AWS CDK v2, for the benchmark.

Same job as output/finfocus-plugin.yaml: one Fargate task with 12 regional ports
and metrics, a Cloud Map A record, a log group, a security group for the client
CIDR, and an execution role. Synthesizes offline (no account or region lookups).
"""

import os

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_logs as logs
from aws_cdk import aws_servicediscovery as servicediscovery

PORTS = [*range(8001, 8013), 9090]

app = cdk.App(outdir=os.environ.get("CDK_OUTDIR", "cdk.out"))
stack = cdk.Stack(app, "FinfocusPlugin")
vpc = ec2.Vpc.from_vpc_attributes(
    stack,
    "Vpc",
    vpc_id="vpc-0123456789abcdef0",
    availability_zones=["us-east-1a", "us-east-1b"],
    private_subnet_ids=["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
)
namespace = servicediscovery.PrivateDnsNamespace(stack, "Namespace", name="finfocus.local", vpc=vpc)
cluster = ecs.Cluster(stack, "Cluster", vpc=vpc, container_insights=True)
log_group = logs.LogGroup(
    stack, "LogGroup", retention=logs.RetentionDays.ONE_MONTH, removal_policy=cdk.RemovalPolicy.RETAIN
)
task = ecs.FargateTaskDefinition(stack, "Task", cpu=2048, memory_limit_mib=4096)
container = task.add_container(
    "plugin",
    image=ecs.ContainerImage.from_registry("ghcr.io/rshade/finfocus-plugin-aws-public:latest"),
    logging=ecs.LogDriver.aws_logs(stream_prefix="plugin", log_group=log_group),
    environment={
        "FINFOCUS_PLUGIN_WEB_ENABLED": "true",
        "FINFOCUS_PLUGIN_HEALTH_ENDPOINT": "true",
        "FINFOCUS_LOG_LEVEL": "info",
        "FINFOCUS_CORS_ALLOWED_ORIGINS": "*",
    },
    health_check=ecs.HealthCheck(
        command=["CMD-SHELL", "/healthcheck.sh"],
        interval=cdk.Duration.seconds(30),
        timeout=cdk.Duration.seconds(10),
        retries=3,
        start_period=cdk.Duration.seconds(60),
    ),
    stop_timeout=cdk.Duration.seconds(35),
)
for port in PORTS:
    container.add_port_mappings(ecs.PortMapping(container_port=port, name=f"port-{port}"))
security_group = ec2.SecurityGroup(stack, "SecurityGroup", vpc=vpc, allow_all_outbound=False)
security_group.add_ingress_rule(ec2.Peer.ipv4("10.0.0.0/16"), ec2.Port.tcp_range(8001, 8012), "Regional ports")
security_group.add_ingress_rule(ec2.Peer.ipv4("10.0.0.0/16"), ec2.Port.tcp(9090), "Metrics")
security_group.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "Image pulls and logs")
ecs.FargateService(
    stack,
    "Service",
    cluster=cluster,
    task_definition=task,
    security_groups=[security_group],
    circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
    cloud_map_options=ecs.CloudMapOptions(
        name="aws-public",
        cloud_map_namespace=namespace,
        dns_record_type=servicediscovery.DnsRecordType.A,
        dns_ttl=cdk.Duration.seconds(10),
    ),
)
app.synth()
