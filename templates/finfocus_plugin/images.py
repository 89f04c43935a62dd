"""Which images fit a port table: a pinned release of the layout, or an image of the user's own."""

from .. import facts
from ..errors import ConfigError
from .editions import EDITIONS, Edition


def image_tag(image: str) -> tuple[str, str | None]:
    """``registry/path/name:tag`` -> (``registry/path/name``, ``tag``); a digest reference has no tag."""
    if "@" in image:
        return image.split("@", 1)[0], None
    repository, _, tag = image.rpartition(":")
    if "/" in tag or not repository:  # the colon was a registry port, or there is none
        return image, None
    return repository, tag


def is_plugin_repository(repository: str) -> bool:
    """The image's own repository, or a copy under the same name (an ECR pull-through cache)."""
    return repository.rsplit("/", 1)[-1] == facts.PLUGIN_REPOSITORY.rsplit("/", 1)[-1]


def needs_proxy(image: str) -> bool:
    """The image's regional processes listen on loopback (every release so far, and unknown images)."""
    return facts.listens(image_tag(image)[1]) == facts.LOOPBACK


def check_image(image: str, edition: Edition, region_ports) -> None:
    """Refuse a moving tag, and a release known to serve other ports than the template exposes."""
    repository, tag = image_tag(image)
    pinned = edition.default_image
    if "@" not in image and tag in (None, facts.MOVING_TAG):
        raise ConfigError(
            f"image {image} has the moving tag :{tag or facts.MOVING_TAG}, which follows every release and its "
            f"port layout: pin a release, e.g. image={pinned}"
        )
    release = facts.plugin_release(tag) if is_plugin_repository(repository) else None
    if release is None or facts.serves(release, region_ports):
        return
    if region_ports != facts.PLUGIN_LAYOUTS[edition.layout]:
        raise ConfigError(
            f"image {image} is release {release.tag} ({release.layout} layout), which does not serve this region "
            "table: use only region:port pairs of its layout, or set image= to an image that serves the table"
        )
    others = [other.name for other in EDITIONS.values() if other.layout == release.layout]
    instead = f"build {others[0]} for it, or pin" if others else "no template here serves it; pin"
    raise ConfigError(
        f"image {image} is release {release.tag}, which serves the {release.layout} layout, not this template's "
        f"ports ({edition.name}, {edition.layout}): {instead} e.g. image={pinned}"
    )


def refused_images(region_ports) -> list[str]:
    """The ghcr.io references a stack of this port table must not run: moving, or another layout."""
    moving = [facts.plugin_image(None), facts.plugin_image(facts.MOVING_TAG)]
    return moving + [
        facts.plugin_image(release.tag) for release in facts.PLUGIN_RELEASES if not facts.serves(release, region_ports)
    ]


def published_images() -> list[str]:
    """Every ghcr.io reference of the plugin's releases: none declares a VOLUME (docker/Dockerfile)."""
    tags = [None, facts.MOVING_TAG, *(release.tag for release in facts.PLUGIN_RELEASES)]
    return [facts.plugin_image(tag) for tag in tags]
