"""What reaches the alarm topic: an alarm firing, and its recovery (ALARM -> OK), never a create.

Expected values come from AWS's documentation through the model of tests/alarm_model.py and
the texts it quotes (tests/fixtures/alarms/events.json), never from the templates' code.
"""

from pathlib import Path

import pytest

from ops.shared.rules import evaluate
from tests.alarm_model import FIXTURE, delivered, matches, state_change_event, transitions
from tests.helpers import built
from tests.iam_world import KMS_KEY, roles
from tests.test_alarms import ACCOUNT, ALARM_NAMES, REGION, STACK, TEMPLATES, TOPIC, stack

ROOT = Path(__file__).resolve().parent.parent


def sent(resources: dict, title: str, changes: list[tuple[str, str]]) -> list:
    return delivered(resources, title, changes, TOPIC, ACCOUNT, REGION)


def kinds(messages: list) -> list[str]:
    """ "ALARM" for a CloudWatch action, "recovery" for a message of the rule."""
    return [m if isinstance(m, str) else "recovery" for m in messages]


@pytest.mark.parametrize("name", TEMPLATES)
def test_a_create_sends_no_ok_and_each_alarm_firing_then_clearing_sends_one_of_each(name):
    resources = stack(name, AlarmTopicArn=TOPIC)
    for title in ALARM_NAMES[name]:
        # Every new alarm starts in INSUFFICIENT_DATA; a healthy service then reads OK.
        assert sent(resources, title, [("INSUFFICIENT_DATA", "OK")]) == [], title
        assert kinds(sent(resources, title, [("OK", "ALARM")])) == ["ALARM"], title
        assert kinds(sent(resources, title, [("ALARM", "OK")])) == ["recovery"], title
        # An outage as the stack is created still alarms (the page's own example change).
        assert kinds(sent(resources, title, [("INSUFFICIENT_DATA", "ALARM")])) == ["ALARM"], title
        # Data stopping is not a recovery (tasks below desired reads "missing").
        assert sent(resources, title, [("ALARM", "INSUFFICIENT_DATA"), ("OK", "INSUFFICIENT_DATA")]) == [], title


def test_the_documented_events_the_rule_matches_and_the_ones_it_does_not():
    pattern = stack("go-api", AlarmTopicArn=TOPIC)["AlarmRecoveryRule"]["Properties"]["EventPattern"]
    # The page's example, as published: another region's alarm, INSUFFICIENT_DATA -> ALARM.
    assert not matches(pattern, FIXTURE["metric_math_alarm_event"]["event"])
    name = f"{STACK}-api-target-5xx"
    recovery = state_change_event(name, "ALARM", "OK", ACCOUNT, REGION)
    assert matches(pattern, recovery)
    for old, new in [("INSUFFICIENT_DATA", "OK"), ("OK", "ALARM"), ("ALARM", "INSUFFICIENT_DATA")]:
        assert not matches(pattern, state_change_event(name, old, new, ACCOUNT, REGION)), (old, new)
    # A stack whose name starts with this one's ("shop-eu" after "shop") has alarms of its own.
    assert not matches(pattern, state_change_event(f"{STACK}-eu-api-target-5xx", "ALARM", "OK", ACCOUNT, REGION))
    # The same alarm name in another account, or another region, whose events reach this bus.
    assert not matches(pattern, {**recovery, "account": "210987654321"})
    assert not matches(pattern, {**recovery, "region": "eu-central-1"})


@pytest.mark.parametrize("name", TEMPLATES)
def test_the_rule_watches_every_alarm_of_the_stack_and_nothing_without_a_topic(name):
    resources = stack(name, AlarmTopicArn=TOPIC)
    names = resources["AlarmRecoveryRule"]["Properties"]["EventPattern"]["detail"]["alarmName"]
    assert sorted(names) == sorted(f"{STACK}-{suffix}" for suffix in ALARM_NAMES[name].values())
    silent = stack(name)
    assert not [t for t, r in silent.items() if r["Type"] in ("AWS::Events::Rule", "AWS::IAM::Role") and "Alarm" in t]
    # Names come from the stack name, as the alarms' do: no fixed name anywhere.
    rule = built(name)["Resources"]["AlarmRecoveryRule"]["Properties"]
    assert "Name" not in rule and "RoleName" not in built(name)["Resources"]["AlarmRecoveryRole"]["Properties"]


