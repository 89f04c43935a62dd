"""The plugin can write every path its scripts write, at every release served, with every parameter file.

What the scripts write is quoted in tests/fixtures/plugin_image/scripts.json and what the image's
Dockerfile does in tests/fixtures/plugin_image/dockerfiles.json (see tests/plugin_scripts.py), at
every release. Who may write where on Fargate is tests/image_filesystem.py: a task volume is root's
with mode 0755 unless the image declares a VOLUME at its path. The task definition is the template's,
evaluated for its defaults and for each parameter file as a stack would get it.
"""

import json
import re

import pytest

from ops.shared import rules
from ops.shared.params import committed
from templates.evaluate import Evaluator

from . import image_filesystem, plugin_scripts
from .helpers import ROOT, built

SCRIPTS = json.loads(plugin_scripts.FIXTURE.read_text())["releases"]
DOCKERFILES = json.loads(plugin_scripts.DOCKERFILE_FIXTURE.read_text())["releases"]
REPOSITORY = "ghcr.io/rshade/finfocus-plugin-aws-public"
# The releases each template serves (docs/finfocus-plugin.md, "Which template").
RELEASES = {
    "finfocus-plugin": ["v0.1.1", "v0.1.2"],
    "finfocus-plugin-10-region": ["v0.1.4", "v0.1.5", "v0.1.6", "v0.1.7", "v0.1.8"],
}
EVERY_RELEASE = ["v0.1.1", "v0.1.2", "v0.1.3", "v0.1.4", "v0.1.5", "v0.1.6", "v0.1.7", "v0.1.8"]
# Read from the scripts: a FIFO and a PID file per region, the aggregator's PID file, /dev/null, and
# bash's here-documents under $TMPDIR (unset, so /tmp).
WRITTEN = {"/tmp/fifo_${region}", "/tmp/pid_${region}", "/tmp/pid_metrics", "/dev/null", "/tmp/<here-document>"}
WATCHED = {"/tmp"}
PLUGIN_UID = 65532  # docker/Dockerfile at every release: adduser -u 65532 -S plugin
PSEUDO = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws", "AWS::StackName": "s"}


def written_paths(tag: str) -> set[str]:
    found = set()
    for script in plugin_scripts.SCRIPTS:
        lines = {int(n): line for n, line in SCRIPTS[tag][script]["lines"].items()}
        found |= plugin_scripts.written_paths(lines)
    return found - plugin_scripts.DEVICES


def published_image(tag: str) -> image_filesystem.Image:
    """The image of a release, built from the last stage of its docker/Dockerfile on alpine."""
    lines = DOCKERFILES[tag][plugin_scripts.DOCKERFILE]["lines"]
    steps = image_filesystem.instructions(lines[n] for n in sorted(lines, key=int))
    assert re.fullmatch(r"alpine:[0-9.]+", steps[0][1]), steps[0]
    return image_filesystem.build(steps, image_filesystem.alpine(WATCHED), WATCHED)


def guide_dockerfile() -> list[str]:
    """The Dockerfile docs/finfocus-plugin.md builds for a read-only root filesystem."""
    guide = (ROOT / "docs" / "finfocus-plugin.md").read_text()
    (block,) = [b for b in re.findall(r"```dockerfile\n(.*?)```", guide, re.DOTALL) if "VOLUME" in b]
    return block.splitlines()


def derived_image(tag: str, dockerfile: list[str] | None = None) -> image_filesystem.Image:
    """The guide's image, built on a release."""
    steps = image_filesystem.instructions(dockerfile or guide_dockerfile())
    keyword, base = steps[0]
    assert keyword == "FROM" and base.startswith(f"{REPOSITORY}:"), steps[0]
    return image_filesystem.build(steps, published_image(tag), WATCHED)


def image_of(uri: str, tag: str) -> image_filesystem.Image:
    """The published release, or (any other registry) the guide's image built on it."""
    repository = uri.rsplit(":", 1)[0]
    if repository == REPOSITORY:
        return published_image(tag)
    assert repository.endswith("/finfocus-plugin-aws-public"), uri
    return derived_image(tag)


