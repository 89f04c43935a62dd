"""python -m ops.deploy TEMPLATE STACK [PARAMS] [--s3-bucket B] [--s3-prefix P]
python -m ops.deploy --change-set NAME [TEMPLATE] STACK
python -m ops.deploy --plan TEMPLATE STACK [PARAMS] [--keep] [--json]

Deploy: the account and region first, the parameter file checked offline, a change set made
and shown, executed, and the stack's events printed as they happen, then its outputs; on a
failure, doctor's diagnosis and what to do next. With --change-set, a change set kept by
--plan is executed as it is.
Plan (--plan): the change set only, never executed: what is added, changed, replaced (and by
which property) or removed, with a warning where a replacement fails, loses data or
interrupts traffic; deleted again unless --keep.
Exit status: 0 deployed (or nothing to change; --plan: planned), 1 the deploy failed or the
stack cannot take a change now, 2 bad input or AWS unreachable.
"""

import argparse
import json
import sys

import botocore.exceptions

from ..doctor import cli as doctor
from ..preflight import cli as preflight
from ..preflight import switch
from ..shared import params, template, template_bucket
from ..shared.aws import Account, banner, call, error_code, one_line_failure
from ..shared.errors import BadInput
from ..shared.report import as_text, say
from ..shared.stack import repository_name_problem
from . import changes, changeset, stack_events
from .changeset import DEPLOY_PERMISSIONS, StackNotReady

SUCCEEDED = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"}


def check_parameters(name: str, params_file: str | None, aside: bool = False) -> str | None:
    """The parameter file against the template, offline, before any AWS call: a failure stops here.

    Without a file, the answer waits for the stack: an update keeps the stack's values, a new
    stack needs a file when the template has required parameters (BadInput then)."""
    if params_file is None:
        return None
    _, _, results = preflight.offline(name, params_file)
    problems = [r for r in results if r.status == "fail"]
    if len(problems) == 1:  # one problem: one line
        raise Refused(f"{params_file}: {params.one_line(problems[0].detail, problems[0].fix)}")
    if problems:
        (sys.stderr if aside else sys.stdout).write(as_text(problems))
        raise Refused(f"the parameter file does not fit {name}: fix the lines above (make preflight checks it)")
    return f"{params_file}: fits {name} (offline check)"


def check_stack_name(name: str, stack: str, params_file: str | None) -> None:
    """Names the template derives from the stack name that AWS would refuse (the prerequisites'
    ECR repositories take lower case only): BadInput, offline, before the stack rolls back."""
    document = template.load(name)
    values = params.effective(document.get("Parameters", {}), params.read(params_file))
    problem = repository_name_problem(template.Values(document, values, stack=stack))
    if problem:
        raise BadInput(problem)


def explained(text: str) -> str:
    """doctor's cause and fix for an AWS error text, as a clause to append, or nothing."""
    answer = doctor.explain(text)
    if not answer["signature"]:
        return ""
    return f". Cause ({answer['signature']}): {answer['cause']} Fix: {answer['fix']}"


def not_made(described: dict) -> str:
    reason = described.get("StatusReason", "")
    return f"CloudFormation could not make the change set: {reason}{explained(reason)}"


class Refused(Exception):
    """Nothing was changed: one line saying why and what to do, exit 1."""


def discard(cloudformation, goal: changeset.Target, change_set: str, stack: str) -> None:
    """The change set, and for a new stack the empty one (REVIEW_IN_PROGRESS) CloudFormation made
    to hold it: left behind, that stack would be all a user sees of a create that never ran."""
    changeset.delete(cloudformation, change_set, stack)
    if goal.kind == "CREATE" and goal.current is None:
        call(cloudformation, "delete_stack", StackName=stack)


def show(described: dict, document: dict, *, out_json: bool = False) -> list[changes.Change]:
    found = changes.from_change_set(described.get("Changes", []), document)
    if out_json:
        return found
    if not found:
        say("no resource changes")
    for change in found:
        say(f"  {change.line()}")
    warnings = [warning for change in found for warning in change.warnings()]
    for warning in warnings:
        say(f"  WARNING: {warning}")
    return found


