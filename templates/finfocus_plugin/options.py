"""Build options: what changes the template's structure (``build.py finfocus-plugin --set KEY=VALUE``)."""

import re
from dataclasses import dataclass, field
from typing import ClassVar

from .. import facts
from ..errors import ConfigError
from .editions import TEN_REGION, TWELVE_REGION, Edition


@dataclass(frozen=True)
class Options:
    """Build options of ``finfocus-plugin`` (``build.py finfocus-plugin --set KEY=VALUE --output-dir DIR``)."""

    edition: ClassVar[Edition] = TWELVE_REGION

    regions: str | None = field(
        default=None,
        metadata={"help": "region:port,region:port,... (a subset of the layout, or a mirror's own table)"},
    )
    metrics_port: int = field(default=facts.METRICS_PORT, metadata={"help": "port of the metrics aggregator"})
    image: str = field(
        default=TWELVE_REGION.default_image, metadata={"help": "default of the ImageUri parameter (a pinned tag)"}
    )

    def region_ports(self) -> tuple[tuple[str, int], ...]:
        if self.regions is not None:
            return parse_regions(self.regions)
        return facts.PLUGIN_LAYOUTS[self.edition.layout]


@dataclass(frozen=True)
class TenRegionOptions(Options):
    """Build options of ``finfocus-plugin-10-region``."""

    edition: ClassVar[Edition] = TEN_REGION

    image: str = field(
        default=TEN_REGION.default_image, metadata={"help": "default of the ImageUri parameter (a pinned tag)"}
    )


def parse_regions(text: str) -> tuple[tuple[str, int], ...]:
    if not text.strip():
        raise ConfigError("the region table is empty: give at least one region:port, e.g. regions=us-east-1:8001")
    table = []
    for item in text.split(","):
        region, _, port = item.strip().partition(":")
        if not facts.REGION_NAME.fullmatch(region) or not re.fullmatch(facts.PORT_NUMBER, port):
            raise ConfigError(f"bad region entry {item.strip()!r}: write region:port, e.g. us-east-1:8001")
        table.append((region, int(port)))
    return tuple(table)
