"""Watching people: a sample of citizens and firms, their state today, and why.

A tab watches a fixed sample of its city (:func:`watched`): whole households (a citizen
drawn at random with everyone of its family) and firms, drawn with their own seed, so a
reload watches the same people, and a restriction that reaches a family through one member
is seen in the household beside them. Each is shown by its state today (:func:`states`):
under a restriction, on the blacklist, or by its score band. Clicking one explains it
(:func:`explain`): its score so far, its lists and restrictions, and why it is restricted,
directly (its own listing, and the findings that led to it) or through whom (the tie, the
sanctioned actor, and that actor's listing and findings), which is the chain from the
finding that reached it. :func:`cascade_of` gives one sanction's cascade as a tree, from
the finding to the sanctioned actor and from it, by tie, to everyone it reached
(:func:`cascade_tree` in lines of text).

Everything is read from the model's arrays and event log (numpy over the log, no loop over
actors); nothing here changes the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from score_sim.events import Cause, EventKind
from score_sim.mechanisms.sanctions import restriction_names
from score_sim.mechanisms.ties import Graph

if TYPE_CHECKING:
    from score_sim.model import ScoreModel

WATCHED_CITIZENS = 60
"""At most this many citizens are watched, in whole households."""
WATCHED_FIRMS = 12
WATCH_SEED = 20_240_601
"""The sample's own seed: the same people are watched in every run of a city size."""
HOUSEHOLD_DRAWS = 1_000
"""Citizens drawn at most while filling the sample with households (larger households are
passed over once the sample is nearly full)."""

TIES = {
    Cause.legal_representative: "as the legal representative of",
    Cause.staff: "as staff of",
    Cause.family: "as family of",
    Cause.parent_company: "as the parent company of",
}
CAUSES = {
    Cause.conduct: "something it really did",
    Cause.false_finding: "a false record",
    Cause.malicious_denunciation: "a malicious denunciation",
    Cause.misidentification: "a misidentification (someone else did it)",
    Cause.score: "its score crossing the list's threshold",
}
STATE_COLOURS = {
    "restricted": "#c0392b",
    "blacklisted": "#1b1b1b",
    "low": "#e67e22",
    "middle": "#95a5a6",
    "high": "#27ae60",
}
"""The colour of each state in the view (restricted over listed over score band)."""
STATE_WORDS = {
    "restricted": "under a restriction",
    "blacklisted": "on the blacklist",
    "low": "score below the baseline",
    "middle": "score at the baseline",
    "high": "score above the baseline",
}


@dataclass(frozen=True)
class Watched:
    """The sample a tab watches: actor indices, and how they group into households."""

    actors: np.ndarray
    """Actor indices: the households' citizens (household by household), then the firms."""
    groups: tuple[tuple[int, int], ...]
    """Each household's and each firm's ``(start, stop)`` in :attr:`actors`."""
    n_households: int
    """How many of :attr:`groups` are households (the rest are firms, one each)."""


def watched(family: Graph, n_citizens: int, n_firms: int) -> Watched:
    """Whole households (up to :data:`WATCHED_CITIZENS` citizens) and :data:`WATCHED_FIRMS` firms.

    Citizens are drawn in a fixed random order (:data:`WATCH_SEED`); each one not yet
    watched brings its household (itself and its family ties, which are the whole household)
    while it fits. Firms are drawn with the same seed.
    """
    rng = np.random.default_rng(WATCH_SEED)
    draws = rng.permutation(n_citizens)[:HOUSEHOLD_DRAWS] if n_citizens else np.zeros(0, int)
    taken: set[int] = set()
    households: list[np.ndarray] = []
    total = 0
    for citizen in draws.tolist():  # a bounded walk over households, not over the city
        if citizen in taken:
            continue
        family_of = family.indices[family.indptr[citizen] : family.indptr[citizen + 1]]
        members = np.unique(np.append(family_of.astype(np.int64), citizen))
        if total + members.size > WATCHED_CITIZENS:
            if total >= WATCHED_CITIZENS - 1:
                break
            continue
        households.append(members)
        taken.update(members.tolist())
        total += members.size
    firms = n_citizens + np.sort(rng.choice(n_firms, min(WATCHED_FIRMS, n_firms), replace=False))
    parts = [*households, *(np.array([firm]) for firm in firms.tolist())]
    stops = np.cumsum([part.size for part in parts]).tolist()
    starts = [0, *stops[:-1]]
    actors = np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)
    return Watched(actors, tuple(zip(starts, stops, strict=True)), len(households))


