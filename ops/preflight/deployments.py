"""Releases: what the alarms watch, and what a blue/green, linear or canary release swaps.

- ``duration`` (offline): CloudFormation refuses a linear or canary deployment whose bake
  times add up to more than 33 hours; the parameters' own ranges allow more.
  https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-ecs-service-linearconfiguration.html
- ``alarm_listener``: the listener go-api's target group alarms name the load balancer by
  exists, and the target group is behind that load balancer.
- ``traffic_shift``: go-api's alternate target group (type ip, same VPC, port and protocol as
  the first, behind the same load balancer) and production listener rule (on the listener,
  forwarding to the first target group).
  https://docs.aws.amazon.com/AmazonECS/latest/developerguide/alb-resources-for-blue-green.html
- ``strategy_switch`` (an update, with --stack): ECS leaves production traffic on whichever
  target group the last blue/green, linear or canary release moved it to (read from the
  rule's weights: which group a release fills is not documented, ops/preflight/traffic.py). A rolling release
  registers its tasks in the first target group only, so switching back to ROLLING while the
  traffic is on the alternate group, or (platform) an update that rewrites the listener rule's
  weights, would send every request to a group without tasks.
  The prerequisites stack owns go-api's production rule: an update of it that rewrites the
  rule (its path, priority, listener or port) puts the template's weights back, 100/0.
- ``container_insights``: the "tasks below desired" alarm reads Container Insights, which
  an existing cluster may not have.
"""

import math
from decimal import Decimal

from ..shared.aws import call, call_or_none
from ..shared.context import Context
from ..shared.report import Result, failed, passed, skipped

STRATEGY = "DeploymentStrategy"
ROLLING = "ROLLING"
MAX_MINUTES = 33 * 60  # CloudFormation's own ceiling for linear and canary deployments
GUIDES = {"go-api": "docs/go-api.md", "platform": "docs/platform.md"}
# The platform's BFF rule and target groups are its own resources (logical IDs).
PLATFORM_RULE, PLATFORM_PRIMARY, PLATFORM_ALTERNATE = "BffListenerRule", "BffTargetGroup", "BffAlternateTargetGroup"
# Parameters of the platform's rule: an update that changes one rewrites the rule, weights included.
PLATFORM_RULE_PARAMETERS = ("ListenerRulePriority", "PathPattern", "HostHeader")
# What rewrites go-api's rule in the prerequisites stack: its path and priority; the
# certificate, which moves it to the HTTPS listener (a new rule); the port, which replaces
# both target groups.
PREREQUISITES_RULE_PARAMETERS = ("GoApiRulePriority", "GoApiPathPattern", "CertificateArn", "ContainerPort")
PREREQUISITES_GUIDE = "docs/prerequisites.md#blue-green-for-go-api"


def linear_steps(step_percent: str) -> int:
    """Traffic shifts CloudFormation counts for a linear deployment: (100 / step) - 1 when the
    step divides 100, else the floor of 100 / step (no step bake after the last shift)."""
    step = Decimal(step_percent)
    if Decimal(100) % step == 0:
        return int(Decimal(100) / step) - 1
    return math.floor(Decimal(100) / step)


def deployment_minutes(values: dict[str, str]) -> int | None:
    """The bake minutes CloudFormation adds up for the strategy, None for one it does not limit."""
    strategy, bake = values.get(STRATEGY), int(values.get("BakeTimeMinutes") or 0)
    if strategy == "LINEAR":
        return bake + int(values["LinearStepBakeMinutes"]) * linear_steps(values["LinearStepPercent"])
    if strategy == "CANARY":
        return bake + int(values["CanaryBakeMinutes"])
    return None


def duration(template: str, values: dict[str, str]) -> list[Result]:
    minutes = deployment_minutes(values) if STRATEGY in values else None
    if minutes is None:
        return []
    detail = f"{values[STRATEGY]} bakes {minutes} minutes in all"
    if minutes > MAX_MINUTES:
        return [
            failed(
                "deployment.duration",
                f"{detail}, over the {MAX_MINUTES} (33 hours) CloudFormation accepts for one deployment",
                "lower BakeTimeMinutes or the step/canary bake minutes, or raise the step percent "
                f"({GUIDES.get(template, 'the template guide')}#deployment-strategies)",
            )
        ]
    return [passed("deployment.duration", f"{detail}, within CloudFormation's 33 hours")]


def _target_group(ctx: Context, arn: str) -> dict | None:
    answer = call_or_none(ctx.client("elbv2"), "describe_target_groups", TargetGroupArns=[arn])
    groups = answer["TargetGroups"] if answer else []
    return groups[0] if groups else None


def _listener(ctx: Context, arn: str) -> dict | None:
    answer = call_or_none(ctx.client("elbv2"), "describe_listeners", ListenerArns=[arn])
    listeners = answer["Listeners"] if answer else []
    return listeners[0] if listeners else None


