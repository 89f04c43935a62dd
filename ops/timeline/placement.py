"""Where ECS puts the tasks it launches: on Fargate (on demand) or on Fargate Spot, by the
service's capacity provider strategy, while other tasks of the service already run.

What AWS documents (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html):
the base is "how many tasks, at a minimum, to run on the specified capacity provider for each
service", satisfied "first before weight distribution"; the weights are "the relative
percentage of the total number of tasks launched". Every deployment and service revision
carries the strategy it uses (API_Deployment.html, API_ServiceRevision.html).

What it does not document, and the reading taken here, each the one that leaves the fewest
tasks on demand (the fewest answering when Spot reclaims its tasks):
- Whether the base counts the service's tasks of every deployment or each deployment's own.
  Read as the service's: while the old revision's on-demand tasks run, they hold the base, and
  the new revision's tasks are placed by the weights alone. (A base per deployment would put
  ``base`` more of the new revision on demand, never fewer.)
- How a split that does not come out whole is rounded: Spot's share is rounded up.
- Whether a task that is stopping (draining) still holds the base: it does, until it is gone.
ECS does not move a running task to another provider (a strategy change "doesn't trigger a new
service deployment", API_UpdateService.html; the scheduler does not rebalance running tasks,
github.com/aws/amazon-ecs-agent/issues/225): a revision keeps the split it was placed with until
its tasks are replaced.
"""

import math
from typing import NamedTuple

from .model import Capacity


class Placed(NamedTuple):
    on_demand: int
    spot: int


NOTHING = Placed(0, 0)


class Deployment:
    """The tasks one deployment (one revision) launches, a batch at a time: the weights split
    all the tasks it has placed by weight so far, not each batch on its own."""

    def __init__(self, capacity: Capacity):
        self.capacity = capacity
        self.by_weight = Placed(0, 0)

    def launch(self, count: int, running: Placed = NOTHING) -> Placed:
        """``count`` tasks launched at once while the service's ``running`` tasks (of every
        revision, stopping ones included) hold what they hold."""
        capacity = self.capacity
        held = running.spot if capacity.base_on_spot else running.on_demand
        based = min(count, max(0, capacity.base - held))
        rest = count - based
        weights = capacity.on_demand_weight + capacity.spot_weight
        total = sum(self.by_weight) + rest
        spot_so_far = math.ceil(total * capacity.spot_weight / weights) if weights else 0
        spot = min(rest, max(0, spot_so_far - self.by_weight.spot))
        self.by_weight = Placed(self.by_weight.on_demand + rest - spot, self.by_weight.spot + spot)
        if capacity.base_on_spot:
            return Placed(rest - spot, based + spot)
        return Placed(based + rest - spot, spot)


def steady(capacity: Capacity, desired: int) -> Placed:
    """The service's tasks placed together, as at its creation."""
    return Deployment(capacity).launch(desired)
