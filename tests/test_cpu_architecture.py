"""The CPU architecture of each template's tasks: a choice where the image allows it.

Fargate runs Linux tasks on X86_64 or ARM64 (RuntimePlatform.CpuArchitecture):
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#runtime-platform
The plugin's image is built by a plain `docker build` on an x86_64 runner
(.github/workflows/docker-publish.yml of github.com/rshade/finfocus-plugin-aws-public at
v0.1.2 and v0.1.8): linux/amd64 only, so its templates offer no choice.
"""

import pytest

from templates.errors import ConfigError
from templates.evaluate import Evaluator
from templates.parts import fargate
from tests.helpers import built


def architectures(template: dict, values: dict) -> set:
    resources = Evaluator(template, values, strict=False).resources()
    return {
        body["Properties"]["RuntimePlatform"]["CpuArchitecture"]
        for body in resources.values()
        if body["Type"] == "AWS::ECS::TaskDefinition"
    }


@pytest.mark.parametrize("name", ["go-api", "platform"])
def test_a_parameter_chooses_the_architecture_x86_by_default(name):
    template = built(name)
    parameter = template["Parameters"]["CpuArchitecture"]
    assert (parameter["Default"], parameter["AllowedValues"]) == ("X86_64", ["X86_64", "ARM64"])
    assert architectures(template, {}) == {"X86_64"}
    assert architectures(template, {"CpuArchitecture": "ARM64"}) == {"ARM64"}


@pytest.mark.parametrize("name", ["finfocus-plugin", "finfocus-plugin-10-region"])
def test_the_plugin_is_pinned_to_x86_because_its_image_is_amd64_only(name):
    template = built(name)
    assert "CpuArchitecture" not in template["Parameters"]
    assert architectures(template, {}) == {"X86_64"}


def test_an_unknown_architecture_is_refused_at_build_time():
    container = fargate.Container("app", "nginx:1", [fargate.PortSpec("http", 80)], "LogGroup", "app")
    with pytest.raises(ConfigError, match="AMD64"):
        fargate.task_definition(
            "Task",
            family="f",
            size=fargate.TaskSize(256, 512),
            container=container,
            execution_role="Exec",
            task_role="Role",
            architecture="AMD64",
        )
