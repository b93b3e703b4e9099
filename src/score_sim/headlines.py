"""Headlines: the run's harm figures, each naming the assumptions it scales with.

A harm headline read alone invites a skeptic's question: is that a finding, or the model
reading back its own assumption? Each headline names the numbers of the scenario that
drive it and are not documented (assumptions and calibrated numbers, from the evidence
ledger), so the reader knows what the figure scales with. The sweep tools measure how
much; here it is stated.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from score_sim.ledger import LedgerRow, assumption_keys, ledger
from score_sim.scenario import Scenario

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
    "misconduct_rate_ratio_restricted": (("effects.*", "feedback factors"),),
    "mean_cascade_size": (
        ("ties.*", "tie counts"),
        ("population.employment_rate", "employment rate"),
        ("population.firms", "number of firms"),
    ),
    # issue 9: only when data sharing or the escalation ladder is on
    "restriction_days_spared_share": (
        ("sharing.*", "sharing delays and coverage"),
        ("lists.*", "list rules"),
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
}


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
    keys: list[str] = []
    groups: list[str] = []
    for pattern, group in DRIVERS[headline]:
        hits = [k for k in assumed if fnmatch.fnmatchcase(k, pattern) and k not in keys]
        if hits:
            keys += hits
            if group not in groups:
                groups.append(group)
    return keys, groups


def headlines(scenario: Scenario, summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Each harm headline with its value, the assumptions driving it, and a sentence."""
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
    # the mechanisms of issue 9 that are on come first: they are what such a run is about
    first: dict[str, Any] = {}
    if "sharing" in summary:
        first["restriction_days_spared_share"] = summary["sharing"]["spared_share"]
    if "escalation" in summary:
        first["firm_closures"] = summary["escalation"]["closures"]
    values = first | values
    out = []
    rows = ledger(scenario)  # read once: each headline looks up its drivers in it
    for name, value in values.items():
        keys, groups = drivers(scenario, name, rows)
        shown = "n/a" if value is None else f"{value:g}"
        driven = (
            "driven by the assumed " + ", ".join(groups)
            if groups
            else "driven by no assumption of this scenario (what it scales with is off "
            "or documented)"
        )
        out.append(
            {
                "name": name,
                "value": value,
                "text": f"{LABELS[name]}: {shown}, {driven}",
                "driven_by": keys,
            }
        )
    return out
