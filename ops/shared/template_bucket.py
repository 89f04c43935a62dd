"""The bucket a template goes through when it is over what CloudFormation takes in a request.

CreateChangeSet takes a TemplateBody of at most 51,200 bytes; a larger template is read from
S3 (TemplateURL). https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
The prerequisites stack makes a bucket for that and exports its name as
``<stack>-TemplateBucketName``; deploy, plan and package find it among the region's exports
(ListExports), so a parameter file stays a plain list of the template's parameters.
With several prerequisites stacks in the region, the one whose VPC (its ``<stack>-VpcId``
export) the parameters name is the one meant.
"""

from dataclasses import dataclass

from templates import facts

from . import template
from .aws import Account, call
from .errors import BadInput

# The prerequisites' output, exported as <stack>-<OUTPUT> (templates/parts/outputs.py).
OUTPUT = "TemplateBucketName"
VPC_OUTPUT = "VpcId"
GUIDE = "docs/deploying.md#templates-over-51200-bytes-and-the-console-from-s3"


@dataclass(frozen=True)
class Found:
    """A prerequisites stack's template bucket, and why it is the one."""

    bucket: str
    stack: str
    why: str


def too_large(name: str) -> str | None:
    """What makes output/<name>.yaml need a bucket, or None when its body can be sent as it is."""
    size = (template.OUTPUT / f"{name}.yaml").stat().st_size
    if size <= facts.TEMPLATE_BODY_DIRECT_BYTES:
        return None
    return f"{name}.yaml is {size:,} bytes, over the {facts.TEMPLATE_BODY_DIRECT_BYTES:,} a template body may have"


def exports(account: Account) -> list[dict]:
    cloudformation = account.client("cloudformation")
    listed, token = [], {}
    while True:
        page = call(cloudformation, "list_exports", **token)
        listed += page.get("Exports", [])
        if not page.get("NextToken"):
            return listed
        token = {"NextToken": page["NextToken"]}


def prerequisites(listed: list[dict]) -> dict[str, dict[str, str]]:
    """{stack name: {output: value}} for each stack that exports a template bucket under its own name."""
    by_stack: dict[str, dict[str, str]] = {}
    for export in listed:
        # arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<id>
        stack = export.get("ExportingStackId", "").split("/")[1:2]
        if stack and export["Name"].startswith(f"{stack[0]}-"):
            by_stack.setdefault(stack[0], {})[export["Name"].removeprefix(f"{stack[0]}-")] = export["Value"]
    return {stack: values for stack, values in sorted(by_stack.items()) if OUTPUT in values}


def find(account: Account, reason: str, vpc_id: str | None = None) -> Found:
    """The template bucket to use, or BadInput naming ``reason`` and the fix."""
    stacks = prerequisites(exports(account))
    if vpc_id:
        mine = [stack for stack, values in stacks.items() if values.get(VPC_OUTPUT) == vpc_id]
        if len(mine) == 1:
            stack = mine[0]
            return Found(stacks[stack][OUTPUT], stack, f"the prerequisites stack of {vpc_id}, the parameters' VPC")
    if len(stacks) == 1:
        ((stack, values),) = stacks.items()
        return Found(values[OUTPUT], stack, f"the only prerequisites stack in {account.region}")
    if not stacks:
        raise BadInput(
            f"{reason}, and no prerequisites stack in {account.region} exports a template bucket: deploy or update one "
            f"(make deploy TEMPLATE=prerequisites STACK=<name>), or give S3_BUCKET=<a bucket of {account.region}> "
            f"({GUIDE})"
        )
    named = ", ".join(f"{values[OUTPUT]} ({stack})" for stack, values in stacks.items())
    which = f"none uses the VPC {vpc_id} of the parameters" if vpc_id else "nothing says which"
    raise BadInput(
        f"{reason}; {len(stacks)} prerequisites stacks export a template bucket and {which}: give "
        f"S3_BUCKET= one of {named}"
    )


def when_needed(account: Account, name: str, vpc_id: str | None, say) -> str | None:
    """The bucket for a template over the request limit, after one line naming it; None when it fits."""
    reason = too_large(name)
    if reason is None:
        return None
    found = find(account, reason, vpc_id)
    say(f"{reason}: uploading it to {found.bucket}, the template bucket of {found.stack} ({found.why})")
    return found.bucket
