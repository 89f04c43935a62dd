"""go-api: a Go API on Fargate behind a load balancer someone else already runs.

Other stacks own the ALB, its listener, a target group (target type ip) behind it,
the app security group and the public subnets. This template runs the API and
plugs its tasks into them:

    internet -> ALB -> listener -> target group (existing) -> api task :8080 (Fargate, 1-4 tasks)

A release is a new image tag: deploy with ImageUri=<repository>:<tag>, and ECS
rolls the tasks one by one, rolling back by itself if the new ones never get healthy
or a deployment alarm (5xx, unhealthy targets, memory) fires. With a blue/green, linear
or canary strategy, ECS starts the new revision in a second target group of the same
stack that owns the ALB and moves the traffic through that stack's production listener rule.
"""

from dataclasses import dataclass

from troposphere import GetAtt, If, Ref, Select, Split, Template

from . import facts
from .contract import TemplateContract
from .controls import (
    Departure,
    alarms_without_action,
    declare_departures,
    logs_kept_less_than_a_year,
    logs_without_a_customer_key,
)
from .parts import (
    alarm_recovery,
    cluster,
    dashboard,
    deployment_strategy,
    ecs_exec,
    hardening,
    iam,
    logs,
    outputs,
    parameters,
    rules,
    scaling,
)
from .parts.alarms import NO_TARGET_GROUP, Notify, TargetGroups
from .parts.fargate import Container, PortSpec, TaskSize, cpu_architecture, memory_of, task_size
from .parts.loadbalancing import load_balancer_full_name
from .parts.parameters import Group, Input
from .parts.service import BEHIND_A_LOAD_BALANCER, fargate_service, load_balancer
from .parts.service_alarms import ServiceAlarms
from .parts.task import add_task

SUMMARY = "a Go API on Fargate behind an existing ALB target group, rolling deploys with rollback, CPU auto-scaling 1-4"

CONTAINER_NAME = "api"
# Scale out quickly when CPU climbs; scale in slowly so a short lull does not
# take away tasks that the next burst needs.
SCALE_OUT_COOLDOWN_SECONDS = 60
SCALE_IN_COOLDOWN_SECONDS = 300
ALARMS = ServiceAlarms(tier="api", title="Api", what="API", behind_load_balancer=True)

# --- Inputs, as the console shows them ----------------------------------------------

