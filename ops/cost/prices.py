"""The price snapshot (prices.json): the few prices the estimate uses, per region.

Written by `make cost-refresh` from the AWS Price List, or by hand from AWS's pricing pages
when the Price List cannot be reached (its ``how`` says which); read here, offline.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from ..shared.errors import BadInput
from . import catalogue

SNAPSHOT = Path(__file__).resolve().parent / "prices.json"


@dataclass(frozen=True)
class Snapshot:
    as_of: str
    how: str
    offers: dict
    regions: dict[str, dict[str, float]]

    def price(self, region: str, key: str) -> float:
        if region not in self.regions:
            raise BadInput(
                f"the price snapshot has no prices for {region} (it has {', '.join(sorted(self.regions))}): "
                "run make cost-refresh where the AWS Price List is reachable, or choose one of those regions"
            )
        prices = self.regions[region]
        if key not in prices:
            raise BadInput(
                f"the price snapshot has no {catalogue.BY_KEY[key].what} price for {region}: run make cost-refresh"
            )
        return prices[key]


def load(path: Path = SNAPSHOT) -> Snapshot:
    data = json.loads(path.read_text(encoding="utf-8"))
    return Snapshot(data["prices_as_of"], data["how"], data["offers"], data["regions"])
