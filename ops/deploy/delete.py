"""python -m ops.deploy.delete STACK

Deletes a stack and waits for the end, printing its events as they happen, then names what
the stack left behind on purpose: the log groups (DeletionPolicy RetainExceptOnCreate keeps
them on a delete) and anything else CloudFormation skipped, each with the command that
removes it. Their names are read before the delete (a deleted stack's resources cannot be
listed); when that read is refused, the delete goes on and the delete's own events name them.
Exit status: 0 deleted, 1 the delete failed (doctor's diagnosis follows), 2 no such stack or
AWS unreachable.
"""

import argparse
import sys

import botocore.exceptions

from ..doctor import cli as doctor
from ..shared.aws import Account, banner, call, error_code, one_line, one_line_failure
from ..shared.errors import AwsError, BadInput, NoPermission
from ..shared.report import say
from . import stack_events
from .changeset import DEPLOY_PERMISSIONS

LOG_GROUP = "AWS::Logs::LogGroup"


def stack_id(cloudformation, name: str) -> str:
    try:
        return call(cloudformation, "describe_stacks", StackName=name)["Stacks"][0]["StackId"]
    except botocore.exceptions.ClientError as error:
        if error_code(error) == "ValidationError":
            raise BadInput(
                f"no stack named {name} in this region: aws cloudformation list-stacks shows the stacks there"
            ) from None
        raise


def log_groups_before(cloudformation, name: str) -> list[str] | None:
    """The stack's log groups, or None when they cannot be read (the delete goes on anyway)."""
    try:
        summaries, token = [], {}
        while True:
            page = call(cloudformation, "list_stack_resources", StackName=name, **token)
            summaries += page["StackResourceSummaries"]
            if not page.get("NextToken"):
                break
            token = {"NextToken": page["NextToken"]}
    except NoPermission as denied:
        say(f"warning: cannot list the stack's resources (no permission: {denied.action}); deleting anyway")
        return None
    except (botocore.exceptions.ClientError, AwsError) as error:
        say(f"warning: cannot list the stack's resources ({one_line(error)}); deleting anyway")
        return None
    return [
        s["PhysicalResourceId"]
        for s in summaries
        if s["ResourceType"] == LOG_GROUP and s["ResourceStatus"] != "DELETE_COMPLETE" and s.get("PhysicalResourceId")
    ]


def existing_log_groups(account: Account, names: list[str]) -> list[str]:
    logs = account.client("logs")
    found = []
    for name in names:
        groups = call(logs, "describe_log_groups", logGroupNamePrefix=name)["logGroups"]
        if any(group["logGroupName"] == name for group in groups):  # the prefix also finds longer names
            found.append(name)
    return found


def leftovers(account: Account, before: list[str] | None, events: list[dict]) -> list[tuple[str, str]]:
    """(what, how to remove it) for each resource the stack left behind."""
    skipped = [e for e in events if e["ResourceStatus"] == "DELETE_SKIPPED" and e.get("PhysicalResourceId")]
    groups = {e["PhysicalResourceId"] for e in skipped if e["ResourceType"] == LOG_GROUP} | set(before or [])
    kept = [
        (f"log group {group}", f"aws logs delete-log-group --log-group-name {group}")
        for group in existing_log_groups(account, sorted(groups))
    ]
    kept += [
        (f"{e['ResourceType']} {e['PhysicalResourceId']}", "remove it by hand once it is no longer needed")
        for e in skipped
        if e["ResourceType"] != LOG_GROUP
    ]
    return kept


def delete(account: Account, name: str) -> int:
    banner(account, name)
    cloudformation = account.client("cloudformation")
    identifier = stack_id(cloudformation, name)
    before = log_groups_before(cloudformation, name)
    after = stack_events.newest_event_id(cloudformation, identifier)
    call(cloudformation, "delete_stack", StackName=identifier)
    say("events (time, resource, status, reason):")
    status, events = stack_events.follow(cloudformation, identifier, after)
    if status != "DELETE_COMPLETE":
        say(f"{name}: {status}: the delete failed. What doctor finds:")
        sys.stdout.write(doctor.summary(doctor.diagnose(account, name)))
        say(f"every finding: make doctor STACK={name}")
        return 1
    say(f"{name}: deleted")
    kept = leftovers(account, before, events)
    if kept:
        say(f"kept on purpose (a new stack {name} cannot be created while a log group of its name exists);")
        say("remove each once it is no longer needed:")
        for what, how in kept:
            say(f"  {what}: {how}")
    elif before is None:
        say(
            f"which log groups it kept could not be read: aws logs describe-log-groups --log-group-name-prefix "
            f"/ecs/{name} lists them"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.deploy.delete", description=__doc__.splitlines()[0])
    parser.add_argument("stack", help="the stack name")
    arguments = parser.parse_args(argv)
    try:
        status, failure = one_line_failure("delete", lambda: delete(Account(), arguments.stack), DEPLOY_PERMISSIONS)
    except KeyboardInterrupt:
        print(
            f"delete: interrupted; the delete goes on in AWS: aws cloudformation describe-stacks --stack-name "
            f"{arguments.stack} shows where it is",
            file=sys.stderr,
        )
        return 130
    return failure if failure else status


if __name__ == "__main__":
    sys.exit(main())