def test_the_recovery_is_the_event_cloudwatch_sent_as_it_is():
    """The entire event, untransformed (FIXTURE["put_targets"]): Amazon Q Developer in chat
    applications delivers no event whose content was modified (FIXTURE["chatbot"])."""
    resources = stack("platform", AlarmTopicArn=TOPIC)
    (message,) = sent(resources, "BffTarget5xx", [("ALARM", "OK")])
    assert message == state_change_event(f"{STACK}-bff-target-5xx", "ALARM", "OK", ACCOUNT, REGION)
    assert message["detail-type"] == "CloudWatch Alarm State Change" and message["source"] == "aws.cloudwatch"
    (target,) = resources["AlarmRecoveryRule"]["Properties"]["Targets"]
    assert not {"Input", "InputPath", "InputTransformer"} & set(target)


# --- A delivery that fails is an alarm of its own, sent by CloudWatch ---------------------
# FailedInvocations in AWS/Events, "invocations that failed permanently", by RuleName for a rule
# of the default bus, and sent "only ... if it isn't zero" (FIXTURE["failed_invocations"]).
RULE_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{STACK}-AlarmRecoveryRule-1A2B3C4D5E6F"


@pytest.mark.parametrize("name", TEMPLATES)
def test_a_failed_recovery_delivery_raises_an_alarm_straight_to_the_topic(name):
    resources = stack(name, AlarmTopicArn=TOPIC, **{"AlarmRecoveryRule.Arn": RULE_ARN})
    (title,) = [
        t
        for t, r in resources.items()
        if r["Type"] == "AWS::CloudWatch::Alarm" and r["Properties"].get("Namespace") == "AWS/Events"
    ]
    failures = resources[title]["Properties"]
    assert failures["MetricName"] == "FailedInvocations"
    assert failures["Dimensions"] == [{"Name": "RuleName", "Value": f"{STACK}-AlarmRecoveryRule-1A2B3C4D5E6F"}]
    assert (failures["Statistic"], failures["ComparisonOperator"], failures["Threshold"]) == (
        "Sum",
        "GreaterThanThreshold",
        0,
    )
    # The first failure, within the minute it happens.
    assert (failures["Period"], failures["EvaluationPeriods"], failures["DatapointsToAlarm"]) == (60, 1, 1)
    # No data is no failure (the metric is sent only when it is not zero).
    assert failures["TreatMissingData"] == "notBreaching"
    assert failures["AlarmActions"] == [TOPIC] and "OKActions" not in failures
    assert failures["AlarmName"].startswith(f"{STACK}-")
    # The rule does not carry its recovery: a failing rule would fail on it and raise it again.
    names = resources["AlarmRecoveryRule"]["Properties"]["EventPattern"]["detail"]["alarmName"]
    assert failures["AlarmName"] not in names
    changes = transitions(failures, [0, 1, None, None])
    assert changes == [("INSUFFICIENT_DATA", "OK"), ("OK", "ALARM"), ("ALARM", "OK")]
    assert kinds(sent(resources, title, changes)) == ["ALARM"]
    assert not [r for r in stack(name).values() if r["Properties"].get("Namespace") == "AWS/Events"]


def test_the_deploying_guide_names_what_creating_updating_and_deleting_the_rule_takes():
    """Every permission CloudFormation's handlers of AWS::Events::Rule declare (their schema)."""
    handlers = FIXTURE["rule_handler_permissions"]
    needed = {p for k in ("create", "update", "delete") for p in handlers[k]}
    section = (ROOT / "docs" / "deploying.md").read_text().split("### Alarm notifications", 1)[1]
    section = section.split("\n### ", 1)[0]
    assert {p for p in needed if f"`{p}`" not in section} == set()
    assert "events.amazonaws.com" in section  # whom the role is passed to


# --- A real outage still alarms, and its end is one recovery -----------------------------
# The ALB reports both host counts while health checks run, and nothing for "no data"
# (FIXTURE["alb_target_metrics"]): registered targets failing their checks read 0 healthy and
# N unhealthy; a group whose every target drained reports nothing at all.