def parameter_sources(template: str) -> list[str | None]:
    return [None, *(path.name for path in committed(template))]


def given(params: str | None) -> dict[str, str]:
    if params is None:
        return {}
    return dict(entry.split("=", 1) for entry in json.loads((ROOT / "params" / params).read_text()))


def task(template: str, values: dict) -> tuple[dict, list[dict]]:
    """The plugin container and the task's volumes, as a stack with ``values`` gets them."""
    document = built(template)
    resources = Evaluator(document, {**PSEUDO, **values}, strict=False).resources()
    properties = resources["TaskDefinition"]["Properties"]
    (container,) = [c for c in properties["ContainerDefinitions"] if c["Name"] == "plugin"]
    return container, properties.get("Volumes", [])


CASES = [
    (template, tag, params)
    for template, tags in RELEASES.items()
    for tag in tags
    for params in parameter_sources(template)
]


def test_every_release_the_templates_serve_is_quoted():
    assert set(SCRIPTS) == set(DOCKERFILES) == set(EVERY_RELEASE)
    for tag in EVERY_RELEASE:
        for script in (*plugin_scripts.SCRIPTS, plugin_scripts.DOCKERFILE):
            quoted = {**SCRIPTS[tag], **DOCKERFILES[tag]}[script]
            assert quoted["url"] == f"https://github.com/rshade/finfocus-plugin-aws-public/blob/{tag}/{script}"


@pytest.mark.parametrize("tag", EVERY_RELEASE)
def test_the_scripts_write_only_under_tmp(tag):
    assert written_paths(tag) | {"/dev/null"} == WRITTEN


@pytest.mark.parametrize("tag", EVERY_RELEASE)
def test_the_published_image_runs_as_65532_declares_no_volume_and_keeps_alpines_tmp(tag):
    image = published_image(tag)
    assert (image.user, image.volumes) == (PLUGIN_UID, ())
    assert image.directories["/tmp"] == image_filesystem.Directory(owner=0, mode=0o1777)


@pytest.mark.parametrize(("template", "tag", "params"), CASES, ids=lambda item: str(item))
def test_every_path_the_scripts_write_is_writable(template, tag, params):
    values = given(params)
    uri = values.get("ImageUri", built(template)["Parameters"]["ImageUri"]["Default"])
    values["ImageUri"] = f"{uri.rsplit(':', 1)[0]}:{tag}"
    container, volumes = task(template, values)
    image = image_of(values["ImageUri"], tag)
    for path in written_paths(tag):
        assert image_filesystem.can_create(path, container=container, volumes=volumes, image=image), (
            f"{tag} with {params or 'the defaults'}: uid {container.get('User')} cannot create {path}"
        )


@pytest.mark.parametrize("template", RELEASES)
def test_with_the_published_image_nothing_is_mounted_over_tmp(template):
    default = built(template)["Parameters"]["ImageUri"]["Default"]
    published = [p for p in parameter_sources(template) if given(p).get("ImageUri", default).startswith(REPOSITORY)]
    assert published == [None, f"{template}.dev.json", f"{template}.prod.json"]
    for params in published:
        container, volumes = task(template, given(params))
        assert container["ReadonlyRootFilesystem"] is False, params
        assert "MountPoints" not in container and volumes == [], params


@pytest.mark.parametrize("template", RELEASES)
def test_read_only_mounts_a_bind_volume_over_tmp_only_then(template):
    hardened = given(f"{template}.hardened.json")
    container, volumes = task(template, hardened)
    assert container["ReadonlyRootFilesystem"] is True
    assert container["MountPoints"] == [{"SourceVolume": "scratch", "ContainerPath": "/tmp", "ReadOnly": False}]
    assert volumes == [{"Name": "scratch"}]
    # ECS Exec needs a writable root filesystem: then the image's own /tmp again, no volume.
    container, volumes = task(template, {**hardened, "EnableExecuteCommand": "true"})
    assert container["ReadonlyRootFilesystem"] is False and "MountPoints" not in container and volumes == []


