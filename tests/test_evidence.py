"""The evidence ledger, calibration targets, headlines and the honesty of bundled scenarios."""

from __future__ import annotations

import itertools
import json
import math
import re
import subprocess
import sys
from collections import defaultdict

import pytest
from conftest import small_data, small_scenario

from score_sim.errors import ScenarioError
from score_sim.explain import explain_scenario
from score_sim.model import ScoreModel
from score_sim.outputs.summary import summarize
from score_sim.outputs.targets import report
from score_sim.runner import run_scenario
from score_sim.scenario import (
    Level,
    ListType,
    bundled_scenarios,
    load_scenario,
    scenario_from_data,
)
from score_sim.scenario.ledger import ledger, level_counts

BUNDLED = sorted(bundled_scenarios())


def test_a_source_for_a_section_does_not_document_the_numbers_inside_it():
    scenario = small_scenario(
        sources={"score": "Points concept: start 1000, 600..1300.", "score.initial": "1000."}
    )
    assert scenario.evidence_of("score.initial").level is Level.documented
    assert scenario.evidence_of("score.lower").level is Level.assumption
    assert scenario.source_of("score.upper") is None
    counts = level_counts(ledger(scenario))
    assert counts["documented"] == 1


@pytest.mark.parametrize("name", BUNDLED)
def test_documented_numbers_are_exactly_those_whose_own_key_is_cited(name):
    scenario = load_scenario(name)
    for row in ledger(scenario):
        entry = scenario.sources.get(row.key)
        if row.level is Level.documented:
            assert entry is not None and row.source
        if entry is None:
            assert row.level is Level.assumption, row.key


def test_the_same_number_has_the_same_level_in_every_bundled_scenario():
    levels = defaultdict(set)
    for name in BUNDLED:
        for row in ledger(load_scenario(name)):
            levels[(row.key, row.value)].add(row.level)
    mixed = {key: lv for key, lv in levels.items() if len(lv) > 1}
    assert not mixed


STOP_WORDS = frozenset(("a", "an", "and", "are", "as", "by", "for", "in", "is", "it", "of", "on",
                        "or", "the", "to"))  # fmt: skip


def content_words(text: str) -> frozenset[str]:
    """The words of a citation that carry its meaning."""
    return frozenset(re.findall(r"[a-z0-9]+", text.lower())) - STOP_WORDS


def same_fact(a: str, b: str) -> bool:
    """Whether two citations state the same fact: most words of the shorter are in the
    longer (a remark added to one, a word more or less, do not make another fact)."""
    wa, wb = content_words(a), content_words(b)
    return bool(wa and wb) and len(wa & wb) / min(len(wa), len(wb)) >= 0.8


def citation(text: str) -> str:
    """A citation's leading statement, without the remarks a scenario adds after it (in
    brackets, after a semicolon or in a further sentence)."""
    return re.split(r"\(|;|\.\s|\.$", text, maxsplit=1)[0].strip(" .:")


def test_the_same_fact_has_the_same_level_and_source_in_every_bundled_scenario():
    """The check above compares key paths, so it misses the same fact under another
    name: a serious-violation list is `blacklist` in one scenario and
    `serious_violations` in another (5 years: DOCUMENTED in one, ASSUMPTION in the
    other). Here numbers are compared by kind of key (`lists.*.max_days`) and value, and
    those whose citations state the same fact must carry one level and one source (the
    same leading statement; a scenario may add a remark)."""
    cited = defaultdict(list)
    for name in BUNDLED:
        scenario = load_scenario(name)
        for row in ledger(scenario):
            if row.key not in scenario.sources or not row.source:
                continue
            parts = row.key.split(".")
            if parts[0] in ("lists", "behaviours", "perks", "scores") and len(parts) > 2:
                parts[1] = "*"
            cited[(".".join(parts), row.value)].append((name, row))
    pairs = 0
    for (kind, value), rows in cited.items():
        for (a, row_a), (b, row_b) in itertools.combinations(rows, 2):
            if not same_fact(row_a.source, row_b.source):
                continue
            pairs += 1
            where = (kind, value, a, row_a.key, b, row_b.key)
            assert row_a.level is row_b.level, (*where, row_a.level, row_b.level)
            assert citation(row_a.source) == citation(row_b.source), (
                *where,
                row_a.source,
                row_b.source,
            )
    assert pairs > 50
    # the case that escaped: a serious-violation entry's 5 years, which the sources give
    # as a lower bound ("more than 5 years"), not a cap: an assumption wherever it is used
    five = [row for (kind, value), rows in cited.items() if kind == "lists.*.max_days"
            and value == 1825 for _, row in rows]  # fmt: skip
    assert len(five) >= 3 and {row.level for row in five} == {Level.assumption}


