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

from troposphere import FindInMap, GetAtt, If, NoValue, Ref, Select, Split, Sub, Template, ecs

from . import facts, timings
from .contract import TemplateContract
from .controls import (
    Departure,
    alarms_without_action,
    declare_departures,
    logs_kept_less_than_a_year,
    logs_without_a_customer_key,
    resources_of_type,
)
from .parts import (
    bucket_kms,
    cluster,
    dashboard,
    deployment_strategy,
    discovery,
    ecs_exec,
    hardening,
    iam,
    loadbalancing,
    logs,
    network,
    outputs,
    parameters,
    rules,
    scaling,
    ssm_secrets,
)
from .parts.alarms import Notify, TargetGroups, target_group_dimension
from .parts.fargate import Container, PortSpec, TaskSize, cpu_architecture
from .parts.parameters import Group, Input
from .parts.service import FOUND_BY_DNS, Rollout, fargate_service, load_balancer
from .parts.service_alarms import ServiceAlarms, Thresholds
from .parts.task import add_task

SUMMARY = (
    "a BFF behind an ALB and an AgentCore backend via Cloud Map on one cluster, "
    "70/30 Fargate/Spot, per-environment sizes"
)


@dataclass(frozen=True)
class Tier:
    """One service of the platform: its name, port and inputs are written here once."""

    name: str  # lower case: DNS label, log stream prefix, container name
    title: str  # CamelCase: logical-ID prefix, descriptions
    port: int
    subnets: str  # name of its subnets input
    image: str  # name of its image input
    secrets: dict = field(default_factory=dict)  # variable -> parameter name under the secrets path
    # The application sends its own logs to CloudWatch Logs (besides stdout, which ECS ships):
    # its task role may write to the tier's log group.
    writes_own_logs: bool = False
    health_path: str | None = None  # what its container health check asks for, when it has one
    behind_load_balancer: bool = False

    @property
    def alarms(self) -> ServiceAlarms:
        return ServiceAlarms(self.name, self.title, self.title, self.behind_load_balancer, THRESHOLDS)

    def url(self) -> Sub:
        """Its address inside the VPC, through the Cloud Map namespace."""
        return Sub(f"http://{self.name}.${{NamespaceName}}:{self.port}")


BFF = Tier(
    "bff",
    "Bff",
    3000,
    subnets="PrivateAppSubnetIds",
    image="BffImageUri",
    # The API key is the shared one the BFF presents to AgentCore.
    secrets={
        "DATABASE_URL": "database-url",
        "SESSION_SECRET": "session-secret",
        "AGENTCORE_API_KEY": "agentcore-api-key",
    },
    writes_own_logs=True,
    behind_load_balancer=True,
)
AGENTCORE = Tier(
    "agentcore",
    "AgentCore",
    8080,
    subnets="PrivateAgentSubnetIds",
    image="AgentCoreImageUri",
    # The API key checks the BFF's requests.
    secrets={"DATABASE_URL": "database-url", "AGENTCORE_API_KEY": "agentcore-api-key"},
    health_path="/health",
)
TIERS = (BFF, AGENTCORE)
# The optional customer-managed key of the knowledge-base bucket (AgentCore's task role uses it).
KNOWLEDGE_BASE_KEY = "KnowledgeBaseKmsKeyArn"
BFF_HEALTH_CHECK_PATH = "/api/health"

ENVIRONMENT_SIZES = {
    "dev": TaskSize(512, 1024),
    "test": TaskSize(1024, 2048),
    "prod": TaskSize(2048, 4096),
}
SIZES_MAPPING = "EnvironmentSizes"

# The specification's split: on demand 70, Spot 30 (FR-004, FR-005), as parameter defaults.
# One task of each service always runs on demand (the base), so a Spot interruption never
# takes both tasks of a service at its minimum; the second one is placed by the weights.
ON_DEMAND_WEIGHT, SPOT_WEIGHT, ON_DEMAND_BASE_TASKS = 70, 30, 1
# Fargate Spot sends SIGTERM two minutes before it reclaims a task: containers that may run
# there get Fargate's longest stop timeout, so they can finish within the warning.
# https://repost.aws/knowledge-center/fargate-spot-termination-notice
SPOT_STOP_TIMEOUT_SECONDS = timings.MAX_STOP_TIMEOUT.value

