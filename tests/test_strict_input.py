"""Never garbage: numbers finite and in range, strict types, names, located messages.

Finite and sane numbers, names and sections, messages that point at the user's line, and
a run that ends by saying what happened.
"""

from __future__ import annotations

import math

import pytest
import yaml
from conftest import small_data
from test_cli import assert_bad_input, cli

from score_sim import ScoreModel
from score_sim.errors import ScenarioError
from score_sim.scenario import load_scenario, resolve_scenario_path

TINY = ("--citizens", "300", "--firms", "15", "--steps", "5", "--no-figures")


def problems_of(path, **kwargs) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, **kwargs)
    return [str(p) for p in caught.value.problems]


def only_problem(path, **kwargs) -> str:
    problems = problems_of(path, **kwargs)
    assert len(problems) == 1, problems
    return problems[0]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# ------------------------------------------------------------- 4: finite and sane


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", ".NaN", "+.Inf"])
@pytest.mark.parametrize(
    ("key", "line"),
    [
        ("score.half_life_days", "  half_life_days: {}"),
        ("score.upper", "  upper: {}"),
        ("behaviours[0].points", "    points: {}"),
        ("behaviours[0].rate_per_year", "    rate_per_year: {}"),
        ("errors.misidentification.surveillance", "    surveillance: {}"),
        ("effects.restriction_multiplier.credit", "    credit: {}"),
    ],
)
def test_non_finite_numbers_are_refused_at_their_line(write_scenario, key, line, value):
    text = """name: finite
score:
  upper: 1300
  half_life_days: 365
behaviours:
  - name: fare_dodging
    who: citizen
    rate_per_year: 2
    points: -20
errors:
  misidentification:
    surveillance: 0.1
effects:
  restriction_multiplier:
    credit: 2
"""
    original = line.format("")
    lines = [line.format(value) if raw.startswith(original) else raw for raw in text.splitlines()]
    path = write_scenario("\n".join(lines) + "\n")
    problem = only_problem(path)
    assert f":{line_of(text, original)}:" in problem and key in problem, problem
    assert "must be a finite number" in problem


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("behaviours.fare_dodging.rate_per_year", 1e308, "must be at most 10,000"),
        ("behaviours.fare_dodging.points", -1e300, "must be at least -1,000,000"),
        ("score.half_life_days", 1e300, "must be at most"),
        ("effects.restriction_multiplier.travel", 1e9, "must be at most 1,000"),
        ("behaviours.fare_dodging.rate_per_year", True, "must be a number, not true/false"),
        ("population.citizens", "10000", "must be a whole number, not text '10000'"),
        ("population.citizens", 2.5, "must be a whole number"),
        ("lists.blacklist.min_days", 10**9, "must be at most 36,500"),
        ("inspections.enabled", "yes", "must be true or false"),
        ("errors.false_finding_rate_per_year", -1, "must be at least 0"),
        # a field's own bound on top of its kind of number holds too
        ("inspections.lookback_days", 0, "must be at least 1, not 0"),
        ("harm_metrics.pariah_min_days", 0, "must be at least 1, not 0"),
        ("harm_metrics.pariah_margin_points", -5, "must be at least 0, not -5"),
        ("inspections.extra_inspections_multiplier", 0.5, "must be at least 1"),
        ("lists.blacklist.min_days", 0, "must be at least 1, not 0"),
    ],
)
def test_absurd_and_wrongly_typed_values_are_refused(write_scenario, key, value, message):
    path = write_scenario(small_data())
    problem = only_problem(path, overrides={key: value})
    assert problem.startswith("overrides: ") and message in problem, problem


def test_multipliers_that_combine_beyond_the_limit_are_refused(write_scenario):
    effects = {"restriction_multiplier": {"travel": 100, "credit": 100}}
    problem = only_problem(write_scenario(small_data(effects=effects)))
    assert "effects" in problem and "combine to 1e+04" in problem, problem


def test_python_api_refuses_non_finite_numbers_before_building():
    for value in (math.nan, math.inf):
        with pytest.raises(ScenarioError, match="must be a finite number"):
            ScoreModel("baseline", citizens=100, firms=5, **{"score.half_life_days": value})
    with pytest.raises(ScenarioError, match="must be a whole number"):
        ScoreModel("baseline", citizens=True)


def test_set_with_non_finite_yaml_exits_2_naming_set(write_scenario):
    path = write_scenario(small_data())
    result = cli("run", str(path), "--set", "score.half_life_days=.inf", *TINY)
    assert_bad_input(result, "--set", "score.half_life_days", "must be a finite number")


# ------------------------------------------------------------- 5: names and sections


def test_a_local_folder_named_like_a_bundled_scenario_does_not_shadow_it(tmp_path):
    (tmp_path / "baseline").mkdir()
    (tmp_path / "baseline" / "notes.txt").write_text("an earlier project")
    result = cli("run", "baseline", "--out", "out", *TINY, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "manifest.json").exists()


