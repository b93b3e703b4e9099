"""The headline numbers of a run: one figure per harm, written as ``summary.json``.

For the reader of a run's folder, for the closing lines ``score-sim run`` prints, and for
the sweep tools, which can pick any of its numbers as a metric:

- Pariah spirals: pariahs at the end, time to recover, grade transitions from day 0 to the
  end, and the misconduct rate under restriction relative to without (about 1 means bad
  luck; well above 1, a spiral), with jobs lost to sanctions apart from those never held.
- Selection or feedback: that ratio split into the part due to who is restricted (the same
  ratio in the twin world without feedback: same people, same draws) and the part due to
  restriction itself (the rest), when a twin world was run.
- Cascades: how many actors and sectors each new sanction restricted.
- Erroneous reports: findings by cause, innocent listings, the share of sanction-days borne
  by the innocent, and days to clear an innocent listing against a true one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from score_sim.events import Cause, EventKind
from score_sim.mechanisms.metrics import KINDS
from score_sim.mechanisms.sanctions import REACH_PATHS
from score_sim.outputs.headlines import headlines
from score_sim.outputs.targets import report

if TYPE_CHECKING:
    from score_sim.model import ScoreModel

BLACKLIST_EXITS = (
    EventKind.blacklist_expiry,
    EventKind.blacklist_early_removal,
    EventKind.appeal_upheld,
    EventKind.credit_repair,
    EventKind.rescue_letter,
)


def distribution(values: np.ndarray) -> dict[str, float | int | None]:
    """Count, mean, median, 90th percentile and maximum of some durations or sizes."""
    if values.size == 0:
        return {"n": 0, "mean": None, "median": None, "p90": None, "max": None}
    return {
        "n": int(values.size),
        "mean": round(float(values.mean()), 3),
        "median": float(np.median(values)),
        "p90": float(np.percentile(values, 90)),
        "max": float(values.max()),
    }


def _finite(value: float) -> float | None:
    """A number for JSON: rounded, or None where it is undefined."""
    return round(value, 4) if np.isfinite(value) else None


def grade_transitions(model: ScoreModel, kind: str) -> np.ndarray:
    """Actors by grade on day 0 (rows) and grade now (columns), best grade first."""
    span = model.world.kind_slice(kind)
    n = len(model.grading.names)
    start = model.grades_at_start[span].astype(np.int64)
    end = model.grades[span].astype(np.int64)
    return np.bincount(start * n + end, minlength=n * n).reshape(n, n)


def cascade_reach(cascades: np.ndarray) -> dict[str, int]:
    """Actors restricted by all cascades together: by kind, and by the tie that reached them.

    ``sanctioned_actor`` counts the actors whose own sanction started a cascade; the tie
    counts are those reached through a legal representative, staff, family or parent
    company (each actor counted once per cascade, by the first tie that reached it).
    """
    out = {
        "citizens": int(cascades["n_citizens"].sum()),
        "firms": int(cascades["n_firms"].sum()),
        "sanctioned_actor": int(cascades.size),
    }
    for _, name in REACH_PATHS:
        out[name.removeprefix("n_")] = int(cascades[name].sum())
    return out


def days_to_clear(model: ScoreModel, innocent: bool) -> np.ndarray:
    """Lengths of ended blacklist entries that rested (or not) on false findings."""
    rows = model.events.of_kind(*BLACKLIST_EXITS)
    return rows["days"][rows["true"] == (0 if innocent else 1)]


def selection_vs_feedback(model: ScoreModel, twin: ScoreModel) -> dict[str, Any]:
    """Split the misconduct rate ratio into selection and feedback, per kind.

    ``naive_ratio`` is the ratio in ``model``: how much more often restricted actors
    misbehave. ``selection_ratio`` is the same ratio in ``twin``, the same people with the
    same draws but no feedback: restriction changes nothing there, so the ratio is due to
    who ends up restricted. ``feedback_ratio`` is what is left, ``naive / selection``: the
    factor due to restriction itself. ``selection_share_of_log_ratio`` is
    ``log(selection) / log(naive)``. ``selection_ratio_expected`` is the ratio the actors'
    own propensities give over the restricted and unrestricted days of ``model`` (1 when
    actors are alike), and ``feedback_ratio_expected`` is ``naive`` over it: a check that
    needs knowledge of each actor's propensity, which only a model has.

    Args:
        model: the run with its feedback.
        twin: the same scenario and seed with ``effects.enabled: false``.
    """
    out: dict[str, Any] = {"twin_world": "effects.enabled=false, same seed, same people"}
    for i, kind in enumerate(KINDS):
        naive = model.harms.misconduct_rate_ratio(i)
        selection = twin.harms.misconduct_rate_ratio(i)
        expected = model.harms.expected_rate_ratio(i)
        feedback = naive / selection if np.isfinite(naive) and selection > 0 else np.nan
        share = (
            np.log(selection) / np.log(naive)
            if np.isfinite(feedback) and naive > 0 and naive != 1
            else np.nan
        )
        out[kind] = {
            "naive_ratio": _finite(naive),
            "selection_ratio": _finite(selection),
            "feedback_ratio": _finite(feedback),
            "selection_share_of_log_ratio": _finite(share),
            "selection_ratio_expected": _finite(expected),
            "feedback_ratio_expected": _finite(
                naive / expected if np.isfinite(naive) and expected > 0 else np.nan
            ),
        }
    return out


def sharing_and_corporate_summary(model: ScoreModel) -> dict[str, Any]:
    """Data sharing, the escalation ladder and the letters, those the scenario turns on.

    ``sharing``: actor-restriction-days the records called for, in force, and spared by
    delay and by missing records (to the innocent and to the rest). ``escalation``: firms
    that reached each stage, closures, jobs lost to them, fines. ``commitment_letters``:
    letters signed, kept, broken, pre-approvals. ``rescue_letters``: entries cancelled.
    """
    out: dict[str, Any] = {}
    events = model.events
    if model.sharing.enabled:
        out["sharing"] = model.sharing.summary()
    if model.ladder.enabled:
        from score_sim.mechanisms.escalation import STAGE_EVENTS

        reached = {
            kind.name: int(np.unique(events.of_kind(kind)["actor"]).size)
            for kind in STAGE_EVENTS.values()
        }
        closures = events.of_kind(EventKind.closure_notice)
        out["escalation"] = {
            "firms_reaching_stage": reached,
            "firms_at_stage_at_end": {
                name.removeprefix("firm_n_stage_"): value
                for name, value in model.ladder.counts().items()
                if name.startswith("firm_n_stage_")
            },
            "closures": int(closures.size),
            "closures_resting_on_false_findings": int(np.count_nonzero(closures["true"] == 0)),
            "citizens_jobs_lost_to_closures": model.ladder.n_jobs_lost,
            "fines": model.ladder.n_fines,
            "falls_back": int(events.of_kind(EventKind.stage_fallback).size),
        }
    if model.commitments.enabled:
        out["commitment_letters"] = model.commitments.summary()
    if model.rescue.enabled:
        out["rescue_letters"] = {
            "cancelled": model.rescue.n_cancelled,
            "cancelled_innocent": model.rescue.n_cancelled_innocent,
            "cancelled_true": model.rescue.n_cancelled - model.rescue.n_cancelled_innocent,
            "pending_at_end": model.rescue.n_pending,
        }
    return out


def summarize(model: ScoreModel, twin: ScoreModel | None = None) -> dict[str, Any]:
    """The run's headline numbers as JSON-ready data.

    Args:
        model: the finished run.
        twin: the same run without feedback (see :func:`selection_vs_feedback`), or None.
    """
    ts = model.metrics
    events = model.events
    cascades = model.sanctions.cascades
    findings = events.of_kind(EventKind.finding)
    recoveries = events.of_kind(EventKind.pariah_recovery)
    harms = model.harms
    sanction_days = harms.sanction_days
    by_cause = np.bincount(findings["cause"], minlength=len(Cause))
    entries = events.of_kind(EventKind.blacklist_entry)
    entry_rows = events.of_kind(EventKind.blacklist_entry, EventKind.redlist_entry)
    summary: dict[str, Any] = {
        "days": int(model.steps),
        "pariah_spiral": {
            **{f"{kind}_pariahs_at_end": int(ts[f"{kind}_n_pariah"]) for kind in KINDS},
            "days_to_recover": distribution(recoveries["days"].astype(np.float64)),
            "misconduct_rate_ratio_restricted": {
                kind: _finite(harms.misconduct_rate_ratio(i)) for i, kind in enumerate(KINDS)
            },
            "citizens_without_job_at_end": int(ts["citizen_n_unemployed"]),
            "citizens_jobs_lost_to_sanctions": int(ts["citizen_n_job_lost"]),
            "grade_transitions": {
                "grades": list(model.grading.names),
                **{kind: grade_transitions(model, kind).tolist() for kind in KINDS},
            },
        },
        "cascades": {
            "count": int(cascades.size),
            "agents_restricted": distribution(cascades["n_agents"].astype(np.float64)),
            "sectors_restricted": distribution(cascades["n_sectors"].astype(np.float64)),
            "resting_on_false_findings": int(np.count_nonzero(cascades["true"] == 0)),
            "actors_reached": cascade_reach(cascades),
        },
        "erroneous_reports": {
            "findings_by_cause": {
                cause.name: int(by_cause[cause])
                for cause in (
                    Cause.conduct,
                    Cause.false_finding,
                    Cause.malicious_denunciation,
                    Cause.misidentification,
                )
            },
            "blacklistings": int(entries.size),
            "innocent_blacklistings": int(np.count_nonzero(entries["true"] == 0)),
            **{
                f"{kind}_listed_innocent_at_end": int(ts[f"{kind}_n_listed_innocent"])
                for kind in KINDS
            },
            "sanction_days": sanction_days,
            "innocent_sanction_days": harms.innocent_sanction_days,
            "false_finding_sanction_days": harms.false_finding_sanction_days,
            "tie_sanction_days": harms.tie_sanction_days,
            "innocent_sanction_share": round(
                harms.innocent_sanction_days / sanction_days if sanction_days else 0.0, 4
            ),
            "days_to_clear_innocent": distribution(days_to_clear(model, True).astype(np.float64)),
            "days_to_clear_true": distribution(days_to_clear(model, False).astype(np.float64)),
        },
        "appeals": {
            kind.name: int(events.of_kind(kind).size)
            for kind in (EventKind.appeal_filed, EventKind.appeal_upheld, EventKind.appeal_rejected)
        },
        "credit_repairs": int(events.of_kind(EventKind.credit_repair).size),
        "job_losses": int(events.of_kind(EventKind.job_loss).size),
        **({} if twin is None else {"selection_vs_feedback": selection_vs_feedback(model, twin)}),
        "lists": {
            name: {
                "type": model.score_scenario.list_type(name).value,
                "entries": int(np.count_nonzero(entry_rows["list"] == book.index)),
                **{
                    f"{kind}_on_list_at_end": int(
                        np.count_nonzero(book.listed[model.world.kind_slice(kind)])
                    )
                    for kind in KINDS
                },
            }
            for name, book in model.world.lists.books.items()
        },
        "targets": report(model),
    }
    summary |= sharing_and_corporate_summary(model)
    if model.systems is not None:
        summary["scores"] = scores_summary(model)
    if model.perks is not None:
        summary["perks"] = model.perks.summary(
            model.score_scenario,
            model.world.lists,
            model.grades_in,
            model.grades_at_start_in,
            {kind: model.world.kind_slice(kind) for kind in KINDS},
        )
    if model.travel_bans is not None:
        summary["travel_bans"] = model.travel_bans.summary(model.steps)
    if model.score_scenario.timeline:
        summary["timeline"] = timeline_report(model)
    if model.deterrence_columns:
        summary["deterrence"] = deterrence_report(model)
    if model.lending is not None:
        summary["lending"] = model.lending.summary(model.world.score)
    if model.contagion is not None:
        summary["contagion"] = model.contagion.summary()
    if model.bad_luck is not None:
        summary["bad_luck"] = model.bad_luck
    summary["headlines"] = headlines(model.score_scenario, summary)
    return summary


def scores_summary(model: ScoreModel) -> dict[str, Any]:
    """Each further score (``scores:``): carriers, mean score and grades, start and end."""
    out: dict[str, Any] = {}
    for name, system in model.systems.systems.items():
        entry: dict[str, Any] = {
            "label": system.spec.label,
            "scale": [system.spec.lower, system.spec.upper],
            "feeds": {"into": system.spec.feeds.into, "share": system.spec.feeds.share},
        }
        for kind in KINDS:
            span = model.world.kind_slice(kind)
            carries = system.carries[span]
            if not carries.any():
                continue
            grades = {}
            for when, index in (("start", system.grades_at_start), ("end", system.grade_index())):
                counts = np.bincount(index[span][carries], minlength=len(system.grading.names))
                grades[when] = dict(zip(system.grading.names, counts.tolist(), strict=True))
            entry[kind] = {
                "carriers": int(np.count_nonzero(carries)),
                "mean_score_at_end": _finite(float(np.mean(system.score[span][carries]))),
                "grades_at_start": grades["start"],
                "grades_at_end": grades["end"],
            }
        out[name] = entry
    return out


def timeline_report(model: ScoreModel) -> list[dict[str, Any]]:
    """The policy timeline's entries: day, note, changes, and whether the run reached it."""
    applied = {phase.index for phase in model.applied_phases}
    return [
        {
            "day": entry.day,
            "note": entry.note,
            "changes": dict(entry.set),
            "applied": index in applied,
        }
        for index, entry in enumerate(model.score_scenario.timeline)
    ]


