"""python -m ops.doctor STACK [--json]

Reads, never changes: the stack's status and first failure, then each ECS service of
the stack (events, deployments, stopped tasks, target health, Cloud Map instances), and
matches what it finds against ops.signatures.
Exit status: 0 healthy, 1 problems found, 2 no such stack, AWS unreachable or an AWS error
(one inside a service's inspection skips that service, naming it).
"""

import argparse
import sys

import botocore.exceptions

from . import signatures
from .aws import Account, call, error_code, one_line, one_line_failure
from .errors import AwsError, BadInput, NoPermission
from .report import Result, as_json, as_text, exit_code, failed, passed, progress, skipped

HEALTHY_STACK = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"}
STARTS = {"CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS", "IMPORT_IN_PROGRESS"}
EVENTS_READ = 20
STOPPED_TASKS_READ = 10


def _stack(cloudformation, name: str) -> dict:
    try:
        return call(cloudformation, "describe_stacks", StackName=name)["Stacks"][0]
    except botocore.exceptions.ClientError as error:
        if error_code(error) == "ValidationError":
            raise BadInput(f"no stack named {name!r} in this region: aws cloudformation list-stacks") from None
        raise


def first_failure(cloudformation, name: str) -> dict | None:
    """The earliest *_FAILED event of the stack's latest operation (the others follow from it)."""
    events, token = [], {}
    while True:  # paged by hand: each page goes through call() and its one-line errors
        page = call(cloudformation, "describe_stack_events", StackName=name, **token)
        for event in page["StackEvents"]:  # newest first
            events.append(event)
            if event["LogicalResourceId"] == name and event["ResourceStatus"] in STARTS:
                break
        else:
            if page.get("NextToken"):
                token = {"NextToken": page["NextToken"]}
                continue
        break
    failures = [e for e in reversed(events) if e["ResourceStatus"].endswith("_FAILED")]
    real = [e for e in failures if "cancelled" not in e.get("ResourceStatusReason", "").lower()]
    return (real or failures or [None])[0]


class Findings:
    """AWS texts gathered from the stack, each with where it came from."""

    def __init__(self):
        self.texts: list[tuple[str, str]] = []
        self.results: list[Result] = []

    def add(self, where: str, text: str) -> None:
        if text:
            self.texts.append((where, text))

    def matched(self) -> list[Result]:
        found: dict[str, Result] = {}
        for where, text in self.texts:
            for signature in signatures.match(text):
                if signature.name not in found:
                    found[signature.name] = failed(
                        f"signature:{signature.name}",
                        f"{signature.cause} Seen in {where}: {text[:300]}",
                        f"{signature.fix} See {signature.section}.",
                    )
        return list(found.values())


def _cluster_of(service_arn: str) -> str:
    # arn:aws:ecs:region:account:service/<cluster>/<service>
    return service_arn.split(":service/", 1)[1].split("/")[0]


def inspect_service(account: Account, arn: str, findings: Findings) -> None:
    ecs = account.client("ecs")
    cluster = _cluster_of(arn)
    described = call(ecs, "describe_services", cluster=cluster, services=[arn]).get("services", [])
    if not described:
        findings.results.append(failed(f"service:{arn.rsplit('/', 1)[-1]}", "not found", "make deploy again"))
        return
    service = described[0]
    name = service["serviceName"]
    for event in service.get("events", [])[:EVENTS_READ]:
        findings.add(f"service {name} event", event["message"])
    for deployment in service.get("deployments", []):
        if deployment.get("rolloutState") == "FAILED":
            findings.add(f"service {name} deployment", f"rolloutState FAILED: {deployment.get('rolloutStateReason')}")
    running, desired = service.get("runningCount", 0), service.get("desiredCount", 0)
    check = f"service:{name}"
    if running < desired:
        findings.results.append(
            failed(check, f"{running} of {desired} tasks running", "see the signatures below and the service events")
        )
    else:
        findings.results.append(passed(check, f"{running} of {desired} tasks running"))
    stopped = call(ecs, "list_tasks", cluster=cluster, serviceName=name, desiredStatus="STOPPED").get("taskArns", [])
    if stopped:
        tasks = call(ecs, "describe_tasks", cluster=cluster, tasks=stopped[:STOPPED_TASKS_READ]).get("tasks", [])
        for task in tasks:
            findings.add(f"stopped task of {name}", f"{task.get('stopCode', '')} {task.get('stoppedReason', '')}")
            for container in task.get("containers", []):
                text = container.get("reason", "")
                if container.get("exitCode") not in (None, 0):
                    text = f"{text} exit code {container['exitCode']}".strip()
                findings.add(f"container {container.get('name')} of {name}", text)
    for balancer in service.get("loadBalancers", []):
        target_group = balancer.get("targetGroupArn")
        if not target_group:
            continue
        health = call(account.client("elbv2"), "describe_target_health", TargetGroupArn=target_group)
        for description in health["TargetHealthDescriptions"]:
            state = description["TargetHealth"]
            if state.get("State") not in ("healthy", "initial", "draining"):
                findings.add(
                    f"target health of {name}",
                    f"{description['Target']['Id']} {state.get('State')} {state.get('Reason', '')} "
                    f"{state.get('Description', '')}",
                )
    for registry in service.get("serviceRegistries", []):
        service_id = registry["registryArn"].rsplit("/", 1)[-1]
        instances = call(account.client("servicediscovery"), "list_instances", ServiceId=service_id)["Instances"]
        registry_check = f"cloud-map:{name}"
        if running and not instances:
            findings.results.append(failed(registry_check, f"{service_id} has no registered instance", signatures.EXEC))
        else:
            findings.results.append(passed(registry_check, f"{len(instances)} instance(s) registered in {service_id}"))