LOG_RETENTION_DAYS = 7  # the default of LogRetentionDays
MIN_TASKS, MAX_TASKS = 2, 10
CPU_TARGET_PERCENT, MEMORY_TARGET_PERCENT = 70, 80
COOLDOWN_SECONDS = 300
# The BFF is behind the load balancer, which sends it traffic only once a new task is
# healthy: the specification's 50/200 (FR-024) keeps at least one task answering.
BFF_ROLLOUT = Rollout(minimum_healthy=50, maximum=200)
# AgentCore is found by DNS only; FR-024's 50/200 can stop its old tasks before Cloud Map
# answers with the new ones (about 30 s, github.com/aws/containers-roadmap/issues/830).
# It stays a choice of the AgentCoreRollout parameter; the default is the DNS-safe one.
AGENTCORE_ROLLOUTS = {"100-150": FOUND_BY_DNS, "50-200": BFF_ROLLOUT}
AGENTCORE_ROLLOUT_DEFAULT = "100-150"
# A deployment or a Spot interruption dips the running count briefly; this long rules those out.
TASKS_BELOW_DESIRED_MINUTES = 5
UNHEALTHY_TARGET_MINUTES = 3
# Long enough to pass over one failed health check of the only task; short next to an outage.
NO_HEALTHY_TARGET_MINUTES = 2
THRESHOLDS = Thresholds(
    tasks_below_desired_minutes=TASKS_BELOW_DESIRED_MINUTES,
    unhealthy_target_minutes=UNHEALTHY_TARGET_MINUTES,
    no_healthy_target_minutes=NO_HEALTHY_TARGET_MINUTES,
)
# Seconds a task behind the load balancer may fail health checks while it starts.
HEALTH_CHECK_GRACE_SECONDS = 60

POSTGRES = 5432
HTTPS = network.HTTPS

SECURITY_GROUP = "AWS::EC2::SecurityGroup::Id"

# A path pattern that matches every request: on a shared listener it takes the traffic
# of every rule with a higher priority number (lower precedence).
CATCH_ALL_PATHS = ("/*", "/**")

# The container health check of a tier that has one (ECS HealthCheck, seconds).
# https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html
CONTAINER_HEALTH = {"Interval": 30, "Timeout": 5, "Retries": 3, "StartPeriod": 60}


def health_check_command(tier: Tier) -> str:
    """The default CMD-SHELL health check of ``tier``: its health path on its own port."""
    return f"curl -f http://localhost:{tier.port}{tier.health_path} || exit 1"


def health_check_input(tier: Tier) -> str:
    return f"{tier.title}HealthCheckCommand"


def secret_readers() -> dict[tuple[str, str], list[str]]:
    """(variable, SSM parameter name below the secrets path) -> the containers that get it, in tier order."""
    readers: dict[tuple[str, str], list[str]] = {}
    for tier in TIERS:
        for variable, name in tier.secrets.items():
            readers.setdefault((variable, name), []).append(tier.name)
    return readers


def _secrets_sentence() -> str:
    listed = ", ".join(f"{name} ({' and '.join(tiers)})" for (_, name), tiers in secret_readers().items())
    return f"Expected below it: {listed}."


def _sizes_sentence() -> str:
    def vcpu(size: TaskSize) -> str:
        return f"{size.cpu / 1024:g} vCPU / {size.memory / 1024:g} GB"

    return "Sets the task size: " + ", ".join(f"{name} {vcpu(size)}" for name, size in ENVIRONMENT_SIZES.items()) + "."


# --- Inputs, as the console shows them ----------------------------------------------

