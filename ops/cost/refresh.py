"""python -m ops.cost.refresh: rewrite prices.json from the AWS Price List (the one network use).

For each offer the catalogue names, read its service Region index, then the current offer
file of every region a template is for, and keep the on-demand price of each usage type.
Public files, no credentials: https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/using-ppslong.html
The AmazonEC2 offer file (NAT gateway prices) is large: hundreds of MB per region.
A price the offer files do not give keeps its old value, and the command says so.
"""

import json
import sys
import urllib.error
import urllib.request
from datetime import date

from templates import facts

from . import catalogue, offers, prices

TIMEOUT_SECONDS = 300


def fetch(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
        return json.load(response)


def refreshed(old: prices.Snapshot, regions=facts.ALL_REGIONS, get=fetch, report=print) -> dict:
    """The new snapshot as JSON data; ``get`` reads a URL (the network, or a test's recorded files)."""
    offers_out, values = {}, {region: dict(old.regions.get(region, {})) for region in regions}
    for offer in catalogue.OFFERS:
        index_url = catalogue.region_index_url(offer)
        index = get(index_url)
        wanted = [price for price in catalogue.PRICES if price.offer == offer]
        files = {}
        for region in regions:
            # Route 53 prices are global: its index has no entry per region.
            url = offers.offer_file_url(index, region) or offers.offer_file_url(index, "global")
            if url is None:
                report(f"{offer}: not offered in {region}")
                continue
            files[region] = url
            offer_file = get(url)
            for price in wanted:
                try:
                    values[region][price.key] = offers.on_demand_price(offer_file, price)
                except offers.NotInOffer as missing:
                    kept = values[region].get(price.key)
                    report(f"{region}: {missing}; kept {kept if kept is not None else 'no price'}")
        offers_out[offer] = {
            "region_index": index_url,
            "publication_date": index.get("publicationDate"),
            "pages": sorted({price.page for price in wanted}),
            "offer_files": files,
        }
    return {
        "prices_as_of": date.today().isoformat(),
        "how": "Read by make cost-refresh from the AWS Price List offer files named per offer.",
        "currency": "USD",
        "offers": offers_out,
        "regions": {region: found for region, found in values.items() if found},
    }


def main() -> int:
    try:
        data = refreshed(prices.load())
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        print(f"make cost-refresh: the AWS Price List is not reachable ({error}): nothing changed", file=sys.stderr)
        return 2
    prices.SNAPSHOT.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {prices.SNAPSHOT.name}: {len(data['regions'])} regions, prices as of {data['prices_as_of']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
