"""ECS Exec: an opt-in shell inside a running task, for debugging from inside the VPC.

Off by default. When the ``EnableExecuteCommand`` parameter is ``true``, the service
starts its tasks with the ECS Exec agent, and the task role gets the four Session
Manager channel actions the agent needs, nothing more. Those actions accept no
resource narrower than ``*``.
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html

ECS turns the setting on only for tasks it starts afterwards, and an UpdateService
that changes nothing but enableExecuteCommand starts no new tasks
(https://docs.aws.amazon.com/cli/latest/reference/ecs/update-service.html). So the
service also carries a ForceNewDeployment nonce made from the parameter: flipping it
changes the nonce, and ECS rolls the tasks through a new deployment.

``EnableForceNewDeployment`` must stay on for the nonce to count, and it is not tied to
the nonce: it "determines whether to force a new deployment of the service", so every
update CloudFormation makes to the service carries UpdateService's
``forceNewDeployment``, and ECS starts a deployment for any change of the service, a new
``DesiredCount``, rollout percentages or tags included: every task is replaced, as in a
release. The usual updates (a new image, network settings) replace the tasks anyway;
``make plan`` warns about the others, and ``make timeline`` says so in its notes.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-ecs-service-forcenewdeployment.html
https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html#ECS-UpdateService-request-forceNewDeployment
"""

from awacs import ssmmessages
from awacs.aws import Allow, PolicyDocument, Statement
from troposphere import Equals, If, NoValue, Ref, Sub, Template, ecs, iam

from .parameters import Input

PARAMETER = "EnableExecuteCommand"
CONDITION = "ExecuteCommandEnabled"
POLICY_NAME = "ecs-exec"

CHANNEL_ACTIONS = [
    ssmmessages.CreateControlChannel,
    ssmmessages.CreateDataChannel,
    ssmmessages.OpenControlChannel,
    ssmmessages.OpenDataChannel,
]


def enable_execute_command() -> Input:
    return Input(
        PARAMETER,
        "ECS Exec (debug shell)",
        "String",
        "true lets operators open a shell in a running task with aws ecs execute-command (AWS CLI v2 and the "
        "Session Manager plugin), e.g. to test DNS names from inside the VPC. A change rolls the tasks through a "
        "new deployment, so the running tasks get (or lose) the agent; no manual --force-new-deployment is needed.",
        default="false",
        allowed_values=("false", "true"),
    )


def add_condition(template: Template, parameter) -> str:
    """Add the condition that is true when ECS Exec is turned on; returns its name."""
    template.add_condition(CONDITION, Equals(Ref(parameter), "true"))
    return CONDITION


def task_role_policy(condition: str):
    """An inline policy for the task role that exists only when ``condition`` holds."""
    statement = Statement(Effect=Allow, Action=CHANNEL_ACTIONS, Resource=["*"])
    policy = iam.Policy(
        PolicyName=POLICY_NAME, PolicyDocument=PolicyDocument(Version="2012-10-17", Statement=[statement])
    )
    return If(condition, policy, NoValue)


def service_setting(condition: str):
    """The value of the service's ``EnableExecuteCommand``."""
    return If(condition, True, False)


def redeploy_on_change() -> ecs.ForceNewDeployment:
    """The service's ``ForceNewDeployment``: its nonce follows the parameter, so a change rolls the tasks."""
    return ecs.ForceNewDeployment(EnableForceNewDeployment=True, ForceNewDeploymentNonce=Sub(f"exec-${{{PARAMETER}}}"))
