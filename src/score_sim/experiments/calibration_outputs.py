"""What a calibration writes: the trials table, the best values, the calibrated file, figures.

- ``trials.csv``: one row per trial: its state (``complete``, or ``invalid`` when its
  values made no valid scenario), the values tried, the loss, each target's median over
  the trial's seeds and how many targets it met;
- ``best.json``: the best trial, its values, and each target's median, 5-95% interval and
  mean over seeds (the fresh check seeds when the calibration has them, else the trial's
  own), met or missed, with the documented range and source;
- ``calibrated.yaml``: the scenario with the best values (see
  :mod:`score_sim.experiments.calibrated_file`);
- ``figures/<target>.png`` and ``figures/search.png``
  (:mod:`score_sim.outputs.figures.calibration`).

Every file is written beside its final name and moved into place, and holds only what the
calibration file and its seed decide: the same calibration gives the same bytes.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from score_sim.experiments.calibrated_file import calibrated_text, written_value
from score_sim.outputs.tables import write_csv

if TYPE_CHECKING:
    from score_sim.experiments.calibration_spec import CalibrationPlan
    from score_sim.experiments.calibration_store import CalibrationStore, Slot


def _replace(partial: Path, path: Path) -> Path:
    os.replace(partial, path)
    return path


def _file_name(name: str) -> str:
    """A target's name as a file name (letters, digits, _ . -)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "target"


def write_outputs(
    plan: CalibrationPlan,
    out: Path,
    slots: dict[int, Slot],
    store: CalibrationStore,
    best: Slot,
    check_key: str,
    *,
    figures: bool = True,
) -> tuple[dict[str, Any], list[Path]]:
    """Write every output of a finished calibration; return ``best.json``'s content and files."""
    from score_sim.experiments.calibration_store import _changes
    from score_sim.experiments.calibration_targets import (
        BEST_JSON,
        CALIBRATED_YAML,
        FIGURES_DIR,
        TRIALS_CSV,
        calibrated_evidence,
        target_results,
    )

    shown = [slots[s] for s in sorted(slots) if s < plan.trials]
    per_trial: dict[int, list[dict[str, Any]]] = {}
    for slot in shown:
        if slot.state == "complete":
            runs = [store.runs.get(f"trial-{slot.slot}-{i}") for i in range(len(plan.seeds))]
            if all(r is not None for r in runs):
                per_trial[slot.slot] = target_results(plan, runs)  # type: ignore[arg-type]
    files: list[Path] = []

    # trials.csv
    columns: dict[str, Any] = {
        "trial": np.array([s.slot for s in shown], dtype=np.int64),
        "state": np.array([s.state for s in shown], dtype=object),
    }
    for p in plan.parameters:
        values = [_changes(plan, s.params)[p.key] for s in shown]
        columns[p.key] = np.array(values, dtype=np.int64 if p.integer else np.float64)
    columns["loss"] = np.array(
        [s.loss if s.loss is not None else np.nan for s in shown], dtype=np.float64
    )
    for j, target in enumerate(plan.targets):
        columns[target.name] = np.array(
            [
                _or_nan(per_trial[s.slot][j]["median"]) if s.slot in per_trial else np.nan
                for s in shown
            ],
            dtype=np.float64,
        )
    columns["targets_met"] = np.array(
        [sum(r["met"] for r in per_trial[s.slot]) if s.slot in per_trial else 0 for s in shown],
        dtype=np.int64,
    )
    partial = out / f".{TRIALS_CSV}.partial"
    write_csv(partial, columns, decimals=10)
    files.append(_replace(partial, out / TRIALS_CSV))

    # best.json: the targets over the check seeds, or the best trial's own seeds
    if plan.check_seeds:
        runs = [store.runs[f"check-{check_key}-{i}"] for i in range(len(plan.check_seeds))]
        seeds, over = list(plan.check_seeds), "fresh seeds, not those of the search"
    else:
        runs = [store.runs[f"trial-{best.slot}-{i}"] for i in range(len(plan.seeds))]
        seeds, over = list(plan.seeds), "the best trial's own seeds"
    rows = target_results(plan, runs)
    values = {k: written_value(v) for k, v in _changes(plan, best.params).items()}
    done = sum(1 for s in shown if s.state in ("complete", "invalid"))
    result = {
        "scenario": plan.scenario.name,
        "calibration": plan.file,
        "trial": best.slot,
        "loss": best.loss,
        "trials": done,
        "parameters": values,
        "ranges": {p.key: [p.low, p.high] for p in plan.parameters},
        "seeds": seeds,
        "interval_over": over,
        "targets_met": sum(1 for r in rows if r["met"]),
        "targets": [_rounded(r) for r in rows],
    }
    partial = out / f".{BEST_JSON}.partial"
    partial.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    files.append(_replace(partial, out / BEST_JSON))

    # calibrated.yaml
    fixed = {k: v for k, v in plan.fixed.items() if _is_number(v)}
    entries = calibrated_evidence(plan, done)
    own = {t.name for t in plan.scenario.targets}
    inline = [
        t.model_dump(mode="json", exclude_defaults=True) for t in plan.targets if t.name not in own
    ]
    text = calibrated_text(
        plan.source,
        plan.scenario.to_data(),
        fixed | values,
        entries,
        _header(plan, result),
        inline,
    )
    partial = out / f".{CALIBRATED_YAML}.partial"
    partial.write_text(text, encoding="utf-8")
    files.append(_replace(partial, out / CALIBRATED_YAML))

    if figures:
        files += _figures(plan, out / FIGURES_DIR, shown, per_trial, result, rows, best)
    return result, files


