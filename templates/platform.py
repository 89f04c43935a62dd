"""platform: a BFF behind the public ALB and an AgentCore backend, on one cluster.

The network, storage and security stacks already exist; this one is the compute
tier. Traffic flows one way through tiered security groups:

    internet -> ALB (existing) -> listener rule -> BFF :3000    (PrivateApp subnets)
                                                    |
                                 agentcore.<namespace>:8080      (Cloud Map private DNS)
                                                    v
                                               AgentCore :8080 (PrivateAgent subnets)
    both -> VPC endpoints :443 (Bedrock, SSM, ECR, Logs), S3 prefix list :443, RDS :5432

Tasks run 70 % on Fargate and 30 % on Fargate Spot, sized per environment.
"""

from dataclasses import dataclass, field

from troposphere import FindInMap, GetAtt, Ref, Sub, Template

from .parts import alarms, cluster, discovery, iam, loadbalancing, logs, network, outputs, parameters, scaling
from .parts.fargate import Container, PortSpec, TaskSize
from .parts.service import Rollout, fargate_service, load_balancer
from .parts.task import add_task
from .regions import COMMERCIAL

REGIONS = COMMERCIAL

SUMMARY = (
    "a BFF behind an ALB and an AgentCore backend via Cloud Map on one cluster, "
    "70/30 Fargate/Spot, per-environment sizes"
)

ENVIRONMENT_SIZES = {
    "dev": TaskSize(512, 1024),
    "test": TaskSize(1024, 2048),
    "prod": TaskSize(2048, 4096),
}
SIZES_MAPPING = "EnvironmentSizes"

# On-demand carries 70 % of the tasks, Spot 30 %. No base: at the two-task minimum
# a base of one on-demand task would leave no task on Spot and no saving.
CAPACITY_WEIGHTS = {cluster.FARGATE: 70, cluster.FARGATE_SPOT: 30}

LOG_RETENTION_DAYS = 7
MIN_TASKS, MAX_TASKS = 2, 10
CPU_TARGET_PERCENT, MEMORY_TARGET_PERCENT = 70, 80
COOLDOWN_SECONDS = 300
# Half the tasks may be replaced at once; new ones start before old ones stop.
ROLLOUT = Rollout(minimum_healthy=50, maximum=200)

POSTGRES = 5432
HTTPS = network.HTTPS

SECURITY_GROUP = "AWS::EC2::SecurityGroup::Id"


@dataclass(frozen=True)
class Options:
    """The platform has no build options: everything is a stack parameter."""


@dataclass
class Tier:
    """One service of the platform and what it needs; :func:`add_tier` builds it."""

    name: str  # lower case: DNS label, log stream prefix
    title: str  # CamelCase: logical-ID prefix
    port: int
    subnets: object
    image: object
    environment: dict = field(default_factory=dict)
    secrets: dict = field(default_factory=dict)  # variable -> parameter name under the secrets path
    task_permissions: list = field(default_factory=list)


@dataclass
class Shared:
    """What every tier of the platform plugs into."""

    vpc: object
    cluster: object
    secrets_path: object
    endpoint_group: object
    database_group: object
    s3_prefix_list: object
    environment: object
    alarm_topic: object
    alarm_condition: str
    log_kms_key: tuple


@dataclass
class Built:
    """The resources :func:`add_tier` made, for wiring tiers together."""

    security_group: object
    task_definition: object
    service: object = None


