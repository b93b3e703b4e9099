"""Watching and inspecting people: states of a fixed sample, and the chain that reached one."""

from __future__ import annotations

import numpy as np

from score_sim.app import people, people_view
from score_sim.app.controls import Settings
from score_sim.app.session import Session
from score_sim.events import Cause, EventKind


def rongcheng(days: int) -> Session:
    session = Session(Settings(scenario="rongcheng_city", citizens="4,000", firms="200"))
    session.step(days)
    return session


def test_the_sample_is_fixed_and_its_states_follow_the_city():
    session = rongcheng(30)
    sample, states = session.watched_now()
    actors = sample.actors
    n_citizens = int(np.count_nonzero(actors < 4_000))
    assert people.WATCHED_CITIZENS - 3 <= n_citizens <= people.WATCHED_CITIZENS
    assert actors.size - n_citizens == people.WATCHED_FIRMS
    again = rongcheng(0).watched_now()[0]
    assert np.array_equal(actors, again.actors)  # a reload watches the same people
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


def test_the_sample_is_whole_households():
    session = rongcheng(1)
    sample, _ = session.watched_now()
    family = session.model.world.ties.family
    households = [sample.actors[a:b] for a, b in sample.groups[: sample.n_households]]
    assert len(households) >= 10  # Rongcheng's households average 3 people: about 20
    assert any(h.size > 1 for h in households)
    seen = np.concatenate(households)
    assert np.unique(seen).size == seen.size  # nobody is watched twice
    for members in households:
        for citizen in members.tolist():
            relatives = family.indices[family.indptr[citizen] : family.indptr[citizen + 1]]
            # a household is a citizen with all of its family, and nobody else
            assert set(relatives.tolist()) == set(members.tolist()) - {citizen}
    firms = [sample.actors[a:b] for a, b in sample.groups[sample.n_households :]]
    assert all(f.size == 1 and f[0] >= 4_000 for f in firms)


def test_a_cascade_is_a_tree_from_the_finding_to_everyone_it_reached():
    session = rongcheng(40)
    model = session.model
    rows = model.events.rows
    reached = rows[(rows["event"] == EventKind.sanction) & (rows["cause"] == Cause.staff)]
    source = int(reached["source"][-1])
    cascade = people.cascade_of(model, source)
    assert cascade is not None and cascade.source == people.name_of(model, source)
    day = rows[(rows["event"] == EventKind.sanction) & (rows["source"] == source)]["day"].max()
    cascade_rows = rows[
        (rows["event"] == EventKind.sanction)
        & (rows["source"] == source)
        & (rows["day"] == day)
        & (rows["actor"] != source)
    ]
    assert cascade.day == day and cascade.reached == cascade_rows.size
    staff = next(b for b in cascade.branches if b.tie == "as staff of it")
    assert staff.count == np.count_nonzero(cascade_rows["cause"] == Cause.staff)
    assert len(staff.reached) == min(staff.count, people.BRANCH_NAMES)
    assert any("put on the blacklist" in line for line in cascade.behind)
    image = people_view.cascade_figure(cascade, projector=True)
    assert image.startswith(b"<?xml") or image.startswith(b"\x89PNG")
    assert (
        people.cascade_of(model, int(np.flatnonzero(model.sanctions.restrictions == 0)[0])) is None
    )


def test_someone_reached_is_shown_the_cascade_it_is_a_leaf_of():
    session = rongcheng(40)
    model = session.model
    rows = model.events.rows
    reached = rows[(rows["event"] == EventKind.sanction) & (rows["cause"] == Cause.family)]
    actor, source = int(reached["actor"][-1]), int(reached["source"][-1])
    cascade, through_a_tie = people.cascade_reaching(model, actor)
    assert through_a_tie and cascade == people.cascade_of(model, source)
    assert any(
        people.name_of(model, actor) in b.reached or b.count > len(b.reached)
        for b in cascade.branches
    )
    assert people.cascade_lines(cascade) == people.cascade_tree(model, source)