NETWORK = Group(
    "Network (from the network stack)",
    (
        parameters.vpc_id(),
        parameters.subnet_ids(
            BFF.subnets,
            "PrivateApp subnets (BFF)",
            "Private subnets for the BFF tasks, one per Availability Zone (at least two).",
        ),
        parameters.subnet_ids(
            AGENTCORE.subnets,
            "PrivateAgent subnets (AgentCore)",
            "Private subnets for the AgentCore tasks, one per Availability Zone (at least two).",
        ),
        Input(
            "AlbListenerArn",
            "ALB listener ARN",
            "String",
            "Listener of the public ALB (usually HTTPS :443) that the BFF rule is added to.",
            allowed_pattern=facts.LISTENER_ARN_PATTERN,
            constraint="must be an Application Load Balancer listener ARN",
        ),
        Input(
            "AlbSecurityGroupId",
            "ALB security group",
            SECURITY_GROUP,
            "Security group of the public ALB; the only source the BFF accepts. Its outbound rules must let the "
            f"ALB reach the BFF tasks on TCP {BFF.port} (the default allow-all egress does).",
        ),
        parameters.switch(
            "AddAlbEgressRule",
            "Add an egress rule to the ALB group",
            f"true adds an outbound rule (to the BFF tasks on TCP {BFF.port}) to the ALB's security group. That group "
            "belongs to another stack, so the rule is outside that stack's control: its next update of the group's "
            "egress rules can remove it, or the two stacks keep undoing each other's changes; and deleting this "
            "stack removes a rule other targets may have come to rely on. Off by default: the ALB group's owner "
            f"should allow egress to the BFF security group (output BffSecurityGroupId) on TCP {BFF.port}.",
        ),
        Input(
            "VpcEndpointSecurityGroupId",
            "VPC endpoint security group",
            SECURITY_GROUP,
            "Security group of the interface endpoints (Bedrock, SSM, ECR, CloudWatch Logs). "
            "This stack adds HTTPS ingress from both tiers to it.",
        ),
        Input(
            "S3PrefixListId",
            "S3 prefix list",
            "String",
            "Prefix list of the S3 gateway endpoint (pl-...); ECR serves image layers from S3. Find it with: "
            "aws ec2 describe-prefix-lists --filters Name=prefix-list-name,Values=com.amazonaws.<region>.s3",
            allowed_pattern=facts.PREFIX_LIST_ID_PATTERN,
            constraint="must be a prefix list ID such as pl-63a5400a",
        ),
    ),
)
ROUTING = Group(
    "BFF routing on the ALB",
    (
        Input(
            "ListenerRulePriority",
            "Listener rule priority",
            "Number",
            "Priority of the BFF rule on the listener; unique per listener, lower wins.",
            default=100,
            min_value=1,
            max_value=50000,
        ),
        Input(
            "PathPattern",
            "Path pattern",
            "String",
            "Requests whose path matches go to the BFF, e.g. /app/*. A catch-all (/*) is refused unless a host "
            "header is given or AllowCatchAllPath is true: on a shared listener it would take other applications' "
            "traffic.",
            allowed_pattern=facts.ALB_PATH_PATTERN,
            constraint="must start with / and be at most 128 characters from A-Z a-z 0-9 _ - . $ / ~ \" ' @ : + & "
            "and the wildcards * ? (no %)",
        ),
        Input(
            "HostHeader",
            "Host header (optional)",
            "String",
            "Also require this host name, e.g. app.example.com. Leave empty to match any host.",
            default="",
            allowed_pattern=facts.OPTIONAL_HOST_HEADER_PATTERN,
            constraint="must be empty or a host name of at most 128 characters from A-Z a-z 0-9 - _ . and the "
            "wildcards * ?, with at least one dot and only letters after the last dot, such as app.example.com",
        ),
        parameters.switch(
            "AllowCatchAllPath",
            "Allow a catch-all path without a host",
            "true lets PathPattern be /* with no host header: every request on the listener that no rule of lower "
            "priority number takes goes to the BFF. Only for a listener that serves the BFF alone.",
        ),
    ),
)
DATA = Group(
    "Images, data and secrets (from the storage and security stacks)",
    (
        parameters.ecr_image_uri(BFF.image, "BFF image (ECR)", repository="bidopsai/app"),
        parameters.ecr_image_uri(AGENTCORE.image, "AgentCore image (ECR)", repository="bidopsai/agent"),
        cpu_architecture(),
        Input(
            "RdsSecurityGroupId",
            "RDS security group",
            SECURITY_GROUP,
            f"Security group of the PostgreSQL database; this stack adds ingress on {POSTGRES} from both tiers.",
        ),
        Input(
            "KnowledgeBaseBucketName",
            "Knowledge-base bucket",
            "String",
            "Name of the S3 bucket AgentCore reads and writes knowledge-base objects in.",
            allowed_pattern=facts.BUCKET_NAME_PATTERN,
            constraint="must be an S3 bucket name",
        ),
        bucket_kms.kms_key_arn(KNOWLEDGE_BASE_KEY, "KMS key of the knowledge-base bucket (optional)", "the bucket"),
        Input(
            "SecretsParameterPath",
            "SSM secrets path",
            "String",
            "SSM Parameter Store path holding the secrets, without a trailing slash, e.g. /bidopsai/dev. "
            + _secrets_sentence(),
            allowed_pattern=facts.SSM_PATH_PATTERN,
            constraint="must be a path such as /bidopsai/dev (no trailing slash)",
        ),
        ssm_secrets.kms_key_arn(),
    ),
)
DISCOVERY = Group(
    "Service discovery",
    (
        Input(
            "NamespaceName",
            "Private DNS namespace",
            "String",
            "Domain the stack creates for AgentCore's name. Use a different one per environment in a shared VPC.",
            default="platform.local",
            allowed_pattern=facts.DOTTED_DNS_NAME_PATTERN,
            constraint="must be a lower-case DNS name with a dot, such as dev.platform.local",
        ),
        Input(
            "AgentCoreRollout",
            "AgentCore rolling update (minimum-maximum %)",
            "String",
            "How ECS replaces AgentCore tasks in a release, as minimum healthy %-maximum %. 100-150 adds new tasks "
            "half as many at a time and keeps the old ones until they are healthy, so the name always has a "
            "registered, healthy task while Cloud Map takes about 30 s to add a new one. 50-200 (the specification's "
            "FR-024) may stop old tasks before the new ones are in DNS: about 30 s with no healthy address.",
            default=AGENTCORE_ROLLOUT_DEFAULT,
            allowed_values=tuple(AGENTCORE_ROLLOUTS),
        ),
    ),
)
HEALTH = Group(
    "Health checks",
    (
        Input(
            health_check_input(AGENTCORE),
            "AgentCore container health check",
            "String",
            "Shell command ECS runs in the AgentCore container every "
            f"{CONTAINER_HEALTH['Interval']} s; exit 0 means healthy. Cloud Map then answers only with tasks that "
            "pass, and the deployment circuit breaker sees a task that hangs. The image must contain the command "
            "(curl here). Leave empty for no container health check.",
            default=health_check_command(AGENTCORE),
            allowed_pattern=r"^[^\n]{0,1024}$",
            constraint="must be one line of at most 1024 characters",
        ),
    ),
)
# ECS's deployment strategies for the BFF, the tier behind the ALB (AgentCore rolls).
DEPLOYMENT = Group("BFF deployment strategy", deployment_strategy.inputs())
INPUTS = [
    Group(
        "Environment",
        (
            Input(
                "Environment",
                "Environment",
                "String",
                _sizes_sentence(),
                default="dev",
                allowed_values=tuple(ENVIRONMENT_SIZES),
            ),
        ),
    ),
    NETWORK,
    ROUTING,
    DATA,
    DISCOVERY,
    cluster.spot_mix_inputs(
        on_demand_weight=ON_DEMAND_WEIGHT, spot_weight=SPOT_WEIGHT, on_demand_base=ON_DEMAND_BASE_TASKS
    ),
    HEALTH,
    DEPLOYMENT,
    parameters.alarms_group(),
    # The images may write outside one temporary directory (a Node.js BFF's build cache, a Python
    # agent's caches under HOME): the root filesystem stays writable unless this says otherwise.
    Group(
        "Container hardening",
        (hardening.container_user(), hardening.read_only_root("false"), hardening.writable_path()),
    ),
    Group("Logging", (parameters.log_retention_days(LOG_RETENTION_DAYS), parameters.log_kms_key_arn())),
    Group("Debugging", (ecs_exec.enable_execute_command(),)),
]


