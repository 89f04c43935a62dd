"""python -m ops.params_from_stack STACK TEMPLATE ENV [--output PATH]

Writes a template's parameter file from the outputs of a prerequisites stack (read-only:
DescribeStacks, and DescribePrefixLists and GetParameters for the platform). Every output
named like a parameter of the template feeds that parameter; the few the stack cannot
know (an image tag, the BFF's path) are left as a marker preflight reports, and the
SecureString parameters the tasks read are listed with the commands that create them.
Exit status: 0 written, 2 bad input or AWS unreachable (nothing written then).
"""

import argparse
import contextlib
import json
import os
import re
import sys
import tempfile
from pathlib import Path

import botocore.exceptions

from ..shared import invocation, template_bucket
from ..shared import template as templates
from ..shared.aws import Account, call, error_code, one_line_failure
from ..shared.errors import BadInput
from ..shared.params import MARKER, effective
from ..shared.services import services

PARAMS = Path(__file__).resolve().parent.parent.parent / "params"
PREREQUISITES = "prerequisites"
ENVIRONMENT = re.compile(r"^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$")
# States whose outputs are those of a finished create or update.
SETTLED = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE"}
# The secrets path the platform guide uses, per environment.
SECRETS_PATH = "/bidopsai/{env}"


def fill_in(what: str) -> str:
    """A value nobody can deploy by accident: it matches no parameter's pattern."""
    return f"{MARKER} {what}>"


def image(outputs: dict, output: str) -> str:
    return f"{outputs[output]}:{fill_in('image tag')}"


def output_path(name: str, env: str) -> Path:
    return PARAMS / f"{name}.{env}.local.json"


def _plugin(outputs: dict, stack_parameters: dict, env: str) -> dict:
    # The image comes from a public registry: through a NAT gateway when the stack has one,
    # else from the public subnets with a public IP.
    if stack_parameters.get("NatGateways", "none") != "none":
        return {
            "SubnetIds": outputs["PrivateAppSubnetIds"],
            "AssignPublicIp": "DISABLED",
            "ClientCidr": outputs["VpcCidr"],
        }
    return {"SubnetIds": outputs["PublicSubnetIds"], "AssignPublicIp": "ENABLED", "ClientCidr": outputs["VpcCidr"]}


def _go_api(outputs: dict, stack_parameters: dict, env: str) -> dict:
    # Public subnets with public IPs reach ECR through the internet gateway, whatever the egress choice.
    return {
        "SubnetIds": outputs["PublicSubnetIds"],
        "AssignPublicIp": "ENABLED",
        "ImageUri": image(outputs, "GoApiRepositoryUri"),
    }


def _platform(outputs: dict, stack_parameters: dict, env: str) -> dict:
    if stack_parameters.get("InterfaceEndpoints", "none") == "none":
        raise BadInput(
            "the stack has no interface endpoints (InterfaceEndpoints=none) and the platform's tasks reach AWS only "
            "through them: update it with InterfaceEndpoints=platform first"
        )
    return {
        "Environment": env,
        "BffImageUri": image(outputs, "BffRepositoryUri"),
        "AgentCoreImageUri": image(outputs, "AgentCoreRepositoryUri"),
        "SecretsParameterPath": SECRETS_PATH.format(env=env),
        "NamespaceName": f"{env}.platform.local",
        "PathPattern": fill_in("the path the BFF answers on the shared listener, e.g. /app/*"),
    }


# What each template needs beyond the outputs named like its parameters.
DERIVED = {
    "finfocus-plugin": _plugin,
    "finfocus-plugin-10-region": _plugin,
    "go-api": _go_api,
    "platform": _platform,
}


def _stack(account: Account, name: str) -> dict:
    try:
        return call(account.client("cloudformation"), "describe_stacks", StackName=name)["Stacks"][0]
    except botocore.exceptions.ClientError as error:
        # CloudFormation answers a name it does not know with ValidationError ("does not exist").
        if error_code(error) != "ValidationError":
            raise
        raise BadInput(
            f"no stack named {name} in {account.region}: aws cloudformation list-stacks shows them"
        ) from None