def diagnose(account: Account, name: str) -> list[Result]:
    cloudformation = account.client("cloudformation")
    progress(f"reading stack {name}...")
    stack = _stack(cloudformation, name)
    findings = Findings()
    status = stack["StackStatus"]
    if status in HEALTHY_STACK:
        findings.results.append(passed("stack", status))
    elif status.endswith("_IN_PROGRESS") and "ROLLBACK" not in status:
        findings.results.append(skipped("stack", f"{status}: run make doctor again when it settles"))
    else:
        findings.results.append(
            failed("stack", f"{status}: {stack.get('StackStatusReason', '')}".rstrip(": "), "see the first failure")
        )
    progress("reading stack events...")
    first = first_failure(cloudformation, name)
    if first:
        reason = first.get("ResourceStatusReason", "")
        findings.results.append(
            failed(
                "stack.first-failure",
                f"{first['LogicalResourceId']} ({first['ResourceType']}) {first['ResourceStatus']}: {reason}",
                "the signature below, if one matches; else the resource's own error in the text",
            )
        )
        findings.add(f"stack event of {first['LogicalResourceId']}", reason)
    resources = call(cloudformation, "list_stack_resources", StackName=name)["StackResourceSummaries"]
    for resource in resources:
        if resource["ResourceType"] == "AWS::ECS::Service" and resource.get("PhysicalResourceId", "").startswith(
            "arn:"
        ):
            progress(f"reading ECS service {resource['LogicalResourceId']}...")
            try:
                inspect_service(account, resource["PhysicalResourceId"], findings)
            except NoPermission as denied:
                findings.results.append(
                    skipped(f"service:{resource['LogicalResourceId']}", f"no permission: {denied.action}")
                )
            except (botocore.exceptions.ClientError, AwsError) as error:
                findings.results.append(
                    skipped(f"service:{resource['LogicalResourceId']}", f"AWS error: {one_line(error)}")
                )
    return findings.results + findings.matched()


def summary(results: list[Result]) -> str:
    problems = [r for r in results if r.status == "fail"]
    if not problems:
        return "healthy: no failure found\n"
    causes = [r for r in problems if r.check.startswith("signature:")]
    first = (causes or problems)[0]
    return f"NOT healthy. Likely cause ({first.check}): {first.detail[:200]}\nFix: {first.fix}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.doctor", description=__doc__.splitlines()[0])
    parser.add_argument("stack", help="the stack name")
    parser.add_argument("--json", action="store_true", help="print one JSON list")
    arguments = parser.parse_args(argv)
    results, failure = one_line_failure("doctor", lambda: diagnose(Account(), arguments.stack))
    if failure:
        return failure
    if arguments.json:
        sys.stdout.write(as_json(results))
    else:
        sys.stdout.write(as_text(results) + "\n" + summary(results))
    return exit_code(results)


if __name__ == "__main__":
    sys.exit(main())
