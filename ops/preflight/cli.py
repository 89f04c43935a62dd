"""python -m ops.preflight TEMPLATE [PARAMS] [--json] [--offline] [--stack NAME]

First offline (the parameter file against the template, and the template's Rules),
then, read-only, the account the stack will be deployed to.
Exit status: 0 nothing failed, 1 something failed, 2 bad input, AWS unreachable, or an AWS
error outside any one check (inside one, that check is skipped naming the error).
"""

import argparse
import sys
from collections.abc import Callable

import botocore.exceptions

from ..shared import params, rules, stack, template
from ..shared.aws import Account, call, one_line, one_line_failure
from ..shared.context import Context
from ..shared.errors import AwsError, BadInput, NoPermission
from ..shared.report import Result, as_json, as_text, exit_code, progress, skipped
from ..shared.template import Values
from . import (
    alarm_topic,
    artifacts,
    compute,
    deployments,
    discovery,
    endpoint_access,
    loadbalancing,
    network,
    plugin_image,
    switch,
    traffic,
)

# In the order a reader fixes things: the stack's own name first (with --stack), then the
# network, then what the tasks pull and read.
ACCOUNT_CHECKS: list[tuple[str, Callable[[Context], list[Result]]]] = [
    ("stack", stack.stack_state),
    ("leftover-log-groups", stack.leftover_log_groups),
    ("leftover-repositories", stack.leftover_repositories),
    ("vpc.dns", network.vpc_dns),
    ("subnets", network.subnets),
    ("route", network.image_routes),
    ("endpoints", network.interface_endpoints),
    ("exec", network.exec_channel),
    ("endpoints.access", endpoint_access.endpoint_access),
    ("security-group", network.security_groups),
    ("prefix-list", network.prefix_list),
    ("target-group", loadbalancing.target_group),
    ("listener", loadbalancing.listener_priority),
    ("alarms.listener", deployments.alarm_listener),
    ("deployment.target-groups", deployments.traffic_shift),
    ("deployment.switch-steps", switch.check),
    ("deployment.switch", deployments.strategy_switch),
    ("deployment.production-group", traffic.production_group),
    ("image", artifacts.images),
    ("ssm-parameters", artifacts.ssm_parameters),
    ("bucket", artifacts.bucket),
    ("namespace", discovery.namespace),
    ("namespace.name", discovery.namespace_name_free),
    ("cloud-map-service", discovery.service_name_free),
    ("cluster", compute.cluster),
    ("alarms.container-insights", deployments.container_insights),
    ("alarms.topic", alarm_topic.alarm_topic),
    ("iam.ecs-service-linked-role", compute.service_linked_role),
    ("quota", compute.fargate_quota),
]

# An AWS error inside one check skips that check (naming the error) and the others run.
CHECK_ERRORS = (botocore.exceptions.ClientError, AwsError)


def offline(name: str, params_file: str | None) -> tuple[dict, dict[str, str], list[Result]]:
    document = template.load(name)
    if params_file is None:
        required = [key for key, body in document.get("Parameters", {}).items() if "Default" not in body]
        if required:
            raise BadInput(
                f"PARAMS is required: {name} needs {', '.join(required)}; give a parameter file, e.g. "
                f"PARAMS=params/{name}.dev.json, or your own copy params/{name}.<env>.local.json (git ignores those)"
            )
    given = params.read(params_file)
    params.refuse_other_template(name, document.get("Parameters", {}), given, params_file)
    results = params.check(document, given)
    values = params.effective(document.get("Parameters", {}), given)
    if not any(r.status == "fail" for r in results):
        results += rules.evaluate(document, values)
        results += deployments.duration(name, values)
        results += plugin_image.check(document, values)
    return document, values, results


def _tag(resource: dict, key: str) -> str | None:
    return next((t["Value"] for t in resource.get("Tags", []) if t["Key"] == key), None)


