"""python -m ops.probe STACK [PARAMS] [--json]

Whether clients in the VPC are answered by a finfocus plugin stack, asked from inside it:
one short-lived Fargate task in the stack's own cluster and subnets resolves the service's
Cloud Map name and asks every regional port of every task it resolves to, then stops; its
log says, per port, answered / refused / timed out and how long it took.
Registers a task definition revision and (unless the stack admits a client security group
the probe can use) a security group, and removes both again, also after a failure or Ctrl-C.
PARAMS: a parameter file ("Key=Value" list) whose SubnetIds, AssignPublicIp or ProxyImage
replace the stack's for the probe (to probe from the clients' subnets, or through a mirror).
Exit status: 0 every port answered, 1 a port did not (or the probe would not be admitted),
2 bad input, no permission, AWS unreachable, or the probe task did not run to its end.
"""

import argparse
import contextlib
import ipaddress
import json
import secrets
import sys
import time
from dataclasses import asdict, dataclass, field

import botocore.exceptions

from templates import facts

from ..doctor import signatures
from ..shared import params
from ..shared.aws import Account, banner, call, error_code, one_line, one_line_failure
from ..shared.errors import AwsError, BadInput, NoPermission
from ..shared.report import progress
from ..shared.stack import described as described_stack
from .script import ANSWERED, Output, command, parse

PERMISSIONS = "docs/finfocus-plugin.md#check-that-clients-are-answered-make-probe"

# The image the task runs when the stack names none: the proxy's own default (ProxyImage in
# the plugin templates, templates/facts.py), so no other image is pulled.
DEFAULT_PROXY_IMAGE = facts.PROXY_IMAGE

# What the probe reads from the stack (DescribeStacks): the outputs both plugin templates have.
OUTPUTS = ("ClusterName", "ServiceDnsName", "LogGroupName", "SecurityGroupId", "TaskDefinitionArn")
PARAMETERS = ("VpcId", "SubnetIds", "ClientCidr")
# What PARAMS may replace for the probe.
OVERRIDES = ("SubnetIds", "AssignPublicIp", "ProxyImage")

CONTAINER = "probe"
STREAM_PREFIX = "probe"
# The smallest Fargate size: wget and sh need a few MiB.
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
CPU, MEMORY = "256", "512"
# Seconds wget waits for a port (connect and each read): a healthy port answers /healthz in milliseconds.
ASK_TIMEOUT = 5
# The task's whole life, from RunTask to STOPPED: room for a slow image pull and start; its script lasts
# about ASK_TIMEOUT.
TASK_LIMIT, POLL = 300, 5
# awslogs delivers a few seconds after the container wrote: the log is read until its end line.
LOG_LIMIT = 60
# An ENI is released some seconds after its task stopped; until then its group cannot be deleted.
GROUP_LIMIT = 180

sleep = time.sleep  # replaced by the tests


class ProbeNotRun(Exception):
    """The probe task did not run to its end: exit status 2, after the reason."""


@dataclass(frozen=True)
class Plugin:
    """A plugin stack, as far as the probe needs it."""

    stack: str
    cluster: str
    dns_name: str
    log_group: str
    security_group: str
    vpc: str
    subnets: list[str]
    client_cidr: str
    client_group: str
    assign_public_ip: str
    image: str
    execution_role: str
    regions: dict[int, str]  # port -> region, from the task definition's port mappings


@dataclass
class Placement:
    """Where the probe task runs: subnets, and a group the plugin's group admits."""

    subnets: list[str]
    group: str | None  # None: a group of its own is created
    notes: list[str] = field(default_factory=list)


