"""Sensitivity analysis of a sample sweep: which assumption drives each headline.

Reads a finished sweep's folder (``sweep.json`` and ``results.parquet``), averages each
metric over the seeds of every parameter set (so the index measures the parameters, not
the noise of one run), and hands the sample and the averages to SALib's analyser for the
sweep's sampler:

- ``sobol``: Sobol' first-order (``S1``) and total (``ST``) indices (Saltelli 2010,
  Jansen), with bootstrap confidence intervals;
- ``morris``: the mean of absolute elementary effects (``mu_star``), with its bootstrap
  confidence interval, and their spread (``sigma``);
- ``latin``: first-order indices by RBD-FAST (``S1``) with bootstrap confidence intervals.

Writes ``sensitivity.csv`` (one row per metric, parameter and index: value, the
half-width of its 95% confidence interval, and a flag) and ``sensitivity/<metric>.png``, a
bar chart per metric with the intervals drawn as error bars.

Indices are honest about their sample. A sample smaller than its method can use at all is
refused up front with the smallest that works (:data:`MINIMUM_N`); one smaller than
:data:`ADVISED_N` is analysed with a warning to read the confidence intervals. A share of
variance (``S1``, ``ST``) outside [0, 1] by more than its interval is flagged, and an index
the sample cannot estimate (not finite) is an empty cell with a flag, never ``inf`` or
``nan`` in the table.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from score_sim.errors import ScenarioError
from score_sim.outputs.tables import write_csv

CONF_LEVEL = 0.95
NUM_RESAMPLES = 200
RBD_FAST_HARMONICS = 10
"""Harmonics RBD-FAST sums over (SALib's default ``M``); it needs more than twice as many
parameter sets."""
MINIMUM_N = {"sobol": 8, "morris": 2, "latin": 2 * RBD_FAST_HARMONICS + 1}
"""The smallest ``n`` each method can estimate indices from at all: below it, Sobol' shares
of variance land far outside [0, 1] and RBD-FAST divides by zero."""
ADVISED_N = {"sobol": 64, "morris": 10, "latin": 100}
"""Below this ``n`` the indices are shown with a warning to read their intervals."""
SHARE_INDICES = ("S1", "ST")
"""Indices that are shares of variance, between 0 and 1 when the sample is large enough."""
INDICES = {
    "sobol": (("S1", "S1_conf"), ("ST", "ST_conf")),
    "morris": (("mu_star", "mu_star_conf"), ("sigma", None)),
    "latin": (("S1", "S1_conf"),),
}


@dataclass(frozen=True)
class Sensitivity:
    """A sweep's sensitivity indices."""

    method: str
    rows: list[dict[str, Any]]
    """One per metric, parameter and index: ``value`` and ``conf_95`` (half-width)."""
    skipped: dict[str, str]
    """Metrics left out, with the reason (constant over the sample, undefined values)."""
    files: tuple[Path, ...]
    warnings: tuple[str, ...] = ()
    """What to keep in mind reading the indices (a small sample, indices out of range)."""

    def __repr__(self) -> str:
        metrics = {row["metric"] for row in self.rows}
        parameters = {row["parameter"] for row in self.rows}
        return (
            f"<Sensitivity {self.method}: {len(metrics)} metrics x {len(parameters)} parameters"
            f", {len(self.skipped)} metrics skipped>"
        )

    def top(self, metric: str, index: str, n: int = 2) -> list[tuple[str, float]]:
        """The ``n`` parameters with the largest ``index`` for ``metric`` (estimable ones)."""
        ranked = sorted(
            (
                (r["parameter"], r["value"])
                for r in self.rows
                if r["metric"] == metric and r["index"] == index and math.isfinite(r["value"])
            ),
            key=lambda item: -item[1],
        )
        return ranked[:n]

    def row(self, metric: str, parameter: str, index: str) -> dict[str, Any]:
        """One index of one parameter for one metric (value, ``conf_95``, ``flag``)."""
        return next(
            r
            for r in self.rows
            if (r["metric"], r["parameter"], r["index"]) == (metric, parameter, index)
        )


def _fail(out_dir: Path, message: str) -> ScenarioError:
    return ScenarioError.of(str(out_dir), None, None, "", message)


def sample_size_problem(method: str, n: int) -> str | None:
    """Why a sample of ``n`` is too small for ``method``'s indices, or None."""
    minimum = MINIMUM_N.get(method)
    if minimum is None or n >= minimum:
        return None
    why = {
        "sobol": "Sobol' indices from fewer base samples are far outside [0, 1]",
        "morris": "Morris needs two trajectories to estimate a spread",
        "latin": f"RBD-FAST needs more than twice its {RBD_FAST_HARMONICS} harmonics",
    }[method]
    return (
        f"{method} needs n of at least {minimum} ({why}); {ADVISED_N[method]} or more gives "
        "useful confidence intervals"
    )


def flag_of(index: str, value: float, conf: float) -> str:
    """What is wrong with one index, in words ("" for nothing)."""
    if not math.isfinite(value):
        return "not finite: this sample cannot estimate it"
    if index in SHARE_INDICES:
        half = conf if math.isfinite(conf) else 0.0
        if value + half < 0 or value - half > 1:
            return "outside 0..1 beyond its interval: the sample is too small or too noisy"
    return ""


def analyse(out_dir: str | Path, figures: bool = True) -> Sensitivity:
    """Compute, write and return the sensitivity indices of a finished sample sweep.

    Raises:
        ScenarioError: the folder holds no sweep, not a sample sweep, or an unfinished one.
    """
    from SALib.analyze import morris, rbd_fast, sobol

    from score_sim.experiments.folder import check_unchanged, read_record, read_results

    out = Path(out_dir)
    if not out.is_dir():
        raise _fail(out, "is not a sweep's folder")
    record = read_record(out)
    sample = record["spec"].get("sample")
    if not sample:
        raise _fail(out, "is a sweep of a grid or of seeds, not of a sample: no sensitivity")
    method = sample["method"]
    parameters = record["parameters"]
    problem = {
        "num_vars": len(parameters),
        "names": parameters,
        "bounds": [list(sample["ranges"][k]) for k in parameters],
    }
    too_small = sample_size_problem(method, int(sample["n"]))
    if too_small:
        raise ScenarioError.of(str(out / "sweep.json"), None, None, "spec.sample.n", too_small)
    check_unchanged(out, ("sensitivity.csv",))
    table = read_results(out, record)
    n_points = record["n_points"]
    if len(table["run"]) != record["n_runs"]:
        raise _fail(
            out,
            f"the sweep is not finished ({len(table['run'])} of {record['n_runs']} runs): "
            "run the same sweep command again to finish it",
        )
    x = np.array(record["sample"], dtype=np.float64)
    points = np.asarray(table["point"], dtype=np.int64)
    rows: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    seed = int(record["sample_seed"])
    for metric in record["columns"]:
        values = np.asarray(table[metric], dtype=np.float64)
        if np.isnan(values).all():
            skipped[metric] = "undefined in every run"
            continue
        sums = np.bincount(points, weights=np.nan_to_num(values), minlength=n_points)
        counts = np.bincount(points, weights=~np.isnan(values), minlength=n_points)
        if (counts == 0).any():
            skipped[metric] = "undefined for every seed of some parameter set"
            continue
        y = sums / counts
        if np.ptp(y) == 0:
            skipped[metric] = f"the same ({y[0]:g}) for every parameter set"
            continue
        if method == "sobol":
            result = sobol.analyze(
                problem,
                y,
                calc_second_order=False,
                num_resamples=NUM_RESAMPLES,
                conf_level=CONF_LEVEL,
                seed=seed,
            )
        elif method == "morris":
            result = morris.analyze(
                problem,
                x,
                y,
                num_resamples=NUM_RESAMPLES,
                conf_level=CONF_LEVEL,
                num_levels=int(sample.get("levels", 4)),
                seed=seed,
            )
        else:
            result = rbd_fast.analyze(
                problem, x, y, num_resamples=NUM_RESAMPLES, conf_level=CONF_LEVEL, seed=seed
            )
        for j, parameter in enumerate(parameters):
            for index, conf in INDICES[method]:
                value = float(np.asarray(result[index])[j])
                half = float(np.asarray(result[conf])[j]) if conf else math.nan
                rows.append(
                    {
                        "metric": metric,
                        "parameter": parameter,
                        "index": index,
                        "value": value if math.isfinite(value) else math.nan,
                        "conf_95": half if math.isfinite(half) else math.nan,
                        "flag": flag_of(index, value, half),
                    }
                )
    warnings = []
    n = int(sample["n"])
    if n < ADVISED_N[method]:
        warnings.append(
            f"a small sample ({method}, n = {n}; {ADVISED_N[method]} or more is advised): "
            "read each index with its 95% confidence interval"
        )
    flagged = sum(1 for r in rows if r["flag"])
    if flagged:
        warnings.append(
            f"{flagged} ind{'ex is' if flagged == 1 else 'ices are'} flagged in "
            "sensitivity.csv (outside [0, 1] beyond the interval, or not estimable)"
        )
    files = [_write_table(out, rows)]
    if figures:
        files += _write_figures(out, method, rows, record)
    return Sensitivity(
        method=method, rows=rows, skipped=skipped, files=tuple(files), warnings=tuple(warnings)
    )


def _write_table(out: Path, rows: list[dict[str, Any]]) -> Path:
    path = out / "sensitivity.csv"
    partial = out / ".sensitivity.csv.partial"
    write_csv(
        partial,
        {
            "metric": np.array([r["metric"] for r in rows], dtype=object),
            "parameter": np.array([r["parameter"] for r in rows], dtype=object),
            "index": np.array([r["index"] for r in rows], dtype=object),
            "value": np.array([r["value"] for r in rows], dtype=np.float64),
            "conf_95": np.array([r["conf_95"] for r in rows], dtype=np.float64),
            "flag": np.array([r["flag"] for r in rows], dtype=object),
        },
        decimals=6,
    )
    from score_sim.experiments.folder import replace_recorded

    replace_recorded(out, ((partial, path),))
    return path


def figure_name(metric: str) -> str:
    """A file name for a metric's figure."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", metric) + ".png"


def _write_figures(
    out: Path, method: str, rows: list[dict[str, Any]], record: dict[str, Any]
) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from score_sim.outputs.labels import metric_label

    folder = out / "sensitivity"
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise _fail(folder, "is not the folder of figures score-sim makes: move it away")
    folder.mkdir(exist_ok=True)
    metrics = list(dict.fromkeys(r["metric"] for r in rows))
    indices = [index for index, _ in INDICES[method]]
    parameters = record["parameters"]
    files = []
    n_runs = record["n_runs"]
    caption = (
        f"{record['spec']['scenario']}: {method} sample, {record['n_points']} parameter sets "
        f"x {len(record['seeds'])} seeds = {n_runs} runs; bars: 95% confidence intervals"
    )
    for metric in metrics:
        fig, ax = plt.subplots(figsize=(7.5, 1.2 + 0.55 * len(parameters) * len(indices)))
        height = 0.8 / len(indices)
        for k, index in enumerate(indices):
            found = {
                r["parameter"]: r for r in rows if r["metric"] == metric and r["index"] == index
            }
            values = [found[p]["value"] for p in parameters]
            conf = [found[p]["conf_95"] for p in parameters]
            positions = np.arange(len(parameters)) + (k - (len(indices) - 1) / 2) * height
            ax.barh(
                positions,
                values,
                height=height,
                xerr=None if np.isnan(conf).all() else np.nan_to_num(conf),
                capsize=3,
                label=index,
            )
        ax.set_yticks(np.arange(len(parameters)), parameters)
        ax.invert_yaxis()
        ax.axvline(0, color="black", linewidth=0.6)
        ax.set_xlabel({"sobol": "Sobol' index (share of variance)", "morris": "elementary effect",
                       "latin": "first-order index (RBD-FAST)"}[method])  # fmt: skip
        ax.set_title(f"What drives\n{metric_label(metric)}?", fontsize=10)
        ax.legend(loc="lower right", fontsize=8)
        fig.text(0.01, 0.01, caption, fontsize=7, color="0.3")
        fig.tight_layout(rect=(0, 0.04, 1, 1))
        path = folder / figure_name(metric)
        fig.savefig(path, dpi=100, metadata={"Software": None})
        plt.close(fig)
        files.append(path)
    return files