@dataclass(frozen=True)
class Options:
    """The platform has no build options: everything is a stack parameter."""


@dataclass
class Shared:
    """What every tier of the platform plugs into: the inputs, the cluster and the namespace."""

    inputs: dict
    cluster: object
    namespace: object
    notify: Notify
    strategy: deployment_strategy.Strategy
    log_kms_key: tuple
    secrets_key_condition: str
    knowledge_base_key_condition: str
    execute_command: str
    user: object
    read_only_root: object


@dataclass
class Built:
    """The resources :func:`add_tier` made, for wiring tiers together."""

    tier: Tier
    security_group: object
    task_definition: object
    service: object


# --- The template ----------------------------------------------------------------------


def build(options: Options = Options()) -> Template:
    template = Template(
        Description="Platform compute: BFF behind the ALB and AgentCore via Cloud Map, on Fargate and Fargate Spot"
    )
    # Alarms on both target groups, the traffic-shifting strategies and the dashboard take
    # the template over the 51,200 bytes `aws cloudformation deploy` sends directly.
    template.set_metadata(
        {
            facts.DEPLOYED_FROM_S3_METADATA: "Over 51,200 bytes: deploy with aws cloudformation deploy --s3-bucket, "
            "make deploy (the prerequisites stack's template bucket, or S3_BUCKET=...), or from an S3 URL in the "
            "console (make package)."
        }
    )
    shared = add_shared(template)
    agentcore = add_backend(template, shared, AGENTCORE)
    bff, targets = add_bff(template, shared, [agentcore])
    _add_dashboard(template, shared, [(bff, targets), (agentcore, None)])
    declare_departures(template, departures(template))
    return template


def _add_dashboard(template: Template, shared: Shared, tiers: list) -> None:
    """The optional dashboard: each tier's tasks, CPU and memory (and the BFF's targets), and every alarm."""
    parameters.when_true(template, shared.inputs[dashboard.PARAMETER], dashboard.CONDITION)
    panels = [dashboard.Panel(built.tier.title, GetAtt(built.service, "Name"), targets) for built, targets in tiers]
    names = [name for built, _ in tiers for name in built.tier.alarms.names()]
    template.add_resource(
        dashboard.dashboard("Dashboard", panels=panels, cluster_name=Ref(shared.cluster), alarm_names=names)
    )