def _s3_prefix_list(account: Account) -> str:
    wanted = f"com.amazonaws.{account.region}.s3"
    lists = call(
        account.client("ec2"), "describe_prefix_lists", Filters=[{"Name": "prefix-list-name", "Values": [wanted]}]
    )["PrefixLists"]
    if not lists:
        raise BadInput(f"no prefix list {wanted} in {account.region}: is the region right (AWS_REGION)?")
    return lists[0]["PrefixListId"]


# Parameters only the prerequisites template has: a stack with them was made from it.
MADE_FROM_PREREQUISITES = {"NatGateways", "InterfaceEndpoints"}


def values_from(stack: dict, name: str, env: str, document: dict, account: Account) -> dict[str, str]:
    """The parameter values for template ``name`` from the ``stack``'s outputs and parameters."""
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}
    stack_parameters = {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters") or []}
    missing = [key for key in ("VpcId", "PublicSubnetIds", "PrivateAppSubnetIds", "VpcCidr") if key not in outputs]
    made_by_moto_deploy = not outputs and set(stack_parameters) >= MADE_FROM_PREREQUISITES
    if missing and made_by_moto_deploy and os.environ.get("AWS_ENDPOINT_URL"):
        raise BadInput(
            f"stack {stack['StackName']} was made from the prerequisites template but has no outputs: a local "
            "moto server does not write the outputs of a stack that a change set (make deploy) created; create it "
            "with aws cloudformation create-stack there (docs/prerequisites.md#what-the-rehearsal-proves)"
        )
    if missing:
        raise BadInput(
            f"stack {stack['StackName']} has no output {missing[0]}: give the name of a stack made from the "
            "prerequisites template (make deploy TEMPLATE=prerequisites)"
        )
    parameters = document.get("Parameters", {})
    values = {key: value for key, value in outputs.items() if key in parameters}
    values.update(DERIVED[name](outputs, stack_parameters, env))
    if "S3PrefixListId" in parameters:
        values["S3PrefixListId"] = _s3_prefix_list(account)
    # In the order the console shows them: the file reads like the stack's form.
    groups = document.get("Metadata", {}).get("AWS::CloudFormation::Interface", {}).get("ParameterGroups", [])
    order = [key for group in groups for key in group["Parameters"]] + list(parameters)
    return {key: values[key] for key in dict.fromkeys(order) if key in values}


def secure_strings(document: dict, values: dict[str, str], region: str) -> list[str]:
    """The SSM parameters the template's tasks read as secrets, for these values."""
    read = services(templates.Values(document, effective(document.get("Parameters", {}), values), region))
    return list(dict.fromkeys(name for service in read for name in service.ssm_parameters))


def missing_parameters(account: Account, names: list[str]) -> list[str]:
    missing = []
    for start in range(0, len(names), 10):  # GetParameters takes at most 10 names
        missing += call(account.client("ssm"), "get_parameters", Names=names[start : start + 10])["InvalidParameters"]
    return [name for name in names if name in missing]


def check_arguments(stack: str, name: str, env: str, document: dict) -> None:
    if name == PREREQUISITES or name not in DERIVED:
        others = ", ".join(DERIVED)
        raise BadInput(f"TEMPLATE={name} takes no parameters from a prerequisites stack: use one of {others}")
    if not ENVIRONMENT.match(env):
        raise BadInput(f"ENV={env!r} is not a short name of lower-case letters, digits and -, such as dev")
    allowed = document.get("Parameters", {}).get("Environment", {}).get("AllowedValues")
    if allowed and env not in allowed:
        raise BadInput(f"ENV={env} is not an environment of {name}: use one of {', '.join(allowed)}")
    if not stack:
        raise BadInput("STACK is required: the name of the prerequisites stack")


def run(stack_name: str, name: str, env: str, output: Path | None = None, account: Account | None = None) -> str:
    """Write the file; returns what to tell the user."""
    if name not in templates.names():
        raise BadInput(f"unknown template {name!r}: use one of {', '.join(DERIVED)}")
    document = templates.load(name)
    check_arguments(stack_name, name, env, document)
    account = account or Account()
    stack = _stack(account, stack_name)
    if stack["StackStatus"] not in SETTLED:
        raise BadInput(
            f"stack {stack_name} is {stack['StackStatus']}: its outputs are ready once it is "
            f"{' or '.join(sorted(SETTLED))} (make doctor STACK={stack_name})"
        )
    values = values_from(stack, name, env, document, account)
    through_s3 = bucket_line(stack, name)
    path = output or output_path(name, env)
    text = json.dumps([f"{key}={value}" for key, value in values.items()], indent=2) + "\n"
    write(path, text)
    return report(path, values, document, account, through_s3)


def write(path: Path, text: str) -> None:
    """Whole or not at all; a directory that cannot be written (a read-only checkout) is one line
    naming another place."""
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_text(text)
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        elsewhere = invocation.option("--output", str(Path(tempfile.gettempdir()) / path.name))
        raise BadInput(
            f"cannot write {os.path.relpath(path)}: {error.strerror}: write it elsewhere, e.g. {elsewhere}"
        ) from None


def bucket_line(stack: dict, name: str) -> str | None:
    """For a template over the request limit: the bucket make deploy will upload it to (it finds it
    itself, among the region's exports), or what to do when the stack has none."""
    reason = template_bucket.too_large(name)
    if reason is None:
        return None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}
    if template_bucket.OUTPUT in outputs:
        return f"  {reason}: make deploy uploads it to this stack's template bucket, {outputs[template_bucket.OUTPUT]}"
    return (
        f"  {reason}, and stack {stack['StackName']} has no template bucket (it is older): update it (make deploy "
        f"TEMPLATE=prerequisites STACK={stack['StackName']}), or give make deploy S3_BUCKET=<a bucket of this region>"
    )


