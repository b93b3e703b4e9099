"""Watching people: a sample of citizens and firms, their state today, and why.

A tab watches a fixed sample of its city (:func:`watched_actors`: citizens and firms drawn
once with their own seed, so a reload watches the same people). Each is shown by its state
today (:func:`states`): under a restriction, on the blacklist, or by its score band. Clicking
one explains it (:func:`explain`): its score so far, its lists and restrictions, and why it
is restricted, directly (its own listing, and the findings that led to it) or through whom
(the tie, the sanctioned actor, and that actor's listing and findings), which is the chain
from the finding that reached it. :func:`cascade_tree` shows one sanction's cascade: the
sanctioned actor and everyone it reached, by tie.

Everything is read from the model's arrays and event log (numpy over the log, no loop over
actors); nothing here changes the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from score_sim.events import Cause, EventKind
from score_sim.mechanisms.sanctions import restriction_names

if TYPE_CHECKING:
    from score_sim.model import ScoreModel

WATCHED_CITIZENS = 60
WATCHED_FIRMS = 12
WATCH_SEED = 20_240_601
"""The sample's own seed: the same people are watched in every run of a city size."""

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


def watched_actors(n_citizens: int, n_firms: int) -> np.ndarray:
    """The sample a tab watches: actor indices, citizens first, then firms."""
    rng = np.random.default_rng(WATCH_SEED)
    citizens = np.sort(rng.choice(n_citizens, min(WATCHED_CITIZENS, n_citizens), replace=False))
    firms = n_citizens + np.sort(rng.choice(n_firms, min(WATCHED_FIRMS, n_firms), replace=False))
    return np.concatenate([citizens, firms]).astype(np.int64)


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
            f"(for at least {int(row['days'])} days), after {cause}"
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


def cascade_tree(model: ScoreModel, source: int) -> list[str]:
    """The cascade of ``source``'s latest sanction: it, then everyone reached, by tie.

    Returns:
        Lines of a tree (``├─``), or nothing when ``source`` was never sanctioned.
    """
    rows = model.events.rows
    started = rows[(rows["event"] == EventKind.sanction) & (rows["source"] == source)]
    if started.size == 0:
        return []
    day = int(started["day"].max())
    cascade = started[started["day"] == day]
    lines = [*_listing(model, source), f"day {day}: {name_of(model, source)} sanctioned"]
    reached = cascade[cascade["actor"] != source]
    for cause, words in TIES.items():
        who = reached["actor"][reached["cause"] == cause]
        if who.size:
            names = ", ".join(name_of(model, int(a)) for a in who[:8])
            more = f" and {who.size - 8:,} more" if who.size > 8 else ""
            firm = source >= model.world.n_citizens
            whose = "its staff" if cause == Cause.family and firm else "it"
            lines.append(f"├─ {who.size:,} reached {words} {whose}: {names}{more}")
    if reached.size == 0:
        lines.append("└─ nobody else was reached")
    return lines
