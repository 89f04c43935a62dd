"""docs/cost.md's generated blocks and its chart (docs/cost.png), made by build.py.

Every figure comes from the same estimate `make cost` prints, for the templates as this
build made them, in us-east-1, with the committed price snapshot.
"""

import hashlib
import inspect
import io
import json
import re
from pathlib import Path

from ..shared import params
from . import catalogue, prices
from .cli import estimate_document
from .model import FARGATE_GROUP, FARGATE_SPOT_GROUP, ON_DEMAND, SPOT, Assumptions

ROOT = Path(__file__).resolve().parent.parent.parent
PARAMS = ROOT / "params"
CHART = ROOT / "docs" / "cost.png"
REGION = "us-east-1"
DEFAULTS = "defaults"
# Seed 004, SC-008: "System cost is reduced by 30 % through the Fargate Spot capacity provider
# for non-production workloads".
SC008_TARGET = 0.30
NON_PRODUCTION = ("dev", "test")
# The platform's capacity parameters (when the template has them) and the mixes offered for dev/test.
WEIGHT_PARAMETERS = ("OnDemandWeight", "SpotWeight")
# 0/100 puts every task but the on-demand base (OnDemandBaseTasks) on Spot.
SPOT_HEAVY = ((50, 50), (0, 100))
# Seed 001: 2 vCPU and 4 GB for the 12 regional processes of the plugin.
SEED_001 = ("finfocus-plugin", 2, 4)


def environments(name: str) -> list[tuple[str, Path | None]]:
    """(label, parameter file) for each params/<name>.<env>.json, then the template's defaults."""
    found = [(path.name[len(name) + 1 : -len(".json")], path) for path in params.committed(name)]
    return [*found, (DEFAULTS, None)]


def document_of(files, name: str) -> dict:
    return json.loads(files(f"{name}.json"))


def given_of(path: Path | None) -> dict:
    return params.read(str(path)) if path else {}


def estimates(files) -> list[tuple[str, str, object]]:
    """(template, environment, estimate) for every template and parameter file."""
    import templates  # the registry

    snapshot, assumptions = prices.load(), Assumptions()
    rows = []
    for name in templates.TEMPLATES:
        document = document_of(files, name)
        for label, path in environments(name):
            rows.append((name, label, estimate_document(document, given_of(path), REGION, assumptions, snapshot)))
    return rows


def money(value: float) -> str:
    return f"{value:,.2f}"


def estimates_table(files) -> str:
    from templates import docblocks

    rows = [
        [
            f"`{name}`",
            label,
            f"{result.tasks_min}-{result.tasks_max}",
            money(result.monthly_usd_min),
            money(result.monthly_usd_max),
        ]
        for name, label, result in estimates(files)
    ]
    snapshot = prices.load()
    return (
        docblocks.table(
            ["Template", "Parameters", "Tasks", "Monthly USD, fewest tasks", "Monthly USD, most tasks"], rows
        )
        + f"\nus-east-1, prices as of {snapshot.as_of}; `{DEFAULTS}` is the template without a parameter file.\n\n"
        + "![Monthly cost at the fewest tasks, by item](cost.png)\n"
    )


def prices_table(files) -> str:
    from templates import docblocks

    snapshot = prices.load()
    rows = [
        [
            price.what,
            price.unit,
            f"{snapshot.regions[REGION][price.key]:g}",
            f"`{price.offer}`",
            f"[page]({price.page})",
        ]
        for price in catalogue.PRICES
    ]
    regions = ", ".join(sorted(snapshot.regions))
    return (
        f"Prices as of **{snapshot.as_of}**, regions in the snapshot: {regions}. {snapshot.how}\n\n"
        + docblocks.table(["What", "Unit", f"USD in {REGION}", "Offer file", "AWS page"], rows)
    )


def compute_usd(result) -> float:
    return sum(line.monthly_usd for line in result.lines if line.group in (FARGATE_GROUP, FARGATE_SPOT_GROUP))


def platform_option(files, label: str, given: dict, weights=None, architecture=None) -> tuple[float, float]:
    """(compute, total) monthly USD of the platform at its fewest tasks, with a mix or architecture."""
    document = document_of(files, "platform")
    given = dict(given)
    capacity = None
    if weights:
        if all(name in document["Parameters"] for name in WEIGHT_PARAMETERS):
            given.update(dict(zip(WEIGHT_PARAMETERS, map(str, weights), strict=True)))
        else:
            capacity = ((ON_DEMAND, 0, weights[0]), (SPOT, 0, weights[1]))
    if architecture:
        given["CpuArchitecture"] = architecture
    result = estimate_document(document, given, REGION, Assumptions(), prices.load(), capacity)
    return compute_usd(result), result.monthly_usd_min


