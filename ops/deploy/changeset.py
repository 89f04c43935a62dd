"""Change sets: the one way the deploy tools change a stack, so that what runs was seen first.

A change set is made for a template and parameter values, described, then either executed
(make deploy) or deleted (make plan, unless kept for a deploy to execute exactly that).
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-changesets.html
"""

import datetime
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import botocore.exceptions

from templates import facts

from ..shared import params, template
from ..shared.aws import Account, call, error_code
from ..shared.errors import BadInput
from ..shared.stack import NOT_CREATED_YET, UPDATABLE

# What the deploy tools' "no permission" line points to: the actions each one calls.
DEPLOY_PERMISSIONS = "docs/deploying.md#permissions"
# The templates create IAM roles without names: CAPABILITY_IAM, never CAPABILITY_NAMED_IAM.
CAPABILITIES = ["CAPABILITY_IAM"]
# What CloudFormation says of a change set that would change nothing (its StatusReason).
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")


@dataclass(frozen=True)
class Target:
    """The stack a change set is for, and how: CREATE a new stack or UPDATE this one."""

    stack: str
    kind: str  # CREATE | UPDATE
    current: dict | None  # DescribeStacks' answer for an existing stack


def target(cloudformation, stack: str) -> Target:
    """CREATE for a stack that does not exist (or only as a change set never run), UPDATE for one
    that can be updated; any other state stops here with what to do."""
    try:
        current = call(cloudformation, "describe_stacks", StackName=stack)["Stacks"][0]
    except botocore.exceptions.ClientError as error:
        if error_code(error) != "ValidationError":
            raise
        return Target(stack, "CREATE", None)
    status = current["StackStatus"]
    if status == NOT_CREATED_YET:
        return Target(stack, "CREATE", current)
    if status in UPDATABLE:
        return Target(stack, "UPDATE", current)
    from ..shared.stack import _fix  # what makes a stack in that state deployable again

    raise StackNotReady(f"{stack} is {status}, so no change set can be made for it now: {_fix(stack, status)}")


class StackNotReady(Exception):
    """The stack exists in a state that takes no update: one line with the way out, exit 1."""


def template_source(account: Account, name: str, bucket: str | None, prefix: str) -> dict:
    """TemplateBody for a template within the direct-upload limit, else TemplateURL after an upload."""
    path = template.OUTPUT / f"{name}.yaml"
    body = path.read_bytes()
    if not bucket:
        if len(body) > facts.TEMPLATE_BODY_DIRECT_BYTES:
            raise BadInput(
                f"{path.name} is {len(body):,} bytes, over the {facts.TEMPLATE_BODY_DIRECT_BYTES:,} a template body "
                "may have: give S3_BUCKET=<a bucket of this region>, or deploy the prerequisites stack, whose "
                "template bucket is then used"
            )
        return {"TemplateBody": body.decode()}
    return {"TemplateURL": upload(account, path, bucket, prefix)}


def object_key(prefix: str, name: str, body: bytes) -> str:
    """``<prefix>/<template>-<digest>.yaml``: one slash between the parts, a new key per content."""
    digest = hashlib.sha256(body).hexdigest()[:16]
    return "/".join(part for part in (prefix.strip("/"), f"{name}-{digest}.yaml") if part)


def template_url(bucket: str, region: str, key: str) -> str:
    return f"https://{bucket}.s3.{region}.amazonaws.com/{key}"


def upload(account: Account, path: Path, bucket: str, prefix: str, key: str | None = None) -> str:
    body = path.read_bytes()
    key = key or object_key(prefix, path.stem, body)
    call(account.client("s3"), "put_object", Bucket=bucket, Key=key, Body=body)
    return template_url(bucket, account.region, key)


def parameters(name: str, params_file: str | None, current: dict | None) -> list[dict]:
    """The values of the file; for an update, every other parameter the stack has keeps its value.

    A kept value is checked against the new template first: the stack holds the value it was
    created with (the old default too, when none was given), and a template whose constraints
    no longer take it (a new MinValue, say) makes CloudFormation refuse the whole update."""
    declared = template.load(name).get("Parameters", {})
    given = {key: value for key, value in params.read(params_file).items() if key in declared}
    listed = [{"ParameterKey": key, "ParameterValue": value} for key, value in given.items()]
    existing = {p["ParameterKey"]: p.get("ParameterValue", "") for p in (current or {}).get("Parameters", [])}
    kept = sorted(key for key in declared if key in existing and key not in given)
    stale = [
        _no_longer_fits(key, existing[key], problems, params_file)
        for key in kept
        if _comparable(declared[key]) and (problems := params.value_problems(key, declared[key], existing[key]))
    ]
    if stale:
        raise BadInput("; ".join(stale))
    return listed + [{"ParameterKey": key, "UsePreviousValue": True} for key in kept]


def _comparable(body: dict) -> bool:
    """A value DescribeStacks shows as it is: not a NoEcho one (shown as asterisks), nor an SSM
    parameter type's (shown as the parameter's name)."""
    return str(body.get("NoEcho", "")).lower() != "true" and not body.get("Type", "").startswith("AWS::SSM::")


def _no_longer_fits(key: str, value: str, problems: list[tuple[str, str]], params_file: str | None) -> str:
    (detail, fix), *_ = problems
    why, where = (
        (f"the parameter file does not give {key}", "in the parameter file")
        if params_file
        else ("no parameter file was given", "in a parameter file (PARAMS=...)")
    )
    return (
        f"the stack's {key}={value}, which the update keeps because {why}, no longer fits the template ({detail}), "
        f"and CloudFormation would refuse the update: {fix} {where}"
    )


def new_name(purpose: str) -> str:
    """A change set name: letters, digits and hyphens, starting with a letter."""
    now = datetime.datetime.now(datetime.UTC)
    return f"{purpose}-{now:%Y%m%d-%H%M%S}-{now.microsecond // 1000:03d}"


def create(cloudformation, goal: Target, name: str, source: dict, values: list[dict]) -> str:
    answer = call(
        cloudformation,
        "create_change_set",
        StackName=goal.stack,
        ChangeSetName=name,
        ChangeSetType=goal.kind,
        Parameters=values,
        Capabilities=CAPABILITIES,
        **source,
    )
    return answer["Id"]


def wait_until_made(cloudformation, change_set: str, stack: str, *, poll: float, sleep=time.sleep) -> dict:
    """The change set once CloudFormation has computed it (Status CREATE_COMPLETE or FAILED)."""
    while True:
        described = describe(cloudformation, change_set, stack)
        if described["Status"] in ("CREATE_COMPLETE", "FAILED"):
            return described
        sleep(poll)


def describe(cloudformation, change_set: str, stack: str) -> dict:
    """DescribeChangeSet with every page of its Changes."""
    pages, token = [], {}
    while True:
        page = call(cloudformation, "describe_change_set", ChangeSetName=change_set, StackName=stack, **token)
        pages.append(page)
        if not page.get("NextToken"):
            break
        token = {"NextToken": page["NextToken"]}
    first = dict(pages[0])
    first["Changes"] = [change for page in pages for change in page.get("Changes", [])]
    return first


def is_empty(described: dict) -> bool:
    reason = described.get("StatusReason", "")
    return described["Status"] == "FAILED" and any(words in reason for words in NO_CHANGES)


def delete(cloudformation, change_set: str, stack: str) -> None:
    call(cloudformation, "delete_change_set", ChangeSetName=change_set, StackName=stack)