def read_plugin(account: Account, name: str, overrides: dict[str, str]) -> Plugin:
    found = described_stack(account.client("cloudformation"), name)
    outputs = {o["OutputKey"]: o.get("OutputValue", "") for o in found.get("Outputs", [])}
    values = {
        p["ParameterKey"]: p.get("ResolvedValue", p.get("ParameterValue", "")) for p in found.get("Parameters", [])
    }
    missing = [key for key in OUTPUTS if not outputs.get(key)] + [key for key in PARAMETERS if key not in values]
    if missing:
        raise BadInput(
            f"{name} is not a finfocus plugin stack ({found['StackStatus']}; no {', '.join(missing)}): "
            "name a stack deployed from finfocus-plugin or finfocus-plugin-10-region"
        )
    values.update({key: value for key, value in overrides.items() if key in OVERRIDES})
    task_definition = call(
        account.client("ecs"), "describe_task_definition", taskDefinition=outputs["TaskDefinitionArn"]
    )
    definition = task_definition["taskDefinition"]
    regions = {
        mapping["containerPort"]: mapping["name"]
        for container in definition.get("containerDefinitions", [])
        for mapping in container.get("portMappings", [])
        if facts.REGION_NAME.fullmatch(mapping.get("name", ""))
    }
    if not regions:
        raise BadInput(
            f"{name} is not a finfocus plugin stack: its task definition {outputs['TaskDefinitionArn']} names no "
            "regional port (port mappings named after a region)"
        )
    if not definition.get("executionRoleArn"):
        raise BadInput(f"the task definition {outputs['TaskDefinitionArn']} has no execution role for the probe's logs")
    return Plugin(
        stack=name,
        cluster=outputs["ClusterName"],
        dns_name=outputs["ServiceDnsName"],
        log_group=outputs["LogGroupName"],
        security_group=outputs["SecurityGroupId"],
        vpc=values["VpcId"],
        subnets=[s.strip() for s in values["SubnetIds"].split(",") if s.strip()],
        client_cidr=values["ClientCidr"],
        client_group=values.get("ClientSecurityGroupId", ""),
        assign_public_ip=values.get("AssignPublicIp") or "DISABLED",
        image=values.get("ProxyImage") or DEFAULT_PROXY_IMAGE,
        execution_role=definition["executionRoleArn"],
        regions=dict(sorted(regions.items())),
    )


class NotAdmitted(Exception):
    """No address the probe could have is admitted by the plugin's security group: exit status 1."""


def place(account: Account, plugin: Plugin) -> Placement:
    """The subnets whose every address ClientCidr admits; else the client security group, if any.

    The plugin's group admits ClientCidr (and ClientSecurityGroupId, when given) on the regional
    ports; a probe from anywhere else would time out and prove nothing about the clients."""
    described = call(account.client("ec2"), "describe_subnets", SubnetIds=plugin.subnets)["Subnets"]
    other_vpc = [s["SubnetId"] for s in described if s["VpcId"] != plugin.vpc]
    if other_vpc:
        raise BadInput(f"{', '.join(other_vpc)} not in the stack's VPC {plugin.vpc}: give SubnetIds of {plugin.vpc}")
    admitted_range = ipaddress.ip_network(plugin.client_cidr, strict=False)
    inside, outside = [], []
    for subnet in sorted(described, key=lambda s: plugin.subnets.index(s["SubnetId"])):
        cidr = subnet.get("CidrBlock")
        if cidr and ipaddress.ip_network(cidr).subnet_of(admitted_range):
            inside.append(subnet["SubnetId"])
        else:
            outside.append(f"{subnet['SubnetId']} ({cidr or 'no IPv4 range'})")
    if inside and not outside:
        return Placement(
            inside, None, [f"the probe runs in {', '.join(inside)}, inside ClientCidr {plugin.client_cidr}"]
        )
    if inside:
        note = (
            f"{', '.join(outside)} not inside ClientCidr {plugin.client_cidr}: the plugin does not admit clients "
            f"there; the probe runs only in {', '.join(inside)}"
        )
        return Placement(inside, None, [note])
    if plugin.client_group:
        note = (
            f"no subnet is inside ClientCidr {plugin.client_cidr} ({', '.join(outside)}): the probe runs in the "
            f"client security group {plugin.client_group}, which the plugin's group admits from any address"
        )
        return Placement(plugin.subnets, plugin.client_group, [note])
    raise NotAdmitted(
        f"none of the subnets {', '.join(outside)} is inside ClientCidr {plugin.client_cidr}: the plugin's security "
        "group admits no address the probe could have, and every port would time out. Probe from the clients' "
        "subnets (PARAMS with SubnetIds=<subnets inside ClientCidr>), or deploy with ClientCidr set to the clients' "
        "range (the VPC's CIDR) or with ClientSecurityGroupId"
    )


@dataclass
class Made:
    """What the probe made in the account, so that it can be removed."""

    task_definition: str | None = None
    group: str | None = None
    task: str | None = None
    task_stopped: bool = False


