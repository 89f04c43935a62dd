"""CloudWatch log groups that outlive the stack.

Logs are evidence: deleting a stack, or a change that replaces the group, must
never delete them. Every group is retained on delete and on replacement.
"""

from troposphere import If, NoValue, Ref, Sub, logs


def log_group(title: str, *, name, retention_days, kms_key_condition: str | None = None, kms_key=None):
    """A log group named ``name`` (``Sub`` text or a value), kept after the stack.

    With ``kms_key_condition``, the group is encrypted with ``kms_key`` when the
    condition holds (an optional key ARN parameter).
    """
    kms = If(kms_key_condition, Ref(kms_key), NoValue) if kms_key_condition else NoValue
    return logs.LogGroup(
        title,
        LogGroupName=Sub(name) if isinstance(name, str) else name,
        RetentionInDays=Ref(retention_days) if not isinstance(retention_days, int) else retention_days,
        KmsKeyId=kms,
        DeletionPolicy="Retain",
        UpdateReplacePolicy="Retain",
    )
