"""Where ECS puts the tasks it launches: on Fargate (on demand) or on Fargate Spot, by the
service's capacity provider strategy, while other tasks of the service already run.

What AWS documents (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html):
the base is "how many tasks, at a minimum, to run on the specified capacity provider for each
service", satisfied "first before weight distribution"; the weights are "the relative
percentage of the total number of tasks launched". Every deployment and service revision
carries the strategy it uses (API_Deployment.html, API_ServiceRevision.html).

What it does not document, and the readings taken here:
- Whether the base counts the service's tasks of every deployment or each deployment's own.
  Both are modelled (``SERVICE_WIDE``, ``EACH_DEPLOYMENT``) and `make timeline` reports the
  fewest on demand of the two, saying whether the reading changes the figure (spot.py).
- How a split that does not come out whole is rounded: Spot's share is rounded up.
- Whether a task that is stopping (draining) still holds the base: it does, until it is gone.
A capacity provider strategy change "doesn't trigger a new service deployment"
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service_definition_parameters.html),
and the only running tasks ECS replaces on its own, outside a deployment or a failure, are those
Availability Zone rebalancing moves between zones
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-rebalancing.html). Neither
page says a task is moved to the other provider, so a revision is taken to keep the split it was
placed with until its tasks are replaced.
"""

import math
from typing import NamedTuple

from .model import Capacity


class Placed(NamedTuple):
    on_demand: int
    spot: int


NOTHING = Placed(0, 0)


# Who holds the base while two revisions run: every running task of the service (the old
# revision's on-demand tasks keep it, the new one's are placed by the weights alone), or each
# deployment's own tasks (the new revision places its own base first).
SERVICE_WIDE, EACH_DEPLOYMENT = "service", "deployment"
READINGS = (SERVICE_WIDE, EACH_DEPLOYMENT)


class Deployment:
    """The tasks one deployment (one revision) launches, a batch at a time: the weights split
    all the tasks it has placed by weight so far, not each batch on its own."""

    def __init__(self, capacity: Capacity, reading: str = SERVICE_WIDE):
        self.capacity = capacity
        self.reading = reading
        self.by_weight = Placed(0, 0)
        self.based = 0  # its own tasks placed to meet the base

    def launch(self, count: int, running: Placed = NOTHING) -> Placed:
        """``count`` tasks launched at once while the service's ``running`` tasks (of every
        revision, stopping ones included) hold what they hold."""
        capacity = self.capacity
        on_base = (lambda placed: placed.spot) if capacity.base_on_spot else (lambda placed: placed.on_demand)
        # A deployment places tasks by weight only once its own base is met, and its base never
        # shrinks: its own base tasks are all it holds until then, and enough after.
        held = self.based if self.reading == EACH_DEPLOYMENT else on_base(running)
        based = min(count, max(0, capacity.base - held))
        self.based += based
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
