"""The ten documented systems bundled as scenarios: each is listed, explains itself, cites
its sources number by number, and runs; Rongcheng's own documented mechanics.

Each system's other documented mechanics are tested beside the mechanism they use (the
timeline, several scores, perks, data sharing, the corporate pieces).
"""

from __future__ import annotations

import itertools
import re
import shlex
import subprocess
import sys

import numpy as np
import pytest

from score_sim.events import EventKind
from score_sim.explain import explain_scenario
from score_sim.model import ScoreModel
from score_sim.scenario import bundled_scenarios, load_scenario, resolve_scenario
from score_sim.scenario.ledger import ledger, level_counts
from score_sim.scenario.overrides import parse_override

SEED_SYSTEMS = (
    "national_concept",
    "rongcheng_city",
    "suining_2010",
    "sesame_credit",
    "tencent_credit",
    "siloed_scores",
    "corporate_scs",
    "joint_punishment_2016",
    "data_sharing",
    "shandong_2020",
)
SMALL = {"citizens": 3000, "firms": 150, "steps": 90}
HEADINGS = ("WHAT IT IS", "HOW IT WORKS", "THINGS TO NOTICE", "THINGS TO TRY")


def test_every_seed_system_is_bundled_and_listed():
    assert set(SEED_SYSTEMS) <= set(bundled_scenarios())
    listed = subprocess.run(
        [sys.executable, "-m", "score_sim", "list"], capture_output=True, text=True, check=True
    ).stdout
    for name in SEED_SYSTEMS:
        assert re.search(rf"^{name}\s", listed, re.MULTILINE), name


@pytest.mark.parametrize("name", SEED_SYSTEMS)
def test_a_seed_system_explains_itself_and_cites_its_sources(name):
    path = bundled_scenarios()[name]
    assert path.read_text(encoding="utf-8").splitlines()[0] == (
        "# yaml-language-server: $schema=scenario.schema.json"
    )
    scenario = load_scenario(name)
    assert scenario.name == name
    positions = [scenario.description.find(heading) for heading in HEADINGS]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), positions
    counts = level_counts(ledger(scenario))
    # every system cites at least one of its numbers; the rest are labelled
    assert counts["documented"] >= 1
    assert sum(counts.values()) == len(ledger(scenario))
    text = explain_scenario(name)
    assert f"{counts['documented']} documented" in text
    assert f"{counts['assumption']} assumption" in text


@pytest.mark.parametrize("name", SEED_SYSTEMS)
def test_a_seed_system_runs_small(name):
    model = ScoreModel(name, rng=7, **SMALL).run()
    assert model.steps == 90
    series = model.timeseries()
    assert all(np.isfinite(values).all() for values in series.values())
    score = model.score_scenario.score
    assert score.lower <= model.world.score.min() and model.world.score.max() <= score.upper


@pytest.mark.parametrize("name", SEED_SYSTEMS)
def test_the_changes_a_seed_system_suggests_are_valid(name):
    """Every command and option quoted in THINGS TO TRY makes a valid scenario as written."""
    description = load_scenario(name).description
    tried = description[description.find("THINGS TO TRY") :]
    quoted = re.findall(r"`((?:score-sim (?:run|compare) |--)[^`]+)`", tried)
    quoted += re.findall(r"^\s*(score-sim (?:run|compare) .+)$", tried, re.MULTILINE)
    assert quoted, "THINGS TO TRY quotes no command"
    for text in quoted:
        words = shlex.split(text)
        target = words[2] if words[0] == "score-sim" else name
        changes: dict[str, object] = {}
        sizes: dict[str, int] = {}
        for option, value in itertools.pairwise(words):
            if option in ("--set", "--set-both"):
                key, parsed = parse_override(value)
                changes[key] = parsed
            elif option in ("--citizens", "--firms", "--steps"):
                sizes[option[2:]] = int(value.replace(",", "").replace("_", ""))
        resolve_scenario(target, changes, **sizes)


def test_rongcheng_grades_are_its_documented_bands():
    """AAA >= 1050, AA 1030-1049, A 960-1029, B 850-959, C 600-849, D <= 599."""
    model = ScoreModel("rongcheng_city", rng=1, citizens=100, firms=5, steps=1)
    scores = np.array([1300, 1050, 1049, 1030, 1029, 960, 959, 850, 849, 600, 599, 0.0])
    names = [model.grading.names[i] for i in model.grading.grade_index(scores)]
    assert names == ["AAA", "AAA", "AA", "AA", "A", "A", "B", "B", "C", "C", "D", "D"]


def test_rongcheng_court_defaulter_entries_last_two_to_five_years():
    """Terms of 2 years, extended by a year up to three times, each with the scenario's
    (calibrated) chance: the terms drawn, not the stays lived (a target measures those)."""
    model = ScoreModel("rongcheng_city", rng=3, citizens=30000, firms=1500, steps=120).run()
    entries = model.events.of_kind(EventKind.blacklist_entry)
    court = entries[entries["list"] == list(model.score_scenario.lists).index("court_defaulters")]
    assert court.size > 20
    years = court["days"] / 365
    assert set(np.round(np.unique(years), 6)) <= {2.0, 3.0, 4.0, 5.0}
    assert years.min() >= 2 and years.max() <= 5
    # extensions are drawn: on average 3 times the chance of each
    chance = model.score_scenario.lists["court_defaulters"].extension.probability
    extensions = years - 2
    spread = np.sqrt(3 * chance * (1 - chance) / court.size)
    assert abs(extensions.mean() - 3 * chance) < 4 * spread + 0.05
