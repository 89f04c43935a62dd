"""python -m ops.doctor STACK [--json]  |  python -m ops.doctor --explain [TEXT] [--json]

Reads, never changes: the stack's status and first failure, then each ECS service of
the stack (events, deployments, stopped tasks, target health, Cloud Map instances), and
matches what it finds against ops.doctor.signatures. With --explain, matches one AWS error text
(the argument, or standard input) instead, without any AWS call.
Exit status: 0 healthy (--explain: the text is explained), 1 problems found (--explain: no
known signature matches), 2 no such stack, no text, AWS unreachable or an AWS error (one
inside a service's inspection skips that service, naming it).
"""

import argparse
import json
import sys
from dataclasses import dataclass

import botocore.exceptions

from ..preflight import traffic
from ..shared import stack
from ..shared.aws import Account, call, one_line, one_line_failure
from ..shared.errors import AwsError, BadInput, NoPermission
from ..shared.report import Result, as_json, as_text, exit_code, failed, passed, progress, skipped
from . import signatures

HEALTHY_STACK = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"}
# Operations that end by themselves; run doctor again when they have.
SETTLING = {
    "CREATE_IN_PROGRESS",
    "UPDATE_IN_PROGRESS",
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
    "DELETE_IN_PROGRESS",
    "IMPORT_IN_PROGRESS",
}
# A change set was created for a new stack and never executed: nothing exists yet.
NOT_CREATED_YET = "REVIEW_IN_PROGRESS"
# Where the latest operation began: the stack's own event with one of these statuses.
STARTS = {"CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS", "IMPORT_IN_PROGRESS"}
EVENTS_READ = 20
STOPPED_TASKS_READ = 10
# Stop codes of a task that failed, as opposed to one ECS stopped on purpose (a deployment
# or scale-in replacing it: ServiceSchedulerInitiated) or a user stopped.
# https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Task.html (stopCode)
FAILED_STOP_CODES = {"TaskFailedToStart", "EssentialContainerExited", "SpotInterruption"}


def latest_operation_events(cloudformation, name: str) -> list[dict]:
    """The events of the stack's latest operation, oldest first."""
    events, token = [], {}
    while True:  # paged by hand: each page goes through call() and its one-line errors
        page = call(cloudformation, "describe_stack_events", StackName=name, **token)
        for event in page["StackEvents"]:  # newest first
            events.append(event)
            if event["LogicalResourceId"] == name and event["ResourceStatus"] in STARTS:
                return list(reversed(events))
        if not page.get("NextToken"):
            return list(reversed(events))
        token = {"NextToken": page["NextToken"]}


def cause_of(events: list[dict], name: str) -> dict | None:
    """The event that caused the operation to fail, among events oldest first.

    The first resource that failed is the cause; what follows are consequences: resources
    whose creation was cancelled because of it, the stack's own summary ("The following
    resource(s) failed to create"), and the rollback's own failures.
    """
    failures = [e for e in events if e["ResourceStatus"].endswith("_FAILED")]
    resources = [e for e in failures if e["LogicalResourceId"] != name]
    causes = [e for e in resources if not _is_consequence(e.get("ResourceStatusReason", ""))]
    return (causes or resources or failures or [None])[0]


def _is_consequence(reason: str) -> bool:
    found = signatures.best(reason)
    return found is not None and found.consequence


def first_failure(cloudformation, name: str) -> dict | None:
    return cause_of(latest_operation_events(cloudformation, name), name)


@dataclass(frozen=True)
class Text:
    where: str  # what it is, for the reader ("stopped task of api")
    kind: str  # a key of signatures.UNKNOWN_WHERE
    text: str
    resource_type: str | None = None
    failure: bool = True  # a text that reports a failure: unexplained, it is named as unknown


