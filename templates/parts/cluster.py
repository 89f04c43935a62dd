"""ECS clusters: create one, or run in one the user already has."""

from troposphere import If, Ref, Template, ecs

from . import parameters

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