def departures(template: Template) -> list[Departure]:
    """The controls the defaults do not meet (docs/controls.md)."""

    tasks = resources_of_type(template, "AWS::ECS::TaskDefinition")
    groups = resources_of_type(template, "AWS::Logs::LogGroup")
    return [
        Departure(
            "CT.ECS.PR.3",
            tasks,
            "The containers run as their images' own USER: the template cannot know which user your images expect.",
            "ContainerUser=<a user other than root, e.g. 65532>",
        ),
        Departure(
            "CT.ECS.PR.6",
            tasks,
            "The BFF and AgentCore images may write outside one directory (build and package caches).",
            "ReadonlyRootFilesystem=true, with WritablePath where they write",
        ),
        alarms_without_action(template),
        logs_kept_less_than_a_year(groups, "7 days of logs by default, as the platform's requirements ask."),
        logs_without_a_customer_key(groups),
    ]


def add_shared(template: Template) -> Shared:
    """Inputs, the sizes mapping, the cluster (70 % Fargate, 30 % Fargate Spot) and the namespace."""
    template.add_mapping(
        SIZES_MAPPING,
        {name: {"Cpu": str(size.cpu), "Memory": str(size.memory)} for name, size in ENVIRONMENT_SIZES.items()},
    )
    inputs = parameters.declare(template, INPUTS)
    platform_cluster = template.add_resource(
        cluster.cluster("Cluster", capacity_strategy=cluster.spot_mix_strategy(inputs))
    )
    names, vpc = inputs["NamespaceName"], inputs["VpcId"]
    namespace = template.add_resource(
        discovery.private_namespace(
            "Namespace", name=names, vpc=vpc, description="Private names of the platform services"
        )
    )
    _add_input_rules(template, inputs)
    cluster.add_spot_mix_rule(template, inputs)
    return Shared(
        inputs=inputs,
        cluster=platform_cluster,
        namespace=namespace,
        notify=Notify(inputs["AlarmTopicArn"], parameters.when_given(template, inputs["AlarmTopicArn"])),
        strategy=deployment_strategy.Strategy.add(template, inputs),
        log_kms_key=parameters.log_key(template, inputs["LogKmsKeyArn"]),
        secrets_key_condition=ssm_secrets.add_condition(template, inputs[ssm_secrets.PARAMETER]),
        knowledge_base_key_condition=bucket_kms.add_condition(template, inputs[KNOWLEDGE_BASE_KEY]),
        execute_command=(execute_command := ecs_exec.add_condition(template, inputs[ecs_exec.PARAMETER])),
        user=hardening.user(template, inputs["ContainerUser"]),
        read_only_root=hardening.read_only(template, inputs["ReadonlyRootFilesystem"], execute_command),
    )


def _add_input_rules(template: Template, inputs: dict) -> None:
    """Refuse inputs that cannot work before anything is created (CloudFormation Rules).

    The security groups' VPC cannot be asserted here (a rule reads only a group's tags);
    ``make preflight`` checks it. See templates/parts/rules.py.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/rules-section-structure.html
    """
    vpc = inputs["VpcId"]
    rules.add(
        template,
        "SubnetsInTheVpc",
        rules.subnets_in_vpc(inputs[BFF.subnets], vpc),
        rules.subnets_in_vpc(inputs[AGENTCORE.subnets], vpc),
    )
    rules.add(
        template,
        "NoCatchAllPathOnASharedListener",
        rules.none_of(
            inputs["PathPattern"],
            list(CATCH_ALL_PATHS),
            "PathPattern /* sends every request on the listener to the BFF, other applications' too: give a "
            "HostHeader, a narrower path such as /app/*, or set AllowCatchAllPath to true if the listener serves "
            "the BFF alone",
        ),
        when={"Fn::And": [rules.equals(inputs["HostHeader"], ""), rules.equals(inputs["AllowCatchAllPath"], "false")]},
    )


def add_backend(template: Template, shared: Shared, tier: Tier) -> Built:
    """An AgentCore-like backend, reached by name through Cloud Map."""
    inputs = shared.inputs
    registry = template.add_resource(
        discovery.a_record_service(
            f"{tier.title}Discovery",
            name=tier.name,
            namespace_id=Ref(shared.namespace),
            description=f"{tier.title} task IPs",
        )
    )
    bucket, secrets_path = Ref(inputs["KnowledgeBaseBucketName"]), Ref(inputs["SecretsParameterPath"])
    return add_tier(
        template,
        tier,
        shared,
        environment={"KNOWLEDGE_BASE_BUCKET": bucket},
        task_permissions=[
            *iam.bedrock_models(),
            iam.bedrock_agents(),
            iam.ssm_read(secrets_path, by_path=True),
            *iam.s3_read_write_objects(bucket),
        ],
        task_policies=[
            bucket_kms.read_write_policy(
                shared.knowledge_base_key_condition, inputs[KNOWLEDGE_BASE_KEY], "knowledge-base-kms"
            )
        ],
        registries=[discovery.registry(registry)],
        rollout=_chosen_rollout(inputs["AgentCoreRollout"]),
    )