def add_tier(template: Template, tier: Tier, shared: Shared, *, load_balancers=None, registries=None, depends_on=None):
    """Log group, roles, task definition, security group, service, scaling and alarm for one tier."""
    log_group = template.add_resource(
        logs.log_group(
            f"{tier.title}LogGroup",
            name=f"/ecs/${{AWS::StackName}}/{tier.name}",
            retention_days=LOG_RETENTION_DAYS,
            kms_key=shared.log_kms_key,
        )
    )
    container = Container(
        name=tier.name,
        image=Ref(tier.image),
        ports=[PortSpec("http", tier.port)],
        log_group=log_group,
        stream_prefix=tier.name,
        environment={"AWS_REGION": Ref("AWS::Region"), "ENVIRONMENT": Ref(shared.environment), **tier.environment},
        secrets={
            variable: iam.ssm_parameter_arn(Ref(shared.secrets_path), f"/{name}")
            for variable, name in tier.secrets.items()
        },
    )
    size = (
        FindInMap(SIZES_MAPPING, Ref(shared.environment), "Cpu"),
        FindInMap(SIZES_MAPPING, Ref(shared.environment), "Memory"),
    )
    task = add_task(
        template, container, size=size, family=Sub(f"${{AWS::StackName}}-{tier.name}"),
        repositories=[iam.ecr_repository_arn(Ref(tier.image))], secrets_path=Ref(shared.secrets_path),
        permissions=tier.task_permissions, prefix=tier.title,
    )  # fmt: skip
    group = template.add_resource(
        network.security_group(
            f"{tier.title}SecurityGroup",
            description=f"Platform {tier.name} tasks",
            vpc=shared.vpc,
            ingress=[],  # added by the caller: who may reach a tier is decided by the tier before it
            egress=[
                network.port(HTTPS, "AWS APIs through the VPC interface endpoints", group=shared.endpoint_group),
                # ECR keeps image layers in S3, reached through the gateway endpoint.
                network.port(HTTPS, "Image layers from S3 (gateway endpoint)", prefix_list=shared.s3_prefix_list),
                network.port(POSTGRES, "PostgreSQL on RDS", group=shared.database_group),
            ],
        )
    )
    # The endpoint and database groups belong to other stacks; open them to this tier
    # here, so the rules live and die with the tier that needs them.
    template.add_resource(
        network.ingress(
            f"EndpointsFrom{tier.title}",
            shared.endpoint_group,
            network.port(HTTPS, f"AWS APIs for {tier.name} tasks", group=group),
        )
    )
    template.add_resource(
        network.ingress(
            f"DatabaseFrom{tier.title}",
            shared.database_group,
            network.port(POSTGRES, f"PostgreSQL for {tier.name} tasks", group=group),
        )
    )
    service = template.add_resource(
        fargate_service(
            f"{tier.title}Service",
            cluster=Ref(shared.cluster),
            task_definition=task,
            subnets=tier.subnets,
            security_groups=[GetAtt(group, "GroupId")],
            assign_public_ip="DISABLED",
            rollout=ROLLOUT,
            capacity_strategy=cluster.strategy(CAPACITY_WEIGHTS),
            load_balancers=load_balancers,
            health_check_grace_seconds=60 if load_balancers else None,
            registries=registries,
            depends_on=depends_on,
        )
    )
    target = template.add_resource(
        scaling.scalable_target(
            f"{tier.title}ScalableTarget",
            cluster_name=Ref(shared.cluster),
            service=service,
            minimum=MIN_TASKS,
            maximum=MAX_TASKS,
        )
    )
    for metric, percent, suffix in (
        (scaling.CPU, CPU_TARGET_PERCENT, "Cpu"),
        (scaling.MEMORY, MEMORY_TARGET_PERCENT, "Memory"),
    ):
        template.add_resource(
            scaling.target_tracking(
                f"{tier.title}{suffix}Scaling", target=target, metric=metric, target_percent=percent,
                scale_out_cooldown=COOLDOWN_SECONDS, scale_in_cooldown=COOLDOWN_SECONDS,
            )
        )  # fmt: skip
    template.add_resource(
        alarms.tasks_below_desired(
            f"{tier.title}TasksBelowDesired",
            cluster_name=Ref(shared.cluster),
            service_name=GetAtt(service, "Name"),
            description=f"{tier.name}: fewer tasks running than desired for 5 minutes",
            topic=shared.alarm_topic,
            topic_condition=shared.alarm_condition,
        )
    )
    return Built(security_group=group, task_definition=task, service=service)


def build(options: Options = Options()) -> Template:
    return assemble(backends=1)


def backend_names(index: int) -> tuple[str, str]:
    """DNS label and logical-ID prefix of the index-th AgentCore-like backend (1-based)."""
    suffix = "" if index == 1 else str(index)
    return f"agentcore{suffix}", f"AgentCore{suffix}"


