"""Template inputs as data: each parameter is declared once, with its console group and label.

A template lists its :class:`Group` s in console order; :func:`declare` adds every
parameter, the ``AWS::CloudFormation::Interface`` groups and the labels from that
list, so the console metadata cannot miss a parameter and the wiring refers to
parameters by name only. The factories below declare the inputs several
templates share.
"""

import dataclasses
from dataclasses import dataclass

from troposphere import AWSObject, Equals, Not, Parameter, Ref, Template

from .. import facts

# What a declaration's ``default`` is when the parameter has none (it must be given).
REQUIRED = None

_PROPERTIES = {
    "allowed_values": "AllowedValues",
    "allowed_pattern": "AllowedPattern",
    "min_value": "MinValue",
    "max_value": "MaxValue",
    "constraint": "ConstraintDescription",
}


@dataclass(frozen=True)
class Input:
    """One CloudFormation parameter: its type, constraints, default and console text."""

    name: str
    label: str
    type: str
    description: str
    default: object = REQUIRED
    allowed_values: tuple | None = None
    allowed_pattern: str | None = None
    min_value: int | None = None
    max_value: int | None = None
    constraint: str | None = None

    @property
    def optional(self) -> bool:
        """Empty by default: the template has a ``Has<Name>`` condition for when it is given."""
        return self.default == ""

    def properties(self) -> dict:
        found = {"Type": self.type}
        if self.default is not REQUIRED:
            found["Default"] = self.default
        for attribute, key in _PROPERTIES.items():
            setting = getattr(self, attribute)
            if setting is not None:
                found[key] = list(setting) if attribute == "allowed_values" else setting
        found["Description"] = self.description
        return found


@dataclass(frozen=True)
class Group:
    """A console parameter group: a heading and its inputs, in the order shown."""

    label: str
    inputs: tuple[Input, ...]


def declare(template: Template, groups: list[Group]) -> dict[str, Parameter]:
    """Add every input of ``groups`` with its group and label; parameters by name."""
    added = {}
    for group in groups:
        for declaration in group.inputs:
            added[declaration.name] = add(
                template, declaration.name, group=group.label, label=declaration.label, **declaration.properties()
            )
    return added


def with_default(groups: list[Group], name: str, default) -> list[Group]:
    """``groups`` with the default of input ``name`` replaced (a build option that sets a default)."""
    return [
        dataclasses.replace(
            group,
            inputs=tuple(
                dataclasses.replace(item, default=default) if item.name == name else item for item in group.inputs
            ),
        )
        for group in groups
    ]


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


def when_true(template: Template, parameter: Parameter, name: str) -> str:
    """Add a condition named ``name`` that is true when a ``true``/``false`` switch is ``true``."""
    template.add_condition(name, Equals(Ref(parameter), "true"))
    return name


def switch(name: str, label: str, description: str) -> Input:
    """An opt-in: ``false`` unless the user sets it to ``true``."""
    return Input(name, label, "String", description, default="false", allowed_values=("false", "true"))


def when_empty(template: Template, parameter: Parameter, name: str) -> str:
    """Add a condition named ``name`` that is true when ``parameter`` is left empty."""
    template.add_condition(name, Equals(Ref(parameter), ""))
    return name


def value(item):
    """``Ref`` a parameter or resource; pass anything else (text, numbers, intrinsics) through."""
    if isinstance(item, (Parameter, AWSObject)):
        return Ref(item)
    return item


# --- Inputs several templates share --------------------------------------------------


def vpc_id(
    description: str = "VPC the tasks run in. It needs DNS support and DNS hostnames enabled for private service "
    "discovery.",
) -> Input:
    return Input("VpcId", "VPC", "AWS::EC2::VPC::Id", description)


def subnet_ids(name: str, label: str, description: str) -> Input:
    return Input(name, label, "List<AWS::EC2::Subnet::Id>", description)


def assign_public_ip(default: str, description: str) -> Input:
    return Input(
        "AssignPublicIp",
        "Assign public IP",
        "String",
        description,
        default=default,
        allowed_values=("ENABLED", "DISABLED"),
    )