def watched_actors(model: ScoreModel) -> Watched:
    """The sample a tab watches in ``model``'s city (see :func:`watched`)."""
    world = model.world
    return watched(world.ties.family, world.n_citizens, world.n_actors - world.n_citizens)


def states(model: ScoreModel, actors: np.ndarray) -> list[str]:
    """Each watched actor's state today: a key of :data:`STATE_COLOURS`."""
    world = model.world
    baseline = float(model.score_scenario.score.initial)
    restricted = model.sanctions.restrictions[actors] != 0
    listed = world.lists.blacklisted[actors]
    score = world.score[actors]
    above = np.where(score > baseline + 0.5, "high", "middle")
    band = np.where(score < baseline - 0.5, "low", above)
    state = np.where(restricted, "restricted", np.where(listed, "blacklisted", band))
    return [str(s) for s in state]


def name_of(model: ScoreModel, actor: int) -> str:
    """``citizen 17`` or ``firm 3`` (firms counted from 1 after the citizens)."""
    n = model.world.n_citizens
    return f"citizen {actor + 1}" if actor < n else f"firm {actor - n + 1}"


@dataclass(frozen=True)
class Explanation:
    """Why one actor is where it is today, in sentences."""

    name: str
    lines: list[str]
    chain: list[str]
    """From the finding to this actor, one step a line (empty: nothing reached it)."""


def _listing(model: ScoreModel, actor: int) -> list[str]:
    """The findings and the listing of ``actor``, earliest first, as sentences."""
    rows = model.events.rows
    mine = rows[rows["actor"] == actor]
    lines = []
    findings = mine[mine["event"] == EventKind.finding]
    for row in findings[-3:]:
        cause = CAUSES.get(Cause(int(row["cause"])), "a finding")
        lines.append(f"day {int(row['day'])}: a finding against {name_of(model, actor)}: {cause}")
    for row in mine[mine["event"] == EventKind.blacklist_entry][-1:]:
        cause = CAUSES.get(Cause(int(row["cause"])), "a finding")
        lines.append(
            f"day {int(row['day'])}: {name_of(model, actor)} put on the blacklist "
            f"(for at least {int(row['days']):,} days), after {cause}"
        )
    return lines


def explain(model: ScoreModel, actor: int) -> Explanation:
    """Why ``actor`` is where it is today: its state, and the chain that reached it."""
    world = model.world
    name = name_of(model, actor)
    mask = int(model.sanctions.restrictions[actor])
    lists = [n for n, book in world.lists.books.items() if book.listed[actor]]
    lines = [
        f"score {world.score[actor]:,.1f} points today",
        "on: " + (", ".join(n.replace("_", " ") for n in lists) if lists else "no list"),
        "restricted from: "
        + (", ".join(r.replace("_", " ") for r in restriction_names(mask)) if mask else "nothing"),
    ]
    rows = model.events.rows
    sanctions = rows[(rows["actor"] == actor) & (rows["event"] == EventKind.sanction)]
    chain: list[str] = []
    if sanctions.size:
        last = sanctions[-1]
        cause, source = Cause(int(last["cause"])), int(last["source"])
        if cause in TIES and source >= 0:
            chain = [
                *_listing(model, source),
                f"day {int(last['day'])}: {name_of(model, source)} sanctioned",
                f"day {int(last['day'])}: {name} restricted {_tie(model, cause, source)} "
                f"{name_of(model, source)}: it did nothing itself",
            ]
        else:
            chain = [
                *_listing(model, actor),
                f"day {int(last['day'])}: {name} sanctioned for its own listing",
            ]
    elif lists:
        chain = _listing(model, actor)
    return Explanation(name, lines, chain)


