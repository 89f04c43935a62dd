"""What the parameters' own constraints cannot say, as CloudFormation Rules."""

from troposphere import Template

from .. import facts
from ..parts import rules
from .editions import Edition, other_edition
from .images import published_images, refused_images


def add_rules(template: Template, inputs: dict, edition: Edition, region_ports, *, with_proxy: bool) -> None:
    """What the parameters' own constraints cannot say, checked before anything is created.

    ClientSecurityGroupId and ExistingNamespaceId may be empty, so they are plain
    strings, which Rules cannot look up: `make preflight` checks those.
    """
    rules.add(template, "SubnetsInTheVpc", rules.subnets_in_vpc(inputs["SubnetIds"], inputs["VpcId"]))
    rules.add(
        template,
        "ImageServesThesePorts",
        rules.none_of(
            inputs["ImageUri"],
            refused_images(region_ports),
            f"ImageUri is :latest, untagged, or a release that serves another port layout. This stack's ports are "
            f"fixed to the {edition.layout} layout (releases {edition.release_tags}): pin one of those, or deploy "
            f"{other_edition(edition).name} for the {other_edition(edition).layout} releases.",
        ),
    )
    rules.add(
        template,
        "ReadOnlyNeedsAnImageWithAVolume",
        rules.none_of(
            inputs["ImageUri"],
            published_images(),
            f"ReadonlyRootFilesystem=true needs an image that declares VOLUME {facts.PLUGIN_WRITABLE_PATH} owned by "
            f"uid {facts.PLUGIN_USER}; the published images declare none, so the plugin could not write its FIFOs. "
            "Build one from the release (docs/finfocus-plugin.md) and give its URI, or set "
            "ReadonlyRootFilesystem=false.",
        ),
        when=rules.equals(inputs["ReadonlyRootFilesystem"], "true"),
    )
    if not with_proxy:
        # Built for a release that listens on every address: a release on loopback would be unreachable.
        loopback = [facts.plugin_image(r.tag) for r in facts.PLUGIN_RELEASES if r.listens == facts.LOOPBACK]
        rules.add(
            template,
            "ImageListensOnEveryAddress",
            rules.none_of(
                inputs["ImageUri"],
                loopback,
                "ImageUri is a release whose regional processes listen on 127.0.0.1 only, and this template has no "
                "proxy to reach them: pin a release that listens on every address.",
            ),
        )
    rules.add(
        template,
        "CorsCredentialsNeedExplicitOrigins",
        rules.none_of(
            inputs["CorsAllowedOrigins"],
            ["*"],
            "CorsAllowCredentials=true needs explicit CorsAllowedOrigins (https://app.example.com,...): "
            "the plugin refuses to start with credentials and origin *.",
        ),
        when=rules.equals(inputs["CorsAllowCredentials"], "true"),
    )