CONTAINER = Group(
    "API container",
    (
        parameters.ecr_image_uri(
            "ImageUri", "Image URI (ECR)", repository="go-api", note=" Deploying a new tag releases it."
        ),
        Input(
            "ContainerPort",
            "Container port",
            "Number",
            "Port the API listens on (passed to it as PORT). The target group and the app security group must "
            "use the same port.",
            default=8080,
            min_value=facts.FIRST_PORT,
            max_value=facts.LAST_PORT,
        ),
        task_size(TaskSize(256, 512)),
        cpu_architecture(),
    ),
)
LOAD_BALANCER_AND_NETWORK = Group(
    "Load balancer and network",
    (
        Input(
            "TargetGroupArn",
            "Target group ARN",
            "String",
            "Existing ALB target group, target type ip, already behind a listener.",
            allowed_pattern=facts.TARGET_GROUP_ARN_PATTERN,
            constraint="must be an Elastic Load Balancing target group ARN",
        ),
        Input(
            "AlbListenerArn",
            "ALB listener ARN",
            "String",
            "Listener the target group is attached to. Its ARN names the load balancer, which the target "
            "group alarms need.",
            allowed_pattern=facts.LISTENER_ARN_PATTERN,
            constraint="must be an Application Load Balancer listener ARN",
        ),
        parameters.vpc_id("VPC the tasks run in: the VPC of the target group, the app security group and the subnets."),
        Input(
            "AppSecurityGroupId",
            "App security group",
            "AWS::EC2::SecurityGroup::Id",
            "Existing group for the tasks: inbound from the ALB on the container port, outbound HTTPS for ECR "
            "and CloudWatch Logs.",
        ),
        parameters.subnet_ids("SubnetIds", "Subnets", "Subnets for the tasks, in at least two Availability Zones."),
        parameters.assign_public_ip(
            "ENABLED",
            "ENABLED for public subnets: the tasks pull from ECR through the internet gateway. DISABLED for "
            "private subnets with a NAT gateway or ECR VPC endpoints.",
        ),
        Input(
            "HealthCheckGracePeriodSeconds",
            "Health-check grace period (s)",
            "Number",
            "Seconds a new task may fail load balancer health checks while it starts.",
            default=60,
            min_value=0,
            max_value=1800,
        ),
    ),
)
SCALING = Group(
    "Scaling",
    (
        Input(
            "MinTasks",
            "Minimum tasks",
            "Number",
            "Tasks at creation, and the fewest auto-scaling keeps. (The service has no fixed desired count: "
            "a release would reset it and undo scaling.)",
            default=1,
            min_value=1,
            max_value=100,
        ),
        Input(
            "MaxTasks",
            "Maximum tasks",
            "Number",
            "Auto-scaling never goes above this.",
            default=4,
            min_value=1,
            max_value=100,
        ),
        Input(
            "CpuTargetPercent",
            "CPU target (%)",
            "Number",
            "Average CPU utilisation auto-scaling keeps the service near.",
            default=70,
            min_value=10,
            max_value=90,
        ),
    ),
)
# A Go server needs no more than a writable temporary directory: read-only by default.
HARDENING = Group(
    "Container hardening",
    (hardening.container_user(), hardening.read_only_root("true"), hardening.writable_path()),
)
DEPLOYMENT = Group(
    "Deployment strategy",
    (
        *deployment_strategy.inputs(),
        Input(
            "AlternateTargetGroupArn",
            "Alternate target group ARN",
            "String",
            "BLUE_GREEN, LINEAR, CANARY: a second target group (type ip, same VPC and port) attached to the same "
            "load balancer, where ECS starts each new revision. Given with ROLLING, it readies the service for a "
            "switch (the first of the two updates ECS asks for).",
            default="",
            allowed_pattern=facts.OPTIONAL_TARGET_GROUP_ARN_PATTERN,
            constraint="must be empty or an Elastic Load Balancing target group ARN",
        ),
        Input(
            "ProductionListenerRuleArn",
            "Production listener rule ARN",
            "String",
            "BLUE_GREEN, LINEAR, CANARY: the listener rule that forwards the API's traffic; ECS moves it between "
            "the two target groups by their weights.",
            default="",
            allowed_pattern=facts.OPTIONAL_LISTENER_RULE_ARN_PATTERN,
            constraint="must be empty or an Application Load Balancer listener rule ARN",
        ),
    ),
)
INPUTS = [
    CONTAINER,
    HARDENING,
    LOAD_BALANCER_AND_NETWORK,
    SCALING,
    DEPLOYMENT,
    *parameters.cluster_and_logging(retention_days=30),
    parameters.alarms_group(),
    Group("Debugging", (ecs_exec.enable_execute_command(),)),
]


@dataclass(frozen=True)
class Options:
    """go-api has no build options: its parameters and params/go-api.*.json cover every choice."""


# --- The template ----------------------------------------------------------------------


