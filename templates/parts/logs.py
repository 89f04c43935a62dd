"""CloudWatch log groups that outlive the stack.

Logs are evidence: deleting a stack, or a change that replaces the group, must
never delete them. Every group is retained on delete and on replacement.

Except on create: a group is named after its stack, so a group kept from a first
create that failed and rolled back would make the next create of the same stack
fail with "already exists". ``RetainExceptOnCreate`` deletes it in that one case
(nothing worth keeping has been logged yet); ``UpdateReplacePolicy`` has no such
value and stays ``Retain``.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html
"""

from troposphere import If, NoValue, Ref, Sub, logs

from .parameters import log_key, value

# One group per stack, named after it, unless a stack has several services.
STACK_LOG_GROUP_NAME = "/ecs/${AWS::StackName}"
DELETION_POLICY = "RetainExceptOnCreate"
UPDATE_REPLACE_POLICY = "Retain"


def log_group(title: str, *, name=STACK_LOG_GROUP_NAME, retention_days, kms_key: tuple | None = None):
    """A log group named ``name`` (``Sub`` text or a value), kept after the stack (unless its create rolls back).

    ``kms_key`` is the optional key parameter and its condition
    (:func:`parameters.log_key`): the group is encrypted with it when given.
    """
    group = logs.LogGroup(
        title,
        LogGroupName=Sub(name) if isinstance(name, str) else name,
        RetentionInDays=value(retention_days),
        DeletionPolicy=DELETION_POLICY,
        UpdateReplacePolicy=UPDATE_REPLACE_POLICY,
    )
    if kms_key is not None:
        key, condition = kms_key
        group.KmsKeyId = If(condition, Ref(key), NoValue)
    return group


def stack_log_group(template, inputs: dict):
    """Add the stack's one log group, kept as the ``LogRetentionDays`` and ``LogKmsKeyArn`` inputs say."""
    return template.add_resource(
        log_group(
            "LogGroup",
            retention_days=inputs["LogRetentionDays"],
            kms_key=log_key(template, inputs["LogKmsKeyArn"]),
        )
    )
