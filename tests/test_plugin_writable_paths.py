"""The plugin's read-only root filesystem against what its scripts write, at every release served.

The quoted lines and their URLs are in tests/fixtures/plugin_image/scripts.json (see
tests/plugin_scripts.py); the writable mounts are read from the built task definition.
"""

import json

import pytest

from templates import facts
from templates.evaluate import Evaluator

from . import plugin_scripts
from .helpers import built

QUOTED = json.loads(plugin_scripts.FIXTURE.read_text())["releases"]
TEMPLATE_OF_LAYOUT = {"12-region": "finfocus-plugin", "10-region": "finfocus-plugin-10-region"}


def writable_mounts(template: str) -> list[str]:
    """Container paths of the plugin's mounts that are not read-only, with the root filesystem read-only."""
    document = built(template)
    task = Evaluator(document, {}, strict=False).resolve(document["Resources"]["TaskDefinition"]["Properties"])
    (container,) = task["ContainerDefinitions"]
    assert container["ReadonlyRootFilesystem"] is True
    volumes = {volume["Name"] for volume in task["Volumes"]}
    return [
        mount["ContainerPath"]
        for mount in container["MountPoints"]
        if mount["SourceVolume"] in volumes and mount["ReadOnly"] is False
    ]


def is_under(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip("/") + "/")


def test_every_release_the_templates_serve_is_quoted():
    assert set(QUOTED) == {release.tag for release in facts.PLUGIN_RELEASES}
    for tag, release in QUOTED.items():
        for script in plugin_scripts.SCRIPTS:
            assert release[script]["url"] == f"https://github.com/rshade/finfocus-plugin-aws-public/blob/{tag}/{script}"


@pytest.mark.parametrize("release", facts.PLUGIN_RELEASES, ids=lambda release: release.tag)
def test_every_path_the_scripts_write_is_on_a_writable_mount(release):
    quoted = QUOTED[release.tag]
    written = set()
    for script in plugin_scripts.SCRIPTS:
        written |= plugin_scripts.written_paths({int(n): line for n, line in quoted[script]["lines"].items()})
    # Read from the scripts: a FIFO and a PID file per region, the aggregator's PID file, and /dev/null.
    assert written == {
        "/tmp/fifo_${region}",
        "/tmp/pid_${region}",
        "/tmp/pid_metrics",
        "/dev/null",
        "/tmp/<here-document>",
    }
    template = TEMPLATE_OF_LAYOUT.get(release.layout)
    if template is None:
        pytest.skip(f"no template serves the {release.layout} layout of {release.tag}")
    mounts = writable_mounts(template)
    for path in written - plugin_scripts.DEVICES:
        assert any(is_under(path, mount) for mount in mounts), f"{release.tag} writes {path}, not on {mounts}"


def test_the_parser_finds_each_kind_of_write():
    text = "\n".join(
        [
            'state="/var/lib/app/state"',
            'echo ok > "$state"',
            "date >> /var/log/app.log",
            "mkfifo /run/app.fifo",
            "cat <<< hello",
            "tmp=$(mktemp)",
            "rm -f /app/old.pid",
            "curl http://x 2>&1 >/dev/null",
            "# echo commented > /etc/nothing",
        ]
    )
    written = plugin_scripts.written_paths(plugin_scripts.write_lines(text))
    assert written == {
        "/var/lib/app/state",
        "/var/log/app.log",
        "/run/app.fifo",
        "/tmp/<here-document>",
        "/tmp/<mktemp>",
        "/app/old.pid",
        "/dev/null",
    }


def test_a_write_outside_the_mount_is_caught():
    mounts = writable_mounts("finfocus-plugin")
    assert mounts == [facts.PLUGIN_WRITABLE_PATH]
    assert not any(is_under("/var/run/pid_metrics", mount) for mount in mounts)
    assert not any(is_under("/tmpfoo/x", mount) for mount in mounts)


@pytest.mark.parametrize("template", TEMPLATE_OF_LAYOUT.values())
def test_the_plugin_runs_as_its_image_user(template):
    document = built(template)
    (container,) = document["Resources"]["TaskDefinition"]["Properties"]["ContainerDefinitions"]
    # docker/Dockerfile at every release: adduser -u 65532 -S plugin -G plugin; USER plugin.
    assert container["User"] == "65532"
