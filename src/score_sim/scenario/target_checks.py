"""Checks of a scenario's calibration targets against the rest of the scenario.

A target names the lists it counts, the kinds of actor it counts and what its share is of
(:class:`~score_sim.scenario.evidence.Target`): each name must exist, a share of adults
needs the population's adult share, and the travel metrics count citizens' purchases.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from score_sim.scenario.base import Who
from score_sim.scenario.evidence import TRAVEL_METRICS, Denominator

if TYPE_CHECKING:
    from score_sim.scenario.scenario import Scenario


def target_problems(scenario: Scenario) -> list[tuple[tuple[str | int, ...], str]]:
    """Problems of ``scenario.targets``, each as (key path, message)."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for i, target in enumerate(scenario.targets):
        names = target.lists or ()
        for j, name in enumerate(names):
            if name not in scenario.lists:
                where = (
                    ("targets", i, "list")
                    if isinstance(target.list, str)
                    else ("targets", i, "list", j)
                )
                problems.append(
                    (where, f"{name!r} is not a list of this scenario {sorted(scenario.lists)}")
                )
        if target.denominator is Denominator.adults and scenario.population.adult_share is None:
            problems.append(
                (
                    ("targets", i, "denominator"),
                    "a share of adults needs population.adult_share (the share of the "
                    "citizens who are adults), cited or labelled in sources",
                )
            )
        if target.metric in TRAVEL_METRICS:
            # without travel_bans the target is undefined (and reported so), not an error:
            # a run may switch the count off
            if target.kinds != (Who.citizen,):
                problems.append(
                    (("targets", i, "who"), "only citizens buy tickets: give who: citizen")
                )
            if target.list is not None:
                problems.append(
                    (
                        ("targets", i, "list"),
                        "a travel metric counts purchases, not list entries: leave list out",
                    )
                )
    return problems