def make_change_set(account: Account, name: str, stack: str, params_file: str | None, arguments, purpose: str):
    cloudformation = account.client("cloudformation")
    goal = changeset.target(cloudformation, stack)
    if params_file is None and goal.kind == "UPDATE":
        say("no PARAMS: every parameter keeps the stack's current value", arguments.json)
    elif params_file is None:
        preflight.offline(name, None)  # a new stack: BadInput when the template needs a file
    bucket = arguments.s3_bucket or template_bucket.when_needed(
        account, name, vpc_of(params_file, goal.current), lambda line: say(line, arguments.json)
    )
    source = changeset.template_source(account, name, bucket, arguments.s3_prefix)
    values = changeset.parameters(name, params_file, goal.current)
    # A switch between ROLLING and a traffic-shifting strategy that ECS would refuse (ops.preflight.switch):
    # one line and the next step, before any change set.
    refused = switch.refusal(account, name, stack, goal.current, params.read(params_file))
    if refused:
        raise Refused(refused)
    change_set_name = changeset.new_name(purpose)
    say(f"making change set {change_set_name} ({goal.kind} of {stack})...", arguments.json)
    try:
        change_set = changeset.create(cloudformation, goal, change_set_name, source, values)
    except botocore.exceptions.ClientError as error:
        if error_code(error) != "ValidationError":  # the template or the values: the input
            raise
        message = error.response.get("Error", {}).get("Message", "")
        raise BadInput(f"CloudFormation refused the change set: {message}{explained(message)}") from None
    described = changeset.wait_until_made(cloudformation, change_set, stack, poll=stack_events.POLL_SECONDS)
    return goal, change_set, described


def vpc_of(params_file: str | None, current: dict | None) -> str | None:
    """The VPC the stack is to be in: the file's VpcId, else the one the stack keeps."""
    given = params.read(params_file).get("VpcId")
    kept = {p["ParameterKey"]: p.get("ParameterValue") for p in (current or {}).get("Parameters", [])}
    return given or kept.get("VpcId")


def plan(account: Account, arguments, fits: str | None) -> int:
    banner(account, arguments.stack, arguments.json)
    if fits:
        say(fits, arguments.json)
    cloudformation = account.client("cloudformation")
    goal, change_set, described = make_change_set(
        account, arguments.template, arguments.stack, arguments.params, arguments, "plan"
    )
    document = template.load(arguments.template)
    empty = changeset.is_empty(described)
    if described["Status"] == "FAILED" and not empty:
        discard(cloudformation, goal, change_set, arguments.stack)
        raise Refused(not_made(described))
    found = [] if empty else show(described, document, out_json=arguments.json)
    keep = arguments.keep and not empty
    if not keep:
        discard(cloudformation, goal, change_set, arguments.stack)
    if arguments.json:
        answer = {
            "stack": arguments.stack,
            "kind": goal.kind,
            "change_set": described["ChangeSetName"] if keep else None,
            "changes": [
                {
                    "logical_id": c.logical_id,
                    "type": c.resource_type,
                    "action": c.action,
                    "replacement": c.replacement,
                    "causes": c.causes,
                    "warnings": c.warnings(),
                }
                for c in found
            ],
        }
        sys.stdout.write(json.dumps(answer, indent=2) + "\n")
        return 0
    if empty:
        say("nothing to change: the stack already matches the template and the values")
    elif keep:
        say(
            f"kept change set {described['ChangeSetName']}; to execute exactly this: make deploy "
            f"TEMPLATE={arguments.template} STACK={arguments.stack} CHANGE_SET={described['ChangeSetName']}"
        )
    else:
        say("nothing was changed (the change set is deleted; KEEP=1 keeps it for make deploy CHANGE_SET=...)")
    return 0


