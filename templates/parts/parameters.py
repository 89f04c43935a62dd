"""Typed parameters that carry their console group and label.

Every parameter is added through :func:`add`, so the
``AWS::CloudFormation::Interface`` metadata cannot miss one and the console always
shows parameters grouped, in the order the template adds them.
"""

from troposphere import AWSObject, Equals, Not, Parameter, Ref, Template

from .iam import ECR_IMAGE_PATTERN

# Values CloudWatch Logs accepts for RetentionInDays.
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
    2192, 2557, 2922, 3288, 3653,
)  # fmt: skip


def add(template: Template, name: str, *, group: str, label: str, **properties) -> Parameter:
    """Add a parameter, filed under ``group`` in the console and shown as ``label``."""
    parameter = template.add_parameter(Parameter(name, **properties))
    template.add_parameter_to_group(parameter, group)
    template.set_parameter_label(parameter, label)
    return parameter


def when_given(template: Template, parameter: Parameter) -> str:
    """Add a condition that is true when an optional (empty by default) parameter is set.

    Returns the condition name, ``Has<Parameter>``.
    """
    name = f"Has{parameter.title}"
    template.add_condition(name, Not(Equals(Ref(parameter), "")))
    return name


def when_empty(template: Template, parameter: Parameter, name: str) -> str:
    """Add a condition named ``name`` that is true when ``parameter`` is left empty."""
    template.add_condition(name, Equals(Ref(parameter), ""))
    return name


def vpc(template: Template, group: str) -> Parameter:
    return add(
        template, "VpcId", group=group, label="VPC",
        Type="AWS::EC2::VPC::Id",
        Description="VPC the tasks run in. It needs DNS support and DNS hostnames "
        "enabled for private service discovery.",
    )  # fmt: skip


def subnets(template: Template, name: str, *, group: str, label: str, description: str) -> Parameter:
    return add(
        template, name, group=group, label=label,
        Type="List<AWS::EC2::Subnet::Id>",
        Description=description,
    )  # fmt: skip


def assign_public_ip(template: Template, group: str, *, default: str, description: str) -> Parameter:
    return add(
        template, "AssignPublicIp", group=group, label="Assign public IP",
        Type="String", Default=default, AllowedValues=["ENABLED", "DISABLED"],
        Description=description,
    )  # fmt: skip


def log_retention(template: Template, group: str, *, default: int) -> Parameter:
    return add(
        template, "LogRetentionDays", group=group, label="Log retention (days)",
        Type="Number", Default=default, AllowedValues=list(LOG_RETENTION_DAYS),
        Description="How long CloudWatch Logs keeps the container logs. The log "
        "group itself is kept when the stack is deleted.",
    )  # fmt: skip


def value(item):
    """``Ref`` a parameter or resource; pass anything else (text, numbers, intrinsics) through."""
    if isinstance(item, (Parameter, AWSObject)):
        return Ref(item)
    return item


def log_kms_key(template: Template, group: str) -> tuple[Parameter, str]:
    """An optional KMS key for the log groups; returns it and its ``Has...`` condition."""
    key = add(
        template, "LogKmsKeyArn", group=group, label="KMS key for logs (optional)",
        Type="String", Default="", AllowedPattern=r"^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[a-f0-9-]+)?$",
        Description="ARN of a KMS key to encrypt the logs with. Its key policy must allow "
        "the CloudWatch Logs service principal of this region. Leave empty for AWS-owned keys.",
        ConstraintDescription="must be empty or a KMS key ARN",
    )  # fmt: skip
    return key, when_given(template, key)


def ecr_image(
    template: Template, name: str, *, group: str, label: str, repository: str, default: str = "", note: str = ""
):
    """An ECR image URI with a tag or digest; its repository ARN is derived from it
    (:func:`iam.ecr_repository_arn`), so the pattern is that function's contract."""
    return add(
        template, name, group=group, label=label,
        Type="String", AllowedPattern=ECR_IMAGE_PATTERN, **({"Default": default} if default else {}),
        Description=f"ECR image with a tag or digest, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/"
        f"{repository}:v1.2.3.{note}",
        ConstraintDescription="must be <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag> or @sha256:<digest>",
    )  # fmt: skip