def test_same_fact_tells_a_remark_from_another_fact():
    five = "A serious-violation blacklist entry may stay more than 5 years (5 years used)."
    assert same_fact(five, "A serious-violation entry may stay more than 5 years: 5 years is used.")
    six = "Earliest deletion of a blacklist entry: 6 months"
    remark = f"{six} (deleted early once obligations are met)."
    assert same_fact(f"{six}.", remark) and citation(f"{six}.") == citation(remark) == six
    assert not same_fact("Rongcheng Attachment 1: sued for unpaid debt -30.",
                         "Rongcheng Attachment 1: counterfeit goods -30.")  # fmt: skip
    assert not same_fact(five, "Severely-untrustworthy lists: 3 years.")


def test_rongcheng_city_documents_fewer_numbers_than_it_used_to_claim():
    rows = ledger(load_scenario("rongcheng_city"))
    counts = level_counts(rows)
    # the audit: 33 claimed, about 21 really cited by their own key
    assert 15 <= counts["documented"] <= 30
    assert counts["calibrated"] >= 2
    assert counts["assumption"] > counts["documented"]


@pytest.mark.parametrize("name", BUNDLED)
def test_every_grade_band_of_every_bundled_scenario_can_be_reached(name):
    score = load_scenario(name).score
    mins = [band.min for band in score.grades]
    tops = [math.inf, *mins[:-1]]
    bottoms = [*mins[:-1], -math.inf]
    for band, bottom, top in zip(score.grades, bottoms, tops, strict=True):
        lowest = max(bottom, score.lower)
        assert lowest <= score.upper and lowest < top, band.name


def test_a_band_below_the_floor_is_an_error(write_scenario):
    grades = [{"name": "B", "min": 850}, {"name": "C", "min": 600}, {"name": "D", "min": None}]
    path = write_scenario(small_data(score={"lower": 600, "grades": grades}))
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert "grade D can never be reached within lower..upper (600..1300)" in str(error.value)


@pytest.mark.parametrize("name", BUNDLED)
def test_scenarios_obey_the_design_they_cite(name):
    scenario = load_scenario(name)
    cited = " ".join(
        text if isinstance(text, str) else text.source for text in scenario.sources.values()
    )
    if "low score alone does not trigger" not in cited:
        return
    for list_name, rule in scenario.lists.items():
        if scenario.list_type(list_name) is ListType.blacklist and rule.enabled:
            assert not rule.enter.by_score or "DEPARTURE" in scenario.description, list_name


@pytest.mark.parametrize("name", BUNDLED)
def test_a_scenario_listing_by_score_says_it_departs_from_the_sources(name):
    scenario = load_scenario(name)
    by_score = [
        n
        for n, rule in scenario.lists.items()
        if scenario.list_type(n) is ListType.blacklist and rule.enabled and rule.enter.by_score
    ]
    if by_score:
        assert "A DEPARTURE FROM THE SOURCES" in scenario.description


def test_explain_prints_the_level_of_every_number_and_the_counts():
    scenario = load_scenario("rongcheng_city")
    text = explain_scenario(scenario)
    rows = ledger(scenario)
    counts = level_counts(rows)
    head = next(line for line in text.splitlines() if line.startswith("NUMBERS: "))
    for level, n in counts.items():
        assert f"{n} {level}" in head
    listed = [line for line in text.splitlines() if line.startswith("  ") and " = " in line]
    assert len(listed) == len(rows) == sum(counts.values())
    for label in ("DOCUMENTED", "DERIVED", "CALIBRATED", "ASSUMPTION"):
        assert sum(1 for line in listed if f"  {label}" in line) == counts[label.lower()]
    line = next(x for x in listed if "behaviours.sued_for_unpaid_debt.rate_per_year" in x)
    assert "CALIBRATED: to target court_defaulters_stock, court_defaulters_new_per_year" in line
    assert "score-sim calibrate (rongcheng_city.yaml)" in line


@pytest.mark.parametrize(
    ("sources", "targets", "key", "message"),
    [
        ({"score.initial": {"level": "guessed", "source": "x"}}, None, "sources.score.initial",
         "Input should be"),
        ({"score.nope": "a citation"}, None, "sources.score.nope",
         "names no key of this scenario"),
        ({"score.initial": "  "}, None, "sources.score.initial",
         "an empty citation documents nothing"),
        (None, [{"name": "t", "source": "s", "low": 0, "high": 1}], "targets[0].metric",
         "required key is missing"),
        (None, [{"name": "t", "source": "s", "metric": "happiness", "low": 0, "high": 1}],
         "targets[0].metric", "Input should be"),
        ({"score.initial": {"level": "calibrated", "source": "tuned", "target": "none"}}, None,
         "sources.score.initial.target", "'none' is not a target"),
    ],
)  # fmt: skip
def test_validation_names_file_line_and_key(write_scenario, sources, targets, key, message):
    data = small_data()
    if sources is not None:
        data["sources"] = sources
    if targets is not None:
        data["targets"] = targets
    path = write_scenario(data)
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    problem = next(p for p in error.value.problems if p.key.startswith(key))
    assert problem.file == str(path) and problem.line is not None and problem.line > 1
    assert message in problem.message


