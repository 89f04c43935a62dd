"""go-api and the platform: the writable path is a volume only while the root filesystem is read-only.

On Fargate a task volume is an empty directory owned by root with mode 0755 unless the image declares
a VOLUME at its path (tests/image_filesystem.py, bind-mounts.html): mounted over a writable image, it
would take a directory such as /tmp away from an image that runs as another user. Evaluated for the
defaults and every parameter file, as a stack gets them.
"""

import json

import pytest

from ops.shared import params
from templates.evaluate import Evaluator

from . import image_filesystem
from .helpers import built

TASKS = {"go-api": ["TaskDefinition"], "platform": ["BffTaskDefinition", "AgentCoreTaskDefinition"]}
# What the template needs to evaluate, and what only a deployed stack knows.
GIVEN = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws", "AWS::StackName": "s"}
DEFAULT_READ_ONLY = {"go-api": "true", "platform": "false"}  # docs/go-api.md, docs/platform.md
MOUNT = {"SourceVolume": "scratch", "ContainerPath": "/tmp", "ReadOnly": False}


def tasks(template: str, values: dict) -> list[tuple[dict, list]]:
    resources = Evaluator(built(template), {**GIVEN, **values}, strict=False).resources()
    found = []
    for title in TASKS[template]:
        properties = resources[title]["Properties"]
        (container,) = properties["ContainerDefinitions"]
        found.append((container, properties.get("Volumes", [])))
    return found


def sources(template: str) -> list[tuple[str, dict]]:
    files = params.committed(template)
    read = [(path.name, dict(e.split("=", 1) for e in json.loads(path.read_text()))) for path in files]
    return [("defaults", {}), *read]


@pytest.mark.parametrize("template", TASKS)
def test_a_volume_at_the_writable_path_only_while_read_only(template):
    assert built(template)["Parameters"]["ReadonlyRootFilesystem"]["Default"] == DEFAULT_READ_ONLY[template]
    for name, values in sources(template):
        read_only = values.get("ReadonlyRootFilesystem", DEFAULT_READ_ONLY[template]) == "true"
        path = values.get("WritablePath", "/tmp")
        for container, volumes in tasks(template, values):
            assert container["ReadonlyRootFilesystem"] is read_only, name
            if read_only:
                assert container["MountPoints"] == [{**MOUNT, "ContainerPath": path}], name
                assert volumes == [{"Name": "scratch"}], name
            else:
                assert "MountPoints" not in container and volumes == [], name


@pytest.mark.parametrize("template", TASKS)
def test_ecs_exec_makes_the_root_writable_and_takes_the_volume_away(template):
    for container, volumes in tasks(template, {"ReadonlyRootFilesystem": "true", "EnableExecuteCommand": "true"}):
        assert container["ReadonlyRootFilesystem"] is False
        assert "MountPoints" not in container and volumes == []


@pytest.mark.parametrize("template", TASKS)
def test_the_parameters_say_a_non_root_image_needs_a_volume(template):
    parameters = built(template)["Parameters"]
    assert "VOLUME" in parameters["ReadonlyRootFilesystem"]["Description"]
    assert "root" in parameters["ReadonlyRootFilesystem"]["Description"]
    assert "read-only" in parameters["WritablePath"]["Description"]


def test_what_the_descriptions_warn_of():
    # A non-root image with its own /tmp (mode 1777) keeps writing there while the root is writable;
    # read-only, the volume is root's unless the image declares VOLUME /tmp.
    image = image_filesystem.Image(
        users={"root": 0, "app": 65532}, user=65532, directories={"/tmp": image_filesystem.Directory(0, 0o1777)}
    )
    (writable, _), *_ = tasks("platform", {})
    (read_only, volumes), *_ = tasks("platform", {"ReadonlyRootFilesystem": "true"})
    assert image_filesystem.can_create("/tmp/x", container=writable, volumes=[], image=image)
    assert not image_filesystem.can_create("/tmp/x", container=read_only, volumes=volumes, image=image)
    declared = image_filesystem.Image(
        users=image.users, user=65532, directories={"/tmp": image_filesystem.Directory(65532, 0o755)}, volumes=("/tmp",)
    )
    assert image_filesystem.can_create("/tmp/x", container=read_only, volumes=volumes, image=declared)