def build(options: Options = Options()) -> Template:
    template = Template(Description="Go API on Fargate behind an existing ALB target group, with CPU auto-scaling")
    inputs = parameters.declare(template, INPUTS)
    # Checked before anything is created: tasks in subnets of another VPC than their
    # security group fail only when ECS starts them, minutes into the deploy. A rule can
    # read a subnet's VPC but not a security group's, so the group is checked by
    # `make preflight` (templates/parts/rules.py says why).
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/rules-section-structure.html
    rules.add(template, "SubnetsInTheVpc", rules.subnets_in_vpc(inputs["SubnetIds"], inputs["VpcId"]))
    _add_strategy_rule(template, inputs)
    strategy = deployment_strategy.Strategy.add(template, inputs)
    notify = Notify(inputs["AlarmTopicArn"], parameters.when_given(template, inputs["AlarmTopicArn"]))
    targets = _target_groups(inputs)
    # The alarms that roll a release back, created before the service: they exist when its first release starts.
    target_alarms = ALARMS.add_target_alarms(template, targets, notify)
    given = deployment_strategy.add_given_condition(
        template, inputs["AlternateTargetGroupArn"], inputs["ProductionListenerRuleArn"]
    )
    role = template.add_resource(deployment_strategy.infrastructure_role("LoadBalancerRole", given))
    cluster_choice = cluster.ClusterChoice(template, inputs["ExistingClusterName"])
    log_group = logs.stack_log_group(template, inputs)
    execute_command = ecs_exec.add_condition(template, inputs[ecs_exec.PARAMETER])
    task = _add_task(template, inputs, log_group, execute_command)
    service = template.add_resource(
        fargate_service(
            "Service",
            cluster=cluster_choice.name,
            task_definition=task,
            subnets=inputs["SubnetIds"],
            security_groups=[Ref(inputs["AppSecurityGroupId"])],
            assign_public_ip=inputs["AssignPublicIp"],
            # A new task joins the target group and passes its checks before an old one leaves
            # (the specification's FR-008: 100/200).
            rollout=BEHIND_A_LOAD_BALANCER,
            load_balancers=[_load_balancer(inputs, strategy, role)],
            health_check_grace_seconds=inputs["HealthCheckGracePeriodSeconds"],
            execute_command=execute_command,
            deployment_alarms=ALARMS.rollback_names(),
            strategy=strategy.deployment_settings(),
            depends_on=target_alarms,
        )
    )
    ALARMS.add_no_healthy_target_alarm(template, targets, notify, service)
    ALARMS.add_task_alarms(template, service=service, cluster_name=cluster_choice.name, notify=notify)
    alarm_recovery.add(template, notify, inputs["AlarmTopicKmsKeyArn"])
    _add_dashboard(template, inputs, service, targets, cluster_choice.name)
    _add_scaling(template, inputs, cluster_choice.name, service)
    outputs.service(template, what="API", cluster_name=cluster_choice.name, service=service, task_definition=task)
    outputs.export(template, "LogGroupName", Ref(log_group), "CloudWatch Logs group of the API")
    declare_departures(template, [alarms_without_action(template), *departures(log_group, task, service)])
    return template


def _target_groups(inputs: dict) -> TargetGroups:
    """The service's target groups as its alarms and dashboard name them."""
    alternate = _target_group_dimension(inputs["AlternateTargetGroupArn"])
    return TargetGroups(
        primary=_target_group_dimension(inputs["TargetGroupArn"]),
        load_balancer=load_balancer_full_name(inputs["AlbListenerArn"]),
        alternate=alternate,
        alternate_condition=deployment_strategy.TRAFFIC_SHIFT,
        # Under ROLLING the ARN is empty, with no sixth part to select: the dashboard, which names
        # the group whatever the strategy, reads a name no group has (no data) until it is given.
        alternate_shown=If(deployment_strategy.TRAFFIC_SHIFT, alternate, NO_TARGET_GROUP),
    )


def _add_task(template: Template, inputs: dict, log_group, execute_command):
    """The API's one container and its task definition."""
    image, container_port = inputs["ImageUri"], inputs["ContainerPort"]
    api = Container(
        name=CONTAINER_NAME,
        image=Ref(image),
        ports=[PortSpec("http", container_port)],
        log_group=log_group,
        stream_prefix=CONTAINER_NAME,
        environment={"PORT": Ref(container_port)},
        user=hardening.user(template, inputs["ContainerUser"]),
        read_only_root=hardening.read_only(template, inputs["ReadonlyRootFilesystem"], execute_command),
        writable_paths={hardening.SCRATCH_VOLUME: Ref(inputs["WritablePath"])},
        writable_condition=hardening.READ_ONLY_ROOT,
        memory=memory_of(inputs["TaskSize"]),
    )
    return add_task(
        template,
        api,
        size=inputs["TaskSize"],
        family=Ref("AWS::StackName"),
        repositories=[iam.ecr_repository_arn(Ref(image))],  # the image's own repository only
        # The API calls no AWS API: its task role grants nothing but, when turned on, ECS Exec's channels.
        execute_command=execute_command,
        architecture=inputs["CpuArchitecture"],
    )