def create_group(account: Account, plugin: Plugin, made: Made) -> str:
    """A group with no ingress and the default egress (all): for the minutes of the probe."""
    ec2 = account.client("ec2")
    name = f"{plugin.stack}-probe-{secrets.token_hex(4)}"
    made.group = call(
        ec2,
        "create_security_group",
        GroupName=name,
        Description=f"finfocus probe of {plugin.stack}: no ingress, deleted when the probe ends",
        VpcId=plugin.vpc,
    )["GroupId"]
    progress(f"created security group {made.group} ({name})")
    return made.group


def register(account: Account, plugin: Plugin, made: Made) -> str:
    container = {
        "name": CONTAINER,
        "image": plugin.image,
        "essential": True,
        "entryPoint": ["sh", "-c"],
        "command": command(ASK_TIMEOUT, plugin.dns_name, list(plugin.regions)),
        "readonlyRootFilesystem": True,
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": plugin.log_group,
                "awslogs-region": account.region,
                "awslogs-stream-prefix": STREAM_PREFIX,
            },
        },
    }
    answer = call(
        account.client("ecs"),
        "register_task_definition",
        family=f"{plugin.stack}-probe",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu=CPU,
        memory=MEMORY,
        executionRoleArn=plugin.execution_role,
        containerDefinitions=[container],
    )
    made.task_definition = answer["taskDefinition"]["taskDefinitionArn"]
    progress(f"registered {made.task_definition}")
    return made.task_definition


def run_task(account: Account, plugin: Plugin, placement: Placement, made: Made) -> str:
    answer = call(
        account.client("ecs"),
        "run_task",
        cluster=plugin.cluster,
        taskDefinition=made.task_definition,
        launchType="FARGATE",
        count=1,
        startedBy="probe",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": placement.subnets,
                "securityGroups": [placement.group or made.group],
                "assignPublicIp": plugin.assign_public_ip,
            }
        },
    )
    if not answer.get("tasks"):
        reasons = "; ".join(
            f"{f.get('arn', '')} {f.get('reason', '')} {f.get('detail', '')}".strip()
            for f in answer.get("failures", [])
        )
        raise ProbeNotRun(f"ECS did not start the probe task: {reasons or 'no reason given'}")
    made.task = answer["tasks"][0]["taskArn"]
    progress(f"started task {made.task.rsplit('/', 1)[-1]}; waiting for it to stop (at most {TASK_LIMIT} s)")
    return made.task


