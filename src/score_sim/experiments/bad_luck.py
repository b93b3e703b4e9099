"""The twin world without erroneous reports, run beside a scenario to measure bad luck.

A scenario that sets ``harm_metrics.bad_luck_early_days`` is run twice with one seed: as
written, and without any erroneous report (no false findings, no malicious
denunciations, no misidentification, no false inspection results, in the scenario and
in every timeline entry). The people and the draws of their conduct are the same in both
(common random numbers, :mod:`score_sim.streams`); what differs is bad luck alone. The
comparison itself is :func:`score_sim.outputs.bad_luck.bad_luck_report`.
"""

from __future__ import annotations

from typing import Any

from score_sim.model import ScoreModel
from score_sim.outputs.bad_luck import bad_luck_report
from score_sim.scenario import Errors, Scenario
from score_sim.scenario.overrides import path_exists

ERROR_KEYS = ("errors", "inspections.false_finding_probability")
"""The key paths (and their prefixes) that make erroneous reports."""


def _is_error_key(key: str) -> bool:
    return any(key == k or key.startswith(k + ".") for k in ERROR_KEYS)


def errorless(scenario: Scenario) -> Scenario:
    """``scenario`` without erroneous reports, from day 0 to its last day.

    Every error rate is zero; a timeline entry's changes to the errors are dropped (an
    entry left with no change is dropped too). Everything else, the seed included, is
    the same.
    """
    timeline = []
    for entry in scenario.timeline:
        kept = {k: v for k, v in entry.set.items() if not _is_error_key(k)}
        if kept:
            timeline.append(entry.model_copy(update={"set": kept}))
    inspections = scenario.inspections.model_copy(update={"false_finding_probability": 0.0})
    twin = scenario.model_copy(
        update={"errors": Errors(), "inspections": inspections, "timeline": tuple(timeline)}
    )
    data = twin.to_data()
    sources = {key: value for key, value in twin.sources.items() if path_exists(data, key)}
    return Scenario.model_validate({**data, "sources": sources})


def measure_bad_luck(model: ScoreModel) -> dict[str, Any] | None:
    """Run ``model``'s errorless twin and compare (None when the scenario does not ask).

    Args:
        model: a finished run.
    """
    scenario = model.score_scenario
    early_days = scenario.harm_metrics.bad_luck_early_days
    if early_days is None:
        return None
    twin = ScoreModel(errorless(scenario), rng=scenario.run.seed).run()
    return bad_luck_report(model, twin, early_days)