def _chosen_rollout(parameter) -> Rollout:
    """The percentages of an ``AgentCoreRollout`` value such as ``100-150``."""
    parts = Split("-", Ref(parameter))
    return Rollout(minimum_healthy=Select(0, parts), maximum=Select(1, parts))


def add_bff(template: Template, shared: Shared, backends: list[Built]) -> tuple[Built, TargetGroups]:
    """The BFF behind the existing listener, allowed to reach each backend; then the outputs.

    The rule forwards to two target groups, all the weight on the first: what blue/green,
    linear and canary deployments need, whatever the strategy of the day. Switching to one
    of them then changes nothing on the load balancer (the stack adds only the role ECS
    moves the traffic with), and a target group costs nothing.
    """
    inputs = shared.inputs
    listener = inputs["AlbListenerArn"]

    def target_group(title: str):
        return template.add_resource(
            loadbalancing.ip_target_group(
                title, vpc=inputs["VpcId"], port=BFF.port, health_check_path=BFF_HEALTH_CHECK_PATH
            )
        )

    primary = target_group(f"{BFF.title}TargetGroup")
    alternate = target_group(f"{BFF.title}AlternateTargetGroup")
    rule = template.add_resource(
        loadbalancing.listener_rule(
            f"{BFF.title}ListenerRule",
            listener=listener,
            priority=inputs["ListenerRulePriority"],
            target_group=primary,
            path_pattern=inputs["PathPattern"],
            host_header=inputs["HostHeader"],
            host_condition=parameters.when_given(template, inputs["HostHeader"]),
            alternate=alternate,
        )
    )
    targets = TargetGroups(
        primary=target_group_dimension(primary),
        load_balancer=loadbalancing.load_balancer_full_name(listener),
        alternate=target_group_dimension(alternate),
        alternate_condition=deployment_strategy.TRAFFIC_SHIFT,
    )
    role = template.add_resource(deployment_strategy.infrastructure_role(f"{BFF.title}LoadBalancerRole"))
    advanced = shared.strategy.advanced_configuration(
        alternate_target_group=Ref(alternate), production_listener_rule=Ref(rule), role=role
    )
    bff = add_tier(
        template,
        BFF,
        shared,
        environment={f"{backend.tier.name.upper()}_URL": backend.tier.url() for backend in backends},
        task_permissions=[iam.ssm_read(Ref(inputs["SecretsParameterPath"]), by_path=True)],
        rollout=BFF_ROLLOUT,
        load_balancers=[load_balancer(primary, container_name=BFF.name, container_port=BFF.port, advanced=advanced)],
        # The target group only has a load balancer once the rule exists; a service
        # created before it fails ("target group does not have an associated load balancer").
        # The alarms that roll a release back exist before the first release starts.
        depends_on=[rule, *BFF.alarms.add_target_alarms(template, targets, shared.notify)],
        strategy=shared.strategy.deployment_settings(),
    )
    BFF.alarms.add_no_healthy_target_alarm(template, targets, shared.notify, bff.service)
    # The service names the rule in its AdvancedConfiguration and also depends on it outright,
    # so that the order stays if the advanced configuration ever becomes conditional again.
    # cfn-lint calls that DependsOn redundant.
    bff.service.Metadata = {"cfn-lint": {"config": {"ignore_checks": ["W3005"]}}}
    alb_egress = parameters.when_true(template, inputs["AddAlbEgressRule"], "AddAlbEgress")
    _add_tiered_security_groups(template, inputs["AlbSecurityGroupId"], alb_egress, bff, backends)
    _add_outputs(template, shared, bff, backends, primary)
    return bff, targets


def _add_tiered_security_groups(
    template: Template, alb_group, alb_egress: str, bff: Built, backends: list[Built]
) -> None:
    """ALB -> BFF -> each backend, each hop on the next tier's port only.

    The ALB's group belongs to another stack: its egress rule exists only when
    ``alb_egress`` (the user's opt-in) holds.
    """
    front = bff.tier
    template.add_resource(
        network.ingress(
            f"{front.title}FromAlb",
            bff.security_group,
            network.port(front.port, "HTTP from the public ALB", group=alb_group),
        )
    )
    template.add_resource(
        network.egress(
            f"AlbTo{front.title}",
            alb_group,
            network.port(front.port, "ALB to BFF tasks", group=bff.security_group),
            condition=alb_egress,
        )
    )
    for backend in backends:
        tier = backend.tier
        template.add_resource(
            network.ingress(
                f"{tier.title}From{front.title}",
                backend.security_group,
                network.port(tier.port, "HTTP from the BFF", group=bff.security_group),
            )
        )
        template.add_resource(
            network.egress(
                f"{front.title}To{tier.title}",
                bff.security_group,
                network.port(tier.port, f"BFF to {tier.title}", group=backend.security_group),
            )
        )


