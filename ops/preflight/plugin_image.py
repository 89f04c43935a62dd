"""Offline: the finfocus plugin's image against the release table of templates/facts.py.

A release serves a fixed set of regional ports, so a template is built for the releases of
one layout; its Rules refuse ghcr.io references of the others. What the Rules cannot see:
a misspelt repository (the pull fails minutes into the deploy), a tag that is no release of
the plugin, and a mirror (ECR, pull-through cache) of a release of another layout.
"""

import difflib

from templates import facts

from ..shared.report import Result, failed, passed, warned

PARAMETER = "ImageUri"
CHECK = "image:plugin-release"


def _split(image: str) -> tuple[str, str | None]:
    """``registry/path/name:tag`` -> (``registry/path/name``, ``tag``); a digest has no tag."""
    if "@" in image:
        return image.split("@", 1)[0], None
    repository, _, tag = image.rpartition(":")
    if "/" in tag or not repository:
        return image, None
    return repository, tag


def _layout_of(template: dict) -> str | None:
    """The layout a template is built for: that of the release its image parameter defaults to."""
    default = str(template.get("Parameters", {}).get(PARAMETER, {}).get("Default", ""))
    repository, tag = _split(default)
    release = facts.plugin_release(tag) if repository == facts.PLUGIN_REPOSITORY and tag else None
    return release.layout if release else None


def check(template: dict, values: dict[str, str]) -> list[Result]:
    layout = _layout_of(template)
    if layout is None:
        return []
    image = values.get(PARAMETER, "")
    repository, tag = _split(image)
    own_name = facts.PLUGIN_REPOSITORY.rsplit("/", 1)[-1]
    releases = ", ".join(release.tag for release in facts.releases_of(layout))
    pin = f"set {PARAMETER} to {facts.PLUGIN_REPOSITORY}:<release>, one of {releases}"
    home = facts.PLUGIN_REPOSITORY.split("/", 1)[0]
    # On the plugin's own registry the name must be exact; elsewhere (ECR, a pull-through
    # cache) a copy keeps the repository's last name.
    foreign = repository != facts.PLUGIN_REPOSITORY if repository.startswith(f"{home}/") else None
    if foreign or repository.rsplit("/", 1)[-1] != own_name:
        if difflib.SequenceMatcher(None, repository, facts.PLUGIN_REPOSITORY).ratio() >= 0.8:
            return [
                failed(
                    CHECK,
                    f"{repository} is not the plugin's repository ({facts.PLUGIN_REPOSITORY}): the pull would fail",
                    pin,
                )
            ]
        return [
            warned(
                CHECK,
                f"{image} is not the plugin's image or a copy under its name: which ports it serves is not known",
                f"make sure it serves the {layout} layout, or {pin}",
            )
        ]
    if tag is None or tag == facts.MOVING_TAG:
        return []  # a digest, or the moving tag the template's Rules refuse
    release = facts.plugin_release(tag)
    if release is None:
        return [
            failed(
                CHECK,
                f"{tag} is no release of the plugin known to these templates ({releases} serve this template)",
                f"{pin}; a newer release needs its port layout added to PLUGIN_RELEASES in templates/facts.py first",
            )
        ]
    if release.layout != layout:
        return [
            failed(
                CHECK,
                f"{image} is release {tag}, which serves the {release.layout} layout, not this template's {layout}",
                pin,
            )
        ]
    return [passed(CHECK, f"{tag} is a release of the {layout} layout")]
