"""Which regions each template is for, derived from the plugin's region table."""

from .finfocus_plugin import REGION_PORTS

TABLE = tuple(region for region, _ in REGION_PORTS)
# GovCloud is left out where a template needs services not offered there as in
# the commercial regions (Fargate Spot, Bedrock agents).
COMMERCIAL = tuple(region for region in TABLE if not region.startswith("us-gov-"))
