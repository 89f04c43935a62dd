"""The platform's parameters, as the console shows them."""

from .. import facts
from ..parts import bucket_kms, cluster, deployment_strategy, ecs_exec, hardening, parameters, ssm_secrets
from ..parts.fargate import TaskSize, cpu_architecture
from ..parts.parameters import Group, Input
from .capacity import (
    AGENTCORE_ROLLOUT_DEFAULT,
    AGENTCORE_ROLLOUTS,
    ENVIRONMENT_SIZES,
    ON_DEMAND_BASE_TASKS,
    ON_DEMAND_WEIGHT,
    SPOT_WEIGHT,
)
from .tiers import (
    AGENTCORE,
    BFF,
    CONTAINER_HEALTH,
    KNOWLEDGE_BASE_KEY,
    POSTGRES,
    health_check_command,
    health_check_input,
    secret_readers,
)

LOG_RETENTION_DAYS = 7  # the default of LogRetentionDays

SECURITY_GROUP = "AWS::EC2::SecurityGroup::Id"


def _secrets_sentence() -> str:
    listed = ", ".join(f"{name} ({' and '.join(tiers)})" for (_, name), tiers in secret_readers().items())
    return f"Expected below it: {listed}."


def _sizes_sentence() -> str:
    def vcpu(size: TaskSize) -> str:
        return f"{size.cpu / 1024:g} vCPU / {size.memory / 1024:g} GB"

    return "Sets the task size: " + ", ".join(f"{name} {vcpu(size)}" for name, size in ENVIRONMENT_SIZES.items()) + "."


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
