"""An S3 bucket whose default encryption is a customer-managed KMS key.

Under SSE-S3 or the AWS managed aws/s3 key, s3:GetObject and s3:PutObject are all a role
needs. Under a customer-managed key, reading an object also needs kms:Decrypt and writing
one kms:GenerateDataKey on that key, or S3 answers AccessDenied. The key is optional; the
permission exists only when it is given, and only for requests S3 makes on the role's
behalf (``kms:ViaService``), so the role cannot use the key for anything else.
https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html
https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
"""

from troposphere import Ref, Template

from .. import facts
from . import iam
from .parameters import Input, when_given


def kms_key_arn(name: str, label: str, bucket_parameter: str) -> Input:
    return Input(
        name,
        label,
        "String",
        f"ARN of the customer-managed KMS key that {bucket_parameter} is encrypted with by default (aws s3api "
        "get-bucket-encryption shows it). The task role that reads and writes the bucket gets kms:Decrypt and "
        "kms:GenerateDataKey on this key, through S3 only. Leave empty for SSE-S3 or the aws/s3 key.",
        default="",
        allowed_pattern=facts.OPTIONAL_KMS_KEY_ARN_PATTERN,
        constraint="must be empty or a KMS key ARN",
    )


def add_condition(template: Template, parameter) -> str:
    """The condition that is true when a key is given; returns its name (``Has<Parameter>``)."""
    return when_given(template, parameter)


def read_write_policy(condition: str, parameter, policy_name: str):
    """An inline policy (``Fn::If`` on ``condition``) allowing the key's use for S3 objects, through S3."""
    return iam.conditional_policy(condition, policy_name, [iam.kms_through_s3(Ref(parameter))])
