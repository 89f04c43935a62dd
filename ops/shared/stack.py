"""The stack of the name given with --stack: whether a deploy can proceed under that name,
and what an earlier stack of the same name left behind.

`aws cloudformation deploy` updates a stack that exists and creates one that does not. A
stack whose first create rolled back (ROLLBACK_COMPLETE) can only be deleted; one in the
middle of an operation or stuck in a failed one must settle or be repaired first. And a
deleted stack keeps its log groups (DeletionPolicy RetainExceptOnCreate, names from the
stack name), so a new create under the same name fails with "already exists".
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/view-stack-events.html#cfn-console-view-stack-data-resources-status-codes
"""

import re

import botocore.exceptions

from .aws import call, call_or_none, error_code
from .context import Context
from .errors import BadInput
from .report import Result, failed, passed, skipped
from .template import Values

# States from which a change set can update the stack.
UPDATABLE = {
    "CREATE_COMPLETE",
    "UPDATE_COMPLETE",
    "UPDATE_ROLLBACK_COMPLETE",
    "IMPORT_COMPLETE",
    "IMPORT_ROLLBACK_COMPLETE",
}
# A change set was created for a stack that never existed: a change set of type CREATE
# creates it, and nothing of it was created yet.
NOT_CREATED_YET = "REVIEW_IN_PROGRESS"
# The AWS CLI waiter that returns when the operation in progress ends.
WAITERS = {
    "CREATE_IN_PROGRESS": "stack-create-complete",
    "UPDATE_IN_PROGRESS": "stack-update-complete",
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS": "stack-update-complete",
    "UPDATE_ROLLBACK_IN_PROGRESS": "stack-rollback-complete",
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS": "stack-rollback-complete",
    "DELETE_IN_PROGRESS": "stack-delete-complete",
    "IMPORT_IN_PROGRESS": "stack-import-complete",
}


def described(cloudformation, name: str) -> dict:
    """DescribeStacks' answer for stack ``name``; one line when the region has no such stack."""
    try:
        return call(cloudformation, "describe_stacks", StackName=name)["Stacks"][0]
    except botocore.exceptions.ClientError as error:
        if error_code(error) == "ValidationError":
            raise BadInput(f"no stack named {name!r} in this region: aws cloudformation list-stacks") from None
        raise


def _delete(name: str) -> str:
    return (
        f"aws cloudformation delete-stack --stack-name {name} && "
        f"aws cloudformation wait stack-delete-complete --stack-name {name}"
    )


def _fix(name: str, status: str, then: str = "run make preflight again") -> str:
    """What makes a stack in ``status`` deployable again, as commands; ``then`` follows a wait."""
    events = f"the first failure: make doctor STACK={name}"
    if status in ("ROLLBACK_COMPLETE", "CREATE_FAILED"):
        # Its first create failed: with RetainExceptOnCreate nothing is left behind.
        return f"{_delete(name)} (nothing of it is kept), then deploy again"
    if status in ("ROLLBACK_FAILED", "DELETE_FAILED"):
        return f"{events}; fix what blocked it, then {_delete(name)}"
    if status == "UPDATE_ROLLBACK_FAILED":
        return f"{events}; fix it, then aws cloudformation continue-update-rollback --stack-name {name}"
    if status == "UPDATE_FAILED":
        return f"aws cloudformation rollback-stack --stack-name {name}, or fix the cause ({events}) and deploy again"
    if status in WAITERS:
        return f"aws cloudformation wait {WAITERS[status]} --stack-name {name}, then {then}"
    if status.endswith("_IN_PROGRESS"):
        return (
            f"wait until aws cloudformation describe-stacks --stack-name {name} --query Stacks[0].StackStatus "
            f"no longer ends in _IN_PROGRESS, then {then}"
        )
    return events


def stack_state(ctx: Context) -> list[Result]:
    if not ctx.stack:
        return []
    stack = ctx.deployed
    if stack is None:
        return [passed("stack", f"no stack named {ctx.stack}: deploy creates it")]
    status = stack["StackStatus"]
    if status in UPDATABLE:
        return [passed("stack", f"{ctx.stack} is {status}: deploy updates it")]
    if status == NOT_CREATED_YET:
        return [passed("stack", f"{ctx.stack} is {status} (a change set never run): deploy creates it")]
    why = {
        "ROLLBACK_COMPLETE": "its first create failed and rolled back; such a stack cannot be updated, only deleted",
    }.get(status, "a deploy cannot start until it settles or is repaired")
    return [failed("stack", f"{ctx.stack} is {status}: {why}", _fix(ctx.stack, status))]


def log_group_names(ctx: Context) -> list[str]:
    """The names of the log groups the template creates, for the stack name given."""
    return _names(ctx, "AWS::Logs::LogGroup", "LogGroupName")