class Findings:
    """AWS texts gathered from the stack, each with where it came from, and direct results."""

    def __init__(self):
        self.texts: list[Text] = []
        self.results: list[Result] = []

    def add(self, where: str, text: str, *, kind: str, resource_type: str | None = None, failure: bool = True):
        if text and text.strip():
            self.texts.append(Text(where, kind, text.strip(), resource_type, failure))

    def matched(self) -> list[Result]:
        """One result per signature found, causes before consequences; then each failure text
        no signature explains, as unknown with where to look. Ordinary events (a steady state,
        tasks started) are explained and left out."""
        causes: dict[str, Result] = {}
        consequences: dict[str, Result] = {}
        unknown: list[Result] = []
        for item in self.texts:
            signature = signatures.best(item.text, item.resource_type)
            if signature is None:
                if item.failure:
                    unknown.append(
                        failed(
                            "unknown",
                            f"no known signature matches what {item.where} says: {item.text[:300]}",
                            f"look at {signatures.UNKNOWN_WHERE[item.kind]}",
                        )
                    )
                continue
            if signature.informational:
                continue
            found = consequences if signature.consequence else causes
            if signature.name not in found:
                found[signature.name] = failed(
                    f"signature:{signature.name}",
                    f"{signature.cause} Seen in {item.where}: {item.text[:300]}",
                    f"{signature.fix} See {signature.section}.",
                )
        return [*causes.values(), *unknown, *consequences.values()]


def _cluster_of(service_arn: str) -> str:
    # arn:aws:ecs:region:account:service/<cluster>/<service>
    return service_arn.split(":service/", 1)[1].split("/")[0]


def _target_health(account: Account, name: str, target_group: str, findings: Findings) -> None:
    health = call(account.client("elbv2"), "describe_target_health", TargetGroupArn=target_group)
    for description in health["TargetHealthDescriptions"]:
        state = description["TargetHealth"]
        if state.get("State") not in ("healthy", "initial", "draining"):
            findings.add(
                f"target health of {name}",
                f"{description['Target']['Id']} {state.get('State')} {state.get('Reason', '')} "
                f"{state.get('Description', '')}",
                kind="target health",
            )


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
        findings.add(f"service {name} event", event["message"], kind="service event", failure=False)
    for deployment in service.get("deployments", []):
        if deployment.get("rolloutState") == "FAILED":
            findings.add(f"service {name} deployment", deployment.get("rolloutStateReason", ""), kind="service event")
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
            failure = task.get("stopCode") in FAILED_STOP_CODES or not task.get("stopCode")
            findings.add(f"stopped task of {name}", task.get("stoppedReason", ""), kind="stopped task", failure=failure)
            for container in task.get("containers", []):
                reason = container.get("reason", "")
                text = reason
                if container.get("exitCode") not in (None, 0):
                    text = f"{text} exit code {container['exitCode']}".strip()
                # A bare exit code is the app's own: its log says why, not a signature.
                findings.add(
                    f"container {container.get('name')} of {name}",
                    text,
                    kind="stopped task",
                    failure=failure and bool(reason),
                )
    for balancer in service.get("loadBalancers", []):
        # Blue/green, linear and canary register tasks in the alternate group too.
        advanced = balancer.get("advancedConfiguration") or {}
        for target_group in (g for g in (balancer.get("targetGroupArn"), advanced.get("alternateTargetGroupArn")) if g):
            _target_health(account, name, target_group, findings)
        if advanced.get("productionListenerRule"):
            findings.results.append(traffic.diagnosis(ecs, account.client("elbv2"), service, balancer))
    for registry in service.get("serviceRegistries", []):
        service_id = registry["registryArn"].rsplit("/", 1)[-1]
        instances = call(account.client("servicediscovery"), "list_instances", ServiceId=service_id)["Instances"]
        registry_check = f"cloud-map:{name}"
        if running and not instances:
            findings.results.append(failed(registry_check, f"{service_id} has no registered instance", signatures.EXEC))
        else:
            findings.results.append(passed(registry_check, f"{len(instances)} instance(s) registered in {service_id}"))


def stack_result(name: str, found: dict) -> Result:
    status = found["StackStatus"]
    if status in HEALTHY_STACK:
        return passed("stack", status)
    if status in SETTLING:
        return skipped(
            "stack",
            f"{status}: an operation is under way; wait for it (aws cloudformation wait {stack.WAITERS[status]} "
            f"--stack-name {name}), then run make doctor again",
        )
    if status == NOT_CREATED_YET:
        return skipped(
            "stack", f"{status}: a change set was created and never executed, so nothing of the stack exists yet"
        )
    reason = found.get("StackStatusReason", "")
    return failed("stack", f"{status}: {reason}".rstrip(": "), _stack_fix(name, status))