def sc008(files) -> str:
    """The platform's non-production saving from Spot, then the options that reach 30 %."""
    from templates import docblocks

    discount = Assumptions().spot_discount
    rows = []
    for environment in NON_PRODUCTION:
        given = given_of(PARAMS / f"platform.{environment}.json")
        base_compute, base_total = platform_option(files, environment, given, weights=(100, 0))
        options = [("default capacity strategy of the template", {})]
        options += [(f"`OnDemandWeight={od}`, `SpotWeight={spot}`", {"weights": (od, spot)}) for od, spot in SPOT_HEAVY]
        options += [
            ("`CpuArchitecture=ARM64`, default strategy", {"architecture": "ARM64"}),
            (
                "`CpuArchitecture=ARM64`, `OnDemandWeight=0`, `SpotWeight=100`",
                {"architecture": "ARM64", "weights": (0, 100)},
            ),
        ]
        for label, option in options:
            compute, total = platform_option(files, environment, given, **option)
            saved = 1 - compute / base_compute
            rows.append(
                [
                    environment,
                    label,
                    money(compute),
                    f"{saved:.1%}",
                    f"{1 - total / base_total:.1%}",
                    "yes" if saved >= SC008_TARGET else "no",
                ]
            )
    header = [
        "Environment",
        "Choice",
        "Compute USD a month",
        "Compute saving",
        "Saving on the whole estimate",
        f"Meets {SC008_TARGET:.0%}",
    ]
    return (
        f"Against the same tasks all on Fargate on-demand x86, at the fewest tasks, Spot assumed "
        f"{discount:.0%} below on-demand:\n\n" + docblocks.table(header, rows)
    )


def seed001(files) -> str:
    name, vcpu, memory = SEED_001
    snapshot = prices.load()
    hourly = vcpu * snapshot.price(REGION, "fargate.x86.vcpu") + memory * snapshot.price(REGION, "fargate.x86.memory")
    per_task = hourly * catalogue.HOURS_PER_MONTH
    document = document_of(files, name)
    count = int(document["Parameters"]["DesiredCount"]["Default"])
    result = estimate_document(document, {}, REGION, Assumptions(), snapshot)
    return (
        f"{vcpu} vCPU x {snapshot.price(REGION, 'fargate.x86.vcpu'):g} + {memory} GB x "
        f"{snapshot.price(REGION, 'fargate.x86.memory'):g} = {hourly:.5f} USD an hour; x "
        f"{catalogue.HOURS_PER_MONTH} hours = **{per_task:.2f} USD a month per task** (on-demand, x86, "
        f"{REGION}). The default task count of `{name}` is {count}: **{per_task * count:.2f} USD a month** "
        f"for the tasks, **{result.monthly_usd_min:.2f} USD** for the whole stack with its defaults "
        "(Container Insights, logs, Cloud Map).\n"
    )


# --- The chart ---------------------------------------------------------------------------

GROUPS = (FARGATE_GROUP, FARGATE_SPOT_GROUP, "Public IPv4", "CloudWatch", "Cloud Map", "Network", "Other")


def chart_data(files) -> dict:
    bars = []
    for name, label, result in estimates(files):
        totals = dict.fromkeys(GROUPS, 0.0)
        for line in result.lines:
            totals[line.group if line.group in totals else "Other"] += line.monthly_usd
        bars.append({"bar": f"{name} {label}", "groups": {group: round(value, 2) for group, value in totals.items()}})
    return {"as_of": prices.load().as_of, "bars": bars}


def fingerprint(data: dict) -> str:
    """The data and the drawing code: a change to either draws the chart again."""
    drawing = inspect.getsource(draw) + repr(GROUPS)
    return hashlib.sha256((json.dumps(data, sort_keys=True) + drawing).encode()).hexdigest()


def recorded_fingerprint(png: bytes) -> str | None:
    """The data fingerprint a chart of ours carries in its PNG text chunk (Description)."""
    found = re.search(rb"tEXtDescription\x00([0-9a-f]{64})", png)
    return found.group(1).decode() if found else None


