"""Watching and inspecting people: states of a fixed sample, and the chain that reached one."""

from __future__ import annotations

import numpy as np

from score_sim.app import people
from score_sim.app.controls import Settings
from score_sim.app.session import Session
from score_sim.events import Cause, EventKind


def rongcheng(days: int) -> Session:
    session = Session(Settings(scenario="rongcheng_city", citizens="4,000", firms="200"))
    session.step(days)
    return session


def test_the_sample_is_fixed_and_its_states_follow_the_city():
    session = rongcheng(30)
    actors, states = session.watched_now()
    assert actors.size == people.WATCHED_CITIZENS + people.WATCHED_FIRMS
    assert np.array_equal(actors, people.watched_actors(4_000, 200))
    model = session.model
    restricted = model.sanctions.restrictions[actors] != 0
    assert [s == "restricted" for s in states] == restricted.tolist()
    history = session.score_history(int(actors[0]))
    assert history is not None and len(history) == 31
    assert history[-1] == model.world.score[actors[0]] and history[0] == 1000


def test_someone_reached_through_a_tie_is_explained_by_the_chain_from_the_finding():
    session = rongcheng(40)
    model = session.model
    rows = model.events.rows
    reached = rows[(rows["event"] == EventKind.sanction) & (rows["cause"] == Cause.staff)]
    actor, source = int(reached["actor"][-1]), int(reached["source"][-1])
    why = people.explain(model, actor)
    tie = f"as staff of {people.name_of(model, source)}: it did nothing itself"
    assert why.chain[-1].endswith(tie)
    assert any("put on the blacklist" in line or "finding" in line for line in why.chain[:-2])
    assert why.lines[2].startswith("restricted from: ") and "nothing" not in why.lines[2]
    tree = people.cascade_tree(model, source)
    assert any(line.startswith("├─") and "as staff of it" in line for line in tree), tree


def test_an_untouched_citizen_has_no_chain():
    session = rongcheng(5)
    model = session.model
    quiet = int(np.flatnonzero(model.sanctions.restrictions[: model.world.n_citizens] == 0)[0])
    if not model.world.lists.blacklisted[quiet]:
        assert people.explain(model, quiet).chain == []
    assert people.cascade_tree(model, quiet) == []