def _rule(ctx: Context, arn: str) -> dict | None:
    answer = call_or_none(ctx.client("elbv2"), "describe_rules", RuleArns=[arn])
    rules = answer["Rules"] if answer else []
    return rules[0] if rules else None


def forward_weights(rule: dict) -> dict[str, int]:
    """Target group ARN -> weight of the rule's forward action (a plain forward is weight 1)."""
    weights: dict[str, int] = {}
    for action in rule.get("Actions", []):
        if action.get("Type") != "forward":
            continue
        groups = action.get("ForwardConfig", {}).get("TargetGroups") or []
        if groups:
            weights.update({group["TargetGroupArn"]: int(group.get("Weight", 1)) for group in groups})
        elif action.get("TargetGroupArn"):
            weights[action["TargetGroupArn"]] = 1
    return weights


def listener_of_rule(rule_arn: str) -> str:
    """``...:listener-rule/app/<lb>/<id>/<listener>/<rule>`` -> ``...:listener/app/<lb>/<id>/<listener>``."""
    return rule_arn.replace(":listener-rule/", ":listener/", 1).rsplit("/", 1)[0]


def alarm_listener(ctx: Context) -> list[Result]:
    if not {"AlbListenerArn", "TargetGroupArn"} <= set(ctx.parameters):
        return []
    check, arn = "alarms.listener", ctx.value("AlbListenerArn")
    listener = _listener(ctx, arn)
    if listener is None:
        return [failed(check, f"{arn} not found in {ctx.region}", "aws elbv2 describe-listeners")]
    group = _target_group(ctx, ctx.value("TargetGroupArn"))
    if group is not None and listener["LoadBalancerArn"] not in group.get("LoadBalancerArns", []):
        return [
            failed(
                check,
                "TargetGroupArn is not behind the load balancer of AlbListenerArn: the target group alarms "
                "would watch metrics that never come",
                "give the listener the target group is attached to: aws elbv2 describe-target-groups "
                f"--target-group-arns {ctx.value('TargetGroupArn')} --query TargetGroups[0].LoadBalancerArns",
            )
        ]
    return [passed(check, "the alarms' load balancer is the target group's")]


def traffic_shift(ctx: Context) -> list[Result]:
    if "AlternateTargetGroupArn" not in ctx.parameters:
        return []
    if ctx.value(STRATEGY) in ("", ROLLING):
        return [skipped("deployment.target-groups", "ROLLING needs no second target group or listener rule")]
    guide = f"{GUIDES[ctx.name]}#deployment-strategies"
    primary_arn, alternate_arn = ctx.value("TargetGroupArn"), ctx.value("AlternateTargetGroupArn")
    listener = _listener(ctx, ctx.value("AlbListenerArn"))
    primary, alternate = _target_group(ctx, primary_arn), _target_group(ctx, alternate_arn)
    if alternate is None:
        return [failed("deployment.target-groups", f"{alternate_arn} not found in {ctx.region}", guide)]
    problems = []
    if alternate.get("TargetType") != "ip":
        problems.append(f"target type {alternate.get('TargetType')}, not ip")
    for key, what in (("VpcId", "VPC"), ("Port", "port"), ("Protocol", "protocol")):
        if primary is not None and alternate.get(key) != primary.get(key):
            problems.append(f"{what} {alternate.get(key)}, not the first target group's {primary.get(key)}")
    if listener is not None and listener["LoadBalancerArn"] not in alternate.get("LoadBalancerArns", []):
        problems.append("not attached to the listener's load balancer (ECS cannot health-check the new tasks)")
    results = []
    if problems:
        results.append(failed("deployment.target-groups", f"AlternateTargetGroupArn: {'; '.join(problems)}", guide))
    else:
        results.append(passed("deployment.target-groups", "the alternate target group matches the first"))
    return results + _production_rule(ctx, primary_arn, guide)


def _production_rule(ctx: Context, primary_arn: str, guide: str) -> list[Result]:
    check, arn = "deployment.listener-rule", ctx.value("ProductionListenerRuleArn")
    rule = _rule(ctx, arn)
    if rule is None:
        return [failed(check, f"{arn} not found in {ctx.region}", guide)]
    problems = []
    if listener_of_rule(arn) != ctx.value("AlbListenerArn"):
        problems.append("it is a rule of another listener than AlbListenerArn")
    if primary_arn not in forward_weights(rule):
        problems.append("it does not forward to TargetGroupArn")
    if problems:
        return [failed(check, f"ProductionListenerRuleArn: {'; '.join(problems)}", guide)]
    return [passed(check, "the production rule is on the listener and forwards to the target group")]


