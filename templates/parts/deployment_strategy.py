"""ECS's own deployment strategies for a service behind an ALB: rolling, blue/green, linear, canary.

``ROLLING`` replaces tasks in place within one target group. The other three start the
new revision (green) beside the old one (blue) in a second, *alternate* target group,
then move the production traffic by rewriting the weights of the production listener
rule: all at once (``BLUE_GREEN``), in equal steps (``LINEAR``) or a share first and the
rest later (``CANARY``). Both revisions run through the bake time, and an alarm in that
time sends the traffic back to blue at once. Which group a later release fills when
CloudFormation sends the same pair of groups again is not documented; the tools read it
live before each release (``ops/traffic.py``, docs/releases.md).
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-blue-green.html
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/blue-green-deployment-how-it-works.html

Switching a running service from ROLLING takes two updates: ECS wants the load balancer's
advanced configuration given "and a rolling deployment" started before the strategy
changes. So the advanced configuration (and its role) does not follow the strategy: go-api
sends it as soon as the alternate target group and the rule are given, the platform always
(it owns both); the first update is then a rolling one, the switch the second
(``ops/switch.py`` checks it live).
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/update-rolling-to-bluegreen.html

What ECS needs besides the strategy: the ``ECS`` deployment controller, the alternate
target group (type ip, attached to the same load balancer so it is health-checked), the
production listener rule, and an IAM role ECS assumes to change them (the
"infrastructure role for load balancers").
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/alb-resources-for-blue-green.html
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/AmazonECSInfrastructureRolePolicyForLoadBalancers.html

The value ranges are the ECS API's (each parameter cites its page); the API reference of
the CloudFormation resource adds a limit of its own: CloudFormation refuses a linear or
canary deployment whose bake times add up to more than 33 hours (``make preflight`` checks).
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-ecs-service-linearconfiguration.html
"""

from dataclasses import dataclass

from awacs import sts
from awacs.aws import Allow, PolicyDocument, Principal, Statement
from troposphere import And, Equals, GetAtt, If, Not, NoValue, Ref, Sub, Template, ecs, iam

from .. import facts
from .parameters import Input

ROLLING, BLUE_GREEN, LINEAR, CANARY = "ROLLING", "BLUE_GREEN", "LINEAR", "CANARY"
STRATEGIES = (ROLLING, BLUE_GREEN, LINEAR, CANARY)

PARAMETER = "DeploymentStrategy"
TRAFFIC_SHIFT = "TrafficShiftDeployment"  # any strategy but ROLLING
ADVANCED_GIVEN = "AlternateTargetGroupGiven"  # go-api: the alternate target group and the rule are given
LINEAR_CONDITION = "LinearDeployment"
CANARY_CONDITION = "CanaryDeployment"

# The AWS managed policy for the role (trusting ecs.amazonaws.com). AWS keeps it current
# as ECS's needs change (version 6 by 2026-02); a copy of its statements would not be.
# https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonECSInfrastructureRolePolicyForLoadBalancers.html
MANAGED_POLICY = "AmazonECSInfrastructureRolePolicyForLoadBalancers"
ECS_SERVICE = Principal("Service", "ecs.amazonaws.com")

# ECS's defaults when the values are left out (API_LinearConfiguration, API_CanaryConfiguration;
# 15 minutes of bake time for the three traffic-shifting strategies, per the CloudFormation schema).
DEFAULT_BAKE_MINUTES = 15
DEFAULT_LINEAR_STEP_PERCENT = "10.0"
DEFAULT_LINEAR_STEP_MINUTES = 6
DEFAULT_CANARY_PERCENT = "5.0"
DEFAULT_CANARY_MINUTES = 10
MAX_BAKE_MINUTES = 1440  # 24 hours, for each of the three bake times


def _minutes(name: str, label: str, description: str, default: int) -> Input:
    return Input(name, label, "Number", description, default=default, min_value=0, max_value=MAX_BAKE_MINUTES)


