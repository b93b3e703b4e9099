"""Headlines: the run's harm figures, each naming the assumptions it scales with.

A harm headline read alone invites a skeptic's question: is that a finding, or the model
reading back its own assumption? Each headline names the numbers of the scenario that
drive it and are not documented (assumptions and calibrated numbers, from the evidence
ledger), so the reader knows what the figure scales with. The sweep tools measure how
much; here it is stated.

Two headlines name more than numbers, because their main cause is a choice. The
misconduct rate ratio under restriction mixes selection (the prone are the ones
restricted, when people differ: ``heterogeneity``) with feedback (restriction itself
raises misconduct: ``effects``); when the run has its twin without feedback
(``selection_vs_feedback``), the text says how much of the ratio is selection, rounded
down. The innocent share of sanction-days counts the days of people reached through
ties (a firm's legal representative, staff, family, a parent company), who did nothing:
when sanctions reach ties, the reach is named (``sanctions.reach.*``, or the timeline
entry that sets it) with the share of the innocent days that are theirs, rounded down.
"""

from __future__ import annotations

import fnmatch
import math
from typing import Any

from score_sim.scenario import Level, Scenario, Who
from score_sim.scenario.ledger import LedgerRow, assumption_keys, ledger

DRIVERS: dict[str, tuple[tuple[str, str], ...]] = {
    "innocent_sanction_share": (
        ("errors.*", "error rates"),
        ("inspections.false_finding_probability", "false inspection results"),
        ("behaviours.*.detection.*", "detection chances"),
        ("ties.*", "tie counts"),
        ("sanctions.spillover.*", "spill-over shares"),
        ("remedies.appeals.*", "appeal rates"),
        ("lists.*", "list rules"),
    ),
    "innocent_blacklistings": (
        ("errors.*", "error rates"),
        ("inspections.false_finding_probability", "false inspection results"),
        ("behaviours.*.detection.*", "detection chances"),
        ("behaviours.*.rate_per_year", "behaviour rates"),
    ),
    "citizen_pariahs_at_end": (
        ("behaviours.*.rate_per_year", "behaviour rates"),
        ("effects.*", "feedback factors"),
        ("lists.*", "list rules"),
        ("score.half_life_days", "decay half-life"),
        ("harm_metrics.*", "pariah definition"),
    ),
    "misconduct_rate_ratio_restricted": (
        ("effects.*", "feedback factors"),
        # who ends up restricted: the prone are listed first (selection, not feedback)
        ("heterogeneity.*", "differences between people (heterogeneity)"),
    ),
    "mean_cascade_size": (
        ("ties.*", "tie counts"),
        ("population.employment_rate", "employment rate"),
        ("population.firms", "number of firms"),
    ),
    # these two only when data sharing or the escalation ladder is on
    "restriction_days_spared_share": (
        ("sharing.*", "sharing delays and coverage"),
        ("lists.*", "list rules"),
    ),
    "bad_luck_ratio": (
        ("errors.*", "error rates"),
        ("inspections.false_finding_probability", "false inspection results"),
        ("contagion.*", "contagion over ties"),
        ("lending.*", "lending rules"),
        ("lists.*", "list rules"),
        ("remedies.*", "remedies"),
        ("harm_metrics.*", "outcast definition"),
    ),
    "firm_closures": (
        ("corporate.escalation.*", "ladder rules"),
        ("behaviours.*.rate_per_year", "behaviour rates"),
        ("errors.*", "error rates"),
        ("inspections.*", "inspection rates"),
    ),
}

LABELS = {
    "innocent_sanction_share": "innocent share of sanction-days",
    "innocent_blacklistings": "innocent blacklistings",
    "citizen_pariahs_at_end": "citizen pariahs at the end",
    "misconduct_rate_ratio_restricted": "misconduct rate under restriction relative to without",
    "mean_cascade_size": "mean cascade size (actors restricted)",
    "restriction_days_spared_share": "share of the restriction-days called for that never "
    "happened (delay, missing records)",
    "firm_closures": "firms closed by the escalation ladder",
    "bad_luck_ratio": "bad-luck ratio (outcasts at the end among the falsely listed early "
    "on, against the same people without errors)",
}


TIES = {
    "legal_representative": "legal representatives",
    "staff": "staff",
    "family": "families",
    "parent_company": "parent companies",
}
"""The ties a sanction may reach (``sanctions.reach``), as named in a headline."""


