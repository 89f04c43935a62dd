"""The platform's services, written here once each: name, port, subnets, image, secrets, health check."""

from dataclasses import dataclass, field

from troposphere import Sub

from ..parts import network
from ..parts.service_alarms import ServiceAlarms, Thresholds


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

# When each tier's alarms fire (parts/service_alarms.py).
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

# Every tier reaches the database and the AWS APIs (through the VPC endpoints) on these ports.
POSTGRES = 5432
HTTPS = network.HTTPS

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