def _tie(model: ScoreModel, cause: Cause, source: int) -> str:
    """How a tie reached someone: family reached through a firm are its staff's family."""
    if cause == Cause.family and source >= model.world.n_citizens:
        return "as family of the staff of"
    return TIES[cause]


@dataclass(frozen=True)
class Branch:
    """Everyone one sanction reached through one kind of tie."""

    tie: str
    """How they were reached, e.g. ``as staff of it``."""
    reached: tuple[str, ...]
    """The first of them by name (at most :data:`BRANCH_NAMES`)."""
    count: int
    """How many were reached this way."""


@dataclass(frozen=True)
class Cascade:
    """One sanction's cascade: the findings and listing behind it, and everyone it reached."""

    day: int
    source: str
    """The sanctioned actor, by name."""
    behind: tuple[str, ...]
    """The findings and the listing that led to the sanction, earliest first."""
    branches: tuple[Branch, ...]

    @property
    def reached(self) -> int:
        """How many people and firms the sanction reached besides its own actor."""
        return sum(branch.count for branch in self.branches)


BRANCH_NAMES = 8
"""Names shown per branch of a cascade (the rest are counted)."""


def cascade_of(model: ScoreModel, source: int) -> Cascade | None:
    """The cascade of ``source``'s latest sanction, or None when it was never sanctioned."""
    rows = model.events.rows
    started = rows[(rows["event"] == EventKind.sanction) & (rows["source"] == source)]
    if started.size == 0:
        return None
    day = int(started["day"].max())
    cascade = started[started["day"] == day]
    reached = cascade[cascade["actor"] != source]
    firm = source >= model.world.n_citizens
    branches = []
    for cause, words in TIES.items():
        who = reached["actor"][reached["cause"] == cause]
        if who.size:
            whose = "its staff" if cause == Cause.family and firm else "it"
            names = tuple(name_of(model, int(a)) for a in who[:BRANCH_NAMES])
            branches.append(Branch(f"{words} {whose}", names, int(who.size)))
    return Cascade(day, name_of(model, source), tuple(_listing(model, source)), tuple(branches))


def cascade_reaching(model: ScoreModel, actor: int) -> tuple[Cascade | None, bool]:
    """The cascade that last reached ``actor``, and whether it reached it through a tie.

    Someone restricted through a tie is shown the cascade of the actor sanctioned (the tree
    it is a leaf of); a sanctioned actor, its own cascade.
    """
    rows = model.events.rows
    sanctions = rows[(rows["actor"] == actor) & (rows["event"] == EventKind.sanction)]
    if sanctions.size:
        last = sanctions[-1]
        source = int(last["source"])
        if Cause(int(last["cause"])) in TIES and source >= 0:
            return cascade_of(model, source), True
    return cascade_of(model, actor), False


def cascade_tree(model: ScoreModel, source: int) -> list[str]:
    """The cascade of ``source``'s latest sanction as lines of a tree (``├─``).

    Returns:
        The findings behind it, the sanction, then one line per kind of tie; nothing when
        ``source`` was never sanctioned.
    """
    cascade = cascade_of(model, source)
    return [] if cascade is None else cascade_lines(cascade)


def cascade_lines(cascade: Cascade) -> list[str]:
    """``cascade`` as lines of a tree: what led to it, the sanction, one line per kind of tie."""
    lines = [*cascade.behind, f"day {cascade.day}: {cascade.source} sanctioned"]
    for branch in cascade.branches:
        shown = len(branch.reached)
        more = f" and {branch.count - shown:,} more" if branch.count > shown else ""
        names = ", ".join(branch.reached)
        lines.append(f"├─ {branch.count:,} reached {branch.tie}: {names}{more}")
    if not cascade.branches:
        lines.append("└─ nobody else was reached")
    return lines