def live_rule_and_groups(ctx: Context, previous: dict[str, str]) -> tuple[str, str, str] | None:
    """(rule ARN, first target group ARN, alternate ARN) of the deployed stack."""
    if ctx.name == "platform":
        cloudformation = ctx.client("cloudformation")

        def physical(logical: str) -> str:
            answer = call(cloudformation, "describe_stack_resource", StackName=ctx.stack, LogicalResourceId=logical)
            return answer["StackResourceDetail"]["PhysicalResourceId"]

        return physical(PLATFORM_RULE), physical(PLATFORM_PRIMARY), physical(PLATFORM_ALTERNATE)
    if previous.get("ProductionListenerRuleArn"):
        return previous["ProductionListenerRuleArn"], previous["TargetGroupArn"], previous["AlternateTargetGroupArn"]
    return None


def strategy_switch(ctx: Context) -> list[Result]:
    if ctx.name == "prerequisites" and ctx.stack:
        return production_rule_rewrite(ctx)
    if STRATEGY not in ctx.parameters or not ctx.stack:
        return []
    stack = ctx.deployed
    if stack is None:
        return []
    previous = {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}
    before, after = previous.get(STRATEGY, ROLLING), ctx.value(STRATEGY)
    changed = [key for key in PLATFORM_RULE_PARAMETERS if key in previous and previous[key] != ctx.value(key)]
    rewrites = changed if ctx.name == "platform" else []
    if before == ROLLING or (after != ROLLING and not rewrites):
        return [passed("deployment.switch", f"{before} to {after}: no traffic to move back first")]
    found = live_rule_and_groups(ctx, previous)
    if found is None:
        return [skipped("deployment.switch", "the stack names no production listener rule")]
    rule_arn, _, alternate = found
    rule = _rule(ctx, rule_arn)
    weights = forward_weights(rule) if rule else {}
    if weights.get(alternate, 0) == 0:
        return [passed("deployment.switch", f"{before} to {after}: production traffic is on the first target group")]
    change = "switching to ROLLING" if after == ROLLING else f"changing {', '.join(rewrites)} (it rewrites the rule)"
    return [
        failed(
            "deployment.switch",
            f"production traffic is on the alternate target group ({alternate.rsplit(':', 1)[-1]}, weight "
            f"{weights[alternate]}): {change} now would send it to the first group, where no task runs",
            f"release once more with {before}, wait for it to complete, and update when make preflight finds the "
            f"traffic on the first group ({GUIDES[ctx.name]}#switching-strategies; which group a release fills: "
            "docs/releases.md#which-target-group-a-release-replaces)",
        )
    ]


def production_rule_rewrite(ctx: Context) -> list[Result]:
    """An update of the prerequisites stack that rewrites go-api's production rule while a
    blue/green, linear or canary release of go-api has left the traffic on the second group.
    The rule and the group are the stack's outputs of go-api's parameter names."""
    check, stack = "deployment.production-rule", ctx.deployed
    if stack is None:
        return []
    previous = {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}
    changed = [key for key in PREREQUISITES_RULE_PARAMETERS if key in previous and previous[key] != ctx.value(key)]
    if not changed:
        return [passed(check, "go-api's production rule is not rewritten by this update")]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}
    rule_arn, alternate = outputs.get("ProductionListenerRuleArn"), outputs.get("AlternateTargetGroupArn")
    if not rule_arn or not alternate:
        # A stack made before the second target group: its rule forwards to one group only.
        return [passed(check, "go-api's rule forwards to one target group: no traffic to move back first")]
    rule = _rule(ctx, rule_arn)
    weights = forward_weights(rule) if rule else {}
    what = ", ".join(changed)
    if weights.get(alternate, 0) == 0:
        return [passed(check, f"changing {what} rewrites go-api's rule; its traffic is on the first target group")]
    return [
        failed(
            check,
            f"go-api's production traffic is on the second target group ({alternate.rsplit(':', 1)[-1]}, weight "
            f"{weights[alternate]}): changing {what} rewrites its rule with all the weight on the first group, "
            "where no go-api task runs",
            "release go-api once more with its strategy, wait for it to complete, and update this stack when make "
            f"preflight finds go-api's traffic on the first group ({PREREQUISITES_GUIDE})",
        )
    ]


def container_insights(ctx: Context) -> list[Result]:
    name = ctx.value("ExistingClusterName")
    if "ExistingClusterName" not in ctx.parameters or not name:
        return []
    answer = call(ctx.client("ecs"), "describe_clusters", clusters=[name], include=["SETTINGS"])
    clusters = answer.get("clusters", [])
    if not clusters:
        return []  # the cluster check reports it missing
    settings = {s["name"]: s.get("value") for s in clusters[0].get("settings", [])}
    if settings.get("containerInsights") in ("enabled", "enhanced"):
        return [passed("alarms.container-insights", f"{name} has Container Insights: tasks below desired is watched")]
    return [
        skipped(
            "alarms.container-insights",
            f"{name} has Container Insights off: the tasks-below-desired alarm will stay INSUFFICIENT_DATA "
            "(the other alarms read metrics every cluster has); turning it on is billed: aws ecs "
            f"update-cluster-settings --cluster {name} --settings name=containerInsights,value=enabled",
        )
    ]
