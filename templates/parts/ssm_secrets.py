"""Secrets in SSM Parameter Store encrypted with a customer-managed KMS key.

A ``SecureString`` parameter under the default ``aws/ssm`` key needs nothing but
ssm:GetParameter(s). Under a customer-managed key, whoever reads it also needs
kms:Decrypt on that key: the execution role (ECS injects ``secrets`` with it) and
a task role that reads parameters itself. The key is optional; the permission
exists only when it is given, and only for decryption requested by SSM
(``kms:ViaService``), so the role cannot decrypt anything else with it.
https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-restrict-decryption.html
"""

from troposphere import Ref, Template

from .. import facts
from . import iam
from .parameters import Input, when_given

PARAMETER = "SecretsKmsKeyArn"
POLICY_NAME = "secrets-kms"


def kms_key_arn() -> Input:
    return Input(
        PARAMETER,
        "KMS key of the secrets (optional)",
        "String",
        "ARN of the customer-managed KMS key the SecureString parameters under the secrets path are encrypted "
        "with. The roles that read them get kms:Decrypt on this key, through SSM only. Leave empty for the "
        "default aws/ssm key.",
        default="",
        allowed_pattern=facts.OPTIONAL_KMS_KEY_ARN_PATTERN,
        constraint="must be empty or a KMS key ARN",
    )


def add_condition(template: Template, parameter) -> str:
    """The condition that is true when a key is given; returns its name (``HasSecretsKmsKeyArn``)."""
    return when_given(template, parameter)


def decrypt_policy(condition: str, parameter):
    """An inline policy (``Fn::If`` on ``condition``) allowing kms:Decrypt on the key, through SSM."""
    return iam.conditional_policy(condition, POLICY_NAME, [iam.kms_decrypt_through_ssm(Ref(parameter))])
