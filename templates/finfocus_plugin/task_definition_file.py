"""The stand-alone task definition written beside the template, and shown in the guide."""

from ..parts import ecs_api
from .editions import TWELVE_REGION, Edition

TASK_DEFINITION_FILE = "task-definition.json"


def task_definition_placeholders(edition: Edition) -> dict:
    """Values for what only an AWS account knows; the guide shows how to fill them in.

    Its names are not a stack's: the guide's quick start names its stack after the template,
    whose log group /ecs/<stack> (kept after a delete) would otherwise be this one too."""
    name = f"{edition.name}-standalone"
    return {
        "AWS::StackName": name,
        "AWS::Region": "<AWS_REGION>",
        "LogGroup": f"/ecs/{name}",
        "ExecutionRole.Arn": "arn:<AWS_PARTITION>:iam::<AWS_ACCOUNT_ID>:role/ecsTaskExecutionRole",
        # The task role grants nothing; the stand-alone definition goes without one.
        "TaskRole.Arn": None,
    }


def artifacts_of(edition: Edition):
    def artifacts(document: dict) -> dict[str, str]:
        """Files written beside the template, keyed by their suffix."""
        placeholders = task_definition_placeholders(edition)
        return {TASK_DEFINITION_FILE: ecs_api.register_input(document, "TaskDefinition", placeholders)}

    return artifacts


def task_definition_json(files) -> str:
    """The stand-alone task definition, as the build writes it, for the guide."""
    return "```json\n" + files(f"{TWELVE_REGION.name}.{TASK_DEFINITION_FILE}") + "```\n"
