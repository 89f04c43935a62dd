"""Where a service's production traffic is, against where its tasks are: read live, never assumed.

ECS moves the traffic of a blue/green, linear or canary release by rewriting the weights of
the production listener rule, and starts the next release's tasks in the other target group.
What ECS does when an update re-sends the same ``TargetGroupArn``/``AlternateTargetGroupArn``
pair, as CloudFormation does on every update, is not documented: reports say the groups do
not alternate (hashicorp/terraform-provider-aws#45678) and that the rule's weights sit at
0/100 after the first release (go-to-k/cdk-real-drift#1730); docs/releases.md has the sources.
So the tools never infer the state from the template: they read it before each release.

- the rule's weights: elbv2 DescribeRules;
- the target groups ECS itself counts as serving the service's current revision:
  DescribeServices (``currentServiceRevisions``), then DescribeServiceRevisions
  (``resolvedConfiguration.loadBalancers``, "which target groups serve traffic");
  https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ResolvedConfiguration.html
  a revision without a resolved configuration falls back to the group that has healthy
  targets (elbv2 DescribeTargetHealth).

A release must not start while the production weight is on a group the service's tasks are
not in (requests fail already, and the release would start its new tasks there), nor while
more than one revision serves (a release in progress) or the weight is split (a shift left
half-done).
"""

import json
from dataclasses import dataclass

from ..shared.aws import call, call_or_none
from .deployments import forward_weights

GUIDE = "docs/releases.md#which-target-group-a-release-replaces"


@dataclass(frozen=True)
class Live:
    weights: dict[str, int]  # target group ARN -> weight in the production rule
    serving: frozenset[str]  # the groups the service's tasks are registered in, as ECS or the targets say
    revisions: int  # service revisions currently running: more than one is a release in progress
    how: str  # where ``serving`` comes from

    def production(self) -> list[str]:
        return [group for group, weight in self.weights.items() if weight > 0]


def short(arn: str) -> str:
    """``targetgroup/<name>/<id>`` -> ``<name>``."""
    return arn.split(":")[-1].split("/")[1] if "/" in arn else arn


def rule_weights(elbv2, rule_arn: str) -> dict[str, int] | None:
    answer = call_or_none(elbv2, "describe_rules", RuleArns=[rule_arn])
    rules = answer["Rules"] if answer else []
    return forward_weights(rules[0]) if rules else None


def service(ecs, service_arn: str) -> dict | None:
    cluster = service_arn.split(":service/", 1)[1].split("/")[0] if ":service/" in service_arn else None
    arguments = {"services": [service_arn], **({"cluster": cluster} if cluster else {})}
    found = call(ecs, "describe_services", **arguments).get("services", [])
    return found[0] if found and found[0].get("status") != "INACTIVE" else None


def _healthy_groups(elbv2, groups: list[str]) -> frozenset[str]:
    found = set()
    for group in groups:
        health = call(elbv2, "describe_target_health", TargetGroupArn=group)["TargetHealthDescriptions"]
        if any(d["TargetHealth"].get("State") == "healthy" for d in health):
            found.add(group)
    return frozenset(found)


def serving_groups(ecs, elbv2, described: dict, groups: list[str]) -> tuple[frozenset[str], int, str]:
    """(groups the tasks serve from, revisions running, how it is known) for a described service."""
    revisions = [r["arn"] for r in described.get("currentServiceRevisions") or []]
    resolved: set[str] = set()
    if revisions:
        answer = call(ecs, "describe_service_revisions", serviceRevisionArns=revisions)
        for revision in answer.get("serviceRevisions", []):
            balancers = (revision.get("resolvedConfiguration") or {}).get("loadBalancers") or []
            resolved |= {b["targetGroupArn"] for b in balancers if b.get("targetGroupArn")}
    if resolved:
        return frozenset(resolved), len(revisions), "ECS's service revision"
    return _healthy_groups(elbv2, groups), len(revisions), "the target groups' healthy targets"


def read(ecs, elbv2, described: dict, rule_arn: str, groups: list[str]) -> Live | None:
    """The live state, or None when the rule does not exist."""
    weights = rule_weights(elbv2, rule_arn)
    if weights is None:
        return None
    serving, revisions, how = serving_groups(ecs, elbv2, described, groups)
    return Live(weights, serving, revisions, how)


