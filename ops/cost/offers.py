"""Read AWS Price List files: a service Region index and a service's regional offer file.

Pure functions over the parsed JSON, so they are tested on recorded text, never the network.
Formats: https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/service-region-index-file-for-service.html
and https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/reading-service-price-list-file-for-services.html
"""

from urllib.parse import urljoin

from .catalogue import PRICE_LIST_HOST, Price


class NotInOffer(Exception):
    """The offer file has no single on-demand price for this usage type."""


def offer_file_url(region_index: dict, region: str) -> str | None:
    """The absolute URL of ``region``'s current offer file, or None if the service is not offered there."""
    entry = region_index.get("regions", {}).get(region)
    if entry is None:
        return None
    return urljoin(PRICE_LIST_HOST, entry["currentVersionUrl"])


def matches(product: dict, price: Price) -> bool:
    attributes = product.get("attributes", {})
    usage = attributes.get("usagetype", "")
    if usage != price.usage and not usage.endswith("-" + price.usage):
        return False
    return all(product.get(name, attributes.get(name)) == wanted for name, wanted in price.attributes.items())


def first_paid_tier(term: dict) -> float | None:
    """The price of the lowest tier that costs something: a free allowance is no unit price."""
    tiers = sorted(term.get("priceDimensions", {}).values(), key=lambda tier: float(tier.get("beginRange", "0")))
    for tier in tiers:
        usd = float(tier["pricePerUnit"].get("USD", "0"))
        if usd > 0:
            return usd
    return None


def on_demand_price(offer: dict, price: Price) -> float:
    """The one on-demand unit price (USD) of the products ``price`` names in ``offer``."""
    on_demand = offer.get("terms", {}).get("OnDemand", {})
    found = set()
    for sku, product in offer.get("products", {}).items():
        if not matches(product, price):
            continue
        for term in on_demand.get(sku, {}).values():
            usd = first_paid_tier(term)
            if usd is not None:
                found.add(usd)
    if len(found) != 1:
        detail = "no product" if not found else f"{len(found)} different prices ({', '.join(map(str, sorted(found)))})"
        raise NotInOffer(f"{price.offer} {price.usage}: {detail}")
    return found.pop()
