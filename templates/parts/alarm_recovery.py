"""Recovery notifications: an alarm going from ALARM back to OK, and nothing else, reaches the topic.

CloudWatch's own ``OKActions`` run on a transition to OK "from any other state", and a new
alarm starts in INSUFFICIENT_DATA: a stack create would send one OK per alarm that never
fired (:class:`.alarms.Notify` leaves them out). CloudWatch also sends every state change
to EventBridge, with the state before it (``detail.previousState``), so a rule on this
stack's alarms that matches only ALARM -> OK publishes the recoveries and nothing else.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html

The rule sends the event as CloudWatch wrote it ("CloudWatch Alarm State Change"), with
no ``Input``, ``InputPath`` or ``InputTransformer``: "the entire event is passed to the
target in JSON format" (PutTargets). Amazon Q Developer in chat applications (AWS Chatbot)
reads that event, and "won't be able to deliver notifications" whose content an input
transformer modified; a Lambda formatter reads its documented shape.
https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutTargets.html
https://docs.aws.amazon.com/chatbot/latest/adminguide/related-services.html#eventbridge

The rule publishes through an execution role (``RoleArn``) instead of a statement in the
topic's policy: the topic is the user's, and ``AWS::SNS::TopicPolicy`` replaces a topic's
whole policy. AWS's pages disagree on roles for SNS targets: the March 2025 announcement
and the SNS target page give the role ``sns:Publish`` (and, under a customer managed key,
``kms:GenerateDataKey`` and ``kms:Decrypt``, here on ``AlarmTopicKmsKeyArn``); the English
resource-based page says "do not specify a RoleArn" for SNS, as delivery "may fail", and the
IAM roles page says SNS targets do not use roles. A failed delivery is silent, so the
``FailedInvocations`` alarm of the rule (:func:`failed_invocations`) goes to the topic by
CloudWatch's own action.
https://aws.amazon.com/about-aws/whats-new/2025/03/amazon-eventbridge-iam-execution-role-all-targets/
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-target-sns.html
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-iam-roles.html
https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
"""

from awacs import kms, sns, sts
from awacs.aws import Allow, ArnLike, Condition, PolicyDocument, Principal, Statement, StringEquals
from troposphere import GetAtt, If, Ref, Select, Split, Sub, Template, cloudwatch, events, iam

from . import parameters, rules
from .alarms import MINUTE, Notify, alarm_name

EVENTS = Principal("Service", "events.amazonaws.com")
ROLE, RULE, FAILED = "AlarmRecoveryRole", "AlarmRecoveryRule", "AlarmRecoveryFailures"


def alarm_names(template: Template) -> list:
    """The ``AlarmName`` of every alarm of the template (call it once all are added)."""
    return [
        resource.AlarmName
        for resource in template.resources.values()
        if resource.resource_type == "AWS::CloudWatch::Alarm"
    ]


def event_pattern(names: list) -> dict:
    """This stack's alarms, by exact name (a name prefix would also match the alarms of a
    stack whose name starts with this one's), leaving ALARM for OK. Only this account's and
    region's: the default bus also receives the events other accounts and regions send to it,
    and an alarm there may have the same name.
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html"""
    return {
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "account": [Ref("AWS::AccountId")],
        "region": [Ref("AWS::Region")],
        "detail": {"alarmName": names, "state": {"value": ["OK"]}, "previousState": {"value": ["ALARM"]}},
    }


def rule_name(rule: str) -> Select:
    """The rule's name, the ``RuleName`` dimension of its metrics: the end of its ARN
    (``arn:aws:events:us-east-2:123456789012:rule/example`` on the default bus). Not ``Ref``:
    what it returns is documented as a rule ID, and reported as ``<bus>|<name>``
    (https://github.com/aws-cloudformation/cloudformation-coverage-roadmap/issues/1131)."""
    return Select(1, Split("/", GetAtt(rule, "Arn")))


def failed_invocations(title: str, rule: str, notify: Notify) -> cloudwatch.Alarm:
    """The rule failed to deliver a recovery ("invocations that failed permanently"), to the
    topic by CloudWatch's own action. EventBridge sends the metric only when it is not zero,
    so no data is no failure. No recovery of its own: the rule does not watch this alarm,
    whose recovery a failing rule could not deliver, and whose failure would raise it again.
    No dead-letter queue: a queue (and its policy) that someone would have to watch, to keep
    recoveries that arrive late anyway; the alarm says that one was lost.
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html"""
    return cloudwatch.Alarm(
        title,
        AlarmName=alarm_name("alarm-recoveries-failed"),
        AlarmDescription="EventBridge could not deliver an alarm's recovery (ALARM to OK) to the alarm topic: "
        "check the rule's role, the topic and its KMS key policy.",
        Namespace="AWS/Events",
        MetricName="FailedInvocations",
        Dimensions=[cloudwatch.MetricDimension(Name="RuleName", Value=rule_name(rule))],
        Statistic="Sum",
        Period=MINUTE,
        EvaluationPeriods=1,
        DatapointsToAlarm=1,
        ComparisonOperator="GreaterThanThreshold",
        Threshold=0,
        TreatMissingData="notBreaching",
        AlarmActions=[Ref(notify.topic)],
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
    """The rule, its role and its failure alarm, only when a topic is given (``notify``); ``key``:
    the optional parameter of the topic's KMS key. Call it once every alarm is added."""
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
            Targets=[events.Target(Id="AlarmTopic", Arn=Ref(topic), RoleArn=GetAtt(ROLE, "Arn"))],
        )
    )
    template.add_resource(failed_invocations(FAILED, RULE, notify)).Condition = topic_condition