def deterrence_report(model: ScoreModel) -> dict[str, Any]:
    """The deterrence multipliers over the run (an assumption of the scenario)."""
    series = model.timeseries()
    report: dict[str, Any] = {"level": "assumption"}
    for kind in KINDS:
        values = series[f"{kind}_deterrence_multiplier"]
        report[kind] = {"lowest": round(float(values.min()), 6), "at_end": float(values[-1])}
    return report


def closing_lines(model: ScoreModel, summary: dict[str, Any]) -> list[str]:
    """What a run did, in four to six lines.

    Who is listed and restricted, then each harm headline the scenario turns on, with the
    assumptions it scales with.

    Args:
        model: the finished model.
        summary: its :func:`summarize` data.
    """
    ts = model.metrics
    size = {
        kind: model.world.kind_slice(kind).stop - model.world.kind_slice(kind).start
        for kind in KINDS
    }

    def share(count: float, kind: str) -> str:
        total = size[kind]
        return f"{int(count):,} of {total:,} {kind}s ({count / total:.1%})" if total else "none"

    lines = [
        f"blacklisted at the end: {share(ts['citizen_n_blacklisted'], 'citizen')}, "
        f"{share(ts['firm_n_blacklisted'], 'firm')}",
        f"under some restriction at the end: {share(ts['citizen_n_restricted'], 'citizen')}, "
        f"{share(ts['firm_n_restricted'], 'firm')}",
    ]
    lines += _systems_lines(summary)
    lines += _lending_and_contagion_lines(summary)
    if "timeline" in summary:
        days = [str(e["day"]) for e in summary["timeline"] if e["applied"]]
        lines.append(
            f"policy timeline: {len(days)} of {len(summary['timeline'])} changes applied"
            + (f" (days {', '.join(days)})" if days else "")
        )
    shown = [h for h in summary.get("headlines", []) if h["value"] is not None]
    if not summary["cascades"]["count"]:
        shown = [h for h in shown if h["name"] != "mean_cascade_size"]
    return lines + [h["text"] for h in shown][: max(0, 6 - len(lines))]


