"""Preflight's alarm topic check, with recorded answers (botocore Stubber): moto keeps no key
policies of the shape KMS gives and no KMS-encrypted topics' key managers.

Answer shapes: https://docs.aws.amazon.com/sns/latest/api/API_GetTopicAttributes.html (the
``KmsMasterKeyId`` attribute), https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html,
https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyPolicy.html (the Stubber also
checks them against the service models).
"""

import json

import pytest
from botocore.stub import Stubber

from ops.preflight import alarm_topic
from ops.preflight import cli as preflight
from ops.shared import params
from ops.shared.aws import Account
from ops.shared.context import Context
from ops.shared.template import Values, load
from tests import aws_world

ACCOUNT, REGION = "123456789012", aws_world.REGION
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:on-call"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
AWS_SNS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0987dcba-09fe-87dc-65ba-ab0987654321"

# The default key policy's first statement: IAM policies of the account may use the key.
# https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
IAM_POLICIES = {
    "Sid": "Enable IAM User Permissions",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": "kms:*",
    "Resource": "*",
}
# The statement SNS asks for an AWS service that publishes to an encrypted topic, its
# "service.amazonaws.com" made CloudWatch's.
# https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
CLOUDWATCH = {
    "Effect": "Allow",
    "Principal": {"Service": "cloudwatch.amazonaws.com"},
    "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
    "Resource": "*",
}


@pytest.fixture(scope="module")
def account():
    return Account(aws_world.session())


def context(account, **values) -> Context:
    given = {
        "VpcId": "vpc-0123456789abcdef0",
        "SubnetIds": "subnet-0123456789abcdef0,subnet-0fedcba9876543210",
        "ClientCidr": "10.0.0.0/16",
        **values,
    }
    document = load("finfocus-plugin")
    return Context(account, "finfocus-plugin", Values(document, params.effective(document["Parameters"], given)))


def key_metadata(arn: str, manager: str = "CUSTOMER", state: str = "Enabled") -> dict:
    return {"KeyMetadata": {"KeyId": arn.rsplit("/", 1)[1], "Arn": arn, "KeyManager": manager, "KeyState": state}}


def run(account, given: str = "", encrypted_with: str | None = None, described: dict | None = None, policy=None):
    ctx = context(account, AlarmTopicArn=TOPIC, AlarmTopicKmsKeyArn=given)
    attributes = {"TopicArn": TOPIC} | ({"KmsMasterKeyId": encrypted_with} if encrypted_with else {})
    with Stubber(account.client("sns")) as sns, Stubber(account.client("kms")) as kms:
        sns.add_response("get_topic_attributes", {"Attributes": attributes}, {"TopicArn": TOPIC})
        if described:
            kms.add_response("describe_key", described, {"KeyId": encrypted_with})
        if isinstance(policy, list):
            document = json.dumps({"Version": "2012-10-17", "Statement": policy})
            arn = described["KeyMetadata"]["Arn"]
            kms.add_response("get_key_policy", {"Policy": document}, {"KeyId": arn, "PolicyName": "default"})
        elif policy == "denied":
            kms.add_client_error("get_key_policy", "AccessDeniedException", "not allowed", 400)
        results = {r.check: r for r in alarm_topic.alarm_topic(ctx)}
        sns.assert_no_pending_responses()
        kms.assert_no_pending_responses()
    return results


def test_no_topic_no_check_and_no_call(account):
    with Stubber(account.client("sns")) as sns:
        assert alarm_topic.alarm_topic(context(account)) == []
        sns.assert_no_pending_responses()
    assert ("alarms.topic", alarm_topic.alarm_topic) in preflight.ACCOUNT_CHECKS


def test_a_topic_of_another_region_fails_before_any_call(account):
    other = TOPIC.replace(REGION, "eu-west-1")
    (result,) = alarm_topic.alarm_topic(context(account, AlarmTopicArn=other))
    assert (result.status, result.detail) == ("fail", f"{other} is in eu-west-1, not {REGION}")


def test_a_missing_topic_fails_with_the_command_that_makes_it(account):
    with Stubber(account.client("sns")) as sns:
        sns.add_client_error("get_topic_attributes", "NotFound", "Topic does not exist", 404)
        (result,) = alarm_topic.alarm_topic(context(account, AlarmTopicArn=TOPIC))
    assert result.status == "fail" and result.detail == f"{TOPIC} does not exist"
    assert result.fix.startswith(f"aws sns create-topic --name on-call --region {REGION}")


def test_an_unencrypted_topic_passes(account):
    assert run(account)["alarms.topic"].status == "pass"