def _figures(
    plan: CalibrationPlan,
    folder: Path,
    shown: list[Slot],
    per_trial: dict[int, list[dict[str, Any]]],
    result: dict[str, Any],
    rows: list[dict[str, Any]],
    best: Slot,
) -> list[Path]:
    from score_sim.experiments.calibration_store import _changes
    from score_sim.explain import target_text
    from score_sim.outputs.figures.calibration import TrialPoint, search_figure, target_figure
    from score_sim.outputs.figures.saving import save_figure

    folder.mkdir(exist_ok=True)
    files = []
    label = (
        f"{len(result['seeds'])} fresh seeds"
        if plan.check_seeds
        else f"the best trial's {_seeds(len(result['seeds']))}"
    )
    for j, row in enumerate(rows):
        points = [
            TrialPoint(slot, tuple(per_trial[slot][j]["values"]), per_trial[slot][j]["median"])
            for slot in sorted(per_trial)
        ]
        what = target_text(plan.targets[j]).split(": ", 1)[1].split(", in ")[0]
        fig = target_figure(row | {"what": what}, points, best.slot, f"interval over {label}")
        path = folder / f"{_file_name(row['name'])}.png"
        partial = folder / f".{path.name}.partial.png"
        save_figure(fig, partial)
        files.append(_replace(partial, path))
    fig = search_figure(
        [s.slot for s in shown],
        [s.loss for s in shown],
        [(p.key, p.low, p.high, p.log) for p in plan.parameters],
        [
            [_changes(plan, s.params)[p.key] if s.state == "complete" else None for s in shown]
            for p in plan.parameters
        ],
        best.slot,
    )
    path = folder / "search.png"
    partial = folder / ".search.png.partial.png"
    save_figure(fig, partial)
    files.append(_replace(partial, path))
    return files


def _header(plan: CalibrationPlan, result: dict[str, Any]) -> str:
    """The calibrated file's first lines: what was fitted to what, and what it meets."""
    pop = plan.scenario.population
    lines = [
        f"{plan.scenario.name}, calibrated by `score-sim calibrate {plan.file}`:",
        f"the best of {result['trials']} trials (trial {result['trial']}, loss "
        f"{result['loss']:.4g}), at {pop.citizens:,} citizens, {pop.firms:,} firms, "
        f"{plan.scenario.run.steps} days, {_seeds(len(plan.seeds))} a trial.",
        "Fitted values (labelled calibrated in sources):",
    ]
    lines += [f"  {k} = {v:g}" for k, v in result["parameters"].items()]
    lines.append(
        f"Targets over {_seeds(len(result['seeds']))} ({result['interval_over']}): "
        f"{result['targets_met']} of {len(result['targets'])} met."
    )
    for row in result["targets"]:
        lines.append("  " + target_summary(row))
    return "\n".join(lines)


def target_summary(row: dict[str, Any]) -> str:
    """One target's result in words: median [5%, 95%] against the documented range."""
    if row["median"] is None:
        return f"{row['name']}: undefined (range {row['low']:g}..{row['high']:g}): missed"
    verdict = "met" if row["met"] else "missed"
    open_share = row.get("open_share_median")
    extra = f", {open_share:.0%} of entries still open" if open_share is not None else ""
    return (
        f"{row['name']}: {row['median']:.4g} [{row['p05']:.4g}, {row['p95']:.4g}] against "
        f"{row['low']:g}..{row['high']:g}{extra}: {verdict}"
    )


def _rounded(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        if key == "term":
            continue
        if isinstance(value, float):
            value = round(value, 8)
        elif isinstance(value, list):
            value = [round(v, 8) if isinstance(v, float) else v for v in value]
        out[key] = value
    return out


def _or_nan(value: float | None) -> float:
    return np.nan if value is None else value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def closing_lines(result: Any) -> list[str]:
    """What ``score-sim calibrate`` prints at the end: the best values, each target, files."""
    plan, best = result.plan, result.best
    before = len(plan.seeds) * best["trials"] + len(plan.check_seeds) - result.n_run_now
    lines = [
        f"{plan.scenario.name}: {best['trials']} trials ({_seeds(len(plan.seeds))} each), "
        f"{result.n_run_now} runs now"
        + (f", {before} stored before" if before > 0 else "")
        + f" -> {result.out_dir}/",
        f"best values (trial {best['trial']}, loss {best['loss']:.4g}):",
    ]
    for key, value in best["parameters"].items():
        low, high = best["ranges"][key]
        lines.append(f"  {key} = {value:g}  (searched {low:g}..{high:g})")
    n = len(best["seeds"])
    lines.append(
        f"targets over {n} seed{'s' if n != 1 else ''} ({best['interval_over']}), "
        f"median [5%, 95%]: {best['targets_met']} of {len(best['targets'])} met"
    )
    lines += [f"  {target_summary(row)}" for row in best["targets"]]
    lines += [f"  {path.relative_to(result.out_dir)}" for path in result.files]
    return lines


def _seeds(n: int) -> str:
    return f"{n} seed{'s' if n != 1 else ''}"