def wait_stopped(account: Account, plugin: Plugin, made: Made) -> dict:
    ecs = account.client("ecs")
    for _ in range(TASK_LIMIT // POLL + 1):
        answer = call(ecs, "describe_tasks", cluster=plugin.cluster, tasks=[made.task])
        if not answer.get("tasks"):  # a task stopped long ago is forgotten: "MISSING"
            made.task_stopped = True
            reasons = "; ".join(f.get("reason", "") for f in answer.get("failures", [])) or "no reason given"
            raise ProbeNotRun(f"ECS does not describe the probe task {made.task} ({reasons})")
        task = answer["tasks"][0]
        if task["lastStatus"] == "STOPPED":
            made.task_stopped = True
            return task
        sleep(POLL)
    raise ProbeNotRun(
        f"the probe task was not done within {TASK_LIMIT} s (last {task['lastStatus']}): it is stopped now; "
        f"make doctor STACK={plugin.stack} shows the cluster's state"
    )


def failed_to_start(task: dict) -> str | None:
    """Why the task stopped before its script ran to an exit status, or None when it ran."""
    container = next((c for c in task.get("containers", []) if c.get("name") == CONTAINER), {})
    if task.get("stopCode") == "TaskFailedToStart" or container.get("exitCode") is None:
        texts = [task.get("stoppedReason", ""), container.get("reason", "")]
        return " / ".join(t for t in texts if t) or "no reason given"
    return None


def explain_failure(text: str) -> str:
    found = signatures.best(text)
    if found is None:
        return f"the probe task did not run: {text}"
    return f"the probe task did not run: {text}\ncause ({found.name}): {found.cause}\nfix: {found.fix}"


def read_log(account: Account, plugin: Plugin, made: Made) -> Output:
    logs = account.client("logs")
    stream = f"{STREAM_PREFIX}/{CONTAINER}/{made.task.rsplit('/', 1)[-1]}"
    lines: list[str] = []
    for _ in range(LOG_LIMIT // POLL + 1):
        lines, token = [], None
        try:
            while True:
                page = call(
                    logs,
                    "get_log_events",
                    logGroupName=plugin.log_group,
                    logStreamName=stream,
                    startFromHead=True,
                    **({"nextToken": token} if token else {}),
                )
                lines += [event["message"] for event in page.get("events", [])]
                if page.get("nextForwardToken") in (None, token):
                    break
                token = page["nextForwardToken"]
        except botocore.exceptions.ClientError as error:
            if error_code(error) != "ResourceNotFoundException":
                raise
        output = parse(lines)
        if output.ended:
            return output
        sleep(POLL)
    raise ProbeNotRun(
        f"the probe's log {plugin.log_group} {stream} has no end line after {LOG_LIMIT} s "
        f"({len(lines)} line(s)): aws logs tail {plugin.log_group} --log-stream-name-prefix {STREAM_PREFIX}/"
    )


def clean_up(account: Account, plugin: Plugin, made: Made) -> list[str]:
    """Remove what the probe made; returns a line for each thing that could not be removed."""
    ecs, left = account.client("ecs"), []

    def attempt(what: str, undo: str, action) -> None:
        try:
            action()
        except NoPermission as denied:
            left.append(f"{what}: no permission ({denied.action}); remove it: {undo}")
        except (botocore.exceptions.ClientError, AwsError) as error:
            left.append(f"{what}: {one_line(error)}; remove it: {undo}")

    if made.task and not made.task_stopped:
        attempt(
            f"task {made.task}",
            f"aws ecs stop-task --cluster {plugin.cluster} --task {made.task}",
            lambda: call(ecs, "stop_task", cluster=plugin.cluster, task=made.task, reason="probe ended"),
        )
    if made.task_definition:
        revision = made.task_definition
        attempt(
            f"task definition {revision}",
            f"aws ecs deregister-task-definition --task-definition {revision}",
            lambda: call(ecs, "deregister_task_definition", taskDefinition=revision),
        )
        # An INACTIVE revision stays listed until deleted: without ecs:DeleteTaskDefinitions it stays.
        with contextlib.suppress(NoPermission, botocore.exceptions.ClientError, AwsError):
            call(ecs, "delete_task_definitions", taskDefinitions=[revision])
    if made.group:
        group = made.group
        attempt(
            f"security group {group}",
            f"aws ec2 delete-security-group --group-id {group}",
            lambda: _delete_group(account, group, wait=bool(made.task)),
        )
    return left


def _delete_group(account: Account, group: str, *, wait: bool) -> None:
    ec2 = account.client("ec2")
    for _ in range(GROUP_LIMIT // POLL + 1):
        try:
            call(ec2, "delete_security_group", GroupId=group)
            progress(f"deleted security group {group}")
            return
        except botocore.exceptions.ClientError as error:
            # The stopped task's network interface is still attached for a little while.
            if error_code(error) != "DependencyViolation" or not wait:
                raise
        sleep(POLL)
    call(ec2, "delete_security_group", GroupId=group)


@dataclass(frozen=True)
class PortResult:
    port: int
    region: str
    address: str
    result: str
    milliseconds: int | None
    error: str = ""


def results(plugin: Plugin, output: Output) -> list[PortResult]:
    """One result per regional port and resolved address; a port no line speaks of failed."""
    if not output.addresses:
        return [PortResult(port, region, "-", "unresolved", None) for port, region in plugin.regions.items()]
    heard = {(a.port, a.address): a for a in output.answers}
    found = []
    for port, region in plugin.regions.items():
        for address in output.addresses:
            answer = heard.get((port, address))
            if answer is None:
                found.append(PortResult(port, region, address, "no result", None))
            else:
                found.append(PortResult(port, region, address, answer.result, answer.milliseconds, answer.error))
    return found


# What each result means for a client, and where to look: one line each.
MEANINGS = {
    "refused": "nothing listens on the task's address at that port: the plugin listens on 127.0.0.1 only and "
    "no proxy forwards the port (a stack deployed before the proxy: deploy the current template)",
    "timed out": "no answer: a security group or network ACL drops the traffic (ClientCidr, "
    "ClientSecurityGroupId), or the task is overloaded",
    "closed": "the connection was accepted and closed without an answer: the proxy runs but the regional process "
    "behind it does not answer (its log: aws logs tail <log group> --log-stream-name-prefix plugin/)",
    "http error": "the port answered with an HTTP error: the regional process is up but unhealthy (its log)",
    "unreachable": "no route to the task's address from the probe's subnet (route tables, network ACLs)",
    "unresolved": "the name resolves to no address: no task is healthy in Cloud Map (make doctor STACK=<stack>)",
    "no result": "the probe's log has no line for this port",
    "failed": "wget failed in another way (the text after the time)",
}


def as_text(plugin: Plugin, output: Output, found: list[PortResult]) -> str:
    addresses = ", ".join(output.addresses) or "nothing"
    lines = [f"{plugin.dns_name} resolves to {addresses}", ""]
    width = max(len(r.region) for r in found)
    lines.append(f"{'port':5} {'region':{width}}  {'address':15} {'result':10}  time")
    for r in found:
        took = f"{r.milliseconds} ms" if r.milliseconds is not None else "-"
        error = f"  ({r.error})" if r.error and r.result != ANSWERED else ""
        lines.append(f"{r.port:<5} {r.region:{width}}  {r.address:15} {r.result:10}  {took}{error}")
    lines.append("")
    bad = [r for r in found if r.result != ANSWERED]
    if not bad:
        lines.append(f"every regional port answered ({len(found)} of {len(found)})")
    else:
        lines.append(f"{len(bad)} of {len(found)} did not answer:")
        for result in dict.fromkeys(r.result for r in bad):
            lines.append(f"  {result}: {MEANINGS[result].replace('<stack>', plugin.stack)}")
    return "\n".join(lines) + "\n"


def as_json(plugin: Plugin, output: Output, found: list[PortResult], notes: list[str]) -> str:
    document = {
        "stack": plugin.stack,
        "dns_name": plugin.dns_name,
        "addresses": list(output.addresses),
        "notes": notes,
        "ports": [asdict(r) for r in found],
        "answered": all(r.result == ANSWERED for r in found),
    }
    return json.dumps(document, indent=2) + "\n"


def probe(account: Account, stack: str, params_file: str | None, out_json: bool) -> int:
    overrides = params.read(params_file)
    banner(account, stack, aside=out_json)
    progress(f"reading stack {stack}...")
    plugin = read_plugin(account, stack, overrides)
    progress(
        f"{plugin.dns_name}: {len(plugin.regions)} regional ports ({min(plugin.regions)}-{max(plugin.regions)}); "
        f"image {plugin.image}"
    )
    try:
        placement = place(account, plugin)
    except NotAdmitted as reason:
        print(f"probe: {reason}", file=sys.stderr)
        return 1
    for note in placement.notes:
        progress(note)
    made = Made()
    try:
        if placement.group is None:
            create_group(account, plugin, made)
        register(account, plugin, made)
        run_task(account, plugin, placement, made)
        task = wait_stopped(account, plugin, made)
        reason = failed_to_start(task)
        if reason:
            raise ProbeNotRun(explain_failure(reason))
        output = read_log(account, plugin, made)
        if output.missing:
            raise ProbeNotRun(
                f"the image {plugin.image} has no {', '.join(output.missing)}: give ProxyImage (in PARAMS) an "
                f"Alpine variant of haproxy, such as {DEFAULT_PROXY_IMAGE}"
            )
    finally:
        for line in clean_up(account, plugin, made):
            print(f"probe: left behind: {line}", file=sys.stderr)
    found = results(plugin, output)
    sys.stdout.write(as_json(plugin, output, found, placement.notes) if out_json else as_text(plugin, output, found))
    return 0 if all(r.result == ANSWERED for r in found) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.probe", description=__doc__.splitlines()[0])
    parser.add_argument("stack", nargs="?", help="the plugin stack's name")
    parser.add_argument("params", nargs="?", help="a parameter file whose SubnetIds, AssignPublicIp, ProxyImage win")
    parser.add_argument("--json", action="store_true", help="print one JSON document (progress on stderr)")
    arguments = parser.parse_args(argv)
    if not arguments.stack:
        print("probe: STACK is required: make probe STACK=<plugin stack name>", file=sys.stderr)
        return 2

    def work() -> int:
        params.read(arguments.params)  # a bad file is one line, before any AWS call
        try:
            return probe(Account(), arguments.stack, arguments.params, arguments.json)
        except ProbeNotRun as reason:
            print(f"probe: {reason}", file=sys.stderr)
            return 2

    try:
        status, failure = one_line_failure("probe", work, PERMISSIONS)
    except KeyboardInterrupt:
        print("probe: interrupted; what it had made is removed (or named above)", file=sys.stderr)
        return 130
    return failure if failure else status