def attribute_lookup(ctx: Context) -> rules.Lookup:
    """The Fn::ValueOf attributes of rules.SUPPORTED_ATTRIBUTES, read from EC2."""
    ec2 = ctx.client("ec2")

    def describe(kind: str, value: str, attribute: str) -> dict:
        if kind == "AWS::EC2::Subnet::Id":
            return call(ec2, "describe_subnets", SubnetIds=[value])["Subnets"][0]
        if kind == "AWS::EC2::SecurityGroup::Id":
            return call(ec2, "describe_security_groups", GroupIds=[value])["SecurityGroups"][0]
        if attribute == "DefaultNetworkAcl":
            default = [{"Name": "vpc-id", "Values": [value]}, {"Name": "default", "Values": ["true"]}]
            acl = call(ec2, "describe_network_acls", Filters=default)["NetworkAcls"][0]
            return {"DefaultNetworkAcl": acl["NetworkAclId"]}
        if attribute == "DefaultSecurityGroup":
            default = [{"Name": "vpc-id", "Values": [value]}, {"Name": "group-name", "Values": ["default"]}]
            group = call(ec2, "describe_security_groups", Filters=default)["SecurityGroups"][0]
            return {"DefaultSecurityGroup": group["GroupId"]}
        return call(ec2, "describe_vpcs", VpcIds=[value])["Vpcs"][0]

    def lookup(kind: str, value: str, attribute: str):
        rules.supported(kind, attribute)
        try:
            resource = describe(kind, value, attribute)
        except (botocore.exceptions.ClientError, IndexError):  # no such resource
            return None
        name, _, tag = attribute.partition(".")
        return _tag(resource, tag) if name == "Tags" else resource.get(name)

    return lookup


def account_checks(ctx: Context, document: dict, offline_results: list[Result]) -> list[Result]:
    results = []
    # Rules skipped offline because they read the account get their second chance here.
    if any(r.check.startswith("rule:") and r.status == "skip" for r in offline_results):
        progress("checking rules that read the account...")
        try:
            redone = {r.check: r for r in rules.evaluate(document, ctx.values.values, attribute_lookup(ctx))}
        except NoPermission as denied:
            redone = {}
            results.append(skipped("rules", f"no permission: {denied.action}"))
        except CHECK_ERRORS as error:
            redone = {}
            results.append(skipped("rules", f"AWS error: {one_line(error)}"))
        offline_results[:] = [redone.get(r.check, r) if r.status == "skip" else r for r in offline_results]
    for name, check in ACCOUNT_CHECKS:
        progress(f"checking {name}...")
        try:
            results += check(ctx)
        except NoPermission as denied:
            results.append(skipped(name, f"no permission: {denied.action}"))
        except CHECK_ERRORS as error:
            results.append(skipped(name, f"AWS error: {one_line(error)}"))
    return results


def run(
    name: str,
    params_file: str | None,
    *,
    only_offline: bool = False,
    stack: str | None = None,
    account: Account | None = None,
) -> list[Result]:
    """``account`` may be shared between runs: its clients are made once and reused."""
    document, values, results = offline(name, params_file)
    if only_offline:
        return results
    if any(r.status == "fail" for r in results):
        return [*results, skipped("account", "not checked until the parameter file is fixed")]
    account = account or Account()
    ctx = Context(account, name, Values(document, values, account.region), stack)
    results += account_checks(ctx, document, results)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.preflight", description=__doc__.splitlines()[0])
    parser.add_argument("template", help=f"one of {', '.join(template.names())}")
    parser.add_argument("params", nargs="?", help="parameter file (params/*.json)")
    parser.add_argument("--json", action="store_true", help="print one JSON list")
    parser.add_argument("--offline", action="store_true", help="only the parameter file and the Rules, no AWS call")
    parser.add_argument(
        "--stack",
        help="the stack name deploy will use: its state, log groups an earlier stack of that name kept, "
        "and (an update) its own listener rule",
    )
    arguments = parser.parse_args(argv)
    results, failure = one_line_failure(
        "preflight",
        lambda: run(arguments.template, arguments.params, only_offline=arguments.offline, stack=arguments.stack),
    )
    if failure:
        return failure
    sys.stdout.write(as_json(results) if arguments.json else as_text(results))
    return exit_code(results)
