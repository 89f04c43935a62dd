"""Recovery notifications: an alarm going from ALARM back to OK, and nothing else, reaches the topic.

CloudWatch's own ``OKActions`` run on a transition to OK "from any other state", and a new
alarm starts in INSUFFICIENT_DATA: a stack create would send one OK per alarm that never
fired (:class:`.alarms.Notify` leaves them out). CloudWatch also sends every state change
to EventBridge, with the state before it (``detail.previousState``), so a rule on this
stack's alarms that matches only ALARM -> OK publishes the recoveries and nothing else.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html

The rule publishes through an execution role (``RoleArn``) instead of a statement in the
topic's policy: the topic is the user's, and ``AWS::SNS::TopicPolicy`` replaces a topic's
whole policy. EventBridge takes an execution role for SNS targets; with a topic encrypted
under a customer managed key, the role (a publisher) also needs ``kms:GenerateDataKey``
and ``kms:Decrypt`` on that key, named by its ARN (``AlarmTopicKmsKeyArn``).
https://aws.amazon.com/about-aws/whats-new/2025/03/amazon-eventbridge-iam-execution-role-all-targets/
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html
https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
"""

import json

from awacs import kms, sns, sts
from awacs.aws import Allow, ArnLike, Condition, PolicyDocument, Principal, Statement, StringEquals
from troposphere import GetAtt, If, Ref, Sub, Template, events, iam

from . import parameters, rules
from .alarms import Notify

EVENTS = Principal("Service", "events.amazonaws.com")
ROLE, RULE = "AlarmRecoveryRole", "AlarmRecoveryRule"

# The fields of CloudWatch's own alarm message that a subscriber reads, from the event
# (the example events of the page above show where each one is).
MESSAGE_FIELDS = {
    "AlarmName": "$.detail.alarmName",
    "AlarmDescription": "$.detail.configuration.description",
    "AWSAccountId": "$.account",
    "NewStateValue": "$.detail.state.value",
    "NewStateReason": "$.detail.state.reason",
    "StateChangeTime": "$.detail.state.timestamp",
    "Region": "$.region",
    "AlarmArn": "$.resources[0]",
    "OldStateValue": "$.detail.previousState.value",
}


def alarm_names(template: Template) -> list:
    """The ``AlarmName`` of every alarm of the template (call it once all are added)."""
    return [
        resource.AlarmName
        for resource in template.resources.values()
        if resource.resource_type == "AWS::CloudWatch::Alarm"
    ]


def event_pattern(names: list) -> dict:
    """This stack's alarms, by exact name (a name prefix would also match the alarms of a
    stack whose name starts with this one's), leaving ALARM for OK."""
    return {
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "detail": {"alarmName": names, "state": {"value": ["OK"]}, "previousState": {"value": ["ALARM"]}},
    }


def input_transformer() -> events.InputTransformer:
    """The message as JSON with CloudWatch's field names. Placeholders outside quotes: EventBridge
    writes a string value with its quotes (the "Simple JSON" example of the input transformation
    page), as a subscriber parsing the JSON expects.
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
    """
    variables = {field: field.lower() for field in MESSAGE_FIELDS}
    body = ", ".join(f"{json.dumps(field)}: <{variable}>" for field, variable in variables.items())
    return events.InputTransformer(
        InputPathsMap={variables[field]: path for field, path in MESSAGE_FIELDS.items()},
        InputTemplate="{" + body + "}",
    )


def _trust() -> PolicyDocument:
    # Only EventBridge rules of this account and region may assume it (the confused-deputy
    # guard: https://docs.aws.amazon.com/eventbridge/latest/userguide/cross-service-confused-deputy-prevention.html).
    # Any rule of the account, not this one: the rule names the role, so the role cannot name the rule.
    return PolicyDocument(
        Version="2012-10-17",
        Statement=[
            Statement(
                Effect=Allow,
                Principal=EVENTS,
                Action=[sts.AssumeRole],
                Condition=Condition(
                    [
                        StringEquals("aws:SourceAccount", Ref("AWS::AccountId")),
                        ArnLike(
                            "aws:SourceArn", Sub("arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/*")
                        ),
                    ]
                ),
            )
        ],
    )


def _policy(name: str, statement: Statement) -> iam.Policy:
    return iam.Policy(PolicyName=name, PolicyDocument=PolicyDocument(Version="2012-10-17", Statement=[statement]))


def role(title: str, topic, key, key_condition: str) -> iam.Role:
    """Publish to the topic; with a key, use it through SNS only (``kms:ViaService``)."""
    publish = Statement(Sid="PublishRecoveries", Effect=Allow, Action=[sns.Publish], Resource=[Ref(topic)])
    use_key = Statement(
        Sid="EncryptRecoveriesThroughSns",
        Effect=Allow,
        Action=[kms.GenerateDataKey, kms.Decrypt],
        Resource=[Ref(key)],
        Condition=Condition(StringEquals("kms:ViaService", Sub("sns.${AWS::Region}.amazonaws.com"))),
    )
    # The whole list under the condition: CloudFormation drops an AWS::NoValue from a list,
    # not every tool that reads templates does.
    policies = [_policy("alarm-topic-publish", publish)]
    return iam.Role(
        title,
        AssumeRolePolicyDocument=_trust(),
        Policies=If(key_condition, [*policies, _policy("alarm-topic-key", use_key)], policies),
    )


def add(template: Template, notify: Notify, key) -> None:
    """The rule and its role, only when a topic is given (``notify``); ``key``: the optional
    parameter of the topic's KMS key. Call it once every alarm is added."""
    topic, topic_condition = notify.topic, notify.condition
    key_condition = parameters.when_given(template, key)
    rules.add(
        template,
        "AlarmTopicKeyNeedsItsTopic",
        rules.given(
            topic, f"{key.title} is the key of the alarm topic: give {topic.title} too, or leave {key.title} empty"
        ),
        when={"Fn::Not": [rules.equals(key, "")]},
    )
    template.add_resource(role(ROLE, topic, key, key_condition)).Condition = topic_condition
    template.add_resource(
        events.Rule(
            RULE,
            Condition=topic_condition,
            Description="Alarms of this stack going from ALARM back to OK, to the alarm topic",
            EventPattern=event_pattern(alarm_names(template)),
            State="ENABLED",
            Targets=[
                events.Target(
                    Id="AlarmTopic",
                    Arn=Ref(topic),
                    RoleArn=GetAtt(ROLE, "Arn"),
                    InputTransformer=input_transformer(),
                )
            ],
        )
    )