def _add_outputs(template: Template, shared: Shared, bff: Built, backends: list[Built], target_group) -> None:
    title = bff.tier.title
    outputs.export(template, "ClusterArn", GetAtt(shared.cluster, "Arn"), "ECS cluster ARN")
    outputs.export(template, "ClusterName", Ref(shared.cluster), "ECS cluster name")
    outputs.export(template, f"{title}ServiceArn", Ref(bff.service), "BFF ECS service ARN")
    outputs.task_definition_arn(template, f"{title}TaskDefinitionArn", bff.task_definition, "BFF")
    outputs.export(template, "NamespaceId", Ref(shared.namespace), "Cloud Map namespace ID")
    outputs.export(template, "NamespaceName", Ref(shared.inputs["NamespaceName"]), "Cloud Map namespace name")
    outputs.export(
        template, f"{title}SecurityGroupId", GetAtt(bff.security_group, "GroupId"), "BFF task security group"
    )
    for backend in backends:
        name = backend.tier.title
        outputs.export(template, f"{name}ServiceArn", Ref(backend.service), f"{name} ECS service ARN")
        outputs.task_definition_arn(template, f"{name}TaskDefinitionArn", backend.task_definition, name)
        outputs.export(template, f"{name}Url", backend.tier.url(), f"{name} URL in the VPC")
        outputs.export(
            template, f"{name}SecurityGroupId", GetAtt(backend.security_group, "GroupId"), f"{name} task security group"
        )
    outputs.export(template, f"{title}TargetGroupArn", Ref(target_group), "BFF target group ARN")


# --- One tier: log group, roles, task, security group, service, scaling, alarm ----------


def add_tier(
    template: Template,
    tier: Tier,
    shared: Shared,
    *,
    environment: dict,
    task_permissions: list,
    rollout: Rollout,
    task_policies=None,
    load_balancers=None,
    registries=None,
    depends_on=None,
    strategy=None,
) -> Built:
    """Everything one tier runs on; who may reach it is added by the tier in front of it.

    ``task_policies`` are conditional inline policies of the tier's task role (Fn::If).
    """
    inputs = shared.inputs
    task = _add_tier_task(template, tier, shared, environment, task_permissions, task_policies or [])
    group, ingress_rules = _add_tier_security_group(template, tier, inputs)
    service = template.add_resource(
        fargate_service(
            f"{tier.title}Service",
            cluster=Ref(shared.cluster),
            task_definition=task,
            subnets=inputs[tier.subnets],
            security_groups=[GetAtt(group, "GroupId")],
            assign_public_ip="DISABLED",
            rollout=rollout,
            capacity_strategy=cluster.spot_mix_strategy(inputs),
            load_balancers=load_balancers,
            health_check_grace_seconds=HEALTH_CHECK_GRACE_SECONDS if load_balancers else None,
            registries=registries,
            # Tasks started before the endpoint and database groups let them in
            # cannot pull their secrets and fail.
            depends_on=[*(depends_on or []), *ingress_rules],
            execute_command=shared.execute_command,
            deployment_alarms=tier.alarms.rollback_names(),
            strategy=strategy,
        )
    )
    _add_tier_scaling(template, tier, shared, service)
    tier.alarms.add_task_alarms(template, service=service, cluster_name=Ref(shared.cluster), notify=shared.notify)
    return Built(tier=tier, security_group=group, task_definition=task, service=service)


