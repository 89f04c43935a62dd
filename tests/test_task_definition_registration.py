"""The stand-alone task definition registers with the real AWS CLI (against moto, offline)."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, offline_aws_environment

# Every stand-alone task definition the build writes, with the ports of its template's release.
TASK_DEFINITIONS = {
    "finfocus-plugin": [*range(8001, 8013), 9090],
    "finfocus-plugin-10-region": [*range(8001, 8011), 9090],
}


def aws(endpoint: str, *arguments) -> dict:
    environment = offline_aws_environment(endpoint)
    result = subprocess.run(
        # The pinned awscli by module: .venv has no `aws` script, so as not to shadow the user's.
        [sys.executable, "-m", "awscli", "--endpoint-url", endpoint, "--output", "json", *arguments],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def filled_in(name: str, tmp_path: Path) -> Path:
    """The committed JSON with its placeholders filled in, as the guide tells users to."""
    text = (ROOT / "output" / f"{name}.task-definition.json").read_text()
    for placeholder, value in {
        "<AWS_REGION>": "us-east-1",
        "<AWS_ACCOUNT_ID>": "123456789012",
        "<AWS_PARTITION>": "aws",
    }.items():
        text = text.replace(placeholder, value)
    assert not re.findall(r"<[A-Z_]+>", text), "a placeholder is left that the guide does not mention"
    path = tmp_path / "task-definition.json"
    path.write_text(text)
    return path


def test_every_task_definition_file_is_covered():
    assert sorted(path.name for path in (ROOT / "output").glob("*.task-definition.json")) == sorted(
        f"{name}.task-definition.json" for name in TASK_DEFINITIONS
    )


@pytest.mark.parametrize("name", list(TASK_DEFINITIONS))
def test_register_and_describe_with_the_aws_cli(moto_endpoint, tmp_path, name):
    path = filled_in(name, tmp_path)
    registered = aws(moto_endpoint, "ecs", "register-task-definition", "--cli-input-json", f"file://{path}")
    arn = registered["taskDefinition"]["taskDefinitionArn"]
    described = aws(moto_endpoint, "ecs", "describe-task-definition", "--task-definition", arn)["taskDefinition"]
    assert described["family"] == f"{name}-standalone"
    assert described["requiresCompatibilities"] == ["FARGATE"]
    assert described["networkMode"] == "awsvpc"
    assert (described["cpu"], described["memory"]) == ("2048", "4096")
    plugin, proxy = described["containerDefinitions"]
    assert proxy["name"] == "proxy" and proxy["dependsOn"] == [{"containerName": "plugin", "condition": "HEALTHY"}]
    ports = sorted(mapping["containerPort"] for mapping in plugin["portMappings"])
    assert ports == TASK_DEFINITIONS[name]
    assert plugin["logConfiguration"]["options"]["awslogs-region"] == "us-east-1"
    assert plugin["healthCheck"]["command"] == ["CMD-SHELL", "/healthcheck.sh"]
