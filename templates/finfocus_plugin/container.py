"""The plugin's container: its size, its health check, and how long it may take to start and stop."""

from troposphere import ecs

from ..parts.fargate import TaskSize

DEFAULT_SIZE = TaskSize(2048, 4096)  # 12 processes x ~150 MB of embedded pricing data, with headroom

# On SIGTERM the image's entrypoint signals every regional process at once; each closes
# its listener at once (a new connection is refused) and finishes the requests in flight
# (pluginsdk's Serve: http.Server.Shutdown, at most 30 s), then the entrypoint stops the
# metrics aggregator. TERMINATION_GRACE_SECONDS bounds its wait for the regional processes
# before it kills them; it is not a drain. ECS waits 5 s longer before SIGKILL, so that
# shutdown is never cut short. docker/entrypoint.sh at every release in facts.PLUGIN_RELEASES;
# github.com/rshade/finfocus-spec sdk/go/pluginsdk/sdk.go at v0.5.1 and v0.5.2.
# The plugin never runs on Fargate Spot (LaunchType FARGATE), so it needs no 120 s.
TERMINATION_GRACE_SECONDS = 30
STOP_TIMEOUT_SECONDS = TERMINATION_GRACE_SECONDS + 5

# /healthcheck.sh asks each regional port of its release in turn. The image's own
# HEALTHCHECK allows it 10 s; the same here, so ECS judges the task as Docker would.
HEALTH_CHECK = ecs.HealthCheck(
    Command=["CMD-SHELL", "/healthcheck.sh"],
    Interval=30,
    Timeout=10,
    Retries=3,
    # Every regional process loads its pricing data before the first check counts.
    StartPeriod=60,
)

# If the plugin is not HEALTHY this long after it starts, the proxy, which waits for it, gives up
# and the task stops (a task could otherwise stay PENDING: github.com/aws/containers-roadmap/issues/2379).
# The plugin's checks run every 30 s: 120 s gives it its 60 s start period and two checks more.
# https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html (startTimeout)
PLUGIN_START_TIMEOUT_SECONDS = 120
