"""ECS clusters (create one, or run in one the user already has) and where their tasks run."""

from troposphere import If, Ref, Template, ecs

from . import parameters, rules

FARGATE = "FARGATE"
FARGATE_SPOT = "FARGATE_SPOT"
CREATE_CLUSTER = "CreateCluster"


def cluster(title: str, *, capacity_strategy: list[ecs.CapacityProviderStrategyItem] | None = None, **properties):
    """A cluster with Container Insights on and both Fargate capacity providers."""
    strategy = {}
    if capacity_strategy:
        strategy["DefaultCapacityProviderStrategy"] = capacity_strategy
    return ecs.Cluster(
        title,
        ClusterSettings=[ecs.ClusterSetting(Name="containerInsights", Value="enabled")],
        CapacityProviders=[FARGATE, FARGATE_SPOT],
        **strategy,
        **properties,
    )


def strategy(weights: dict[str, int], base: dict[str, int] | None = None) -> list:
    base = base or {}
    return [
        ecs.CapacityProviderStrategyItem(
            CapacityProvider=provider, Weight=weight, **({"Base": base[provider]} if provider in base else {})
        )
        for provider, weight in weights.items()
    ]


class ClusterChoice:
    """An existing cluster by name, or (when the name is left empty) a new one.

    ``parameter`` is the :func:`parameters.existing_cluster_name` input; ``name`` is
    the value to use either way.
    """

    def __init__(self, template: Template, parameter):
        self.parameter = parameter
        parameters.when_empty(template, self.parameter, CREATE_CLUSTER)
        self.created = template.add_resource(cluster("Cluster", Condition=CREATE_CLUSTER))
        self.name = If(CREATE_CLUSTER, Ref(self.created), Ref(self.parameter))


# --- Fargate and Fargate Spot side by side -------------------------------------------
# ECS places a strategy's base tasks on its provider first, then the rest by relative
# weight. A weight is 0-1000, a base 0-100000; one provider at most has a base, and at
# least one weight must be above 0.
# https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-capacity-providers.html
MAX_WEIGHT = 1000
MAX_BASE = 100_000
ON_DEMAND_WEIGHT, SPOT_WEIGHT, ON_DEMAND_BASE = "OnDemandWeight", "SpotWeight", "OnDemandBaseTasks"


def spot_mix_inputs(*, on_demand_weight: int, spot_weight: int, on_demand_base: int) -> parameters.Group:
    """How a service's tasks split between Fargate (on demand) and Fargate Spot."""
    weight = {"min_value": 0, "max_value": MAX_WEIGHT}
    return parameters.Group(
        "Capacity: Fargate and Fargate Spot",
        (
            parameters.Input(
                ON_DEMAND_WEIGHT,
                "Fargate (on-demand) weight",
                "Number",
                f"Share of the tasks above the base that run on Fargate, relative to the Spot weight (0-{MAX_WEIGHT}). "
                f"With {on_demand_weight} and {spot_weight}, {on_demand_weight} of every "
                f"{on_demand_weight + spot_weight} such tasks run on demand.",
                default=on_demand_weight,
                **weight,
            ),
            parameters.Input(
                SPOT_WEIGHT,
                "Fargate Spot weight",
                "Number",
                f"Share of the tasks above the base that run on Fargate Spot (0-{MAX_WEIGHT}; 0: no Spot). Spot "
                "costs less and is reclaimed with a two-minute warning. The two weights cannot both be 0.",
                default=spot_weight,
                **weight,
            ),
            parameters.Input(
                ON_DEMAND_BASE,
                "On-demand base tasks",
                "Number",
                "Tasks of each service placed on Fargate (on demand) before the weights apply. At least 1, so that "
                "outside a release a Spot interruption never takes every task of a service at once.",
                default=on_demand_base,
                min_value=1,
                max_value=MAX_BASE,
            ),
        ),
    )


def spot_mix_strategy(inputs: dict) -> list[ecs.CapacityProviderStrategyItem]:
    """The base on Fargate, the rest by the two weights."""
    return strategy(
        {FARGATE: Ref(inputs[ON_DEMAND_WEIGHT]), FARGATE_SPOT: Ref(inputs[SPOT_WEIGHT])},
        base={FARGATE: Ref(inputs[ON_DEMAND_BASE])},
    )


def add_spot_mix_rule(template: Template, inputs: dict) -> None:
    """ECS refuses a strategy whose weights are all 0; say so before anything is created."""
    rules.add(
        template,
        "SomeCapacityHasWeight",
        rules.assertion(
            {
                "Fn::Not": [
                    {"Fn::And": [rules.equals(inputs[ON_DEMAND_WEIGHT], "0"), rules.equals(inputs[SPOT_WEIGHT], "0")]}
                ]
            },
            f"{ON_DEMAND_WEIGHT} and {SPOT_WEIGHT} are both 0: ECS needs at least one weight above 0 to place tasks. "
            f"Give {ON_DEMAND_WEIGHT} (or {SPOT_WEIGHT}) a value from 1 to {MAX_WEIGHT}.",
        ),
    )
