"""Explaining a scenario: its description, and the evidence level of every number.

Scenarios are honest about their numbers (see :mod:`score_sim.scenario.ledger`): a number is
documented only when its own key path is cited in ``sources:``; derived, calibrated and
assumed numbers say so. ``score-sim explain`` prints every number with its level and what
founds it, and the counts per level.
"""

from __future__ import annotations

from pathlib import Path

from score_sim.scenario import Denominator, Level, Scenario, Target, load_scenario
from score_sim.scenario.ledger import (
    cited_choices,
    idle_default_score_keys,
    ledger,
    level_counts,
    numbers,
)

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
    idle = set(idle_default_score_keys(scenario))
    if idle:
        documented = sum(1 for row in rows if row.key in idle and row.level is Level.documented)
        own = level_counts([row for row in rows if row.key not in idle])
        out.append(
            f"  {len(idle)} of these ({documented} documented) are the default "
            "municipal-style score's (score.*), which nothing moves in this scenario: they "
            "describe a score it carries but does not use as its point. Its own numbers: "
            + ", ".join(f"{n} {level}" for level, n in own.items())
            + "."
        )
    for text, row in shown:
        label = LABELS[row.level]
        if row.key in idle:
            label += " (default score, unused here)"
        detail = row.source
        if row.level is Level.calibrated:
            names = row.target if isinstance(row.target, str) else ", ".join(row.target)
            detail = f"to target {names}: {detail}"
        out.append(f"  {text.ljust(width)}  {label}" + (f": {detail}" if detail else ""))
    out += _systems_text(scenario) + _perks_text(scenario)
    choices = cited_choices(scenario)
    if choices:
        out += ["", "CITED CHOICES (not numbers):"]
        for key, source in choices:
            out.append(f"  {key}: {source}")
    if scenario.targets:
        out += ["", "CALIBRATION TARGETS (every run reports them in summary.json):"]
        for target in scenario.targets:
            out.append(f"  {target_text(target)}")
    out += ["", "THE DAY (each phase, and which mechanisms are on in this scenario):"]
    out += ["  " + line for line in day_plan(scenario).splitlines()]
    return "\n".join(out) + "\n"


METRIC_WORDS = {
    "listed_share_at_end": "the share on {lists} at the end",
    "ever_listed_share": "the share ever entering {lists}",
    "new_listings_per_year_share": "entries into {lists} a year, as a share",
    "entry_years_mean": "the years entries into {lists} are set to last",
    "stay_years_mean": "the years entries on {lists} last, as lived (those that ended)",
    "blocked_flight_purchases_per_year_share": "flight purchases refused a year, as a share",
    "blocked_train_purchases_per_year_share": "train purchases refused a year, as a share",
}
"""What each target metric measures, in words."""


def target_text(target: Target) -> str:
    """A calibration target in words: what it measures, of whom, per whom, its range."""
    lists = " or ".join(target.lists) if target.lists else "any blacklist"
    kinds = " and ".join(f"{k.value}s" for k in target.kinds)
    per = ", per adult" if target.denominator is Denominator.adults else ""
    if target.metric.value.endswith("_share") and not per:
        per = ", of them"
    window = f", over the run's last {target.over_last_days} days" if target.over_last_days else ""
    what = METRIC_WORDS[target.metric.value].format(lists=lists)
    return (
        f"{target.name}: {what} ({kinds} counted{per}{window}), in "
        f"{target.low:g}..{target.high:g} (source: {target.source})"
    )


def day_plan(scenario: Scenario) -> str:
    """The day's plan for ``scenario``: each phase, and which mechanisms' steps are on.

    Which mechanisms run depends on the scenario's rules, not on its size, so the plan is
    read off a small city under the same rules (a few hundred actors, one day).
    """
    from score_sim.model import ScoreModel

    population = scenario.population
    model = ScoreModel(
        scenario,
        rng=scenario.run.seed,
        citizens=min(population.citizens, 200),
        firms=min(population.firms, 20),
        steps=1,
    )
    return model.describe_plan()


def _band_text(bands: list[tuple[str, float | None]], upper: float) -> str:
    """Bands as ranges, best first: ``excellent 700-950, ..., poor below 550``."""
    parts = []
    top = upper
    for name, low in bands:
        parts.append(f"{name} {low:g}-{top:g}" if low is not None else f"{name} below {top:g}")
        top = low if low is not None else top
    return ", ".join(parts)


def _systems_text(scenario: Scenario) -> list[str]:
    """The scores actors carry: the default one and each system of ``scores:``."""
    if not scenario.scores:
        return []
    score = scenario.score
    out = ["", "SCORES (each actor may carry several, each from its own system):"]
    out.append(
        f"  score (the default): {score.lower:g}..{score.upper:g}, start {score.initial:g}; "
        "grades "
        + _band_text([(b.name, b.min) for b in score.grades], score.upper)
        + "; sources: the findings of agencies (records, surveillance, denunciation, "
        "inspection)"
    )
    for name, system in scenario.scores.items():
        who = " and ".join(f"{w.value}s" for w in system.who)
        carried = who if system.coverage == 1 else f"{system.coverage:.0%} of {who}"
        out.append(
            f"  {name}" + (f" ({system.label})" if system.label else "") + f": carried by {carried}"
        )
        spread = (
            f" (spread {system.initial_spread_points:g})" if system.initial_spread_points else ""
        )
        out.append(
            f"    scale {system.lower:g}..{system.upper:g}, start {system.initial:g}{spread}; "
            "grades " + _band_text([(b.name, b.min) for b in system.grades], system.upper)
        )
        if system.data_sources:
            out.append(f"    data sources: {'; '.join(system.data_sources)}")
        seen = ", ".join(f"{b} {p:+g}" for b, p in system.observes.items()) or "nothing"
        out.append(f"    observes ({system.observe_probability:.0%} of occurrences): {seen}")
        feeds = system.feeds
        out.append(
            f"    feeds {feeds.into} with {feeds.share:g} of its points"
            if feeds.share
            else "    siloed: feeds no other score"
        )
    return out


def _perks_text(scenario: Scenario) -> list[str]:
    """The perks: who qualifies and how often each is used."""
    if not scenario.perks:
        return []
    out = ["", "PERKS (rewards received, counted per actor and per day):"]
    for name, perk in scenario.perks.items():
        triggers = []
        if perk.lists:
            triggers.append("on " + " or ".join(perk.lists))
        if perk.grades:
            triggers.append(f"grade {' or '.join(perk.grades)} of {perk.system}")
        who = " and ".join(f"{w.value}s" for w in perk.who)
        label = f" ({perk.label})" if perk.label else ""
        out.append(
            f"  {name}{label}: {who} {' or '.join(triggers)}, "
            f"used {perk.uses_per_year:g} times a year"
        )
    return out
