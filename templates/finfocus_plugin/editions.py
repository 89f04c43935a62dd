"""The two templates of the plugin, one per port layout of its image releases (facts.PLUGIN_LAYOUTS)."""

from dataclasses import dataclass

from .. import facts


@dataclass(frozen=True)
class Edition:
    """One template of the plugin: a port layout and the words that go with it."""

    name: str
    layout: str
    why: str  # when to pick this template rather than the other

    @property
    def default_image(self) -> str:
        return facts.plugin_image(facts.newest_release(self.layout).tag)

    @property
    def release_tags(self) -> str:
        return facts.release_span(self.layout)

    @property
    def max_batch_size(self) -> int:
        """The lowest cap among the layout's releases: a larger value would be lowered by some of them."""
        return min(release.max_batch_size for release in facts.releases_of(self.layout))


TWELVE_REGION = Edition("finfocus-plugin", "12-region", "GovCloud prices; the image is frozen at v0.1.2")
TEN_REGION = Edition("finfocus-plugin-10-region", "10-region", "current releases, with fixes and pricing data updates")
EDITIONS = {edition.layout: edition for edition in (TWELVE_REGION, TEN_REGION)}


def other_edition(edition: Edition) -> Edition:
    return TEN_REGION if edition is TWELVE_REGION else TWELVE_REGION


def summary(edition: Edition) -> str:
    count = len(facts.PLUGIN_LAYOUTS[edition.layout])
    return (
        f"the multi-region finfocus pricing plugin, {edition.layout} layout ({count} regional ports + metrics, "
        f"image releases {edition.release_tags}: {edition.why}) on Fargate, reached through Cloud Map"
    )


def region_port_table(files) -> str:
    from .. import docblocks  # only the docs need it

    layouts = {name: dict(table) for name, table in facts.PLUGIN_LAYOUTS.items()}
    regions = dict.fromkeys(region for table in facts.PLUGIN_LAYOUTS.values() for region, _ in table)
    header = ["Region"]
    for name in layouts:
        edition = EDITIONS.get(name)
        served_by = f"`{edition.name}`" if edition else "no template"
        header.append(f"{name}: {facts.release_span(name)} ({served_by})")
    rows = [
        [region] + [f"`{table[region]}`" if region in table else "-" for table in layouts.values()]
        for region in regions
    ]
    rows.append(["metrics (`/metrics`, `/metrics/aggregated`)"] + [f"`{facts.METRICS_PORT}`"] * len(layouts))
    return docblocks.table(header, rows)