def test_validate_command_reports_a_bad_ledger_with_status_2(write_scenario):
    path = write_scenario(small_data(sources={"score.initial": {"level": "rumour"}}))
    result = subprocess.run(
        [sys.executable, "-m", "score_sim", "validate", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert f"{path}:" in result.stderr and "sources.score.initial.level" in result.stderr
    assert "Traceback" not in result.stderr


def _target_scenario(low: float, high: float):
    return scenario_from_data(
        small_data(
            targets=[
                {
                    "name": "listed",
                    "source": "a documented share",
                    "metric": "ever_listed_share",
                    "low": low,
                    "high": high,
                }
            ]
        )
    )


def test_every_run_reports_its_targets_and_the_cli_prints_the_missed(tmp_path):
    result = run_scenario(_target_scenario(0.0, 1e-9), tmp_path / "out", figures=False)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    (target,) = summary["targets"]
    assert set(target) >= {"name", "source", "metric", "low", "high", "model", "met"}
    assert target["model"] > 0.01 and target["met"] is False
    # the same share, measured from the model's own arrays
    listed = result.model.world.lists.days_blacklisted(result.model.steps)[:2000] > 0
    assert target["model"] == pytest.approx(listed.mean())
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    counts = manifest["evidence"]["counts"]
    assert set(counts) == {"documented", "derived", "calibrated", "assumption"}
    assert sum(counts.values()) == len(manifest["evidence"]["numbers"]) > 10
    data = small_data(
        targets=[
            {
                "name": "listed",
                "source": "doc",
                "metric": "ever_listed_share",
                "low": 0,
                "high": 1e-9,
            }
        ],
        run={"steps": 30, "seed": 1},
    )
    path = tmp_path / "t.yaml"
    path.write_text(json.dumps(data))
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "score_sim",
            "run",
            str(path),
            "--out",
            str(tmp_path / "cli"),
            "--no-figures",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert cli.returncode == 0, cli.stderr
    assert "target missed: listed: " in cli.stdout
    assert "(documented range 0..1e-09; doc)" in cli.stdout
    assert "calibration targets met: 0 of 1" in cli.stdout


def test_headlines_name_the_assumptions_they_scale_with():
    model = ScoreModel("erroneous_reports", rng=42, citizens=1000, firms=50, steps=60).run()
    summary = summarize(model)
    by_name = {h["name"]: h for h in summary["headlines"]}
    share = by_name["innocent_sanction_share"]
    assert "errors.false_finding_rate_per_year" in share["driven_by"]
    assert "driven by the assumed error rates" in share["text"]
    # a documented number never drives a headline as an assumption
    documented = {r.key for r in ledger(model.score_scenario) if r.level is Level.documented}
    for headline in summary["headlines"]:
        assert not documented & set(headline["driven_by"])


def test_rongcheng_city_meets_its_documented_targets_at_a_twentieth_of_its_size():
    """Calibrated at its full size (calibrations/rongcheng_city.yaml), the scenario meets
    its five targets at a twentieth of it too, over its five and a half years."""
    scenario = load_scenario("rongcheng_city")
    assert len(scenario.targets) == 5
    calibrated = [r for r in ledger(scenario) if r.level is Level.calibrated]
    assert len(calibrated) == 6
    assert {name for r in calibrated for name in r.target} == {t.name for t in scenario.targets}
    model = ScoreModel(scenario, rng=scenario.run.seed, citizens=33_500, firms=1_675).run()
    results = report(model)
    assert all(t["met"] for t in results), results


def test_the_caption_says_how_many_numbers_are_assumptions():
    from score_sim.outputs.figures.base import FigureContext, caption

    model = ScoreModel("baseline", rng=42, citizens=200, firms=10, steps=2)
    counts = level_counts(ledger(model.score_scenario))
    text = caption(FigureContext.of_model(model))
    assert f"{counts['assumption']} of its {sum(counts.values())} numbers are assumptions" in text


def test_the_ratio_headline_names_the_differences_between_people_and_how_much_is_selection():
    """national_concept: people differ, so most of the ratio is who gets restricted."""
    size = {"citizens": 10_000, "firms": 100}
    model = ScoreModel("national_concept", rng=42, **size).run()
    twin = ScoreModel("national_concept", rng=42, **size, **{"effects.enabled": False}).run()
    summary = summarize(model, twin)
    ratio = {h["name"]: h for h in summary["headlines"]}["misconduct_rate_ratio_restricted"]
    assert {"heterogeneity.sigma", "heterogeneity.shared"} <= set(ratio["driven_by"])
    assert any(key.startswith("effects.") for key in ratio["driven_by"])
    assert "feedback factors, differences between people (heterogeneity)" in ratio["text"]
    parts = summary["selection_vs_feedback"]["citizen"]
    share = parts["selection_share_of_log_ratio"]
    assert 0.5 < share <= 1  # mostly selection
    percent = int(re.search(r"\((\d+)% of it, on a log scale, is selection", ratio["text"])[1])
    assert percent <= 100 * share < percent + 1  # rounded down: never more than shown
    assert f"without feedback give {parts['selection_ratio']:.3g}," in ratio["text"]
    assert f"feedback multiplies it by {parts['feedback_ratio']:.3g})" in ratio["text"]
    assert math.isclose(parts["naive_ratio"], ratio["value"], rel_tol=1e-9)
    # without the twin the run cannot say how much: it names the causes and no share
    alone = {h["name"]: h for h in summarize(model)["headlines"]}
    assert "% of it" not in alone["misconduct_rate_ratio_restricted"]["text"]
    assert "heterogeneity.sigma" in alone["misconduct_rate_ratio_restricted"]["driven_by"]
    # people alike: no difference between them to name
    alike = ScoreModel(
        "national_concept", rng=42, steps=30, **size, **{"heterogeneity.enabled": False}
    ).run()
    headline = {h["name"]: h for h in summarize(alike)["headlines"]}
    assert not any(
        k.startswith("heterogeneity")
        for k in headline["misconduct_rate_ratio_restricted"]["driven_by"]
    )
    assert "heterogeneity" not in headline["misconduct_rate_ratio_restricted"]["text"]


def test_a_selection_share_outside_0_to_1_is_not_claimed():
    from score_sim.outputs.headlines import _selection_text

    parts = {"selection_ratio": 1.2, "feedback_ratio": 0.7, "selection_share_of_log_ratio": -0.5}
    text = _selection_text({"selection_vs_feedback": {"citizen": parts}})
    assert "%" not in text and "give 1.2, feedback multiplies it by 0.7" in text
    assert _selection_text({}) == ""


@pytest.mark.parametrize(
    ("name", "key", "steps"),
    [
        ("shandong_2020", "sanctions.reach.legal_representative", 120),
        ("joint_punishment_2016", "timeline.0.set.sanctions.reach.legal_representative", 200),
    ],
)
def test_the_innocent_share_headline_names_the_reach_to_legal_representatives(name, key, steps):
    """The innocent days of these runs are the legal representatives' (ties), not errors."""
    model = ScoreModel(name, rng=7, citizens=3000, firms=300, steps=steps).run()
    summary = summarize(model)
    errors = summary["erroneous_reports"]
    innocent, ties = errors["innocent_sanction_days"], errors["tie_sanction_days"]
    assert innocent > 100 and ties == innocent  # no false finding: every innocent day a tie's
    share = {h["name"]: h for h in summary["headlines"]}["innocent_sanction_share"]
    assert share["value"] > 0 and key in share["driven_by"]
    assert f"sanctions reaching legal representatives ({key}, assumed)" in share["text"]
    percent = int(re.search(r"(\d+)% of the innocent sanction-days are theirs", share["text"])[1])
    assert percent <= 100 * ties / innocent < percent + 1
    assert percent == 100


def test_the_innocent_share_headline_says_when_the_reach_is_documented_and_how_much():
    model = ScoreModel("corporate_scs", rng=3, citizens=5000, firms=1000, steps=200).run()
    summary = summarize(model)
    share = {h["name"]: h for h in summary["headlines"]}["innocent_sanction_share"]
    key = "sanctions.reach.legal_representative"
    parent = "sanctions.reach.parent_company"
    assert {key, parent} <= set(share["driven_by"])
    assert (
        f"legal representatives ({key}, documented), parent companies ({parent}, "
        "assumed)" in share["text"]
    )
    errors = summary["erroneous_reports"]
    innocent, ties = errors["innocent_sanction_days"], errors["tie_sanction_days"]
    assert 0 < ties < innocent  # false findings too
    percent = int(re.search(r"(\d+)% of the innocent sanction-days are theirs", share["text"])[1])
    assert percent <= 100 * ties / innocent < percent + 1
    # a scenario whose sanctions reach no tie names none
    alone = ScoreModel("national_concept", rng=1, citizens=1000, firms=50, steps=30).run()
    headline = {h["name"]: h for h in summarize(alone)["headlines"]}["innocent_sanction_share"]
    assert not any(k.startswith("sanctions.reach") for k in headline["driven_by"])
    assert "reaching" not in headline["text"]
