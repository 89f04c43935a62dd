"""The alarms of one ECS service, and which of them roll a release back.

On-call alarms (notify only):
- tasks below desired (Container Insights), and, for a service found through Cloud Map,
  no task running at all (AWS/ECS, any cluster);
- behind a load balancer, no healthy target at all.

Deployment alarms (``DeploymentConfiguration.Alarms``: ECS fails the deployment and rolls
back to the last completed one when one of them is in ALARM while the release is watched)
are the ones that mean "this release is bad" and that a release which works never raises:
- behind a load balancer, tasks answering 5xx and targets failing their health checks
  (a task that starts is ``initial``, one that leaves ``draining``: neither is unhealthy);
- found through Cloud Map (no targets to watch), the busiest task near its memory limit
  (a new task starts low; a leak or a larger footprint shows there first). Behind a load
  balancer a task short of memory fails its checks or answers 5xx: the target alarms see it.
The outage alarms stay out on purpose. "No healthy target" and "no task running" read a
missing metric as the outage itself, and "tasks below desired" dips during scale-outs; and
ECS does not watch a deployment at all when one of its alarms is already in ALARM as it
starts, so an outage alarm in that list would switch the watch off for the very fix
deployed to end the outage.
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html
(the last point: https://github.com/aws/copilot-cli/pull/4512, from the ECS team's Copilot CLI).
"""

from dataclasses import dataclass, field

from troposphere import GetAtt, Template

from . import alarms
from .alarms import Notify, ServiceMetrics, TargetGroups

TASKS_BELOW_DESIRED = "tasks-below-desired"
NO_RUNNING_TASKS = "no-running-tasks"
MEMORY_HIGH = "memory-high"
UNHEALTHY_TARGETS = "unhealthy-targets"
NO_HEALTHY_TARGETS = "no-healthy-targets"
TARGET_5XX = "target-5xx"


@dataclass(frozen=True)
class Thresholds:
    """How long, and how much, before each alarm fires (one-minute periods)."""

    # A deployment, a scale-out or a Spot interruption dips the running count briefly.
    tasks_below_desired_minutes: int = 5
    # Longer than a task replacement after a crash takes to reach RUNNING.
    no_running_task_minutes: int = 3
    unhealthy_target_minutes: int = 3
    # Long enough to pass over one failed health check of the only task; short next to an outage.
    no_healthy_target_minutes: int = 2
    error_rate_percent: int = 5
    error_rate_minutes: int = 3
    error_rate_minimum_requests: int = 10
    memory_percent: int = 90
    memory_minutes: int = 3


