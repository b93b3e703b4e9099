"""The replications' quick versions: each published finding's shape, over several seeds.

Each quick version runs once per test session (small towns, few seeds) and its claims
are checked with numbers: the harsh/lenient ratio above 17/14 with ties and near it
without; each group's outcome curve peaking inside the sweep; the bad-luck ratio above 1
across its interval. The command line and the bad-luck headline of ``erroneous_reports``
are checked too.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from score_sim.cli import app
from score_sim.experiments.replications import REPLICATIONS, replicate
from score_sim.experiments.replications.contagion_lum2014 import TERM_RATIO
from score_sim.experiments.replications.lending_liu2018 import EVERYBODY, NOBODY
from score_sim.experiments.replications.runner import Job, run_jobs
from score_sim.runner import run_scenario
from score_sim.scenario import bundled_scenarios, load_scenario


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Each replication's quick version, run once (two worker processes)."""
    root = tmp_path_factory.mktemp("replications")
    return {
        name: replicate(rep, quick=True, out_dir=root / name, workers=2)
        for name, rep in REPLICATIONS.items()
    }


def claims(result):
    return {claim.key: claim for claim in result.outcome.claims}


def test_every_replication_writes_its_table_its_report_and_its_figure(results):
    for name, result in results.items():
        files = {path.name for path in result.out_dir.iterdir()}
        assert files == {"replication.csv", "replication.json", f"{name}.png", "manifest.json"}
        with open(result.out_dir / "replication.csv", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == len(result.rows) and "seed" in rows[0]
        assert {int(r["seed"]) for r in rows} == set(result.seeds)
        report = json.loads((result.out_dir / "replication.json").read_text(encoding="utf-8"))
        assert report["source"] == result.replication.citation
        assert report["published_finding"]["words"] and report["published_finding"]["numbers"]
        assert len(report["differences_from_the_original"]) >= 4
        for claim in report["ours"]:
            assert {"median", "p05", "p95"} <= set(claim["ours"])
            assert claim["published"] and claim["criterion"]
        # which numbers are the papers' (or other sources') and which are ours
        assert report["numbers"]["documented"] and report["numbers"]["ours"]
        assert (result.out_dir / f"{name}.png").read_bytes()[:4] == b"\x89PNG"


def test_contagion_amplifies_a_small_difference_in_terms_and_needs_the_ties(results):
    result = results["contagion_lum2014"]
    found = claims(result)
    ratios = result.outcome.curves["ratio_per_seed"]
    with_ties = np.array(ratios["ties on"], dtype=float)
    cut = np.array(ratios["ties cut"], dtype=float)
    assert len(with_ties) == 4
    # far more than longer terms alone, in most seeds; about 17/14 with the ties cut
    assert np.median(with_ties) > TERM_RATIO + 0.2
    assert np.count_nonzero(with_ties > TERM_RATIO) >= 3
    assert abs(np.median(cut) - TERM_RATIO) < 0.1
    assert np.all(cut < with_ties.max())
    # listings cluster in households: several times the base chance
    assert found["clustering"].ours["median"] > 2
    assert all(claim.holds for claim in result.outcome.claims)


def test_each_groups_outcome_curve_peaks_inside_the_sweep(results):
    result = results["lending_liu2018"]
    curves = result.outcome.curves
    thresholds = curves["threshold"]
    assert thresholds[0] == NOBODY and thresholds[-1] == EVERYBODY
    for name in ("advantaged", "disadvantaged"):
        median = np.array(curves[name]["median"])
        peak = int(np.argmax(median))
        assert median[0] == 0  # nobody approved: no change
        assert 0 < peak < len(median) - 1 and median[peak] > 3
        assert median[peak] > median[-1] + 3  # approving everybody does less good
        share = np.array(curves[name]["approval_share"])
        assert share[0] == 0 and share[-1] == 1 and np.all(np.diff(share) >= 0)
    # the disadvantaged are harmed when everybody is approved; the advantaged are not
    assert curves["disadvantaged"]["median"][-1] < 0 < curves["advantaged"]["median"][-1]
    # the lender's best threshold is stricter than the one that helps the group most
    assert curves["lender_best_threshold_median"] > curves["disadvantaged"]["best_threshold_median"]
    found = claims(result)
    assert found["gap"].ours["p05"] > 0 and found["nobody"].holds


def test_early_bad_luck_makes_outcasts_of_identical_people(results):
    result = results["outcasts_lindstrom2018"]
    found = claims(result)
    ratio = found["bad_luck_ratio"].ours
    assert ratio["p05"] > 1 and ratio["median"] > 2
    pooled = result.outcome.curves["pooled"]
    assert pooled["hit"] > 100
    assert found["same_conduct"].holds  # the same draws of conduct in both worlds
    rows = result.rows
    assert len(rows) == 2 * len(result.seeds)
    assert {row["world"] for row in rows} == {"with errors", "without errors"}


def tiny_measure(model):
    """What a tiny job measures: its last day's counts (a module-level function)."""
    return {"listed": int(model.metrics["citizen_n_blacklisted"]), "day": model.steps}


def test_the_same_jobs_give_the_same_rows_in_order_with_any_number_of_workers():
    scenario = load_scenario("contagion_lum2014", {"population.citizens": 300, "run.steps": 60})
    jobs = [
        Job(scenario, seed, tiny_measure, {"contagion.enabled": on}, {"ties": on})
        for seed in (1, 2, 3)
        for on in (True, False)
    ]
    seen = []
    one = run_jobs(jobs, workers=1)
    two = run_jobs(jobs, workers=2, progress=lambda done, total: seen.append((done, total)))
    assert one == two and len(one) == 6
    assert [(row["seed"], row["ties"]) for row in one] == [(j.seed, j.labels["ties"]) for j in jobs]
    assert seen[0] == (0, 6) and seen[-1] == (6, 6)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``score-sim`` as a user would, in a separate process."""
    return subprocess.run(
        [sys.executable, "-m", "score_sim", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "CI": "true"},
        timeout=300,
        check=False,
    )


def test_the_command_lists_runs_and_refuses_bad_input(tmp_path):
    runner = CliRunner()
    listed = runner.invoke(app, ["replicate"])
    assert listed.exit_code == 0
    for name in REPLICATIONS:
        assert name in listed.output
    unknown = runner.invoke(app, ["replicate", "lum"])
    assert unknown.exit_code == 2 and "contagion_lum2014" in unknown.output
    out = tmp_path / "outcasts"
    ran = cli("replicate", "outcasts_lindstrom2018", "--quick", "--seeds", "1", "--out", str(out))
    assert ran.returncode == 0, ran.stderr
    assert "published:" in ran.stdout and "ours:" in ran.stdout and "differs" in ran.stdout
    assert (out / "outcasts_lindstrom2018.png").is_file()
    seeds = runner.invoke(app, ["replicate", "outcasts_lindstrom2018", "--seeds", "0"])
    assert seeds.exit_code == 2 and "must be 1 to 1,000" in seeds.output
    taken = cli("replicate", "outcasts_lindstrom2018", "--quick", "--out", str(out))
    assert taken.returncode == 2 and "--overwrite" in taken.stderr
    assert "Traceback" not in ran.stderr + taken.stderr


def test_erroneous_reports_reports_its_bad_luck_ratio_as_a_headline(tmp_path):
    result = run_scenario(
        "erroneous_reports", tmp_path / "run", citizens=3000, firms=150, figures=False
    )
    summary = json.loads((result.out_dir / "summary.json").read_text(encoding="utf-8"))
    bad_luck = summary["bad_luck"]
    assert bad_luck["early_days"] == 90 and bad_luck["citizens_hit"] > 0
    assert bad_luck["ratio"] == pytest.approx(
        (bad_luck["outcasts_among_hit"] + 0.5)
        / (bad_luck["outcasts_among_hit_without_errors"] + 0.5)
    )
    # the same draws of conduct in both worlds
    assert (
        bad_luck["misconduct_per_hit_citizen"]
        == bad_luck["misconduct_per_hit_citizen_without_errors"]
    )
    first = summary["headlines"][0]
    assert first["name"] == "bad_luck_ratio" and first["text"].startswith("bad-luck ratio")
    assert "errors." in " ".join(first["driven_by"])
    assert "twin_world_without_errors" in result.manifest["phase_times_s"]


@pytest.mark.parametrize("name", list(REPLICATIONS))
def test_each_replication_scenario_is_bundled_and_explains_itself(name):
    path = bundled_scenarios()[name]
    assert path.read_text(encoding="utf-8").splitlines()[0] == (
        "# yaml-language-server: $schema=scenario.schema.json"
    )
    scenario = load_scenario(name)
    positions = [
        scenario.description.find(section)
        for section in ("WHAT IT IS", "HOW IT WORKS", "THINGS TO NOTICE", "THINGS TO TRY")
    ]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    assert f"score-sim replicate {name}" in scenario.description
    # the paper is named, and the numbers that carry over are cited by their own key paths
    author = REPLICATIONS[name].authors.split(",")[0].split(" ")[0]
    assert author in scenario.description
    cited = [key for key in scenario.sources if scenario.source_of(key)]
    assert len(cited) >= 10
