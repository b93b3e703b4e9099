"""What a newcomer meets in the first hour: help, messages, closing lines and reprs.

Each command's ``--help`` names its arguments plainly and shows an example; an unknown key
gets the closest known one; ``--no-figures`` lists no figures; ``--seeds`` summarises each
headline by its median and 5-95% interval; result objects print in one short line; every
metric a run records has words for people.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import yaml
from test_cli import cli

from score_sim import ScoreModel, run_scenario
from score_sim.cli import EXAMPLES, app
from score_sim.experiments.ensemble import run_seeds
from score_sim.experiments.twins import compare_scenarios
from score_sim.outputs.headlines import format_value
from score_sim.outputs.labels import metric_label
from score_sim.scenario import load_scenario
from score_sim.scenario.overrides import suggest_key
from score_sim.scenario.scenario import Scenario

TOWN = {"citizens": 800, "firms": 40, "steps": 40}
TOWN_ARGS = ("--citizens", "800", "--firms", "40", "--steps", "40")


def test_every_command_has_an_example_and_plain_metavars():
    import typer

    group = typer.main.get_command(app)
    assert set(EXAMPLES) == set(group.commands)
    for name in group.commands:
        result = cli(name, "--help")
        assert result.returncode == 0, result.stderr
        text = result.stdout
        assert text.startswith(f"Usage: score-sim {name} [OPTIONS]"), text
        assert re.search(r"Examples?:\n +score-sim " + name, text), text
        # no Python types or braces in place of names
        assert not re.search(r"<(str|int|path|list\[str\]|int range)>|\{[A-Z]", text), text


def test_unknown_keys_get_the_closest_known_one(write_scenario, tmp_path):
    assert suggest_key(Scenario, "score.half_lif_days") == "score.half_life_days"
    assert suggest_key(Scenario, "sanction.reach.staff") == "sanctions.reach.staff"
    assert suggest_key(Scenario, "behaviours.0.pionts") == "behaviours.0.points"
    assert suggest_key(Scenario, "nothing_like_it") is None

    path = write_scenario("name: x\nscore:\n  half_lif_days: 3\npopulaton: {}\n")
    result = cli("validate", str(path))
    assert result.returncode == 2
    assert f"{path}:3:3 score.half_lif_days: unknown key (did you mean half_life_days?)" in (
        result.stderr
    )
    assert f"{path}:4:1 populaton: unknown key (did you mean population?)" in result.stderr

    result = cli("run", "baseline", "--set", "score.half_lif_days=9", *TOWN_ARGS, cwd=tmp_path)
    assert result.returncode == 2
    assert "(did you mean score.half_life_days?)" in result.stderr

    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(
        yaml.safe_dump(
            {
                "scenario": "baseline",
                "grid": {"score.half_lif_days": [90, 180]},
                "metrics": ["citizen_n_pariahs"],
            }
        )
    )
    result = cli("sweep", str(sweep), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "grid.score.half_lif_days: no such key in a scenario (did you mean " in result.stderr
    sweep.write_text(yaml.safe_dump({"scenario": "baseline", "sedes": 3}))
    result = cli("sweep", str(sweep), "--out", str(tmp_path / "out"))
    assert "sedes: unknown key (did you mean seeds?)" in result.stderr


def test_no_figures_lists_no_figures(tmp_path):
    result = cli("run", "pariah_spiral", *TOWN_ARGS, "--no-figures", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("outputs: ") and "figures" not in last
    written = len(list(next((tmp_path / "runs").iterdir()).iterdir()))
    assert f"({written} files: " in last
    result = cli("run", "pariah_spiral", *TOWN_ARGS, cwd=tmp_path)
    assert "figures/" in result.stdout.strip().splitlines()[-1]


def test_many_seeds_give_medians_and_intervals_not_the_first_seed(tmp_path):
    result = cli("run", "sanction_cascade", *TOWN_ARGS, "--seeds", "4", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    headlines = [line for line in lines if "median " in line]
    assert len(headlines) >= 4
    assert all(re.search(r"\(5-95%: .+ to .+, \d of 4 seeds\)", line) for line in headlines)
    folder = next((tmp_path / "runs").iterdir())
    summary = json.loads((folder / "summary.json").read_text())
    per_seed = [
        json.loads(path.read_text()) for path in sorted(folder.glob("seeds/*/summary.json"))
    ]
    assert len(per_seed) == 4
    for headline in summary["headlines"]:
        assert "value" not in headline
        values = [
            next(h["value"] for h in seed["headlines"] if h["name"] == headline["name"])
            for seed in per_seed
        ]
        finite = [v for v in values if v is not None]
        assert headline["n"] == len(finite)
        if finite:
            assert headline["median"] == pytest.approx(float(np.median(finite)), abs=1e-4)
            assert headline["p05"] <= headline["median"] <= headline["p95"]
            assert min(finite) - 1e-9 <= headline["p05"] and headline["p95"] <= max(finite) + 1e-9


def test_headline_numbers_read_as_people_read_them():
    assert format_value("innocent_sanction_share", 0.91187) == "91.2%"
    assert format_value("innocent_sanction_share", 0.0) == "0%"
    assert format_value("citizen_pariahs_at_end", 12345.0) == "12,345"
    assert format_value("misconduct_rate_ratio_restricted", 19.0987) == "19.1"
    assert format_value("misconduct_rate_ratio_restricted", None) == "n/a"


def test_every_column_of_a_run_has_words():
    model = ScoreModel("corporate_scs", rng=1, citizens=600, firms=120, steps=5).run()
    for name in model.timeseries():
        if name == "step":
            continue
        words = metric_label(name)
        assert "_" not in words or name.startswith(("perk_", "citizen_", "firm_")), name
        assert words and words != name, name
    assert metric_label("citizen_n_pariah.final") == "citizens who are pariahs (last day)"
    assert metric_label("summary.pariah_spiral.misconduct_rate_ratio_restricted.citizen") == (
        "misconduct ratio, restricted vs not (citizens)"
    )


def test_result_objects_print_in_one_short_line(tmp_path):
    model = ScoreModel("baseline", rng=3, **TOWN)
    scenario = load_scenario("baseline")
    run = run_scenario("baseline", tmp_path / "run", figures=False, **TOWN)
    twins = compare_scenarios(
        "baseline", None, tmp_path / "twins", overrides_b={"score.half_life_days": 30},
        figures=False, **TOWN,
    )  # fmt: skip
    seeds = run_seeds("baseline", 2, tmp_path / "seeds", figures=False, **TOWN)
    for thing, start in (
        (model, "<ScoreModel baseline: 800 citizens, 40 firms, day 0 of 40"),
        (scenario, "<Scenario baseline: 10,000 citizens"),
        (run, "<RunResult baseline, seed 42, 40 days"),
        (twins, "<Comparison baseline vs baseline: "),
        (seeds, "<EnsembleResult baseline, 2 seeds"),
    ):
        text = repr(thing)
        assert text.startswith(start), text
        assert "\n" not in text and len(text) < 200, text