def deploy(account: Account, arguments, fits: str | None) -> int:
    banner(account, arguments.stack)
    if fits:
        say(fits)
    cloudformation = account.client("cloudformation")
    if arguments.change_set:
        described = changeset.describe(cloudformation, arguments.change_set, arguments.stack)
        if described.get("ExecutionStatus") != "AVAILABLE":
            raise Refused(
                f"change set {arguments.change_set} is {described.get('ExecutionStatus')}, not AVAILABLE: make a new "
                "one with make plan KEEP=1"
            )
        change_set = described["ChangeSetId"]
        say(f"executing the kept change set {arguments.change_set}:")
    else:
        goal, change_set, described = make_change_set(
            account, arguments.template, arguments.stack, arguments.params, arguments, "deploy"
        )
        if changeset.is_empty(described):
            discard(cloudformation, goal, change_set, arguments.stack)
            say("nothing to change: the stack already matches the template and the values")
            return 0
        if described["Status"] == "FAILED":
            discard(cloudformation, goal, change_set, arguments.stack)
            raise Refused(not_made(described))
    show(described, template.load(arguments.template) if arguments.template else {})
    stack_id = described["StackId"]
    after = stack_events.newest_event_id(cloudformation, stack_id)
    call(cloudformation, "execute_change_set", ChangeSetName=change_set, StackName=arguments.stack)
    say("events (time, resource, status, reason):")
    status, _ = stack_events.follow(cloudformation, stack_id, after, poll=stack_events.POLL_SECONDS)
    if status in SUCCEEDED:
        say(f"{arguments.stack}: {status}")
        outputs = call(cloudformation, "describe_stacks", StackName=stack_id)["Stacks"][0].get("Outputs", [])
        if outputs:
            say("outputs:")
            for output in sorted(outputs, key=lambda o: o["OutputKey"]):
                say(f"  {output['OutputKey']} = {output['OutputValue']}")
        return 0
    say(f"{arguments.stack}: {status}: the deploy failed. What doctor finds:")
    results = doctor.diagnose(account, arguments.stack)
    sys.stdout.write(doctor.summary(results))
    say(f"every finding: make doctor STACK={arguments.stack}")
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.deploy", description=__doc__.splitlines()[0])
    parser.add_argument("template", nargs="?", help=f"one of {', '.join(template.names())}")
    parser.add_argument("stack", nargs="?", help="the stack name")
    parser.add_argument("params", nargs="?", help="parameter file (params/*.json)")
    parser.add_argument("--plan", action="store_true", help="make and show a change set, never execute it")
    parser.add_argument("--keep", action="store_true", help="with --plan: keep the change set for --change-set")
    parser.add_argument("--change-set", help="execute this kept change set")
    parser.add_argument(
        "--s3-bucket",
        help="upload the template to this bucket first (a template over 51,200 bytes without it: the "
        "prerequisites stack's template bucket)",
    )
    parser.add_argument("--s3-prefix", default="templates", help="key prefix in the bucket")
    parser.add_argument("--json", action="store_true", help="with --plan: print JSON only")
    arguments = parser.parse_args(argv)
    if arguments.change_set and arguments.stack is None:  # --change-set NAME STACK: the template is the change set's
        arguments.template, arguments.stack = None, arguments.template
    program = "plan" if arguments.plan else "deploy"

    def work() -> int:
        if not arguments.stack:
            raise BadInput("STACK is required: the stack name, for example STACK=go-api-dev")
        if arguments.template is None and not arguments.change_set:
            raise BadInput(f"TEMPLATE is required: one of {', '.join(template.names())}")
        if arguments.template is not None:
            template.load(arguments.template)  # an unknown name is one line, before any AWS call
        try:
            # The parameter file first: a problem there needs no AWS account, region or credentials.
            fits = None
            if arguments.template:
                fits = check_parameters(arguments.template, arguments.params, arguments.json)
                check_stack_name(arguments.template, arguments.stack, arguments.params)
            account = Account()
            return plan(account, arguments, fits) if arguments.plan else deploy(account, arguments, fits)
        except (StackNotReady, Refused) as reason:
            print(f"{program}: {reason}", file=sys.stderr)
            return 1

    try:
        status, failure = one_line_failure(program, work, DEPLOY_PERMISSIONS)
    except KeyboardInterrupt:
        print(
            f"{program}: interrupted; a stack operation already started goes on in AWS: make doctor "
            f"STACK={arguments.stack} shows where it is",
            file=sys.stderr,
        )
        return 130
    return failure if failure else status