def problem(live: Live, rule_arn: str, groups: list[str]) -> tuple[str, str] | None:
    """(what is wrong, what to do) before a release, or None when the release may start."""
    production = live.production()
    if live.revisions > 1:
        return (
            f"{live.revisions} service revisions are running: a release is in progress",
            "wait until it completes (aws ecs list-service-deployments shows it), then update",
        )
    if len(production) > 1:
        split = ", ".join(f"{short(g)} {live.weights[g]}" for g in production)
        return (
            f"the production rule splits the traffic ({split}): a shift is in progress or was left half-done",
            f"wait for the release to complete; if none runs, put all the weight on the group with the tasks ({GUIDE})",
        )
    if not production:
        return ("the production rule forwards to no target group with weight", f"see {GUIDE}")
    if not live.serving:
        return None  # no task registered anywhere (a service at 0, a first release): nothing to disagree with
    (target,) = production
    if target in live.serving:
        return None
    tasks = ", ".join(short(g) for g in sorted(live.serving))
    back = [{"TargetGroupArn": g, "Weight": 100 if g in live.serving else 0} for g in groups]
    action = json.dumps([{"Type": "forward", "ForwardConfig": {"TargetGroups": back}}], separators=(",", ":"))
    return (
        f"the production rule forwards to {short(target)} but the service's tasks are in {tasks} ({live.how}): "
        "requests fail now, and the next release would start its new tasks in the group production points at",
        f"point the rule at the tasks first: aws elbv2 modify-rule --rule-arn {rule_arn} --actions '{action}' "
        f"({GUIDE})",
    )


# The service each template's production rule belongs to (logical IDs).
SERVICES = {"go-api": "Service", "platform": "BffService"}
ROLLING = "ROLLING"


def _physical(ctx, logical: str) -> str | None:
    answer = call_or_none(
        ctx.client("cloudformation"), "describe_stack_resource", StackName=ctx.stack, LogicalResourceId=logical
    )
    return answer["StackResourceDetail"].get("PhysicalResourceId") if answer else None


def production_group(ctx) -> list:
    """Before a release of a blue/green, linear or canary service, or a switch to or from one:
    the production rule must forward to the group the service's tasks are in."""
    from ..shared.report import failed, passed, skipped
    from .deployments import STRATEGY, live_rule_and_groups

    check = "deployment.production-group"
    if ctx.name not in SERVICES or not ctx.stack or ctx.deployed is None:
        return []
    previous = {p["ParameterKey"]: p.get("ParameterValue", "") for p in ctx.deployed.get("Parameters", [])}
    before, after = previous.get(STRATEGY, ROLLING), ctx.value(STRATEGY) or ROLLING
    if before == ROLLING and after == ROLLING:
        return [skipped(check, "ROLLING before and after: ECS never rewrites the production rule")]
    found = live_rule_and_groups(ctx, previous)
    service_arn = _physical(ctx, SERVICES[ctx.name]) if found else None
    if found is None or not service_arn:
        return [skipped(check, "the stack names no production listener rule or service yet")]
    rule_arn, primary, alternate = found
    described = service(ctx.client("ecs"), service_arn)
    if described is None:
        return [skipped(check, f"{service_arn.rsplit('/', 1)[-1]} is not running: nothing to move")]
    live = read(ctx.client("ecs"), ctx.client("elbv2"), described, rule_arn, [primary, alternate])
    if live is None:
        return [failed(check, f"the production rule {rule_arn} is not found in {ctx.region}", GUIDE)]
    found_problem = problem(live, rule_arn, [primary, alternate])
    if found_problem:
        return [failed(check, *found_problem)]
    where = ", ".join(short(g) for g in live.production())
    return [passed(check, f"production traffic is on {where}, where the service's tasks are ({live.how})")]


def diagnosis(ecs, elbv2, described: dict, balancer: dict):
    """doctor's reading of one load balancer entry of a running service with an advanced
    configuration: the same rule as before a release, seen from the service."""
    from ..shared.report import failed, passed, skipped

    advanced = balancer.get("advancedConfiguration") or {}
    rule_arn = advanced.get("productionListenerRule")
    groups = [g for g in (balancer.get("targetGroupArn"), advanced.get("alternateTargetGroupArn")) if g]
    check = f"traffic:{described.get('serviceName', '')}"
    live = read(ecs, elbv2, described, rule_arn, groups)
    if live is None:
        return failed(check, f"the production rule {rule_arn} is not found", GUIDE)
    found = problem(live, rule_arn, groups)
    if found and (live.revisions > 1 or len(live.production()) > 1):
        return skipped(check, f"{found[0]}: run doctor again when it has completed")
    if found:
        return failed(check, *found)
    where = ", ".join(short(g) for g in live.production())
    return passed(check, f"production traffic is on {where}, where the tasks are ({live.how})")
