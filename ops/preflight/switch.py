"""Switching a live service between ROLLING and BLUE_GREEN, LINEAR or CANARY: what ECS needs first.

Rolling to a traffic-shifting strategy, for a service behind a load balancer, takes two
updates. ECS's prerequisites: "Wait for any current deployments to complete", and "If your
service uses Elastic Load Balancing, update the service with the new advancedConfiguration
and start a rolling deployment"; only then the strategy changes.
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/update-rolling-to-bluegreen.html
The templates send ``AdvancedConfiguration`` whenever the alternate target group and the
production rule are given, whatever the strategy, so the first update is the same template
with ``DeploymentStrategy=ROLLING``; every update of these services forces a deployment
(``EnableForceNewDeployment``), so it rolls the tasks as ECS asks.

Back to ROLLING: "If the service has a deployment in progress, you can't migrate it to
rolling deployment. Wait for any current deployments to complete", and a rolling release
registers its tasks in ``TargetGroupArn`` only, so the production traffic must be there
(``ops.preflight.deployments.strategy_switch``).
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/update-bluegreen-to-rolling.html

Both are read live (the service's load balancers and deployments, DescribeServices):
``make preflight`` reports them, and ``make plan`` and ``make deploy`` refuse the update in
one line before any change set is made.
"""

from ..shared.aws import call_or_none
from ..shared.report import Result, failed, passed
from .traffic import ROLLING, SERVICES, service

GUIDES = {"go-api": "docs/go-api.md#switching-strategies", "platform": "docs/platform.md#switching-strategies"}
STRATEGY = "DeploymentStrategy"
# What the first update gives besides ROLLING, per template: go-api takes the group and rule as parameters.
FIRST_UPDATE = {
    "go-api": "DeploymentStrategy=ROLLING with AlternateTargetGroupArn and ProductionListenerRuleArn",
    "platform": "DeploymentStrategy=ROLLING (the template adds the BFF's advanced configuration)",
}


def service_arn(cloudformation, name: str, stack: str) -> str | None:
    answer = call_or_none(cloudformation, "describe_stack_resource", StackName=stack, LogicalResourceId=SERVICES[name])
    return answer["StackResourceDetail"].get("PhysicalResourceId") if answer else None


def in_progress(described: dict) -> bool:
    deployments = described.get("deployments") or []
    return len(deployments) > 1 or any(d.get("rolloutState") == "IN_PROGRESS" for d in deployments)


def problem(described: dict, name: str, before: str, after: str) -> tuple[str, str] | None:
    """(what stops the switch, the next step) for a described service, or None when it may go ahead."""
    guide = GUIDES[name]
    if in_progress(described):
        return (
            f"a deployment of {described.get('serviceName')} is in progress: ECS takes no switch from {before} "
            f"to {after} until it completes",
            f"wait (aws ecs describe-services shows one deployment, COMPLETED), then update ({guide})",
        )
    if after == ROLLING:
        return None
    missing = [b for b in described.get("loadBalancers") or [] if not b.get("advancedConfiguration")]
    if not missing:
        return None
    return (
        f"{described.get('serviceName')} is ROLLING behind a load balancer without an advanced configuration: "
        f"ECS switches it to {after} only after a rolling deployment that added one",
        f"two updates: first {FIRST_UPDATE[name]} (the tasks roll once), wait for it to complete, "
        f"then {STRATEGY}={after} ({guide})",
    )


def _strategies(current: dict | None, values: dict[str, str]) -> tuple[str, str]:
    previous = {p["ParameterKey"]: p.get("ParameterValue", "") for p in (current or {}).get("Parameters", [])}
    before = previous.get(STRATEGY) or ROLLING
    return before, values.get(STRATEGY) or before


def check(ctx) -> list[Result]:
    """make preflight with STACK=: the switch this update makes, if any."""
    name = "deployment.switch-steps"
    if ctx.name not in SERVICES or not ctx.stack or ctx.deployed is None:
        return []
    before, after = _strategies(ctx.deployed, {STRATEGY: ctx.value(STRATEGY)})
    if (before == ROLLING) == (after == ROLLING):
        return []  # no switch: the release checks cover it
    arn = service_arn(ctx.client("cloudformation"), ctx.name, ctx.stack)
    described = service(ctx.client("ecs"), arn) if arn else None
    if described is None:
        return [passed(name, f"{before} to {after}: no running service to prepare")]
    found = problem(described, ctx.name, before, after)
    if found:
        return [failed(name, *found)]
    return [passed(name, f"{before} to {after}: ECS has what it needs for the switch in one update")]


def refusal(account, name: str, stack: str, current: dict | None, given: dict[str, str]) -> str | None:
    """make plan / make deploy: one line why the update cannot go ahead yet, or None.

    The same checks as ``make preflight`` with STACK= on the switch and the production rule
    (this module, ``ops.preflight.deployments.strategy_switch``, ``ops.preflight.traffic.production_group``),
    with the values the update sends: the file's, and the stack's for what the file leaves out."""
    from ..shared import template
    from ..shared.context import Context
    from ..shared.params import effective
    from . import deployments, traffic

    if current is None or (name not in SERVICES and name != "prerequisites"):
        return None
    document = template.load(name)
    previous = {p["ParameterKey"]: p.get("ParameterValue", "") for p in current.get("Parameters", [])}
    values = effective(document.get("Parameters", {}), {**previous, **given})
    ctx = Context(account, name, template.Values(document, values, region=account.region, stack=stack), stack)
    ctx.__dict__["deployed"] = current  # what DescribeStacks answered already
    for run in (check, deployments.strategy_switch, traffic.production_group):
        for result in run(ctx):
            if result.status == "fail":
                return f"{result.detail}. Next: {result.fix}"
    return None
