"""The package's shape: a day that is a plan of mechanisms, and a model that leaves Mesa's
names to Mesa.

The worked example of ``ARCHITECTURE.md`` ("how to add a mechanism") is
:func:`test_a_new_mechanism_plugs_into_the_plan_and_its_column_appears`.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
from pathlib import Path

import mesa
import numpy as np
import pytest
from conftest import small_scenario

import score_sim
from score_sim.explain import day_plan
from score_sim.mechanisms import plan
from score_sim.mechanisms.base import Day, Mechanism
from score_sim.model import ScoreModel
from score_sim.runner import run_scenario
from score_sim.scenario import load_scenario

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "score_sim"

MESA_OVERRIDES = {"step", "running", "agents", "agents_by_type", "agent_types"}
"""Mesa's own names that the model deliberately defines with Mesa's meaning: its day as
``step``, ``running`` when the run is over, and the agent sets (created on first use)."""


def names_the_model_sets() -> set[str]:
    """Every attribute ``ScoreModel`` assigns or defines, read from its source."""
    tree = ast.parse(inspect.getsource(ScoreModel))
    names: set[str] = set()
    (cls,) = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    for node in cls.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    for node in ast.walk(cls):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
            ):
                names.add(target.attr)
    return {n for n in names if not n.startswith("__")}


def test_the_model_sets_no_name_that_mesas_model_defines():
    mesa_names = set(dir(mesa.Model(rng=0))) | set(vars(mesa.Model(rng=0)))
    ours = names_the_model_sets() | {kind.name for kind in plan.MECHANISMS}
    assert "score_scenario" in ours and "world" in ours  # the scan sees the model's names
    clashes = sorted((ours & mesa_names) - MESA_OVERRIDES)
    assert clashes == [], f"ScoreModel would shadow mesa.Model's {clashes}"


def test_mesas_names_the_model_overrides_keep_mesas_meaning():
    model = ScoreModel(small_scenario(), rng=1, steps=3)
    assert model.running
    model.step()
    assert model.steps == 1
    model.run()
    assert model.steps == 3 and not model.running
    assert len(model.agents) == model.world.n_actors
    assert set(model.agent_types) == {type(model.citizens[0]), type(model.firms[0])}


class Rumours(Mechanism):
    """A toy mechanism: each day, a share of citizens hears a rumour about a listed one."""

    name = "rumours"
    title = "rumours"

    def __init__(self, share: float, rng: np.random.Generator) -> None:
        self.share = share
        self.rng = rng
        self.heard_today = 0

    @classmethod
    def build(cls, host: ScoreModel) -> Rumours:
        return cls(0.25, host.stream("rumours"))

    def after(self, day: Day) -> None:
        world = day.host.world
        listed = int(np.count_nonzero(world.lists.blacklisted[: world.n_citizens]))
        self.heard_today = int(self.rng.binomial(world.n_citizens, self.share)) if listed else 0

    def columns(self) -> list[str]:
        return ["citizen_n_heard_rumour"]

    def metrics(self, host: ScoreModel) -> dict[str, float]:
        return {"citizen_n_heard_rumour": self.heard_today}


def test_a_new_mechanism_plugs_into_the_plan_and_its_column_appears(monkeypatch):
    # a new mechanism: its class in MECHANISMS, its steps in DAY; step() is not touched
    monkeypatch.setattr(plan, "MECHANISMS", (*plan.MECHANISMS, Rumours))
    monkeypatch.setattr(
        plan, "DAY", (*plan.DAY, plan.Step("after", "rumours", "after", "rumours spread"))
    )
    scenario = load_scenario("pariah_spiral")
    before = ScoreModel(scenario, rng=3, citizens=800, firms=40, steps=60)
    assert "rumours spread" in before.describe_plan()
    heard = before.run().timeseries()["citizen_n_heard_rumour"]
    assert heard.shape == (61,)
    assert heard[0] == 0  # day 0 is the starting state: no rumour yet
    listed = before.timeseries()["citizen_n_blacklisted"]
    # a rumour is heard by about a quarter of 800 citizens on every day someone is listed
    days_listed = listed[1:] > 0
    assert days_listed.any()
    assert np.all(heard[1:][~days_listed] == 0)
    assert 150 < heard[1:][days_listed].mean() < 250
    # the mechanism drew from its own stream: every other column is as without it
    monkeypatch.undo()
    plain = ScoreModel(scenario, rng=3, citizens=800, firms=40, steps=60).run().timeseries()
    for column, values in plain.items():
        assert np.array_equal(values, before.timeseries()[column], equal_nan=True), column


def test_step_names_no_mechanism_and_reads_as_the_day():
    source = inspect.getsource(ScoreModel.step)
    assert len(source.splitlines()) <= 40
    for kind in plan.MECHANISMS:
        assert not re.search(rf"\b{kind.name}\b", source), kind.name


def test_every_step_of_the_day_names_a_mechanism_and_a_hook_it_has():
    by_name = {kind.name: kind for kind in plan.MECHANISMS}
    for step in plan.DAY:
        assert step.phase in plan.PHASES
        assert callable(getattr(by_name[step.mechanism], step.hook)), step
    phases = [plan.PHASES.index(step.phase) for step in plan.DAY]
    assert phases == sorted(phases)  # the day runs its phases in order


@pytest.mark.parametrize(
    ("name", "on", "off"),
    [
        ("corporate_scs", {"escalation ladder", "commitment letters"}, {"perks"}),
        ("sesame_credit", {"perks", "further scores"}, {"escalation ladder"}),
        ("shandong_2020", {"policy timeline"}, {"perks"}),
    ],
)
def test_the_printed_plan_says_which_mechanisms_are_on(name, on, off):
    text = day_plan(load_scenario(name))
    marked = {
        line.split("] ", 1)[1].split(":")[0]: line.strip()[1:4]
        for line in text.splitlines()
        if line.strip().startswith("[")
    }
    assert all(marked[title] == "on " for title in on), marked
    assert all(marked[title] == "off" for title in off), marked


def test_a_run_records_each_mechanisms_cpu_time_in_its_manifest(tmp_path):
    result = run_scenario(
        "corporate_scs", tmp_path / "run", citizens=1500, firms=300, steps=40, figures=False
    )
    manifest = json.loads((result.out_dir / "manifest.json").read_text())
    cpu = manifest["mechanism_cpu_s"]
    steps_on = {p.step.mechanism for p in result.model.plan.steps}
    assert set(cpu) == steps_on
    assert {"behaviour", "lists", "ladder", "sanctions"} <= set(cpu)
    assert all(seconds >= 0 for seconds in cpu.values())
    assert sum(cpu.values()) > 0


def import_graph() -> dict[str, set[str]]:
    """Each module of the package and the package's modules it imports when it runs.

    Imports inside functions count; imports under ``if TYPE_CHECKING:`` (type hints only)
    do not.
    """
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    def imported(node: ast.AST, found: set[str]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            names: list[str] = []
            if isinstance(child, ast.Import):
                names = [a.name for a in child.names]
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                names = [
                    f"{child.module}.{a.name}"
                    if f"{child.module}.{a.name}" in modules
                    else child.module
                    for a in child.names
                ]
            found |= {r for n in names if n.startswith("score_sim") and (r := resolve(n))}
            imported(child, found)

    graph = {}
    for name, path in modules.items():
        found: set[str] = set()
        imported(ast.parse(path.read_text(encoding="utf-8")), found)
        graph[name] = found - {name}
    return graph


def test_no_import_circle_among_the_packages_modules():
    graph = import_graph()
    assert {"score_sim.model", "score_sim.mechanisms.plan", "score_sim.outputs.summary"} <= set(
        graph
    )
    assert "score_sim.mechanisms.plan" in graph["score_sim.model"]  # the scan sees imports
    # depth-first search for a path that comes back to where it started
    state: dict[str, int] = {}
    circles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                circles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert circles == [], " -> ".join(circles[0]) if circles else ""


def test_outputs_never_import_the_model_or_the_runner():
    graph = import_graph()
    for module, targets in graph.items():
        if module.startswith("score_sim.outputs"):
            assert not targets & {"score_sim.model", "score_sim.runner"}, module


LONGEST_MODULE_LINES = 700
"""A module longer than this is split (ARCHITECTURE.md: "no source file over about 700 lines")."""


def test_no_module_is_longer_than_the_stated_limit():
    package = Path(score_sim.__file__).parent
    lengths = {
        path.relative_to(package).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in package.rglob("*.py")
    }
    assert len(lengths) > 100  # the walk found the package
    too_long = {name: n for name, n in lengths.items() if n > LONGEST_MODULE_LINES}
    assert too_long == {}


def test_no_comment_names_an_issue_instead_of_saying_why():
    root = Path(score_sim.__file__).parents[2]
    issue = re.compile(r"#.*(\b[Ii]ssue\s*#?\d+|\(#\d+\)|\bGH-?\d+)")
    found = [
        f"{path.relative_to(root)}:{number}"
        for folder in ("src", "tests", "benchmarks")
        for path in (root / folder).rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if issue.search(line)
    ]
    assert found == []
    assert issue.search("x = 1  # see iss" + "ue 22") and issue.search("# fixed (" + "#16)")
