"""What a Fargate Spot interruption leaves answering through a release, under each reading of
where ECS holds the on-demand base while two revisions run (placement.py), and why it is below
the steady state's split: the cause named is the one found by changing one thing at a time."""

from dataclasses import replace

from templates import timings

from .model import Assumptions, Service
from .placement import EACH_DEPLOYMENT, READINGS, SERVICE_WIDE, steady
from .rolling import rolled_out_spot_reclaimed
from .traffic_shifting import fewest_after_spot_reclaimed, shift_steps

READING_SAID = {
    SERVICE_WIDE: "the old revision's on-demand tasks hold the base while the new one's start",
    EACH_DEPLOYMENT: "each revision places its own base",
}


def by_reading(service: Service, assumptions: Assumptions) -> dict[str, int]:
    """The fewest tasks answering when Fargate Spot reclaims every task it runs, in the steady
    state or at the worst moment of a release or after it, under each reading. Both releases
    count the steady state as their first moment, so neither figure exceeds it."""
    if service.traffic_shift:
        return {r: fewest_after_spot_reclaimed(shift_steps(service, assumptions, r)) for r in READINGS}
    return {r: rolled_out_spot_reclaimed(service, assumptions, r) for r in READINGS}


def spot_interruption(service: Service, assumptions: Assumptions) -> int:
    """The fewest of either reading. A service with no task on Spot keeps its desired count."""
    if not service.spot_possible:
        return service.desired
    return min(by_reading(service, assumptions).values())


def _rolling_causes(service: Service, assumptions: Assumptions, reading: str, fewest: int) -> list[str]:
    """What, changed alone, would leave more on demand answering in a rolling release."""
    causes = []
    if service.floor < service.desired:
        keeps_all = replace(service, minimum_healthy_percent=100, maximum_percent=max(service.maximum_percent, 200))
        if rolled_out_spot_reclaimed(keeps_all, assumptions, reading) > fewest:
            causes.append(
                f"the minimum healthy {service.minimum_healthy_percent} % lets ECS stop an old task before a new "
                "one is healthy"
            )
    if service.dns and rolled_out_spot_reclaimed(service, assumptions, reading, in_dns=False) > fewest:
        causes.append(
            "ECS stops an old task once a new one is healthy, about "
            f"{timings.CLOUD_MAP_HEALTH_DELAY.value} s before Cloud Map answers with the new one"
        )
    if rolled_out_spot_reclaimed(service, assumptions, reading, spot_first=(True,)) > fewest:
        causes.append(
            "if the old task it stops first is the on-demand one (ECS does not document which), only Spot tasks "
            "answer meanwhile"
        )
    return causes


def spot_note(service: Service, assumptions: Assumptions, found: dict[str, int] | None = None) -> list[str]:
    """Why the Spot interruption figure is below the steady state's, and whether where ECS holds
    the base while two revisions run (not documented) changes it; ``found``: by_reading's."""
    if not service.spot_possible:
        return []
    before = steady(service.capacity, service.desired).on_demand
    found = found or by_reading(service, assumptions)
    fewest = min(found.values())
    if fewest >= before:
        return []
    if found[SERVICE_WIDE] == found[EACH_DEPLOYMENT]:
        reading = "under either reading of where ECS holds the on-demand base"
        # Explained where the new revision places its own base: the base is then not the cause.
        causes = [] if service.traffic_shift else _rolling_causes(service, assumptions, EACH_DEPLOYMENT, fewest)
    else:
        worse, other = sorted(READINGS, key=found.get)
        reading = f"if {READING_SAID[worse]} ({found[other]} if {READING_SAID[other]})"
        causes = ["the new revision's tasks are then placed by the weights alone"]
        if not service.traffic_shift:
            causes += _rolling_causes(service, assumptions, worse, fewest)
    return [
        f"Spot interruption: {before} on demand in the steady state, {fewest} at the worst moment of a release or "
        f"after it (until tasks are replaced), {reading}: {'; '.join(causes) or 'how the new tasks are placed'} "
        "(docs/releases.md#spot-zones-images)"
    ]
