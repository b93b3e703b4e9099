"""Metrics in words: what a figure's title, a closing line or a table's header calls them.

A metric's key path (``citizen_n_pariah``, ``summary.pariah_spiral.misconduct_rate_ratio_
restricted.citizen``) is what a user types in a sweep file or reads in a CSV header; a
person reading a figure or a closing line reads "citizens who are pariahs". Every
front end asks :func:`metric_label` for the words: the time-series columns of
:mod:`score_sim.mechanisms.metrics`, their ``.final`` and ``.run_mean`` forms in sweeps,
and ``summary.<path>`` numbers of ``summary.json``.
"""

from __future__ import annotations

import re

KIND_WORDS = {"citizen": "citizens", "firm": "firms"}

COLUMN_LABELS = {
    "mean_score": "mean score",
    "median_score": "median score",
    "min_score": "lowest score",
    "max_score": "highest score",
    "p05_score": "5th-percentile score",
    "p25_score": "25th-percentile score",
    "p75_score": "75th-percentile score",
    "p95_score": "95th-percentile score",
    "n_blacklisted": "on a blacklist",
    "n_redlisted": "on a red list",
    "n_findings": "findings a day",
    "n_restricted": "under a restriction",
    "n_pariah": "who are pariahs",
    "n_listed_innocent": "listed without cause",
    "n_unemployed": "without a job",
    "n_job_lost": "who lost a job to sanctions",
    "n_job_lost_to_closure": "who lost a job to a closure",
    "n_closed": "closed",
    "n_commitments": "with a commitment letter",
    "n_pre_approvals": "pre-approvals so far",
    "n_commitments_broken": "commitment letters broken",
}
"""Per-kind columns (after ``citizen_`` or ``firm_``), in words."""

WORLD_LABELS = {
    "n_true_findings": "true findings a day",
    "n_false_findings": "false findings a day",
    "n_inspections": "inspections a day",
    "n_appeals_pending": "appeals waiting",
    "n_cascades": "sanction cascades so far",
    "mean_cascade_size": "mean cascade size (people and firms restricted)",
    "sanction_days": "sanction-days so far",
    "innocent_sanction_days": "sanction-days borne by the innocent",
    "false_finding_sanction_days": "sanction-days resting on false findings",
    "tie_sanction_days": "sanction-days of those reached through ties",
    "innocent_sanction_share": "innocent share of sanction-days",
    "n_restrictions_pending": "restrictions waiting for their record",
    "n_restrictions_missing": "restrictions whose record never arrives",
    "n_listed_never_reaching": "listings that never reach an agency",
    "restriction_days_called": "restriction-days the records call for",
    "restriction_days_delayed": "restriction-days spared by delay",
    "restriction_days_missing": "restriction-days spared by missing records",
    "n_rescue_letters_pending": "rescue letters waiting",
    "n_rescue_cancellations": "entries cancelled by rescue letters",
}
"""Whole-city columns, in words."""

SUMMARY_LABELS = {
    "pariah_spiral.misconduct_rate_ratio_restricted": "misconduct ratio, restricted vs not",
    "pariah_spiral.citizen_pariahs_at_end": "citizens who are pariahs at the end",
    "pariah_spiral.firm_pariahs_at_end": "firms that are pariahs at the end",
    "erroneous_reports.innocent_sanction_share": "innocent share of sanction-days",
    "erroneous_reports.innocent_blacklistings": "innocent blacklistings",
    "cascades.agents_restricted.mean": "mean cascade size",
    "cascades.agents_restricted.max": "largest cascade",
    "cascades.count": "sanction cascades",
}
"""``summary.json`` numbers, by their path without the kind at its end."""


def metric_label(name: str) -> str:
    """A metric in words, for figures and closing lines.

    Args:
        name: a time-series column (``citizen_n_pariah``), a sweep metric
            (``citizen_n_pariah.final``, ``...run_mean``) or a ``summary.<path>`` number.

    Returns:
        Its words, such as "citizens who are pariahs (last day)"; a name it does not know
        comes back with its underscores and dots as spaces.
    """
    suffix = ""
    if name.endswith(".final"):
        name, suffix = name[: -len(".final")], " (last day)"
    elif name.endswith(".run_mean"):
        name, suffix = name[: -len(".run_mean")], " (mean over the run)"
    if name.startswith("summary."):
        return _summary_label(name[len("summary.") :]) + suffix
    return _column_label(name) + suffix


def _column_label(name: str) -> str:
    if name in WORLD_LABELS:
        return WORLD_LABELS[name]
    kind, _, rest = name.partition("_")
    if kind in KIND_WORDS:
        who = KIND_WORDS[kind]
        if rest in COLUMN_LABELS:
            words = COLUMN_LABELS[rest]
            if rest.endswith("_score"):
                return f"{kind}s' {words}"
            if kind == "firm" and words.startswith("who "):
                words = "that " + words[len("who ") :]
            return f"{who} {words}"
        grade = re.fullmatch(r"n_grade_(.+)", rest)
        if grade:
            return f"{who} graded {grade[1]}"
        stage = re.fullmatch(r"n_stage_(.+)", rest)
        if stage:
            return f"{who} at the stage {stage[1].replace('_', ' ')}"
        listed = re.fullmatch(r"n_on_(.+)", rest)
        if listed:
            return f"{who} on the {listed[1].replace('_', ' ')} list"
        return f"{who}: {rest.replace('_', ' ')}"
    return name.replace("_", " ")


def _summary_label(path: str) -> str:
    head, _, last = path.rpartition(".")
    if last in KIND_WORDS and head in SUMMARY_LABELS:
        return f"{SUMMARY_LABELS[head]} ({KIND_WORDS[last]})"
    if path in SUMMARY_LABELS:
        return SUMMARY_LABELS[path]
    return path.replace("_", " ").replace(".", ": ")