@dataclass(frozen=True)
class ServiceAlarms:
    """The alarms of one service. Their names derive from the stack name, so the service can
    name its deployment alarms before they exist, and without a ``Ref`` to them."""

    tier: str  # the name part: <stack>-<tier>-<alarm>
    title: str  # logical ID prefix
    what: str  # how the descriptions call the service
    behind_load_balancer: bool
    thresholds: Thresholds = field(default_factory=Thresholds)

    def name(self, alarm: str) -> str:
        return f"{self.tier}-{alarm}"

    def kinds(self) -> list[str]:
        """Every alarm of the service."""
        if self.behind_load_balancer:
            return [TARGET_5XX, UNHEALTHY_TARGETS, NO_HEALTHY_TARGETS, TASKS_BELOW_DESIRED]
        return [TASKS_BELOW_DESIRED, NO_RUNNING_TASKS, MEMORY_HIGH]

    def names(self) -> list[str]:
        """The names (after ``<stack>-``) of the service's alarms."""
        return [self.name(kind) for kind in self.kinds()]

    def rollback(self) -> list[str]:
        """The alarm kinds that roll a release of this service back."""
        return [TARGET_5XX, UNHEALTHY_TARGETS] if self.behind_load_balancer else [MEMORY_HIGH]

    def rollback_names(self) -> list:
        return [alarms.alarm_name(self.name(kind)) for kind in self.rollback()]

    def _describe(self, kind: str, text: str) -> str:
        then = "rolls back a release in progress" if kind in self.rollback() else "notifies only"
        return f"{self.what}: {text} ({then})"

    def _alarm(self, kind: str, text: str, minutes: int, notify: Notify) -> dict:
        """What every alarm of the service takes: its name, description, topic and minutes."""
        described = self._describe(kind, text)
        return {"name": self.name(kind), "description": described, "notify": notify, "minutes": minutes}

    def add_target_alarms(self, template: Template, targets: TargetGroups, notify: Notify) -> list:
        """The alarms on the target groups that roll a release back. They do not refer to the
        service, so the service can depend on them: they exist before its first deployment starts."""
        t = self.thresholds
        added = [
            alarms.target_error_rate(
                f"{self.title}Target5xx",
                targets=targets,
                percent=t.error_rate_percent,
                minimum_requests=t.error_rate_minimum_requests,
                **self._alarm(
                    TARGET_5XX,
                    f"over {t.error_rate_percent} % of requests answered 5xx by the tasks for "
                    f"{t.error_rate_minutes} minutes",
                    t.error_rate_minutes,
                    notify,
                ),
            ),
            alarms.unhealthy_targets(
                f"{self.title}UnhealthyTargets",
                targets=targets,
                **self._alarm(
                    UNHEALTHY_TARGETS,
                    f"a target failing its health check for {t.unhealthy_target_minutes} minutes",
                    t.unhealthy_target_minutes,
                    notify,
                ),
            ),
        ]
        return [template.add_resource(alarm) for alarm in added]

    def add_no_healthy_target_alarm(self, template: Template, targets: TargetGroups, notify: Notify, service):
        """The outage alarm: no healthy target in either group. It counts missing data as
        breaching (an empty group reports nothing), so it is created after the service, whose
        create CloudFormation completes only once the tasks are healthy in the target group:
        its first evaluation then has data and finds them, and a stack create sends no ALARM.
        Deleted before the service for the same reason: a stack delete drains the groups.
        https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html
        https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
        """
        t = self.thresholds
        alarm = alarms.no_healthy_targets(
            f"{self.title}NoHealthyTargets",
            targets=targets,
            **self._alarm(
                NO_HEALTHY_TARGETS,
                f"no healthy target at all for {t.no_healthy_target_minutes} minutes (the ALB answers 503)",
                t.no_healthy_target_minutes,
                notify,
            ),
        )
        alarm.DependsOn = [service.title]
        return template.add_resource(alarm)

    def add_task_alarms(self, template: Template, *, service, cluster_name, notify: Notify) -> list:
        """The alarms on the service's tasks (they name the service, so they come after it)."""
        t = self.thresholds
        metrics = ServiceMetrics(cluster_name=cluster_name, service_name=GetAtt(service, "Name"))
        added = [
            alarms.tasks_below_desired(
                f"{self.title}TasksBelowDesired",
                service=metrics,
                **self._alarm(
                    TASKS_BELOW_DESIRED,
                    f"fewer tasks running than desired for {t.tasks_below_desired_minutes} minutes",
                    t.tasks_below_desired_minutes,
                    notify,
                ),
            )
        ]
        if not self.behind_load_balancer:
            added.append(
                alarms.memory_high(
                    f"{self.title}MemoryHigh",
                    service=metrics,
                    percent=t.memory_percent,
                    **self._alarm(
                        MEMORY_HIGH,
                        f"a task at {t.memory_percent} % of its memory or more for {t.memory_minutes} minutes",
                        t.memory_minutes,
                        notify,
                    ),
                )
            )
            added.append(
                alarms.no_running_tasks(
                    f"{self.title}NoRunningTasks",
                    service=metrics,
                    **self._alarm(
                        NO_RUNNING_TASKS,
                        f"not one task running for {t.no_running_task_minutes} minutes",
                        t.no_running_task_minutes,
                        notify,
                    ),
                )
            )
        return [template.add_resource(alarm) for alarm in added]