def _stack_fix(name: str, status: str) -> str:
    if status in ("UPDATE_ROLLBACK_COMPLETE", "IMPORT_ROLLBACK_COMPLETE"):
        return "the stack is back on its previous version: remove the cause named below, then deploy again"
    return stack._fix(name, status, then="run make doctor again")


def diagnose(account: Account, name: str) -> list[Result]:
    cloudformation = account.client("cloudformation")
    progress(f"reading stack {name}...")
    found = stack.described(cloudformation, name)
    findings = Findings()
    findings.results.append(stack_result(name, found))
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
        where = f"stack event of {first['LogicalResourceId']}"
        findings.add(where, reason, kind="stack event", resource_type=first["ResourceType"])
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
    """The likely cause and its fix, then what to do with the stack itself."""
    problems = [r for r in results if r.status == "fail"]
    if not problems:
        return "healthy: no failure found\n"
    causes = [r for r in problems if r.check.startswith(("signature:", "unknown"))]
    first = (causes or problems)[0]
    text = f"NOT healthy. Likely cause ({first.check}): {first.detail[:200]}\nFix: {first.fix}\n"
    state = next((r for r in problems if r.check == "stack"), None)
    if state is not None and state is not first:
        text += f"Then: {state.fix}\n"
    return text


# --- Explaining one text -------------------------------------------------------------------


def explain(text: str) -> dict:
    """What the signatures say about one AWS error text."""
    found = signatures.match(text)
    if not found:
        return {"signature": None, "where": signatures.UNKNOWN_WHERE["text"]}
    best, others = found[0], found[1:]
    return {
        "signature": best.name,
        "family": best.family,
        "cause": best.cause,
        "fix": best.fix,
        "guide": best.section,
        "source": best.source,
        "also_matches": [other.name for other in others],
        "failure": not best.informational,
    }


def explanation_text(answer: dict) -> str:
    if answer["signature"] is None:
        return f"unknown: no known signature matches this text.\nwhere to look: {answer['where']}\n"
    lines = [
        f"{'cause' if answer['failure'] else 'not a failure'} ({answer['signature']}): {answer['cause']}",
        f"fix: {answer['fix']}",
        f"guide: {answer['guide']}; source: {answer['source']}",
    ]
    if answer["also_matches"]:
        lines.append(f"also matches (less specific): {', '.join(answer['also_matches'])}")
    return "\n".join(lines) + "\n"


def _text_to_explain(argument: list[str] | None) -> str:
    if argument:
        return " ".join(argument)
    if sys.stdin is None or sys.stdin.isatty():
        raise BadInput("no text to explain: give it as an argument, or on standard input (make explain TEXT='...')")
    text = sys.stdin.read()
    if not text.strip():
        raise BadInput("no text to explain: standard input was empty (make explain TEXT='...')")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.doctor", description=__doc__.splitlines()[0])
    parser.add_argument("stack", nargs="?", help="the stack name")
    parser.add_argument("--explain", nargs="*", metavar="TEXT", help="explain an AWS error text (else stdin)")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    arguments = parser.parse_args(argv)
    if arguments.explain is not None:
        answer, failure = one_line_failure("explain", lambda: explain(_text_to_explain(arguments.explain)))
        if failure:
            return failure
        sys.stdout.write(json.dumps(answer, indent=2) + "\n" if arguments.json else explanation_text(answer))
        return 0 if answer["signature"] else 1
    if not arguments.stack:
        print("doctor: STACK is required (make doctor STACK=<stack name>), or --explain TEXT", file=sys.stderr)
        return 2
    results, failure = one_line_failure("doctor", lambda: diagnose(Account(), arguments.stack))
    if failure:
        return failure
    if arguments.json:
        sys.stdout.write(as_json(results))
    else:
        sys.stdout.write(as_text(results) + "\n" + summary(results))
    return exit_code(results)