def _add_tier_task(
    template: Template, tier: Tier, shared: Shared, environment: dict, permissions: list, task_policies: list
):
    inputs = shared.inputs
    secrets_path, image = Ref(inputs["SecretsParameterPath"]), Ref(inputs[tier.image])
    log_group = template.add_resource(
        logs.log_group(
            f"{tier.title}LogGroup",
            name=f"/ecs/${{AWS::StackName}}/{tier.name}",
            retention_days=inputs["LogRetentionDays"],
            kms_key=shared.log_kms_key,
        )
    )
    container = Container(
        name=tier.name,
        image=image,
        ports=[PortSpec("http", tier.port)],
        log_group=log_group,
        stream_prefix=tier.name,
        environment={"AWS_REGION": Ref("AWS::Region"), "ENVIRONMENT": Ref(inputs["Environment"]), **environment},
        secrets={variable: iam.ssm_parameter_arn(secrets_path, f"/{name}") for variable, name in tier.secrets.items()},
        health_check=_container_health_check(template, tier, inputs),
        user=shared.user,
        read_only_root=shared.read_only_root,
        writable_paths={hardening.SCRATCH_VOLUME: Ref(inputs["WritablePath"])},
        writable_condition=hardening.READ_ONLY_ROOT,
        memory=FindInMap(SIZES_MAPPING, Ref(inputs["Environment"]), "Memory"),
        stop_timeout=SPOT_STOP_TIMEOUT_SECONDS,
    )
    if tier.writes_own_logs:
        permissions = [*permissions, iam.log_write([log_group])]
    # Both the execution role (the container's secrets) and the task role (it reads the
    # path itself) decrypt the SecureString parameters.
    decrypt = ssm_secrets.decrypt_policy(shared.secrets_key_condition, inputs[ssm_secrets.PARAMETER])
    environment_name = Ref(inputs["Environment"])
    return add_task(
        template,
        container,
        size=(
            FindInMap(SIZES_MAPPING, environment_name, "Cpu"),
            FindInMap(SIZES_MAPPING, environment_name, "Memory"),
        ),
        family=Sub(f"${{AWS::StackName}}-{tier.name}"),
        repositories=[iam.ecr_repository_arn(image)],
        secrets_path=secrets_path,
        permissions=permissions,
        prefix=tier.title,
        execute_command=shared.execute_command,
        execution_policies=[decrypt],
        task_policies=[decrypt, *task_policies],
        architecture=inputs["CpuArchitecture"],
    )


def _container_health_check(template: Template, tier: Tier, inputs: dict):
    """The tier's health check command from its parameter; none when the parameter is left empty."""
    if tier.health_path is None:
        return None
    command = inputs[health_check_input(tier)]
    check = ecs.HealthCheck(Command=["CMD-SHELL", Ref(command)], **CONTAINER_HEALTH)
    return If(parameters.when_given(template, command), check, NoValue)


def _add_tier_security_group(template: Template, tier: Tier, inputs: dict):
    endpoints, database = inputs["VpcEndpointSecurityGroupId"], inputs["RdsSecurityGroupId"]
    group = template.add_resource(
        network.security_group(
            f"{tier.title}SecurityGroup",
            description=f"Platform {tier.name} tasks",
            vpc=inputs["VpcId"],
            ingress=[],  # added by the tier in front of this one
            egress=[
                network.port(HTTPS, "AWS APIs through the VPC interface endpoints", group=endpoints),
                # ECR keeps image layers in S3, reached through the gateway endpoint.
                network.port(HTTPS, "Image layers from S3 (gateway endpoint)", prefix_list=inputs["S3PrefixListId"]),
                network.port(POSTGRES, "PostgreSQL on RDS", group=database),
            ],
        )
    )
    # The endpoint and database groups belong to other stacks; open them to this tier
    # here, so the rules live and die with the tier that needs them. Ingress adds to
    # what a group accepts and takes nothing away, unlike egress.
    ingress_rules = [
        template.add_resource(
            network.ingress(
                f"EndpointsFrom{tier.title}",
                endpoints,
                network.port(HTTPS, f"AWS APIs for {tier.name} tasks", group=group),
            )
        ),
        template.add_resource(
            network.ingress(
                f"DatabaseFrom{tier.title}",
                database,
                network.port(POSTGRES, f"PostgreSQL for {tier.name} tasks", group=group),
            )
        ),
    ]
    return group, ingress_rules


def _add_tier_scaling(template: Template, tier: Tier, shared: Shared, service) -> None:
    """CPU and memory target tracking between the minimum and maximum task counts."""
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
                f"{tier.title}{suffix}Scaling",
                target=target,
                metric=metric,
                target_percent=percent,
                scale_out_cooldown=COOLDOWN_SECONDS,
                scale_in_cooldown=COOLDOWN_SECONDS,
            )
        )


def secrets_table(files) -> str:
    """The secrets each container gets, and the commands that create them, for the guide."""
    from . import docblocks  # only the docs need it

    readers = secret_readers()
    rows = [
        [f"`{variable}`", ", ".join(tiers), f"`<SecretsParameterPath>/{name}`"]
        for (variable, name), tiers in readers.items()
    ]
    commands = [
        f"aws ssm put-parameter --type SecureString --name /bidopsai/dev/{name} --value '<{variable}>'"
        for variable, name in readers
    ]
    return (
        docblocks.table(["Variable", "Containers", "SSM parameter"], rows)
        + "\nCreate them before the first deploy (here for the path `/bidopsai/dev`):\n\n```sh\n"
        + "\n".join(commands)
        + "\n```\n"
    )


TEMPLATE = TemplateContract(
    "platform",
    SUMMARY,
    facts.PLATFORM_REGIONS,
    Options,
    build,
    doc_blocks={"platform.secrets": secrets_table},
)
