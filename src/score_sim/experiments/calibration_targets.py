"""A calibration's targets over a trial's runs, the loss, and the fitted numbers' ledger.

Each target is measured on every seed's run of a trial: its median and 5-95% interval,
whether the median is within the documented range, and its term of the loss (the squared
distance from the range's middle in half-widths). The fitted numbers are labelled
``calibrated`` in the evidence ledger, naming the targets they reproduce and how.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from score_sim.scenario import Evidence, Level

if TYPE_CHECKING:
    from score_sim.experiments.calibration_spec import CalibrationPlan

TRIALS_CSV = "trials.csv"
BEST_JSON = "best.json"
CALIBRATED_YAML = "calibrated.yaml"
FIGURES_DIR = "figures"
UNDEFINED_TERM = 100.0
"""A target left undefined by a trial's runs adds this to the loss's sum."""


def target_results(plan: CalibrationPlan, runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each target over some runs (one per seed): median, 5-95% interval, met, its term.

    Args:
        plan: the calibration.
        runs: the stored values of each seed's run (``{target: {value, ...}}``).
    """
    rows = []
    for target in plan.targets:
        details = [run.get(target.name, {}) for run in runs]
        values = [d.get("value") for d in details]
        defined = np.array([v for v in values if v is not None], dtype=np.float64)
        middle, half = (target.low + target.high) / 2, (target.high - target.low) / 2
        half = half if half > 0 else max(abs(middle) * 1e-6, 1e-12)
        row: dict[str, Any] = {
            "name": target.name,
            "source": target.source,
            "metric": target.metric.value,
            "low": target.low,
            "high": target.high,
            "values": values,
            "n": int(defined.size),
        }
        if defined.size == len(values) and defined.size:
            median = float(np.median(defined))
            p05, p95 = (float(x) for x in np.percentile(defined, [5, 95]))
            row |= {
                "median": median,
                "p05": p05,
                "p95": p95,
                "mean": float(defined.mean()),
                "met": bool(target.low <= median <= target.high),
                "term": ((median - middle) / half) ** 2,
            }
        else:
            row |= {"median": None, "p05": None, "p95": None, "mean": None, "met": False}
            row["term"] = UNDEFINED_TERM
        shares = [d.get("open_share") for d in details if d.get("open_share") is not None]
        if shares:
            row["open_share_median"] = float(np.median(shares))
        rows.append(row)
    return rows


def loss_of(rows: list[dict[str, Any]]) -> float:
    """The mean of the targets' terms: 1 or less when all are within reach of their ranges."""
    return float(np.mean([row["term"] for row in rows])) if rows else 0.0


def calibrated_evidence(plan: CalibrationPlan, trials_done: int) -> dict[str, Evidence]:
    """Each fitted number's new ledger entry: calibrated, naming its targets, saying how."""
    pop = plan.scenario.population
    names = tuple(t.name for t in plan.targets)
    source_file = Path(plan.file).name if plan.file != "<calibration>" else "a calibration"
    seeds = len(plan.seeds)
    entries = {}
    for p in plan.parameters:
        scale = ", searched on a log scale" if p.log else ""
        text = (
            f"Fitted by score-sim calibrate ({source_file}): best of {trials_done} trials "
            f"({plan.spec.sampler.value} sampler), {seeds} seed{'s' if seeds != 1 else ''} "
            f"each, at {pop.citizens:,} citizens, {pop.firms:,} firms and "
            f"{plan.scenario.run.steps} days, within {p.low:g}..{p.high:g}{scale}; "
            "not a measured rate."
        )
        entries[p.key] = Evidence(
            level=Level.calibrated, source=text, target=names[0] if len(names) == 1 else names
        )
    return entries