def tie_reach(scenario: Scenario) -> list[tuple[str, str]]:
    """Where sanctions reach ties: (key path that sets the reach, the ties' name).

    A reach counts when it names some restriction, in the scenario or in a timeline
    entry, and the ties exist (firms have legal representatives, staff, families or
    parents).
    """
    present = {
        "legal_representative": scenario.ties.legal_representatives
        and scenario.population.firms > 0,
        "staff": scenario.population.firms > 0 and scenario.population.employment_rate > 0,
        "family": scenario.ties.household_size_mean > 0,
        "parent_company": scenario.ties.branch_share > 0,
    }
    found: list[tuple[str, str]] = []
    for tie, name in TIES.items():
        if not present[tie]:
            continue
        if getattr(scenario.sanctions.reach, tie):
            found.append((f"sanctions.reach.{tie}", name))
            continue
        for i, entry in enumerate(scenario.timeline):
            for key, value in entry.set.items():
                reach = key == f"sanctions.reach.{tie}" and value
                whole = key == "sanctions.reach" and isinstance(value, dict) and value.get(tie)
                if reach or whole:
                    found.append((f"timeline.{i}.set.{key}", name))
                    break
            else:
                continue
            break
    return found


def drivers(
    scenario: Scenario, headline: str, rows: list[LedgerRow] | None = None
) -> tuple[list[str], list[str]]:
    """The undocumented numbers a headline scales with: (key paths, group names).

    Args:
        scenario: the scenario run.
        headline: a name of :data:`LABELS`.
        rows: the scenario's ledger, if already at hand (default: read it).
    """
    rows = ledger(scenario) if rows is None else rows
    # a number at zero switches its mechanism off: it drives nothing
    zero = {row.key for row in rows if row.value == 0}
    assumed = sorted(assumption_keys(scenario, rows) - zero)
    if headline == "misconduct_rate_ratio_restricted" and Who.citizen not in (
        scenario.heterogeneity.who
    ):
        # the headline is the citizens' ratio: firms that differ select no citizen
        assumed = [k for k in assumed if not k.startswith("heterogeneity.")]
    keys: list[str] = []
    groups: list[str] = []
    for pattern, group in DRIVERS[headline]:
        hits = [k for k in assumed if fnmatch.fnmatchcase(k, pattern) and k not in keys]
        if hits:
            keys += hits
            if group not in groups:
                groups.append(group)
    return keys, groups


SHARES = frozenset({"innocent_sanction_share", "restriction_days_spared_share"})
"""Headlines that are shares, shown as percentages."""

COUNTS = frozenset({"innocent_blacklistings", "citizen_pariahs_at_end", "firm_closures"})
"""Headlines that count actors, shown whole with thousands separators."""


def format_value(name: str, value: float | None) -> str:
    """A headline's value as a person reads it.

    Shares as percentages to one decimal, counts with thousands separators,
    ratios and means to three significant figures; ``n/a`` where the run has none.
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if name in SHARES:
        return "0%" if value == 0 else f"{100 * value:.1f}%"
    if name in COUNTS:
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def _driven_text(
    scenario: Scenario,
    name: str,
    rows: list[LedgerRow],
    summary: dict[str, Any] | None,
) -> tuple[list[str], str]:
    """A headline's drivers: (their key paths, the words saying what it scales with).

    With ``summary`` (one run), the words also give the share of the innocent
    sanction-days borne by the ties sanctions reach.
    """
    keys, groups = drivers(scenario, name, rows)
    driven = "driven by the assumed " + ", ".join(groups) if groups else ""
    reach = tie_reach(scenario) if name == "innocent_sanction_share" else []
    if reach:
        keys += [key for key, _ in reach if key not in keys]
        driven += (" and by " if driven else "driven by ") + _reach_text(scenario, reach, summary)
    if not driven:
        driven = (
            "driven by no assumption of this scenario (what it scales with is off or documented)"
        )
    return keys, driven


def _values(summary: dict[str, Any]) -> dict[str, Any]:
    """Each headline's value in one run's summary, those about its mechanisms first."""
    cascades = summary["cascades"]["agents_restricted"]
    values = {
        "innocent_sanction_share": summary["erroneous_reports"]["innocent_sanction_share"],
        "innocent_blacklistings": summary["erroneous_reports"]["innocent_blacklistings"],
        "citizen_pariahs_at_end": summary["pariah_spiral"]["citizen_pariahs_at_end"],
        "misconduct_rate_ratio_restricted": summary["pariah_spiral"][
            "misconduct_rate_ratio_restricted"
        ]["citizen"],
        "mean_cascade_size": cascades["mean"],
    }
    # data sharing and the ladder, when on, come first: they are what such a run is about
    first: dict[str, Any] = {}
    if "sharing" in summary:
        first["restriction_days_spared_share"] = summary["sharing"]["spared_share"]
    if "escalation" in summary:
        first["firm_closures"] = summary["escalation"]["closures"]
    if "bad_luck" in summary:
        first["bad_luck_ratio"] = summary["bad_luck"]["ratio"]
    return first | values


def headlines(scenario: Scenario, summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Each harm headline with its value, the assumptions driving it, and a sentence."""
    out = []
    rows = ledger(scenario)  # read once: each headline looks up its drivers in it
    for name, value in _values(summary).items():
        keys, driven = _driven_text(scenario, name, rows, summary)
        shown = format_value(name, value)
        if name == "misconduct_rate_ratio_restricted" and value is not None:
            shown += _selection_text(summary)
        if name == "bad_luck_ratio" and value is not None:
            shown += _bad_luck_text(summary["bad_luck"])
        out.append(
            {
                "name": name,
                "value": value,
                "text": f"{LABELS[name]}: {shown}, {driven}",
                "driven_by": keys,
            }
        )
    return out