OUTAGES = {
    # Targets registered, none healthy: 0 healthy for three minutes, then back.
    "registered, none healthy": ([1, 1, 0, 0, 0, 1, 1], [0, 0, 2, 2, 2, 0, 0]),
    # Every target drained: 0 while the last one leaves, then no data until a task registers again.
    "every target drained": ([1, 1, 0, None, None, None, 1, 1], [0, 0, 0, None, None, None, 0, 0]),
}


@pytest.mark.parametrize("outage", list(OUTAGES))
@pytest.mark.parametrize(("name", "tier"), [("go-api", "Api"), ("platform", "Bff")])
def test_an_outage_alarms_once_and_its_end_sends_one_recovery(name, tier, outage):
    resources = stack(name, AlarmTopicArn=TOPIC)
    healthy, unhealthy = OUTAGES[outage]
    no_healthy = f"{tier}NoHealthyTargets"
    changes = transitions(resources[no_healthy], healthy)
    assert kinds(sent(resources, no_healthy, changes)) == ["ALARM", "recovery"], changes
    failing = f"{tier}UnhealthyTargets"
    found = kinds(sent(resources, failing, transitions(resources[failing], unhealthy)))
    # Failing checks are this alarm's; an empty group is the no-healthy alarm's (no data: not breaching).
    assert found == (["ALARM", "recovery"] if outage == "registered, none healthy" else []), found


@pytest.mark.parametrize(("name", "tier"), [("go-api", "Api"), ("platform", "Bff")])
def test_the_stack_create_itself_sends_nothing(name, tier):
    resources = stack(name, AlarmTopicArn=TOPIC)
    # Tasks registering from minute 2, healthy from 3; the alarm is created after the service (minute 5).
    changes = transitions(resources[f"{tier}NoHealthyTargets"], [None, None, 0, 1, 1, 1, 1], created=5)
    assert changes == [("INSUFFICIENT_DATA", "OK")]
    assert sent(resources, f"{tier}NoHealthyTargets", changes) == []


# --- The rule's role: publish to the topic, and use its key through SNS only -----------------


def test_the_role_is_assumed_by_eventbridge_of_this_account_and_publishes_to_the_topic_only():
    role = roles("go-api", AlarmTopicArn=TOPIC)["AlarmRecoveryRole"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "events.amazonaws.com"} and trust["Action"] == ["sts:AssumeRole"]
    assert trust["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/*"},
    }
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    assert [(s["Action"], s["Resource"]) for s in statements] == [(["sns:Publish"], [TOPIC])]
    target = stack("go-api", AlarmTopicArn=TOPIC)["AlarmRecoveryRule"]["Properties"]["Targets"]
    assert [t["RoleArn"] for t in target] == [{"Fn::GetAtt": ["AlarmRecoveryRole", "Arn"]}]


def test_with_a_customer_managed_key_the_role_may_use_it_through_sns_only():
    # A publisher to an encrypted topic needs kms:GenerateDataKey and kms:Decrypt on its key
    # (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
    role = roles("go-api", AlarmTopicArn=TOPIC, AlarmTopicKmsKeyArn=KMS_KEY)["AlarmRecoveryRole"]
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    (key,) = [s for s in statements if s["Action"][0].startswith("kms:")]
    assert sorted(key["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"] and key["Resource"] == [KMS_KEY]
    assert key["Condition"] == {"StringEquals": {"kms:ViaService": f"sns.{REGION}.amazonaws.com"}}


@pytest.mark.parametrize("name", TEMPLATES)
def test_a_key_without_its_topic_is_refused_before_anything_is_created(name):
    def result(**values):
        (found,) = [r for r in evaluate(built(name), values) if r.check == "rule:AlarmTopicKeyNeedsItsTopic"]
        return found

    refused = result(AlarmTopicKmsKeyArn=KMS_KEY, AlarmTopicArn="")
    assert refused.status == "fail" and "give AlarmTopicArn too" in refused.detail
    assert result(AlarmTopicKmsKeyArn=KMS_KEY, AlarmTopicArn=TOPIC).status == "pass"
    assert result(AlarmTopicKmsKeyArn="", AlarmTopicArn="").status == "pass"