def _names(ctx: Context, kind: str, key: str) -> list[str]:
    """The ``key`` names of the template's resources of type ``kind``, for the stack name given."""
    return names_of(Values(ctx.values.template, ctx.values.values, ctx.region, stack=ctx.stack), kind, key)


def names_of(values: Values, kind: str, key: str) -> list[str]:
    """The ``key`` names of the resources of type ``kind``, with these values and stack name."""
    names = []
    for body in values.template.get("Resources", {}).values():
        if body["Type"] != kind or key not in body.get("Properties", {}):
            continue
        if "Condition" in body and not values.get({"Condition": body["Condition"]}, True):
            continue
        name = values.get(body["Properties"][key])
        if name:
            names.append(str(name))
    return names


def _existing_log_groups(ctx: Context, names: list[str]) -> list[str]:
    logs = ctx.client("logs")
    found = []
    for name in names:
        groups = call(logs, "describe_log_groups", logGroupNamePrefix=name)["logGroups"]
        # The prefix also matches longer names (/ecs/app and /ecs/app-2): only the exact name collides.
        if any(group["logGroupName"] == name for group in groups):
            found.append(name)
    return found


def _leftovers(check: str, ctx: Context, names: list[str], kept: list[str], removal: str, what: str) -> list[Result]:
    """Fail when an earlier stack of this name kept some of ``names`` (``removal`` formats the
    command that deletes one, ``what`` says what they hold); pass when none exists yet."""
    if not kept:
        return [passed(check, f"none of {', '.join(names)} exists yet")]
    removals = "; ".join(removal.format(name=name) for name in kept)
    return [
        failed(
            check,
            f"{', '.join(kept)} already exist (kept from an earlier stack {ctx.stack}): the create would fail "
            "with 'already exists'",
            f"once their {what} are no longer needed: {removals}; or deploy under another stack name",
        )
    ]


def leftover_log_groups(ctx: Context) -> list[Result]:
    if not ctx.stack:
        return []
    if ctx.deployed is not None and ctx.deployed["StackStatus"] != NOT_CREATED_YET:
        return [skipped("leftover-log-groups", f"{ctx.stack} exists: its log groups are its own")]
    names = log_group_names(ctx)
    if not names:
        return []
    kept = _existing_log_groups(ctx, names)
    removal = "aws logs delete-log-group --log-group-name {name}"
    return _leftovers("leftover-log-groups", ctx, names, kept, removal, "logs")


# ECR repository names, as ECR's CreateRepository takes them: 2-256 characters, lower-case
# letters and digits in components separated by ".", "_", "__" or any run of "-", with "/"
# between components (the pattern of RepositoryName in ECR's API model, botocore's
# data/ecr/2015-09-21/service-2.json).
# https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html
REPOSITORY_NAME = re.compile(r"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$")
REPOSITORY_NAME_LENGTH = (2, 256)


def refused_repository_names(values: Values) -> list[str]:
    """The repository names the template derives from the stack name that ECR would refuse."""
    shortest, longest = REPOSITORY_NAME_LENGTH
    return [
        name
        for name in names_of(values, "AWS::ECR::Repository", "RepositoryName")
        if not REPOSITORY_NAME.match(name) or not shortest <= len(name) <= longest
    ]


def repository_name_problem(values: Values) -> str | None:
    """One line on a stack name that makes repository names ECR refuses, else None: offline."""
    invalid = refused_repository_names(values)
    if not invalid:
        return None
    stack = values.pseudo["AWS::StackName"]
    return (
        f"stack name {stack} makes the ECR repository names {', '.join(invalid)}, which ECR refuses (lower-case "
        "letters and digits, separated by '.', '_', '__', '-' or '/'; 2-256 characters): the create would roll "
        f"back. Give the stack a lower-case name, such as {stack.lower()}"
    )


def leftover_repositories(ctx: Context) -> list[Result]:
    """The repositories the template names after its stack: they must be valid for that name, and
    not kept by an earlier stack of it (DeletionPolicy RetainExceptOnCreate keeps them with their images)."""
    names = _names(ctx, "AWS::ECR::Repository", "RepositoryName")
    if not ctx.stack or not names:
        return []
    problem = repository_name_problem(Values(ctx.values.template, ctx.values.values, ctx.region, stack=ctx.stack))
    if problem:
        return [failed("leftover-repositories", problem, "give the stack a lower-case name")]
    if ctx.deployed is not None and ctx.deployed["StackStatus"] != NOT_CREATED_YET:
        return [skipped("leftover-repositories", f"{ctx.stack} exists: its repositories are its own")]
    kept = [name for name in names if call_or_none(ctx.client("ecr"), "describe_repositories", repositoryNames=[name])]
    removal = "aws ecr delete-repository --repository-name {name} --force"
    return _leftovers("leftover-repositories", ctx, names, kept, removal, "images")
