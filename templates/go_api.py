"""go-api: a Go API on Fargate behind a load balancer someone else already runs.

Other stacks own the ALB, its listener, a target group (target type ip) behind it,
the app security group and the public subnets. This template runs the API and
plugs its tasks into them:

    internet -> ALB -> listener -> target group (existing) -> api task :8080 (Fargate, 1-4 tasks)

A release is a new image tag: deploy with ImageUri=<repository>:<tag>, and ECS
rolls the tasks one by one, rolling back by itself if the new ones never get healthy.
"""

import re
from dataclasses import dataclass

from troposphere import GetAtt, Ref, Template

from .errors import ConfigError
from .parts import cluster, iam, logs, outputs, parameters, scaling
from .parts.fargate import Container, PortSpec, TaskSize, size_parameter
from .parts.service import Rollout, fargate_service, load_balancer
from .parts.task import add_task
from .regions import COMMERCIAL

REGIONS = COMMERCIAL

SUMMARY = "a Go API on Fargate behind an existing ALB target group, rolling deploys with rollback, CPU auto-scaling 1-4"

CONTAINER_NAME = "api"
# Scale out quickly when CPU climbs; scale in slowly so a short lull does not
# take away tasks that the next burst needs.
SCALE_OUT_COOLDOWN_SECONDS = 60
SCALE_IN_COOLDOWN_SECONDS = 300

TARGET_GROUP_PATTERN = (
    r"^arn:aws[a-z-]*:elasticloadbalancing:[a-z]{2}(-[a-z]+)+-\d:\d{12}:targetgroup/[A-Za-z0-9-]{1,32}/[a-f0-9]{16}$"
)


@dataclass(frozen=True)
class Options:
    """Build options (``build.py --set KEY=VALUE``): defaults of the parameters."""

    task_size: str = "256x512"
    container_port: int = 8080
    image: str = ""  # empty: ImageUri has no default and must be given at deploy time


