"""The existing load balancer pieces a stack attaches to."""

from ..shared.aws import call, call_or_none
from ..shared.context import Context
from ..shared.report import Result, failed, passed


def target_group(ctx: Context) -> list[Result]:
    arn = ctx.value("TargetGroupArn")
    if "TargetGroupArn" not in ctx.parameters:
        return []
    answer = call_or_none(ctx.client("elbv2"), "describe_target_groups", TargetGroupArns=[arn])
    groups = answer["TargetGroups"] if answer else []
    if not groups:
        return [
            failed(
                "target-group",
                f"{arn} not found in {ctx.region}",
                f"set TargetGroupArn to a target group of {ctx.region} (aws elbv2 describe-target-groups lists them)",
            )
        ]
    group = groups[0]
    problems = []
    # Fargate tasks (awsvpc) register by IP; an instance target group fails the service create.
    if group.get("TargetType") != "ip":
        problems.append(f"target type {group.get('TargetType')}, not ip")
    if ctx.vpc_id and group.get("VpcId") != ctx.vpc_id:
        problems.append(f"in {group.get('VpcId')}, not the subnets' VPC {ctx.vpc_id}")
    if not group.get("LoadBalancerArns"):
        problems.append("not attached to a listener (does not have an associated load balancer)")
    port = ctx.value("ContainerPort")
    if port and str(group.get("Port")) != port:
        problems.append(f"port {group.get('Port')} differs from ContainerPort {port}")
    if problems:
        return [
            failed(
                "target-group",
                "; ".join(problems),
                "use a target group of type ip, in the tasks' VPC, on ContainerPort, that a listener rule forwards "
                "to (aws elbv2 create-target-group --target-type ip ...; docs/go-api.md#what-it-expects-from-the-"
                "other-stacks)",
            )
        ]
    health = health_settings(ctx, group)
    return [
        passed(
            "target-group",
            f"type ip, in {group['VpcId']}, behind {len(group['LoadBalancerArns'])} LB(s); health checks {health} "
            f"(make timeline TEMPLATE={ctx.name} TARGET_GROUP={health})",
        )
    ]


def health_settings(ctx: Context, group: dict) -> str:
    """The settings a release waits on, in the form `make timeline TARGET_GROUP=` takes."""
    answer = call(ctx.client("elbv2"), "describe_target_group_attributes", TargetGroupArn=group["TargetGroupArn"])
    attributes = {a["Key"]: a["Value"] for a in answer["Attributes"]}
    settings = {
        "interval": group.get("HealthCheckIntervalSeconds"),
        "timeout": group.get("HealthCheckTimeoutSeconds"),
        "healthy": group.get("HealthyThresholdCount"),
        "unhealthy": group.get("UnhealthyThresholdCount"),
        "deregistration": attributes.get("deregistration_delay.timeout_seconds"),
    }
    return ",".join(f"{key}={value}" for key, value in settings.items() if value is not None)


def listener_priority(ctx: Context) -> list[Result]:
    # Only a template that creates a listener rule has a priority to check (the platform);
    # go-api's rule is another stack's, and its AlbListenerArn is checked by alarms.listener.
    if "ListenerRulePriority" not in ctx.parameters:
        return []
    arn, priority = ctx.value("AlbListenerArn"), ctx.value("ListenerRulePriority")
    elbv2 = ctx.client("elbv2")
    if call_or_none(elbv2, "describe_listeners", ListenerArns=[arn]) is None:
        return [
            failed(
                "listener",
                f"{arn} not found in {ctx.region}",
                "set AlbListenerArn to a listener of the load balancer (aws elbv2 describe-listeners "
                "--load-balancer-arn <arn> lists them)",
            )
        ]
    rules = call(elbv2, "describe_rules", ListenerArn=arn)["Rules"]
    holder = next((r for r in rules if r.get("Priority") == priority), None)
    if holder is None:
        return [passed("listener", f"listener exists; priority {priority} is free")]
    if ctx.stack:
        tags = call(elbv2, "describe_tags", ResourceArns=[holder["RuleArn"]])["TagDescriptions"]
        owner = {t["Key"]: t["Value"] for d in tags for t in d.get("Tags", [])}
        if owner.get("aws:cloudformation:stack-name") == ctx.stack:
            return [passed("listener", f"priority {priority} is held by this stack's own rule ({ctx.stack})")]
    used = sorted(int(r["Priority"]) for r in rules if r.get("Priority", "default").isdigit())
    return [
        failed(
            "listener",
            f"priority {priority} is in use on the listener (used: {', '.join(map(str, used))})",
            "choose a free ListenerRulePriority: aws elbv2 describe-rules --listener-arn "
            f"{arn} --query 'Rules[].Priority'",
        )
    ]
