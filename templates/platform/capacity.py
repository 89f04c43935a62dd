"""How much of each tier runs, and how it is replaced: sizes per environment, the Fargate and
Fargate Spot mix, scaling, rolling updates."""

from .. import timings
from ..parts.fargate import TaskSize
from ..parts.service import FOUND_BY_DNS, Rollout

ENVIRONMENT_SIZES = {
    "dev": TaskSize(512, 1024),
    "test": TaskSize(1024, 2048),
    "prod": TaskSize(2048, 4096),
}
SIZES_MAPPING = "EnvironmentSizes"

# The specification's split: on demand 70, Spot 30 (FR-004, FR-005), as parameter defaults.
# One task of each service is placed on demand (the base), so outside a release a Spot
# interruption never takes both tasks of a service at its minimum; the second one is placed by
# the weights. During a release the base may stay with the old revision (ops/timeline/placement.py).
ON_DEMAND_WEIGHT, SPOT_WEIGHT, ON_DEMAND_BASE_TASKS = 70, 30, 1
# Fargate Spot sends SIGTERM two minutes before it reclaims a task: containers that may run
# there get Fargate's longest stop timeout, so they can finish within the warning.
# https://repost.aws/knowledge-center/fargate-spot-termination-notice
SPOT_STOP_TIMEOUT_SECONDS = timings.MAX_STOP_TIMEOUT.value

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
# Seconds a task behind the load balancer may fail health checks while it starts.
HEALTH_CHECK_GRACE_SECONDS = 60