def build(options: Options = Options()) -> Template:
    if options.image and not re.match(iam.ECR_IMAGE_PATTERN, options.image):
        raise ConfigError(
            f"bad image URI {options.image!r}: use an ECR image such as "
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/go-api:v1.2.3"
        )
    if not 1 <= options.container_port <= 65535:
        raise ConfigError(f"container port {options.container_port} is out of range: use 1-65535")

    template = Template(Description="Go API on Fargate behind an existing ALB target group, with CPU auto-scaling")

    container_group = "API container"
    image = parameters.ecr_image(
        template, "ImageUri", group=container_group, label="Image URI (ECR)", repository="go-api",
        default=options.image, note=" Deploying a new tag releases it.",
    )  # fmt: skip
    container_port = parameters.add(
        template, "ContainerPort", group=container_group, label="Container port",
        Type="Number", Default=options.container_port, MinValue=1, MaxValue=65535,
        Description="Port the API listens on (passed to it as PORT). The target group and the "
        "app security group must use the same port.",
    )  # fmt: skip
    size = size_parameter(template, group=container_group, default=TaskSize.parse(options.task_size))

    network_group = "Load balancer and network"
    target_group = parameters.add(
        template, "TargetGroupArn", group=network_group, label="Target group ARN",
        Type="String", AllowedPattern=TARGET_GROUP_PATTERN,
        Description="Existing ALB target group, target type ip, already behind a listener.",
        ConstraintDescription="must be an Elastic Load Balancing target group ARN",
    )  # fmt: skip
    app_security_group = parameters.add(
        template, "AppSecurityGroupId", group=network_group, label="App security group",
        Type="AWS::EC2::SecurityGroup::Id",
        Description="Existing group for the tasks: inbound from the ALB on the container port, "
        "outbound HTTPS for ECR and CloudWatch Logs.",
    )  # fmt: skip
    subnets = parameters.subnets(
        template, "SubnetIds", group=network_group, label="Subnets",
        description="Subnets for the tasks, in at least two Availability Zones.",
    )  # fmt: skip
    public_ip = parameters.assign_public_ip(
        template, network_group, default="ENABLED",
        description="ENABLED for public subnets: the tasks pull from ECR through the internet "
        "gateway. DISABLED for private subnets with a NAT gateway or ECR VPC endpoints.",
    )  # fmt: skip
    grace = parameters.add(
        template, "HealthCheckGracePeriodSeconds", group=network_group, label="Health-check grace period (s)",
        Type="Number", Default=60, MinValue=0, MaxValue=1800,
        Description="Seconds a new task may fail load balancer health checks while it starts.",
    )  # fmt: skip

    scaling_group = "Scaling"
    minimum = parameters.add(
        template, "MinTasks", group=scaling_group, label="Minimum tasks",
        Type="Number", Default=1, MinValue=1, MaxValue=100,
        Description="Tasks at creation, and the fewest auto-scaling keeps. (The service has no "
        "fixed desired count: a release would reset it and undo scaling.)",
    )  # fmt: skip
    maximum = parameters.add(
        template, "MaxTasks", group=scaling_group, label="Maximum tasks",
        Type="Number", Default=4, MinValue=1, MaxValue=100, Description="Auto-scaling never goes above this.",
    )  # fmt: skip
    cpu_target = parameters.add(
        template, "CpuTargetPercent", group=scaling_group, label="CPU target (%)",
        Type="Number", Default=70, MinValue=10, MaxValue=90,
        Description="Average CPU utilisation auto-scaling keeps the service near.",
    )  # fmt: skip

    cluster_choice = cluster.ClusterChoice(template, group="Cluster")
    retention = parameters.log_retention(template, "Logging", default=30)
    kms_key = parameters.log_kms_key(template, "Logging")

    log_group = template.add_resource(
        logs.log_group("LogGroup", name="/ecs/${AWS::StackName}", retention_days=retention, kms_key=kms_key)
    )
    api = Container(
        name=CONTAINER_NAME,
        image=Ref(image),
        ports=[PortSpec("http", container_port)],
        log_group=log_group,
        stream_prefix=CONTAINER_NAME,
        environment={"PORT": Ref(container_port)},
    )
    task = add_task(
        template, api, size=size, family=Ref("AWS::StackName"),
        repositories=[iam.ecr_repository_arn(Ref(image))],  # the image's own repository only
        # The API calls no AWS API: its task role grants nothing.
    )  # fmt: skip

    service = template.add_resource(
        fargate_service(
            "Service",
            cluster=cluster_choice.name,
            task_definition=task,
            subnets=subnets,
            security_groups=[Ref(app_security_group)],
            assign_public_ip=public_ip,
            # A new task joins the target group and passes its checks before an old one leaves.
            rollout=Rollout(minimum_healthy=100, maximum=200),
            load_balancers=[load_balancer(target_group, container_name=CONTAINER_NAME, container_port=container_port)],
            health_check_grace_seconds=grace,
        )
    )

    target = template.add_resource(
        scaling.scalable_target(
            "ScalableTarget", cluster_name=cluster_choice.name, service=service, minimum=minimum, maximum=maximum
        )
    )
    template.add_resource(
        scaling.target_tracking(
            "CpuScaling", target=target, metric=scaling.CPU, target_percent=cpu_target,
            scale_out_cooldown=SCALE_OUT_COOLDOWN_SECONDS, scale_in_cooldown=SCALE_IN_COOLDOWN_SECONDS,
        )
    )  # fmt: skip

    outputs.export(template, "ClusterName", cluster_choice.name, "ECS cluster the API runs in")
    outputs.export(template, "ServiceName", GetAtt(service, "Name"), "ECS service name")
    outputs.export(template, "ServiceArn", Ref(service), "ECS service ARN")
    outputs.export(template, "TaskDefinitionArn", Ref(task), "Task definition ARN (this revision)")
    outputs.export(template, "LogGroupName", Ref(log_group), "CloudWatch Logs group of the API")
    return template