def _load_balancer(inputs: dict, strategy: deployment_strategy.Strategy, role):
    """The first target group, and the alternate one with the rule ECS rewrites when not ROLLING."""
    return load_balancer(
        inputs["TargetGroupArn"],
        container_name=CONTAINER_NAME,
        container_port=inputs["ContainerPort"],
        advanced=strategy.advanced_configuration(
            alternate_target_group=Ref(inputs["AlternateTargetGroupArn"]),
            production_listener_rule=Ref(inputs["ProductionListenerRuleArn"]),
            role=role,
            condition=deployment_strategy.ADVANCED_GIVEN,
        ),
    )


def _add_dashboard(template: Template, inputs: dict, service, targets: TargetGroups, cluster_name) -> None:
    parameters.when_true(template, inputs[dashboard.PARAMETER], dashboard.CONDITION)
    template.add_resource(
        dashboard.dashboard(
            "Dashboard",
            panels=[dashboard.Panel("Api", GetAtt(service, "Name"), targets)],
            cluster_name=cluster_name,
            alarm_names=ALARMS.names(),
        )
    )


def departures(log_group, task, service) -> list[Departure]:
    """The controls the defaults do not meet (docs/controls.md)."""
    return [
        Departure(
            "CT.ECS.PR.3",
            (task.title,),
            "The container runs as the image's own USER: the template cannot know which user your image expects.",
            "ContainerUser=<a user other than root, e.g. 65532>",
        ),
        Departure(
            "CT.ECS.PR.9",
            (service.title,),
            "Tasks get public IPs by default, to reach ECR from public subnets without a NAT gateway.",
            "AssignPublicIp=DISABLED in private subnets with a NAT gateway or VPC endpoints",
        ),
        logs_kept_less_than_a_year(
            (log_group.title,), "30 days of logs by default: a year costs twelve times the storage."
        ),
        logs_without_a_customer_key((log_group.title,)),
    ]


def _target_group_dimension(arn_parameter):
    """``targetgroup/<name>/<id>``, the CloudWatch dimension, cut from a target group ARN."""
    return Select(5, Split(":", Ref(arn_parameter)))


def _add_strategy_rule(template: Template, inputs: dict) -> None:
    """A traffic-shifting strategy without its second target group or rule fails only when
    ECS starts the deployment: refuse it before anything is created."""
    alternate, rule = inputs["AlternateTargetGroupArn"], inputs["ProductionListenerRuleArn"]
    rules.add(
        template,
        "TrafficShiftingNeedsTwoTargetGroupsAndTheRule",
        rules.given(
            alternate,
            "BLUE_GREEN, LINEAR and CANARY need AlternateTargetGroupArn: a second target group "
            "(type ip, same VPC and port) attached to the same load balancer",
        ),
        rules.given(
            rule,
            "BLUE_GREEN, LINEAR and CANARY need ProductionListenerRuleArn: the listener rule that "
            "forwards the API's traffic to TargetGroupArn",
        ),
        when={"Fn::Not": [rules.equals(inputs[deployment_strategy.PARAMETER], deployment_strategy.ROLLING)]},
    )
    # Given under ROLLING too (the first of the two updates of a switch), the alternate group
    # goes into the service's advanced configuration, where ECS needs another group than the first.
    rules.add(
        template,
        "AlternateTargetGroupIsAnotherGroup",
        rules.differs(
            alternate,
            inputs["TargetGroupArn"],
            "AlternateTargetGroupArn must be another target group than TargetGroupArn",
        ),
        when={"Fn::Not": [rules.equals(alternate, "")]},
    )


def _add_scaling(template: Template, inputs: dict, cluster_name, service) -> None:
    """CPU target tracking between the minimum and maximum task counts."""
    target = template.add_resource(
        scaling.scalable_target(
            "ScalableTarget",
            cluster_name=cluster_name,
            service=service,
            minimum=inputs["MinTasks"],
            maximum=inputs["MaxTasks"],
        )
    )
    template.add_resource(
        scaling.target_tracking(
            "CpuScaling",
            target=target,
            metric=scaling.CPU,
            target_percent=inputs["CpuTargetPercent"],
            scale_out_cooldown=SCALE_OUT_COOLDOWN_SECONDS,
            scale_in_cooldown=SCALE_IN_COOLDOWN_SECONDS,
        )
    )


# Commercial regions with Fargate, Fargate Spot and ECR in every one (facts.GO_API_REGIONS).
TEMPLATE = TemplateContract("go-api", SUMMARY, facts.GO_API_REGIONS, Options, build)