def assemble(backends: int) -> Template:
    """The platform with ``backends`` AgentCore-like services behind the BFF.

    The platform itself has one; more show how the template grows (see bench/).
    """
    template = Template(
        Description="Platform compute: BFF behind the ALB and AgentCore via Cloud Map, on Fargate and Fargate Spot"
    )
    template.add_mapping(
        SIZES_MAPPING,
        {name: {"Cpu": str(size.cpu), "Memory": str(size.memory)} for name, size in ENVIRONMENT_SIZES.items()},
    )

    environment = parameters.add(
        template, "Environment", group="Environment", label="Environment",
        Type="String", Default="dev", AllowedValues=list(ENVIRONMENT_SIZES),
        Description="Sets the task size: dev 0.5 vCPU / 1 GB, test 1 vCPU / 2 GB, prod 2 vCPU / 4 GB.",
    )  # fmt: skip

    network_group = "Network (from the network stack)"
    vpc = parameters.vpc(template, network_group)
    app_subnets = parameters.subnets(
        template, "PrivateAppSubnetIds", group=network_group, label="PrivateApp subnets (BFF)",
        description="Private subnets for the BFF tasks, one per Availability Zone (at least two).",
    )  # fmt: skip
    agent_subnets = parameters.subnets(
        template, "PrivateAgentSubnetIds", group=network_group, label="PrivateAgent subnets (AgentCore)",
        description="Private subnets for the AgentCore tasks, one per Availability Zone (at least two).",
    )  # fmt: skip
    listener = parameters.add(
        template, "AlbListenerArn", group=network_group, label="ALB listener ARN",
        Type="String",
        AllowedPattern=r"^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener/app/[A-Za-z0-9-]+/[a-f0-9]+/[a-f0-9]+$",
        Description="Listener of the public ALB (usually HTTPS :443) that the BFF rule is added to.",
        ConstraintDescription="must be an Application Load Balancer listener ARN",
    )  # fmt: skip
    alb_group = parameters.add(
        template, "AlbSecurityGroupId", group=network_group, label="ALB security group",
        Type=SECURITY_GROUP, Description="Security group of the public ALB; the only source the BFF accepts.",
    )  # fmt: skip
    endpoint_group = parameters.add(
        template, "VpcEndpointSecurityGroupId", group=network_group, label="VPC endpoint security group",
        Type=SECURITY_GROUP,
        Description="Security group of the interface endpoints (Bedrock, SSM, ECR, CloudWatch Logs). "
        "This stack adds HTTPS ingress from both tiers to it.",
    )  # fmt: skip
    s3_prefix_list = parameters.add(
        template, "S3PrefixListId", group=network_group, label="S3 prefix list",
        Type="String", AllowedPattern=r"^pl-[a-f0-9]{8,17}$",
        Description="Prefix list of the S3 gateway endpoint (pl-...); ECR serves image layers from S3. "
        "Find it with: aws ec2 describe-prefix-lists --filters Name=prefix-list-name,Values=com.amazonaws.<region>.s3",
        ConstraintDescription="must be a prefix list ID such as pl-63a5400a",
    )  # fmt: skip

    routing_group = "BFF routing on the ALB"
    priority = parameters.add(
        template, "ListenerRulePriority", group=routing_group, label="Listener rule priority",
        Type="Number", Default=100, MinValue=1, MaxValue=50000,
        Description="Priority of the BFF rule on the listener; unique per listener, lower wins.",
    )  # fmt: skip
    path_pattern = parameters.add(
        template, "PathPattern", group=routing_group, label="Path pattern",
        Type="String", Default="/*", AllowedPattern=r"^/[A-Za-z0-9_./*?~+%@:-]*$",
        Description="Requests whose path matches go to the BFF, e.g. /* or /app/*.",
        ConstraintDescription="must be an ALB path pattern starting with /",
    )  # fmt: skip
    host_header = parameters.add(
        template, "HostHeader", group=routing_group, label="Host header (optional)",
        Type="String", Default="", AllowedPattern=r"^([A-Za-z0-9*?.-]{1,128})?$",
        Description="Also require this host name, e.g. app.example.com. Leave empty to match any host.",
        ConstraintDescription="must be empty or a host name (wildcards * and ? allowed)",
    )  # fmt: skip

    data_group = "Images, data and secrets (from the storage and security stacks)"
    bff_image = parameters.ecr_image(
        template, "BffImageUri", group=data_group, label="BFF image (ECR)", repository="bidopsai/app"
    )
    agent_image = parameters.ecr_image(
        template, "AgentCoreImageUri", group=data_group, label="AgentCore image (ECR)", repository="bidopsai/agent"
    )
    database_group = parameters.add(
        template, "RdsSecurityGroupId", group=data_group, label="RDS security group",
        Type=SECURITY_GROUP, Description="Security group of the PostgreSQL database; this stack adds ingress "
        "on 5432 from both tiers.",
    )  # fmt: skip
    bucket = parameters.add(
        template, "KnowledgeBaseBucketName", group=data_group, label="Knowledge-base bucket",
        Type="String", AllowedPattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
        Description="Name of the S3 bucket AgentCore reads and writes knowledge-base objects in.",
        ConstraintDescription="must be an S3 bucket name",
    )  # fmt: skip
    secrets_path = parameters.add(
        template, "SecretsParameterPath", group=data_group, label="SSM secrets path",
        Type="String", AllowedPattern=r"^(/[A-Za-z0-9_.-]+)+$",
        Description="SSM Parameter Store path holding the secrets, without a trailing slash, e.g. /bidopsai/dev. "
        "Expected below it: database-url (both tiers) and session-secret (BFF).",
        ConstraintDescription="must be a path such as /bidopsai/dev (no trailing slash)",
    )  # fmt: skip

    discovery_group = "Service discovery"
    namespace_name = parameters.add(
        template, "NamespaceName", group=discovery_group, label="Private DNS namespace",
        Type="String", Default="platform.local",
        AllowedPattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$",
        Description="Domain the stack creates for AgentCore's name. Use a different one per "
        "environment in a shared VPC.",
        ConstraintDescription="must be a lower-case DNS name with a dot, such as dev.platform.local",
    )  # fmt: skip

    alarm_topic = parameters.add(
        template, "AlarmTopicArn", group="Alarms", label="SNS topic for alarms (optional)",
        Type="String", Default="", AllowedPattern=r"^(arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256})?$",
        Description="Alarm and OK notifications go to this topic. Leave empty for alarms without notifications.",
        ConstraintDescription="must be empty or an SNS topic ARN",
    )  # fmt: skip

    # --- Cluster: 70 % Fargate, 30 % Fargate Spot --------------------------------
    platform_cluster = template.add_resource(
        cluster.cluster("Cluster", capacity_strategy=cluster.strategy(CAPACITY_WEIGHTS))
    )
    shared = Shared(
        vpc=vpc,
        cluster=platform_cluster,
        secrets_path=secrets_path,
        endpoint_group=endpoint_group,
        database_group=database_group,
        s3_prefix_list=s3_prefix_list,
        environment=environment,
        alarm_topic=alarm_topic,
        alarm_condition=parameters.when_given(template, alarm_topic),
        log_kms_key=parameters.log_kms_key(template, "Logging"),
    )

    # --- AgentCore: reached by name through Cloud Map ------------------------------
    namespace = template.add_resource(
        discovery.private_namespace(
            "Namespace", name=namespace_name, vpc=vpc, description="Private names of the platform services"
        )
    )
    backend_tiers = []
    for index in range(1, backends + 1):
        name, title = backend_names(index)
        registry = template.add_resource(
            discovery.a_record_service(
                f"{title}Discovery", name=name, namespace_id=Ref(namespace), description=f"{title} task IPs"
            )
        )
        backend_tiers.append(
            add_tier(
                template,
                Tier(
                    name=name, title=title, port=8080, subnets=agent_subnets, image=agent_image,
                    environment={"KNOWLEDGE_BASE_BUCKET": Ref(bucket)},
                    secrets={"DATABASE_URL": "database-url"},
                    task_permissions=[
                        iam.bedrock_invoke(),
                        iam.ssm_read(Ref(secrets_path), by_path=True),
                        *iam.s3_read_write_objects(Ref(bucket)),
                    ],
                ),
                shared,
                registries=[discovery.registry(registry)],
            )
        )  # fmt: skip

    # --- BFF: behind the existing listener -------------------------------------------
    target_group = template.add_resource(
        loadbalancing.ip_target_group("BffTargetGroup", vpc=vpc, port=3000, health_check_path="/api/health")
    )
    rule = template.add_resource(
        loadbalancing.listener_rule(
            "BffListenerRule", listener=listener, priority=priority, target_group=target_group,
            path_pattern=path_pattern, host_header=host_header,
            host_condition=parameters.when_given(template, host_header),
        )
    )  # fmt: skip
    bff = add_tier(
        template,
        Tier(
            name="bff", title="Bff", port=3000, subnets=app_subnets, image=bff_image,
            environment={
                f"{backend_names(index)[0].upper()}_URL": Sub(f"http://{backend_names(index)[0]}.${{NamespaceName}}:8080")
                for index in range(1, backends + 1)
            },
            secrets={"DATABASE_URL": "database-url", "SESSION_SECRET": "session-secret"},
            task_permissions=[iam.ssm_read(Ref(secrets_path), by_path=True)],
        ),
        shared,
        load_balancers=[load_balancer(target_group, container_name="bff", container_port=3000)],
        # The target group only has a load balancer once the rule exists; a service
        # created before it fails ("target group does not have an associated load balancer").
        depends_on=[rule],
    )  # fmt: skip

    # --- Tiered security groups ------------------------------------------------------
    template.add_resource(
        network.ingress(
            "BffFromAlb", bff.security_group, network.port(3000, "HTTP from the public ALB", group=alb_group)
        )
    )
    template.add_resource(
        network.egress("AlbToBff", alb_group, network.port(3000, "ALB to BFF tasks", group=bff.security_group))
    )
    for index, backend in enumerate(backend_tiers, start=1):
        _, title = backend_names(index)
        template.add_resource(
            network.ingress(
                f"{title}FromBff",
                backend.security_group,
                network.port(8080, "HTTP from the BFF", group=bff.security_group),
            )
        )
        template.add_resource(
            network.egress(
                f"BffTo{title}", bff.security_group, network.port(8080, f"BFF to {title}", group=backend.security_group)
            )
        )

    # --- Alarms beyond the per-service ones ----------------------------------------
    template.add_resource(
        alarms.unhealthy_targets(
            "BffUnhealthyTargets", target_group=target_group,
            load_balancer_full_name=loadbalancing.load_balancer_full_name(listener),
            description="BFF: a target failing the /api/health check for 3 minutes",
            topic=alarm_topic, topic_condition=shared.alarm_condition,
        )
    )  # fmt: skip

    # --- Outputs -----------------------------------------------------------------------
    outputs.export(template, "ClusterArn", GetAtt(platform_cluster, "Arn"), "ECS cluster ARN")
    outputs.export(template, "ClusterName", Ref(platform_cluster), "ECS cluster name")
    outputs.export(template, "BffServiceArn", Ref(bff.service), "BFF ECS service ARN")
    outputs.export(template, "BffTaskDefinitionArn", Ref(bff.task_definition), "BFF task definition ARN")
    outputs.export(template, "NamespaceId", Ref(namespace), "Cloud Map namespace ID")
    outputs.export(template, "NamespaceName", Ref(namespace_name), "Cloud Map namespace name")
    outputs.export(template, "BffSecurityGroupId", GetAtt(bff.security_group, "GroupId"), "BFF task security group")
    for index, backend in enumerate(backend_tiers, start=1):
        name, title = backend_names(index)
        outputs.export(template, f"{title}ServiceArn", Ref(backend.service), f"{title} ECS service ARN")
        outputs.export(
            template, f"{title}TaskDefinitionArn", Ref(backend.task_definition), f"{title} task definition ARN"
        )
        outputs.export(
            template, f"{title}Url", Sub(f"http://{name}.${{NamespaceName}}:8080"), f"{title} URL in the VPC"
        )
        outputs.export(
            template,
            f"{title}SecurityGroupId",
            GetAtt(backend.security_group, "GroupId"),
            f"{title} task security group",
        )
    outputs.export(template, "BffTargetGroupArn", Ref(target_group), "BFF target group ARN")
    return template