def seeds_headlines(
    scenario: Scenario, summaries: list[dict[str, Any]], spread: Any
) -> list[dict[str, Any]]:
    """Each harm headline over many seeds: its median and 5-95% interval, and a sentence.

    Args:
        scenario: the scenario run (its first seed's).
        summaries: every seed's summary, in seed order.
        spread: the function summarising one headline's values over the seeds, giving
            ``median``, ``p05``, ``p95``, ``min``, ``max`` and ``n`` (the seeds where it is
            defined), as :func:`score_sim.experiments.ensemble.spread` does.
    """
    per_seed = [_values(summary) for summary in summaries]
    rows = ledger(scenario)
    out = []
    for name in per_seed[0]:
        numbers = spread([values.get(name) for values in per_seed])
        keys, driven = _driven_text(scenario, name, rows, None)
        if numbers["median"] is None:
            shown = "n/a in every seed"
        else:
            low, mid, high = (format_value(name, numbers[k]) for k in ("p05", "median", "p95"))
            shown = (
                f"median {mid} (5-95%: {low} to {high}, {numbers['n']} of {len(summaries)} seeds)"
            )
        out.append(
            {
                "name": name,
                **numbers,
                "text": f"{LABELS[name]}: {shown}, {driven}",
                "driven_by": keys,
            }
        )
    return out


def _floor_percent(share: float) -> int:
    """A share as a whole percentage, rounded down: never more than the numbers show."""
    return math.floor(share * 100 + 1e-9)


def _selection_text(summary: dict[str, Any]) -> str:
    """How much of the citizens' misconduct rate ratio is selection, when the run says.

    Empty without the twin run (``selection_vs_feedback``). The share of selection is
    given only where it is a share (0 to 1 of the log ratio), rounded down.
    """
    parts = summary.get("selection_vs_feedback", {}).get("citizen")
    if not parts:
        return ""
    selection, feedback = parts["selection_ratio"], parts["feedback_ratio"]
    share = parts["selection_share_of_log_ratio"]
    if selection is None or feedback is None:
        return ""
    twin = (
        f"the same people without feedback give {selection:.3g}, "
        f"feedback multiplies it by {feedback:.3g}"
    )
    if share is not None and 0 <= share <= 1:
        return f" ({_floor_percent(share)}% of it, on a log scale, is selection: {twin})"
    return f" ({twin})"


def _bad_luck_text(bad_luck: dict[str, Any]) -> str:
    """Who the bad-luck ratio counts, in words."""
    hit = bad_luck["citizens_hit"]
    return (
        f" ({hit:,} citizens falsely listed in the first {bad_luck['early_days']} days: "
        f"{bad_luck['outcasts_among_hit']:,} outcasts at the end, "
        f"{bad_luck['outcasts_among_hit_without_errors']:,} in the twin world without "
        "errors; run several seeds for its interval)"
    )


def _reach_text(
    scenario: Scenario, reach: list[tuple[str, str]], summary: dict[str, Any] | None
) -> str:
    """Sanctions reaching ties, named with their evidence and their share of innocent days."""
    names = []
    for key, name in reach:
        level = scenario.evidence_of(key).level
        names.append(f"{name} ({key}, {'documented' if level is Level.documented else 'assumed'})")
    text = "sanctions reaching " + ", ".join(names)
    if summary is None:
        return text
    errors = summary["erroneous_reports"]
    innocent, ties = errors["innocent_sanction_days"], errors["tie_sanction_days"]
    if innocent:
        text += f": {_floor_percent(ties / innocent)}% of the innocent sanction-days are theirs"
    return text