def inputs() -> tuple[Input, ...]:
    """The strategy and its settings, in console order."""
    return (
        Input(
            PARAMETER,
            "Deployment strategy",
            "String",
            "ROLLING replaces tasks in place. BLUE_GREEN, LINEAR and CANARY start the new revision beside the old "
            "one in the alternate target group and move the traffic all at once, in steps, or a share first. "
            "A running service switches from ROLLING in two updates and back in one: see the guide.",
            default=ROLLING,
            allowed_values=STRATEGIES,
        ),
        _minutes(
            "BakeTimeMinutes",
            "Bake time (minutes)",
            "BLUE_GREEN, LINEAR, CANARY: how long both revisions keep running after all traffic moved; an alarm "
            "in that time moves it back. 0-1440.",
            DEFAULT_BAKE_MINUTES,
        ),
        Input(
            "LinearStepPercent",
            "Linear: traffic per step (%)",
            "String",
            "LINEAR: share of the traffic moved in each step, 3.0-100.0 in steps of 0.1.",
            default=DEFAULT_LINEAR_STEP_PERCENT,
            allowed_pattern=facts.LINEAR_STEP_PERCENT_PATTERN,
            constraint="must be a multiple of 0.1 from 3.0 to 100.0",
        ),
        _minutes(
            "LinearStepBakeMinutes", "Linear: minutes between steps", "LINEAR: 0-1440.", DEFAULT_LINEAR_STEP_MINUTES
        ),
        Input(
            "CanaryPercent",
            "Canary: first share of traffic (%)",
            "String",
            "CANARY: share of the traffic moved first, 0.1-100.0 in steps of 0.1.",
            default=DEFAULT_CANARY_PERCENT,
            allowed_pattern=facts.CANARY_PERCENT_PATTERN,
            constraint="must be a multiple of 0.1 from 0.1 to 100.0",
        ),
        _minutes(
            "CanaryBakeMinutes",
            "Canary: minutes before the rest",
            "CANARY: 0-1440.",
            DEFAULT_CANARY_MINUTES,
        ),
    )


@dataclass(frozen=True)
class Strategy:
    """The strategy parameters of a template and the conditions made from them."""

    inputs: dict

    @classmethod
    def add(cls, template: Template, inputs: dict) -> "Strategy":
        strategy = Ref(inputs[PARAMETER])
        template.add_condition(TRAFFIC_SHIFT, Not(Equals(strategy, ROLLING)))
        template.add_condition(LINEAR_CONDITION, Equals(strategy, LINEAR))
        template.add_condition(CANARY_CONDITION, Equals(strategy, CANARY))
        return cls(inputs)

    def deployment_settings(self) -> dict:
        """The strategy's part of the service's ``DeploymentConfiguration``.

        The bake time only for the three traffic-shifting strategies: given to a rolling
        deployment it would stretch CloudFormation's wait to 36 hours (AWS::ECS::Service schema).
        """
        given = self.inputs
        return {
            "Strategy": Ref(given[PARAMETER]),
            "BakeTimeInMinutes": If(TRAFFIC_SHIFT, Ref(given["BakeTimeMinutes"]), NoValue),
            "LinearConfiguration": If(
                LINEAR_CONDITION,
                ecs.LinearConfiguration(
                    StepPercent=Ref(given["LinearStepPercent"]),
                    StepBakeTimeInMinutes=Ref(given["LinearStepBakeMinutes"]),
                ),
                NoValue,
            ),
            "CanaryConfiguration": If(
                CANARY_CONDITION,
                ecs.CanaryConfiguration(
                    CanaryPercent=Ref(given["CanaryPercent"]),
                    CanaryBakeTimeInMinutes=Ref(given["CanaryBakeMinutes"]),
                ),
                NoValue,
            ),
        }

    def advanced_configuration(self, *, alternate_target_group, production_listener_rule, role, condition=None):
        """A load balancer's ``AdvancedConfiguration``: what ECS swaps, and the role it does it with.

        Under ``condition`` (None: always), whatever the strategy: ECS needs it on the service
        before a switch from ROLLING (module docstring)."""
        advanced = ecs.AdvancedConfiguration(
            AlternateTargetGroupArn=alternate_target_group,
            ProductionListenerRule=production_listener_rule,
            RoleArn=GetAtt(role, "Arn"),
        )
        return If(condition, advanced, NoValue) if condition else advanced


def add_given_condition(template: Template, alternate_target_group, production_listener_rule) -> str:
    """The condition that both ARN parameters are given: the advanced configuration goes with it."""
    given = [Not(Equals(Ref(parameter), "")) for parameter in (alternate_target_group, production_listener_rule)]
    template.add_condition(ADVANCED_GIVEN, And(*given))
    return ADVANCED_GIVEN


def infrastructure_role(title: str, condition: str | None = None) -> iam.Role:
    """The role ECS assumes to register targets and rewrite the listener rule's weights.

    Created with the advanced configuration that names it (``condition``, None: always); no
    fixed name (IAM is global, a second stack of the template would collide). Trust and
    policy as the ECS guide gives them.
    """
    conditional = {"Condition": condition} if condition else {}
    return iam.Role(
        title,
        **conditional,
        AssumeRolePolicyDocument=PolicyDocument(
            Version="2012-10-17",
            Statement=[Statement(Effect=Allow, Principal=ECS_SERVICE, Action=[sts.AssumeRole])],
        ),
        ManagedPolicyArns=[Sub(f"arn:${{AWS::Partition}}:iam::aws:policy/{MANAGED_POLICY}")],
    )
