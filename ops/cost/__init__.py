"""What a stack costs a month: `make cost` (offline) and `make cost-refresh` (the AWS Price List).

prices.json   the snapshot of the few prices the estimate uses, per region
catalogue.py  each price: what it is, its unit, and where AWS publishes it
prices.py     the snapshot, read
model.py      the resources of a resolved template -> monthly cost lines
cli.py        python -m ops.cost TEMPLATE PARAMS [--region R] [--json] ...
offers.py     the Price List offer files, read (no network)
refresh.py    python -m ops.cost.refresh: fetch the offer files, rewrite prices.json
page.py       docs/cost.md's generated blocks and its chart
"""