# The topic names the aws/sns key by its alias (the console's default) or by its ARN.
@pytest.mark.parametrize("named_by", ["alias/aws/sns", AWS_SNS_KEY])
def test_the_aws_managed_sns_key_fails_cloudwatch_cannot_use_it(account, named_by):
    result = run(account, "", named_by, key_metadata(AWS_SNS_KEY, manager="AWS"))["alarms.topic"]
    assert result.status == "fail" and "AWS managed key aws/sns: CloudWatch cannot publish" in result.detail
    assert "customer managed key" in result.fix and "cloudwatch.amazonaws.com" in result.fix


@pytest.mark.parametrize("named_by", ["alias/on-call", KEY.rsplit("/", 1)[1], KEY])
def test_a_customer_managed_key_needs_its_arn_in_the_key_parameter(account, named_by):
    result = run(account, "", named_by, key_metadata(KEY))["alarms.topic"]
    assert result.status == "fail" and "recovery notifications cannot be published" in result.detail
    assert result.fix == f"set AlarmTopicKmsKeyArn={KEY}"


@pytest.mark.parametrize("named_by", ["alias/on-call", KEY.rsplit("/", 1)[1], KEY])
def test_the_key_given_by_its_arn_passes_however_the_topic_names_it(account, named_by):
    results = run(account, KEY, named_by, key_metadata(KEY), [IAM_POLICIES, CLOUDWATCH])
    assert results["alarms.topic"].status == "pass", results["alarms.topic"]


# A multi-Region key's ID is "mrk-" and 32 hex digits (tests/fixtures/kms/key_arns.json).
MULTI_REGION_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/mrk-1234abcd12ab34cd56ef1234567890ab"


@pytest.mark.parametrize("named_by", ["mrk-1234abcd12ab34cd56ef1234567890ab", MULTI_REGION_KEY])
def test_a_multi_region_key_given_by_its_arn_passes(account, named_by):
    results = run(account, MULTI_REGION_KEY, named_by, key_metadata(MULTI_REGION_KEY), [IAM_POLICIES, CLOUDWATCH])
    assert results["alarms.topic"].status == "pass", results["alarms.topic"]
    assert (
        params.value_problems(
            "AlarmTopicKmsKeyArn", load("finfocus-plugin")["Parameters"]["AlarmTopicKmsKeyArn"], MULTI_REGION_KEY
        )
        == []
    )
    # Its replica in another region is another key for the topic's region.
    replica = MULTI_REGION_KEY.replace(REGION, "eu-west-1" if REGION != "eu-west-1" else "us-east-1")
    assert run(account, replica, named_by, key_metadata(MULTI_REGION_KEY))["alarms.topic"].status == "fail"


def test_another_key_given_fails_naming_the_topics_key(account):
    other = KEY.replace("1234abcd", "9999abcd")
    result = run(account, other, KEY, key_metadata(KEY))["alarms.topic"]
    assert (
        result.status == "fail"
        and result.detail == f"AlarmTopicKmsKeyArn is {other}, but {TOPIC} is encrypted with {KEY}"
    )


def test_a_disabled_key_fails(account):
    result = run(account, KEY, KEY, key_metadata(KEY, state="Disabled"))["alarms.topic"]
    assert result.status == "fail" and "is Disabled" in result.detail


@pytest.mark.parametrize(
    ("statements", "status", "says"),
    [
        ([IAM_POLICIES, CLOUDWATCH], "pass", "lets CloudWatch and this account's IAM policies use it"),
        # The default key policy alone: the role may use the key, CloudWatch may not.
        ([IAM_POLICIES], "warn", "the CloudWatch service (cloudwatch.amazonaws.com)"),
        ([CLOUDWATCH], "warn", "IAM policies of this account"),
        ([{**CLOUDWATCH, "Action": ["kms:Decrypt"]}, IAM_POLICIES], "warn", "cloudwatch.amazonaws.com"),
    ],
)
def test_the_key_policy_must_let_both_publishers_use_the_key(account, statements, status, says):
    results = run(account, KEY, KEY, key_metadata(KEY), statements)
    assert results["alarms.topic"].status == "pass"
    policy = results["alarms.topic-key-policy"]
    assert policy.status == status and says in policy.detail, policy


def test_no_permission_to_read_the_key_policy_skips_that_part_only(account):
    results = run(account, KEY, KEY, key_metadata(KEY), "denied")
    assert results["alarms.topic"].status == "pass"
    assert results["alarms.topic-key-policy"].status == "skip"
    assert results["alarms.topic-key-policy"].detail == "no permission: kms:GetKeyPolicy"
