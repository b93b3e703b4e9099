"""Explaining a scenario: its description, and the evidence level of every number.

Scenarios are honest about their numbers (see :mod:`score_sim.ledger`): a number is
documented only when its own key path is cited in ``sources:``; derived, calibrated and
assumed numbers say so. ``score-sim explain`` prints every number with its level and what
founds it, and the counts per level.
"""

from __future__ import annotations

from pathlib import Path

from score_sim.ledger import cited_choices, ledger, level_counts, numbers
from score_sim.scenario import Level, Scenario, load_scenario

__all__ = ["explain_scenario", "numbers"]

LABELS = {
    Level.documented: "DOCUMENTED",
    Level.derived: "DERIVED",
    Level.calibrated: "CALIBRATED",
    Level.assumption: "ASSUMPTION",
}


def explain_scenario(scenario: Scenario | str | Path) -> str:
    """A plain-text account of the scenario for a reader deciding what to trust.

    Args:
        scenario: a Scenario, a path to a scenario file or a bundled scenario's name.

    Raises:
        ScenarioError: a file or name that does not load.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    rows = ledger(scenario)
    counts = level_counts(rows)
    shown = [(f"{row.key} = {row.value:g}", row) for row in rows]
    width = max((len(text) for text, _ in shown), default=0)
    out = [scenario.name, "=" * len(scenario.name), "", scenario.description.strip(), ""]
    out.append(
        f"NUMBERS: {len(rows)}: "
        + ", ".join(f"{n} {level}" for level, n in counts.items())
        + " (an assumption is a choice of this scenario, not a known fact)"
    )
    for text, row in shown:
        label = LABELS[row.level]
        detail = row.source
        if row.level is Level.calibrated:
            detail = f"to target {row.target}: {detail}"
        out.append(f"  {text.ljust(width)}  {label}" + (f": {detail}" if detail else ""))
    choices = cited_choices(scenario)
    if choices:
        out += ["", "CITED CHOICES (not numbers):"]
        for key, source in choices:
            out.append(f"  {key}: {source}")
    if scenario.targets:
        out += ["", "CALIBRATION TARGETS (every run reports them in summary.json):"]
        for target in scenario.targets:
            where = target.list or "any blacklist"
            out.append(
                f"  {target.name}: {target.metric.value} of {target.who.value}s on {where} "
                f"in {target.low:g}..{target.high:g} (source: {target.source})"
            )
    return "\n".join(out) + "\n"
