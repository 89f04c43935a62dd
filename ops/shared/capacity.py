"""How a capacity provider strategy places a service's tasks: the bases first, the rest by weight.

As ECS describes a capacity provider strategy: "The base value designates how many tasks,
at a minimum, to run on the specified capacity provider ... The weight value designates
the relative percentage of the total number of launched tasks that should use the
specified capacity provider", after the base is satisfied.
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cluster-capacity-providers.html

Used by `make cost` (what each provider's tasks cost) and `make preflight` (each
provider's vCPU quota at a release's peak).
"""

# (capacity provider, base, weight), in the strategy's order.
Strategy = tuple[tuple[str, int, int], ...]

ALL_ON_FARGATE: Strategy = (("FARGATE", 0, 1),)


def split(tasks: float, strategy: Strategy) -> dict[str, float]:
    """Tasks per capacity provider. Fractions are the long-run share; ECS places whole tasks."""
    shares = {provider: 0.0 for provider, _, _ in strategy}
    left = float(tasks)
    for provider, base, _ in strategy:
        placed = min(left, base)
        shares[provider] += placed
        left -= placed
    total_weight = sum(weight for _, _, weight in strategy)
    for provider, _, weight in strategy:
        if total_weight:
            shares[provider] += left * weight / total_weight
    return shares
