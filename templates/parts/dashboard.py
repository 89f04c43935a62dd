"""An optional CloudWatch dashboard per stack: a release as it happens, on one page.

Off by default: beyond the free tier (three custom dashboards of up to 50 metrics each
per month) every dashboard is billed by the month.
https://aws.amazon.com/cloudwatch/pricing/

The body is CloudWatch's dashboard JSON, written once here and filled in by ``Fn::Sub``
with the names only the stack knows (cluster, services, target groups). In a metric line,
"." repeats the item of the line above: lines of one service differ only in their metric.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
"""

import json
from dataclasses import dataclass

from troposphere import Sub, cloudwatch

from .alarms import CONTAINER_INSIGHTS, ECS, LOAD_BALANCER, MINUTE, TargetGroups

PARAMETER = "CreateDashboard"
CONDITION = "DashboardCreated"
WIDTH, HEIGHT = 12, 6  # two widgets a row on the 24-column grid
SAME = "."


@dataclass(frozen=True)
class Panel:
    """One service on the dashboard: its label (also the prefix of its Sub variables)."""

    label: str
    service_name: object
    targets: TargetGroups | None = None


def _lines(namespace: str, dimensions: list[str], metrics: list[tuple[str, str, dict]]) -> list:
    """Metric lines that share a namespace and dimensions: (metric, label, options) each."""
    lines = []
    for metric, label, options in metrics:
        head = [namespace, metric, *dimensions] if not lines else [SAME, metric, *[SAME] * len(dimensions)]
        lines.append([*head, {"label": label, **options}])
    return lines


def _widget(title: str, metrics: list, stat: str, **properties) -> dict:
    return {
        "type": "metric",
        "width": WIDTH,
        "height": HEIGHT,
        "properties": {
            "title": title,
            "region": "${AWS::Region}",
            "period": MINUTE,
            "stat": stat,
            "metrics": metrics,
            **properties,
        },
    }


def _service_widgets(panel: Panel) -> list[dict]:
    name = panel.label
    service = ["ClusterName", "${ClusterName}", "ServiceName", f"${{{name}Service}}"]
    widgets = [
        _widget(
            f"{name}: tasks and deployments",
            _lines(
                CONTAINER_INSIGHTS,
                service,
                [
                    ("DesiredTaskCount", "desired", {}),
                    ("RunningTaskCount", "running", {}),
                    ("PendingTaskCount", "pending", {}),
                    ("DeploymentCount", "deployments", {}),
                ],
            ),
            "Average",
        ),
        _widget(
            f"{name}: CPU and memory (%)",
            _lines(
                ECS,
                service,
                [
                    ("CPUUtilization", "CPU", {}),
                    ("MemoryUtilization", "memory", {}),
                    ("MemoryUtilization", "memory, busiest task", {"stat": "Maximum"}),
                ],
            ),
            "Average",
        ),
    ]
    if panel.targets is None:
        return widgets
    groups = [("", f"${{{name}Target}}")]
    if panel.targets.alternate is not None:
        groups.append((" (alternate)", f"${{{name}Alternate}}"))

    def per_group(metrics: list[tuple[str, str, dict]]) -> list:
        return [
            line
            for suffix, group in groups
            for line in _lines(
                LOAD_BALANCER,
                ["TargetGroup", group, "LoadBalancer", "${LoadBalancer}"],
                [(metric, label + suffix, options) for metric, label, options in metrics],
            )
        ]

    targets = _widget(
        f"{name}: targets",
        per_group([("HealthyHostCount", "healthy", {}), ("UnHealthyHostCount", "unhealthy", {})]),
        "Minimum",
    )
    requests = _widget(
        f"{name}: requests and 5xx",
        per_group([("RequestCount", "requests", {}), ("HTTPCode_Target_5XX_Count", "5xx", {"yAxis": "right"})]),
        "Sum",
    )
    return [*widgets, targets, requests]


def body(panels: list[Panel], alarm_names: list[str]) -> str:
    """The dashboard JSON with ``${...}`` placeholders: every service's widgets, then the alarms."""
    widgets = [widget for panel in panels for widget in _service_widgets(panel)]
    arn = "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:${AWS::StackName}-"
    widgets.append(
        {
            "type": "alarm",
            "width": 2 * WIDTH,
            "height": HEIGHT // 2,
            "properties": {"title": "Alarms", "alarms": [arn + name for name in alarm_names]},
        }
    )
    return json.dumps({"widgets": widgets}, separators=(",", ":"))


def variables(panels: list[Panel], cluster_name) -> dict:
    """The ``Fn::Sub`` variables of :func:`body`."""
    found = {"ClusterName": cluster_name}
    for panel in panels:
        found[f"{panel.label}Service"] = panel.service_name
        targets = panel.targets
        if targets is not None:
            found["LoadBalancer"] = targets.load_balancer
            found[f"{panel.label}Target"] = targets.primary
            if targets.alternate is not None:
                found[f"{panel.label}Alternate"] = targets.alternate_dimension()
    return found


# Dashboards are global, not regional: a stack of the same name in another region (a StackSet,
# the plugin in several regions) would take over, and its delete remove, a dashboard named after
# the stack alone. A name takes 1-255 letters, digits, "-" and "_": a stack name (at most 128
# letters, digits and hyphens), a hyphen and a region name fit.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-dashboard.html
NAME = "${AWS::StackName}-${AWS::Region}"


def dashboard(title: str, *, panels: list[Panel], cluster_name, alarm_names: list[str]) -> cloudwatch.Dashboard:
    """The stack's dashboard, named after it and its region; ``alarm_names`` are the alarms' names
    after ``<stack>-``."""
    return cloudwatch.Dashboard(
        title,
        Condition=CONDITION,
        DashboardName=Sub(NAME),
        DashboardBody=Sub(body(panels, alarm_names), **variables(panels, cluster_name)),
    )