def log_retention_days(default: int) -> Input:
    return Input(
        "LogRetentionDays",
        "Log retention (days)",
        "Number",
        "How long CloudWatch Logs keeps the container logs. The log group itself is kept when the stack is deleted.",
        default=default,
        allowed_values=facts.LOG_RETENTION_DAYS,
    )


def log_kms_key_arn() -> Input:
    """An optional KMS key for the log groups (see :func:`log_key`)."""
    return Input(
        "LogKmsKeyArn",
        "KMS key for logs (optional)",
        "String",
        "ARN of a KMS key to encrypt the logs with. Its key policy must allow the CloudWatch Logs service "
        "principal of this region. Leave empty for AWS-owned keys.",
        default="",
        allowed_pattern=facts.OPTIONAL_KMS_KEY_ARN_PATTERN,
        constraint="must be empty or a KMS key ARN",
    )


def log_key(template: Template, key: Parameter) -> tuple[Parameter, str]:
    """The log KMS key parameter and its ``Has...`` condition, as :func:`logs.log_group` takes them."""
    return key, when_given(template, key)


def existing_cluster_name() -> Input:
    """Run in this cluster, or (left empty) in one the stack creates (:class:`cluster.ClusterChoice`)."""
    return Input(
        "ExistingClusterName",
        "Existing cluster (optional)",
        "String",
        "Name of an ECS cluster to run in. Leave empty to create one with Container Insights on.",
        default="",
        allowed_pattern=facts.CLUSTER_NAME_OR_EMPTY_PATTERN,
        constraint="must be a cluster name: letters, digits, - and _",
    )


def ecr_image_uri(name: str, label: str, *, repository: str, note: str = "") -> Input:
    """An ECR image URI with a tag or digest; its repository ARN is derived from it
    (:func:`iam.ecr_repository_arn`), so the pattern is that function's contract."""
    return Input(
        name,
        label,
        "String",
        f"ECR image with a tag or digest, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/{repository}:v1.2.3.{note}",
        allowed_pattern=facts.ECR_IMAGE_PATTERN,
        constraint="must be <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag> or @sha256:<digest>",
    )


def cluster_and_logging(retention_days: int) -> list[Group]:
    """The last two groups of a one-service stack: where it runs, and how its logs are kept."""
    return [
        Group("Cluster", (existing_cluster_name(),)),
        Group("Logging", (log_retention_days(retention_days), log_kms_key_arn())),
    ]


def alarm_topic_arn() -> Input:
    """Where every alarm of the stack notifies when it fires, and when it recovers (optional)."""
    return Input(
        "AlarmTopicArn",
        "SNS topic for alarms (optional)",
        "String",
        "Alarms notify this topic when they fire and when they recover (ALARM to OK, as an EventBridge event; "
        "no OK on create). Leave empty for alarms without notifications.",
        default="",
        allowed_pattern=facts.OPTIONAL_SNS_TOPIC_ARN_PATTERN,
        constraint="must be empty or an SNS topic ARN",
    )


def alarm_topic_kms_key_arn() -> Input:
    """The customer managed key of an encrypted alarm topic (see :mod:`.alarm_recovery`)."""
    return Input(
        "AlarmTopicKmsKeyArn",
        "KMS key of the alarm topic (optional)",
        "String",
        "Only for a topic encrypted with a customer managed key: its ARN, so the recoveries can be published. "
        "Its key policy must let IAM policies of this account, and the CloudWatch service, use it.",
        default="",
        allowed_pattern=facts.OPTIONAL_KMS_KEY_ARN_PATTERN,
        constraint="must be empty or a KMS key ARN",
    )


def alarms_group() -> Group:
    """The console group of the stack's alarms and its optional dashboard."""
    return Group(
        "Alarms",
        (
            alarm_topic_arn(),
            alarm_topic_kms_key_arn(),
            switch(
                "CreateDashboard",
                "CloudWatch dashboard",
                "true adds a dashboard named <stack>-<region>: tasks, CPU and memory, targets, 5xx and alarms during a "
                "release. Dashboards beyond the free tier are billed per month.",
            ),
        ),
    )
