"""Does calibration find what is there? Known parameters fitted back, drawn as a figure.

For each pair of true values (a fraud rate and a chance per day that a listing is removed
on request) this runs a small city with them, measures two targets on it (new listings a
year and the share listed at the end, each within +-6%), forgets the values and runs
``score-sim calibrate`` over wide log ranges (24 trials, one seed each). It prints the
true and recovered values and draws ``docs/calibration_recovery.png``: recovered against
true, for each parameter, with the stated tolerance of the test
(``tests/test_calibration.py``: the rate within 15%, the removal chance within a factor
of 1.6).

    python benchmarks/calibration_recovery.py --workers 2
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from score_sim.experiments.calibration import calibrate
from score_sim.experiments.calibration_spec import derive_seeds
from score_sim.model import ScoreModel
from score_sim.outputs.targets import measure
from score_sim.scenario import Target, scenario_from_data

ROOT = Path(__file__).resolve().parents[1]
RATES = (0.1, 0.2, 0.4)
REMOVALS = (0.004, 0.01, 0.025)
SEED = 5
TARGETS = (
    {"name": "inflow", "metric": "new_listings_per_year_share", "list": "blacklist"},
    {"name": "stock", "metric": "listed_share_at_end", "list": "blacklist"},
)


def fraud_city(rate: float, removal: float) -> dict:
    """2,000 citizens for half a year; fraud lists them, removal on request ends entries."""
    return {
        "name": "fraud_city",
        "population": {"citizens": 2000, "firms": 0},
        "behaviours": [
            {"name": "fare_dodging", "who": "citizen", "rate_per_year": 2.0, "points": -20},
            {"name": "good_deed", "who": "citizen", "rate_per_year": 1.0, "points": 10},
            {
                "name": "fraud",
                "who": "citizen",
                "rate_per_year": rate,
                "points": -50,
                "severity": "serious",
            },
        ],
        "lists": {
            "blacklist": {
                "enter": {"behaviours": ["fraud"]},
                "min_days": 30,
                "max_days": 365,
                "removal_probability_per_day": removal,
            },
            "redlist": {"enabled": False},
        },
        "run": {"steps": 180, "seed": SEED},
    }


def targets_of(rate: float, removal: float, seed: int) -> list[dict]:
    scenario = scenario_from_data(fraud_city(rate, removal), overrides={"run.seed": seed})
    model = ScoreModel(scenario, rng=seed).run()
    out = []
    for t in TARGETS:
        value = measure(model, Target.model_validate({**t, "source": "s", "low": 0, "high": 1}))
        source = "a run with known values"
        out.append({**t, "source": source, "low": value * 0.94, "high": value * 1.06})
    return out


def recover(rate: float, removal: float, folder: Path, workers: int) -> dict[str, float]:
    (folder / "fraud_city.yaml").write_text(yaml.safe_dump(fraud_city(0.1, 0.002)))
    spec = {
        "scenario": "fraud_city.yaml",
        "seed": SEED,
        "seeds": 1,
        "parameters": {
            "behaviours.fraud.rate_per_year": {"low": 0.05, "high": 0.8, "log": True},
            "lists.blacklist.removal_probability_per_day": {
                "low": 0.001,
                "high": 0.05,
                "log": True,
            },
        },
        "targets": targets_of(rate, removal, derive_seeds(SEED, 1)[0]),
        "trials": 24,
        "batch": 4,
    }
    path = folder / "calibration.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return calibrate(path, folder / "out", workers=workers).values


def draw(rows: list[tuple[float, float, float, float]], path: Path) -> None:
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    from score_sim.outputs.figures.base import default_style, finish_layout, new_figure
    from score_sim.outputs.figures.saving import save_figure

    with default_style():
        fig, axes = new_figure(2)
        for ax, (j, name, tolerance) in zip(
            axes,
            ((0, "fraud rate a year", 1.15), (2, "removal chance a day", 1.6)),
            strict=True,
        ):
            true = np.array([r[j] for r in rows])
            found = np.array([r[j + 1] for r in rows])
            low = min(true.min(), found.min()) / 1.6
            high = max(true.max(), found.max()) * 1.6
            line = np.geomspace(low, high, 50)
            band = f"the test's tolerance (x{tolerance:g})"
            ax.fill_between(
                line,
                line / tolerance,
                line * tolerance,
                color="#2a9d8f",
                alpha=0.18,
                lw=0,
                label=band,
            )
            ax.plot(line, line, color="#2a9d8f", lw=0.8)
            ax.scatter(true, found, color="#e76f51", zorder=3, label="recovered")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlim(low, high)
            ax.set_ylim(low, high)
            ticks = sorted(set(true.tolist()))
            for axis in (ax.xaxis, ax.yaxis):
                axis.set_major_locator(FixedLocator(ticks))
                axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
                axis.set_minor_formatter(NullFormatter())
            ax.set_xlabel(f"true {name}")
            ax.set_ylabel(f"recovered {name}")
            ax.legend(loc="upper left", fontsize=8, frameon=False)
        finish_layout(
            fig,
            "Calibration recovers known parameters",
            "Targets measured on a run with the true values (within 6%), fitted back by "
            "score-sim calibrate: 24 trials, one seed each, 2,000 citizens, half a year",
        )
        save_figure(fig, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "calibration_recovery.png")
    args = parser.parse_args()
    rows = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for i, (rate, removal) in enumerate(itertools.product(RATES, REMOVALS)):
            folder = Path(tmp) / f"case{i}"
            folder.mkdir()
            values = recover(rate, removal, folder, args.workers)
            found_rate = values["behaviours.fraud.rate_per_year"]
            found_removal = values["lists.blacklist.removal_probability_per_day"]
            rows.append((rate, found_rate, removal, found_removal))
            print(
                f"rate {rate:<6g} -> {found_rate:<9.4g} removal {removal:<7g} -> "
                f"{found_removal:.4g}",
                flush=True,
            )
    draw(rows, args.out)
    errors_rate = [abs(b / a - 1) for a, b, _, _ in rows]
    ratio_removal = [max(d / c, c / d) for _, _, c, d in rows]
    print(
        f"median error of the rate {np.median(errors_rate):.1%} (max {max(errors_rate):.1%}); "
        f"removal off by a median factor {np.median(ratio_removal):.2f} "
        f"(max {max(ratio_removal):.2f}); {time.perf_counter() - started:.0f} s -> {args.out}"
    )


if __name__ == "__main__":
    main()