def test_a_local_file_named_like_a_bundled_scenario_is_ambiguous(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "baseline").write_text("name: mine\n")
    with pytest.raises(ScenarioError, match=r"both a file .* write \./baseline"):
        resolve_scenario_path("baseline")
    assert load_scenario("./baseline").name == "mine"


def test_a_disabled_list_needs_no_other_keys(write_scenario):
    text = "name: quiet\nlists:\n  blacklist: {enabled: false}\n  redlist:\n    enabled: false\n"
    scenario = load_scenario(write_scenario(text))
    assert not scenario.lists["blacklist"].enabled and not scenario.lists["redlist"].enabled
    model = ScoreModel(scenario, citizens=200, firms=10, steps=30).run()
    assert model.timeseries()["citizen_n_blacklisted"].max() == 0


def test_an_enabled_list_still_needs_its_rule(write_scenario):
    path = write_scenario("name: half\nlists:\n  blacklist: {enabled: true, min_days: 10}\n")
    problem = only_problem(path)
    assert ":3:" in problem and "lists.blacklist" in problem
    assert "needs enter, max_days" in problem


@pytest.mark.parametrize("name", ["-rf", "_hidden", ".dot", "my run", "naïve"])
def test_scenario_names_are_explained_in_plain_words(write_scenario, name):
    path = write_scenario(yaml.safe_dump({"name": name}))
    problem = only_problem(path)
    assert problem.startswith(f"{path}:1:") and "name" in problem
    assert "letter" in problem and "^" not in problem, problem


# ------------------------------------------------------------------- 6: located


def test_a_duplicate_behaviour_name_points_at_the_duplicate(write_scenario):
    data = small_data()
    data["behaviours"].append(dict(data["behaviours"][0], rate_per_year=1.0))
    path = write_scenario(data)
    text = path.read_text()
    duplicate_line = [i for i, line in enumerate(text.splitlines(), 1) if "fare_dodging" in line]
    problem = only_problem(path)
    assert f":{duplicate_line[1]}:" in problem and "behaviours[4].name" in problem, problem
    assert "used twice" in problem and "behaviours[0]" in problem


def test_an_unknown_sector_and_grade_name_their_lines(write_scenario):
    data = small_data(
        population={"citizens": 100, "firms": 5, "sectors": ["food", "transport"]},
        sanctions={"design": "score_driven", "grades": {"Z": ["travel"]}},
    )
    data["behaviours"][0]["sector"] = "finance"
    path = write_scenario(data)
    text = path.read_text()
    problems = problems_of(path)
    sector = next(p for p in problems if "sector" in p)
    grade = next(p for p in problems if "sanctions.grades.Z" in p)
    assert f":{line_of(text, 'sector: finance')}:" in sector and "'finance'" in sector
    assert f":{line_of(text, 'Z:')}:" in grade and "'Z' is not a grade" in grade


def test_an_error_from_set_names_set_and_from_set_both_names_set_both(write_scenario):
    path = write_scenario(small_data())
    result = cli("compare", str(path), "--set-both", "score.half_life_days=-3", *TINY)
    assert_bad_input(result, "--set-both: score.half_life_days: must be above 0")
    assert str(path) not in result.stderr
    result = cli("compare", str(path), "--set", "behaviours.fraud.points=.nan", *TINY)
    assert_bad_input(result, "--set: behaviours[2].points: must be a finite number")


# ----------------------------------------------------------- 7: what happened


def test_a_run_ends_with_its_headlines_and_where_the_outputs_are(tmp_path):
    result = cli(
        "run", "erroneous_reports", "--out", str(tmp_path / "o"), *TINY[:-1], "--steps", "60"
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("erroneous_reports: 300 citizens, 15 firms, 60 days, seed 42")
    assert 4 <= len(lines) - 2 <= 6, lines
    assert any(line.strip().startswith("blacklisted at the end:") for line in lines)
    assert any("pariahs at the end:" in line for line in lines)
    assert lines[-1].startswith(f"outputs: {tmp_path / 'o'}/")


def test_rates_too_large_for_memory_are_refused_before_building():
    with pytest.raises(ScenarioError, match="at these rates need about"):
        ScoreModel(
            "baseline",
            citizens=100_000,
            steps=36_500,
            **{"behaviours.0.rate_per_year": 10_000.0},
        )


def test_numbers_written_with_an_exponent_are_numbers(write_scenario, tmp_path):
    text = "name: exp\nscore:\n  half_life_days: 1e3\nbehaviours:\n"
    text += "  - {name: fine, who: citizen, rate_per_year: 5e-1, points: -2e1}\n"
    scenario = load_scenario(write_scenario(text), overrides={"score.upper": 13e2})
    assert scenario.score.half_life_days == 1000.0 and scenario.score.upper == 1300.0
    assert (scenario.behaviours[0].rate_per_year, scenario.behaviours[0].points) == (0.5, -20.0)
    result = cli("run", "baseline", "--set", "score.half_life_days=1e3", *TINY, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