@pytest.mark.parametrize("template", RELEASES)
def test_a_bare_bind_mount_over_tmp_is_root_s_for_an_image_without_a_volume(template):
    tag = RELEASES[template][-1]
    container, volumes = task(template, given(f"{template}.hardened.json"))
    fifo = "/tmp/fifo_us-east-1"

    def creates(image, **changes) -> bool:
        return image_filesystem.can_create(fifo, container={**container, **changes}, volumes=volumes, image=image)

    # The published image read-only: the volume is root's, mode 0755, and the plugin is uid 65532.
    assert not creates(published_image(tag))
    assert creates(published_image(tag), User="0")  # root writes to it
    assert creates(derived_image(tag))  # the guide's image declares VOLUME /tmp, owned by the plugin
    # Without the mount, a read-only root filesystem leaves no writable /tmp at all.
    assert not creates(derived_image(tag), MountPoints=[])
    # The volume is the image's directory as the Dockerfile leaves it: root's with mode 0755, no one
    # else writes; handed to the plugin before VOLUME, it does; after VOLUME the legacy builder drops it.
    start = [f"FROM {REPOSITORY}:{tag}", "USER root", "RUN chmod 0755 /tmp"]
    assert not creates(derived_image(tag, [*start, "VOLUME /tmp"]))
    assert creates(derived_image(tag, [*start, "RUN chown plugin:plugin /tmp", "VOLUME /tmp"]))
    assert not creates(derived_image(tag, [*start, "VOLUME /tmp", "RUN chown plugin:plugin /tmp"]))


def test_the_guide_hands_tmp_to_the_plugin_user_then_declares_it_a_volume():
    image = derived_image("v0.1.2")
    assert image.volumes == ("/tmp",) and image.user == PLUGIN_UID
    assert image.directories["/tmp"].owner == PLUGIN_UID


@pytest.mark.parametrize("template", RELEASES)
def test_a_stack_refuses_read_only_with_a_published_image(template):
    document = built(template)
    hardened = given(f"{template}.hardened.json")

    def refused(values) -> bool:
        (result,) = [r for r in rules.evaluate(document, values) if r.check == "rule:ReadOnlyNeedsAnImageWithAVolume"]
        return result.status == "fail"

    for params in parameter_sources(template):
        assert not refused(given(params)), params
    for tag in RELEASES[template]:
        assert refused({**hardened, "ImageUri": f"{REPOSITORY}:{tag}"})
    assert not refused(
        {**hardened, "ImageUri": f"{REPOSITORY}:{RELEASES[template][-1]}", "ReadonlyRootFilesystem": "false"}
    )


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
    template = "finfocus-plugin"
    container, volumes = task(template, given(f"{template}.hardened.json"))
    image = derived_image("v0.1.2")
    assert image_filesystem.can_create("/tmp/pid_metrics", container=container, volumes=volumes, image=image)
    with pytest.raises(KeyError):  # a directory the model was not told about: never guessed writable
        image_filesystem.can_create(
            "/tmpfoo/x", container={**container, "ReadonlyRootFilesystem": False}, volumes=volumes, image=image
        )
    assert not image_filesystem.can_create("/var/run/pid_metrics", container=container, volumes=volumes, image=image)


def test_the_image_model_refuses_what_it_does_not_understand():
    base = image_filesystem.alpine(WATCHED)
    for step in ("RUN rm -rf /tmp && ln -s /var/tmp /tmp", "COPY cache/ /tmp/", "WORKDIR /tmp", "RUN chmod a+w /tmp"):
        with pytest.raises(ValueError):
            image_filesystem.build(image_filesystem.instructions([step]), base, WATCHED)


@pytest.mark.parametrize("template", RELEASES)
def test_the_plugin_runs_as_its_image_user(template):
    document = built(template)
    definitions = document["Resources"]["TaskDefinition"]["Properties"]["ContainerDefinitions"]
    (container,) = [c for c in definitions if c["Name"] == "plugin"]
    # docker/Dockerfile at every release: adduser -u 65532 -S plugin -G plugin; USER plugin.
    assert container["User"] == str(PLUGIN_UID)