def _lending_and_contagion_lines(summary: dict[str, Any]) -> list[str]:
    """A closing line for lending and one for contagion, when they are on."""
    lines = []
    lending = summary.get("lending")
    if lending and lending["applications"]:
        groups = ", ".join(
            f"{name} {group['mean_score_change']:+.1f}"
            for name, group in lending["by_group"].items()
        )
        lines.append(
            f"loans: {lending['approved']:,} of {lending['applications']:,} applications "
            f"approved, {lending['defaulted']:,} defaulted, lender's utility "
            f"{lending['lender_utility']:g}; mean score change since day 0: {groups}"
        )
    contagion = summary.get("contagion")
    if contagion:
        lines.append(
            f"listed through a relative or friend on the list: {contagion['listings']:,} "
            f"({contagion['listings_resting_on_false_findings']:,} of them traced to false "
            "findings)"
        )
    return lines


def _systems_lines(summary: dict[str, Any]) -> list[str]:
    """Closing lines of the further scores and the perks, when there are some.

    A line per further score (its carriers' best band at the start and the end), and one
    for the perks (their uses, and the share that went to those qualified on day 0).
    """
    lines = []
    for name, system in list(summary.get("scores", {}).items())[:2]:
        for kind in KINDS:
            if kind not in system:
                continue
            part = system[kind]
            best = next(iter(part["grades_at_start"]))
            start, end = part["grades_at_start"][best], part["grades_at_end"][best]
            mean = part["mean_score_at_end"]
            lines.append(
                f"{name}: {part['carriers']:,} {kind}s carry it, mean {mean:.0f} at the end; "
                f"{best}: {start:,} on day 0, {end:,} at the end"
            )
            break
    perks = summary.get("perks", {})
    if perks:
        uses = sum(p["uses"] for p in perks.values())
        early = sum(p["uses"] * (p["share_to_qualified_at_start"] or 0) for p in perks.values())
        lines.append(
            f"perks used {uses:,} times"
            + (f", {early / uses:.0%} by actors who qualified on day 0" if uses else "")
        )
    return lines
