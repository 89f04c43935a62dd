"""The alarm topic: that it exists here, and what its encryption asks of the stack.

Two publishers reach the topic: CloudWatch itself (an alarm firing) and the stack's
EventBridge rule, through its role (a recovery). With a topic encrypted under a KMS key,
both need ``kms:GenerateDataKey*`` and ``kms:Decrypt`` on it. CloudWatch, an AWS service,
gets them only from a statement of a customer managed key's policy (the aws/sns key's
policy cannot be changed); the role gets them from its own policy, which names the key
given as ``AlarmTopicKmsKeyArn``, and which the key policy must let count.
https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
"""

import json

import botocore.exceptions

from ..shared.aws import call, call_or_none, one_line
from ..shared.context import Context
from ..shared.errors import NoPermission
from ..shared.report import Result, failed, passed, skipped, warned

CHECK = "alarms.topic"
TOPIC, KEY = "AlarmTopicArn", "AlarmTopicKmsKeyArn"
AWS_MANAGED_SNS_KEY = "alias/aws/sns"
KEY_DOC = "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services"


def alarm_topic(ctx: Context) -> list[Result]:
    topic = ctx.value(TOPIC) if TOPIC in ctx.parameters else ""
    if not topic:
        return []
    region = topic.split(":")[3]
    if region != ctx.region:
        # EventBridge delivers to targets of its own region only.
        # https://repost.aws/knowledge-center/sns-not-getting-eventbridge-notification
        return [failed(CHECK, f"{topic} is in {region}, not {ctx.region}", f"set {TOPIC} to a topic of {ctx.region}")]
    answer = call_or_none(ctx.client("sns"), "get_topic_attributes", TopicArn=topic)
    if answer is None:
        return [
            failed(
                CHECK,
                f"{topic} does not exist",
                f"aws sns create-topic --name {topic.rsplit(':', 1)[1]} --region {ctx.region}, then subscribe to it",
            )
        ]
    key = answer["Attributes"].get("KmsMasterKeyId", "")
    if not key:
        return [passed(CHECK, f"{topic} exists (not encrypted)")]
    return _encrypted(ctx, topic, key)


def _encrypted(ctx: Context, topic: str, key: str) -> list[Result]:
    described = call_or_none(ctx.client("kms"), "describe_key", KeyId=key)
    if described is None:
        return [
            failed(CHECK, f"{topic} is encrypted with {key}, which does not exist", "encrypt it with a key that exists")
        ]
    metadata = described["KeyMetadata"]
    arn, given = metadata["Arn"], ctx.value(KEY)
    if metadata.get("KeyManager") == "AWS" or key.endswith(AWS_MANAGED_SNS_KEY):
        return [
            failed(
                CHECK,
                f"{topic} is encrypted with the AWS managed key aws/sns: CloudWatch cannot publish alarms to it",
                f"encrypt the topic with a customer managed key whose policy lets cloudwatch.amazonaws.com use it "
                f"({KEY_DOC}), and set {KEY} to that key's ARN",
            )
        ]
    if metadata.get("KeyState") != "Enabled":
        return [
            failed(
                CHECK, f"{topic}'s key {arn} is {metadata.get('KeyState')}", f"enable {arn} (or re-encrypt the topic)"
            )
        ]
    if not given:
        return [
            failed(
                CHECK,
                f"{topic} is encrypted with {arn}: the recovery notifications cannot be published without it",
                f"set {KEY}={arn}",
            )
        ]
    if given != arn:
        return [failed(CHECK, f"{KEY} is {given}, but {topic} is encrypted with {arn}", f"set {KEY}={arn}")]
    return [passed(CHECK, f"{topic} is encrypted with {arn}, given as {KEY}"), *_key_policy(ctx, arn)]


def _key_policy(ctx: Context, arn: str) -> list[Result]:
    """Whether the key policy lets the two publishers use the key: the CloudWatch service by a
    statement of its own, the role through IAM policies of the account (the account as principal)."""
    check = "alarms.topic-key-policy"
    try:
        answer = call(ctx.client("kms"), "get_key_policy", KeyId=arn, PolicyName="default")
    except NoPermission as denied:
        return [skipped(check, f"no permission: {denied.action}")]
    except botocore.exceptions.ClientError as error:
        return [skipped(check, f"AWS error: {one_line(error)}")]
    statements = json.loads(answer["Policy"]).get("Statement", [])
    account = arn.split(":")[4]
    missing = []
    if not _allows(statements, lambda p: "cloudwatch.amazonaws.com" in _as_list(p.get("Service", [])), NEEDED):
        missing.append("the CloudWatch service (cloudwatch.amazonaws.com): alarms never reach the topic")
    if not _allows(statements, lambda p: _is_account(p.get("AWS"), account), {"kms:*"}):
        missing.append("IAM policies of this account (the account as principal, kms:*): recoveries never reach it")
    if not missing:
        return [passed(check, f"{arn} lets CloudWatch and this account's IAM policies use it")]
    return [
        warned(
            check,
            f"the key policy of {arn} seems not to allow {'; nor '.join(missing)}",
            f"add the statements of {KEY_DOC} (a condition may grant it in a form this check does not read)",
        )
    ]


NEEDED = {"kms:GenerateDataKey*", "kms:Decrypt"}


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _is_account(principal, account: str) -> bool:
    return any(
        p in (account, f"arn:aws:iam::{account}:root") or p.endswith(f"::{account}:root")
        for p in _as_list(principal or [])
    )


def _allows(statements: list, principal_matches, needed: set) -> bool:
    granted = set()
    for statement in statements:
        principal = statement.get("Principal", {})
        if statement.get("Effect") != "Allow" or not isinstance(principal, dict) or not principal_matches(principal):
            continue
        actions = set(_as_list(statement.get("Action", [])))
        if "kms:*" in actions:
            return True
        granted |= actions
    return needed <= granted