def chart(files) -> bytes:
    """docs/cost.png. Drawn only when its data changed: the PNG carries the data's fingerprint,
    so the build and `make check` need no plotting library when nothing moved."""
    data = chart_data(files)
    print_ = fingerprint(data)
    if CHART.exists():
        existing = CHART.read_bytes()
        if recorded_fingerprint(existing) == print_:
            return existing
    return draw(data, print_)


def draw(data: dict, print_: str) -> bytes:
    """The same bytes for the same data: Agg, a fixed size and font, no timestamp or software tag."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    pyplot.rcdefaults()
    pyplot.rcParams.update({"font.family": "DejaVu Sans", "font.size": 8, "svg.hashsalt": "cost"})
    figure, axes = pyplot.subplots(figsize=(10, 5), dpi=100)
    labels = [bar["bar"] for bar in data["bars"]]
    bottoms = [0.0] * len(labels)
    colours = ("#1f77b4", "#aec7e8", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#7f7f7f")
    for group, colour in zip(GROUPS, colours, strict=True):
        heights = [bar["groups"][group] for bar in data["bars"]]
        axes.bar(range(len(labels)), heights, bottom=bottoms, label=group, color=colour)
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    axes.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=7)
    axes.set_ylim(0, max(bottoms) * 1.1)
    axes.set_ylabel("USD a month")
    axes.set_title(f"Monthly cost at the fewest tasks, us-east-1, prices as of {data['as_of']}")
    axes.legend(fontsize=7, ncols=2)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None, "Description": print_})
    pyplot.close(figure)
    return buffer.getvalue()


def total(files, argument: str) -> str:
    """A monthly total for a sentence: ``template:environment[:max]``, as `make cost` gives it
    in us-east-1 (``environment`` is a params/ label or ``defaults``)."""
    name, environment, *bound = argument.split(":")
    found = [result for template, label, result in estimates(files) if (template, label) == (name, environment)]
    if not found:
        raise ValueError(f"no estimate of {name} with {environment}")
    return f"${money(found[0].monthly_usd_max if bound == ['max'] else found[0].monthly_usd_min)}"


# The prerequisites' network choices, each priced on top of params/prerequisites.dev.json.
NETWORK_CHOICES = ("NatGateways", "InterfaceEndpoints")


def network_choices(files) -> str:
    """docs/prerequisites.md: each parameter file, and each network choice added to dev's."""
    from templates import docblocks

    name, snapshot, assumptions = "prerequisites", prices.load(), Assumptions()
    document = document_of(files, name)
    files_of = dict(environments(name))
    rows = []
    for _, path in environments(name):
        if path is not None:
            result = estimate_document(document, given_of(path), REGION, assumptions, snapshot)
            rows.append([f"`params/{path.name}`", money(result.monthly_usd_min)])
    dev = given_of(files_of["dev"])
    base = estimate_document(document, dev, REGION, assumptions, snapshot).monthly_usd_min
    for key in NETWORK_CHOICES:
        for value in document["Parameters"][key]["AllowedValues"]:
            if value == dev.get(key):
                continue
            added = estimate_document(document, {**dev, key: value}, REGION, assumptions, snapshot).monthly_usd_min
            rows.append([f"dev with `{key}={value}`", f"+ {money(added - base)}"])
    return docblocks.table(["Parameters", "USD a month, before traffic"], rows)


def shares(files, argument: str) -> str:
    """Tasks on demand and on Spot for a sentence: ``template:environment:Service:tasks``, the
    long-run shares of that service's capacity provider strategy (the bases first, the rest by weight)."""
    from ..shared import capacity
    from .cli import resolved

    name, environment, service, tasks = argument.split(":")
    path = dict(environments(name))[environment]
    resources = resolved(document_of(files, name), given_of(path), REGION)
    items = resources[service]["Properties"]["CapacityProviderStrategy"]
    strategy = tuple((i["CapacityProvider"], int(i.get("Base", 0)), int(i.get("Weight", 0))) for i in items)
    split = capacity.split(float(tasks), strategy)
    return f"{split[ON_DEMAND]:g} tasks on demand and {split[SPOT]:g} on Spot"


DOC_BLOCKS = {
    "cost.total": total,
    "cost.shares": shares,
    "cost.network-choices": network_choices,
    "cost.estimates": estimates_table,
    "cost.prices": prices_table,
    "cost.sc008": sc008,
    "cost.seed001": seed001,
}
