"""The stand-alone task definition registers with the real AWS CLI (against moto, offline)."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import ROOT

BIN = Path(sys.executable).parent
TASK_DEFINITION = ROOT / "output" / "finfocus-plugin.task-definition.json"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def moto_endpoint():
    server = shutil.which("moto_server", path=str(BIN)) or shutil.which("moto_server")
    assert server, "moto_server is not installed (requirements.txt installs moto[server])"
    port = free_port()
    process = subprocess.Popen(
        [server, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("moto_server did not start within 20 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        os.kill(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


def aws(endpoint: str, *arguments) -> dict:
    environment = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    result = subprocess.run(
        [str(BIN / "aws"), "--endpoint-url", endpoint, "--output", "json", *arguments],
        capture_output=True, text=True, env=environment, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def filled_in(tmp_path: Path) -> Path:
    """The committed JSON with its placeholders filled in, as the guide tells users to."""
    text = TASK_DEFINITION.read_text()
    for placeholder, value in {
        "<AWS_REGION>": "us-east-1",
        "<AWS_ACCOUNT_ID>": "123456789012",
        "<AWS_PARTITION>": "aws",
    }.items():
        text = text.replace(placeholder, value)
    assert "<" not in text, "a placeholder is left that the guide does not mention"
    path = tmp_path / "task-definition.json"
    path.write_text(text)
    return path


def test_register_and_describe_with_the_aws_cli(moto_endpoint, tmp_path):
    path = filled_in(tmp_path)
    registered = aws(moto_endpoint, "ecs", "register-task-definition", "--cli-input-json", f"file://{path}")
    arn = registered["taskDefinition"]["taskDefinitionArn"]
    described = aws(moto_endpoint, "ecs", "describe-task-definition", "--task-definition", arn)["taskDefinition"]
    assert described["family"] == "finfocus-plugin"
    assert described["requiresCompatibilities"] == ["FARGATE"]
    assert described["networkMode"] == "awsvpc"
    assert (described["cpu"], described["memory"]) == ("2048", "4096")
    (plugin,) = described["containerDefinitions"]
    ports = sorted(mapping["containerPort"] for mapping in plugin["portMappings"])
    assert ports == [*range(8001, 8013), 9090]
    assert plugin["logConfiguration"]["options"]["awslogs-region"] == "us-east-1"
    assert plugin["healthCheck"]["command"] == ["CMD-SHELL", "/healthcheck.sh"]