def report(path: Path, values: dict[str, str], document: dict, account: Account, through_s3: str | None = None) -> str:
    shown = os.path.relpath(path)
    lines = [f"wrote {shown}: {len(values)} values from the stack's outputs"]
    open_values = {key: value for key, value in values.items() if MARKER in value}
    for key, value in open_values.items():
        lines.append(f"  to fill in: {key}={value}")
    if "ClientCidr" in values:
        lines.append(
            f"  ClientCidr is the whole VPC ({values['ClientCidr']}): narrow it to the clients' subnets if you can"
        )
    secrets = secure_strings(document, values, account.region)
    if secrets:
        missing = missing_parameters(account, secrets)
        if missing:
            lines.append("SecureString parameters the tasks read (CloudFormation cannot create them); create each:")
            lines += [f"  aws ssm put-parameter --name {name} --type SecureString --value '...'" for name in missing]
        else:
            lines.append(f"SecureString parameters the tasks read: all {len(secrets)} exist")
    if through_s3:
        lines.append(through_s3)
    next_step = "edit the values above, then " if open_values else ""
    lines.append(f"next: {next_step}make preflight TEMPLATE={path.name.split('.')[0]} PARAMS={shown}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.params_from_stack", description=__doc__.splitlines()[0])
    parser.add_argument("stack", help="the prerequisites stack")
    parser.add_argument("template", help=f"one of {', '.join(DERIVED)}")
    parser.add_argument("env", help="environment name: the file is params/<template>.<env>.local.json")
    parser.add_argument("--output", type=Path, help="write here instead")
    arguments = parser.parse_args(argv)
    told, failure = one_line_failure(
        "params-from-stack",
        lambda: run(arguments.stack, arguments.template, arguments.env, arguments.output),
    )
    if failure:
        return failure
    sys.stdout.write(told)
    return 0
