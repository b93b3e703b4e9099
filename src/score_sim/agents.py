"""Citizens and firms as Mesa agents: views onto the model's arrays.

Each agent holds only its index into :class:`score_sim.world.World`; its attributes are
properties over the arrays, so Mesa's ``model.agents``, ``DataCollector`` agent reporters
and ``batch_run`` see live values while the day's rules run vectorised over the arrays.

The views are created in bulk, with the garbage collector paused, the first time anything
asks for them (``model.agents``, ``model.citizens``...): a run that only needs the arrays
(the command line) never pays for hundreds of thousands of Python objects.
"""

from __future__ import annotations

import gc
import itertools
import weakref
from typing import TYPE_CHECKING

import mesa
import numpy as np

from score_sim.mechanisms.sanctions import restriction_names

if TYPE_CHECKING:
    from score_sim.model import ScoreModel


class Actor(mesa.Agent):
    """A scored actor (citizen or firm), viewed through its index into the model's arrays."""

    kind = "actor"
    model: ScoreModel

    def __init__(self, model: ScoreModel, index: int) -> None:
        """Create the view of actor ``index``."""
        super().__init__(model)
        self.index = index

    @property
    def score(self) -> float:
        """Current score (points)."""
        return float(self.model.world.score[self.index])

    @property
    def grade(self) -> str:
        """Name of the current grade band."""
        return self.model.grading.names[self.model.grade_of(self.index)]

    @property
    def blacklisted(self) -> bool:
        """Whether the actor is on a blacklist now (any of the scenario's blacklists)."""
        return bool(self.model.world.lists.blacklisted[self.index])

    @property
    def redlisted(self) -> bool:
        """Whether the actor is on a red list now."""
        return bool(self.model.world.lists.redlisted[self.index])

    @property
    def days_blacklisted(self) -> int:
        """Days spent on some blacklist so far in the run."""
        return int(self.model.world.lists.days_blacklisted(self.model.steps, self.index))

    @property
    def days_redlisted(self) -> int:
        """Days spent on some red list so far in the run."""
        return int(self.model.world.lists.days_redlisted(self.model.steps, self.index))

    def on_list(self, name: str) -> bool:
        """Whether the actor is on the scenario's list ``name`` now."""
        return bool(self.model.world.lists.books[name].listed[self.index])

    @property
    def lists(self) -> tuple[str, ...]:
        """The lists the actor is on now: ``()``, ``("blacklist",)``, ``("redlist",)`` or both."""
        on = (("blacklist", self.blacklisted), ("redlist", self.redlisted))
        return tuple(name for name, listed in on if listed)

    @property
    def listed_innocent(self) -> bool:
        """Whether the actor is on the blacklist on false findings (the entry is innocent)."""
        return bool(self.model.world.lists.blacklist_innocent[self.index])

    @property
    def restrictions(self) -> tuple[str, ...]:
        """The restrictions (joint sanctions) the actor is under now, e.g. ``("travel",)``."""
        return tuple(restriction_names(int(self.model.sanctions.restrictions[self.index])))

    @property
    def restricted(self) -> bool:
        """Whether the actor is under at least one restriction now."""
        return bool(self.model.sanctions.restrictions[self.index] != 0)

    @property
    def days_restricted(self) -> int:
        """Days the actor has ended under at least one restriction so far."""
        return int(self.model.harms.days_restricted[self.index])

    @property
    def pariah(self) -> bool:
        """Whether the actor is a pariah now.

        At or near the floor, or blacklisted, for at least ``harm_metrics.pariah_min_days``
        without a break (``pariah`` in agents.csv).
        """
        harms = self.model.harms
        since = int(harms.spell_since[self.index])
        return since >= 0 and self.model.steps - since >= harms.config.pariah_min_days

    @property
    def false_points(self) -> float:
        """The part of the score's distance from the baseline due to false findings."""
        return float(self.model.world.false_points[self.index])

    def step(self) -> None:
        """Nothing: the model's rules act on all actors at once."""


class Citizen(Actor):
    """A resident with a personal score, possibly employed by a firm."""

    kind = "citizen"

    @property
    def employer(self) -> int | None:
        """Index of the employing firm among firms, or None."""
        firm = int(self.model.world.employer[self.index])
        return None if firm < 0 else firm

    @property
    def employer_id(self) -> int | None:
        """Mesa ``unique_id`` of the employing firm (``employer_id`` in agents.csv), or None."""
        firm = self.employer
        if firm is None:
            return None
        return int(self.model.agent_ids(np.array([self.model.world.n_citizens + firm]))[0])


class Firm(Actor):
    """A company with a corporate score, belonging to one sector."""

    kind = "firm"

    @property
    def sector(self) -> str:
        """Name of the firm's sector."""
        firm = self.index - self.model.world.n_citizens
        sector = int(self.model.world.firm_sector[firm])
        return self.model.score_scenario.population.sectors[sector]


def create_views(model: ScoreModel, cls: type[Actor], indices: range, first_id: int) -> list[Actor]:
    """Create agent views of ``indices`` at once, with ids ``first_id + index``.

    Equivalent to ``[cls(model, i) for i in indices]`` with pre-assigned ids, without the
    per-agent registration calls: see :func:`register_views`.
    """
    new = object.__new__
    views = [new(cls) for _ in indices]
    for view, index in zip(views, indices, strict=True):
        view.__dict__.update(model=model, unique_id=first_id + index, pos=None, index=index)
    return views


def reserve_agent_ids(model: mesa.Model, n: int) -> int:
    """Reserve ``n`` consecutive Mesa ``unique_id`` values for ``model``; return the first.

    Mesa up to 3.3 counts ids per model in ``Agent._ids``; Mesa 3.4 and later count them on
    the model itself (``agent_id_counter``). Either way the next agent Mesa creates gets the
    id after the reserved ones.
    """
    if hasattr(model, "agent_id_counter"):
        first = int(model.agent_id_counter)
        model.agent_id_counter = first + n
        return first
    first = next(mesa.Agent._ids[model])
    mesa.Agent._ids[model] = itertools.count(first + n)
    return first


def release_agent_ids(model: mesa.Model) -> None:
    """Let go of the id counter Mesa up to 3.3 keeps per model in a class-level table."""
    table = getattr(mesa.Agent, "_ids", None)
    if table is not None:
        table.pop(model, None)


def _bulk_add(agents: mesa.agent.AgentSet, views: list[Actor]) -> None:
    store = agents._agents
    if isinstance(store, dict):  # Mesa 3.4+: the model's sets hold strong keys in a dict
        store.update(dict.fromkeys(views))
        return
    # a WeakKeyDictionary (Mesa up to 3.3): fill its store directly, not item by item
    remove = store._remove
    store.data.update({weakref.ref(view, remove): None for view in views})


def register_views(model: ScoreModel, views_by_type: dict[type[Actor], list[Actor]]) -> None:
    """Register views with the model as ``Agent.__init__`` would, in bulk, gc paused."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        for cls, views in views_by_type.items():
            if not views:
                continue
            strong = getattr(model, "_agents", None)  # Mesa up to 3.3 keeps agents alive here
            if strong is not None:
                strong.update(dict.fromkeys(views))
            by_type = model._agents_by_type.get(cls)
            if by_type is None:
                # the same kind of set as the model's own: weak keys up to 3.3, strong after
                by_type = type(model._all_agents)([], random=model.random)
                model._agents_by_type[cls] = by_type
            _bulk_add(by_type, views)
            _bulk_add(model._all_agents, views)
    finally:
        if enabled:
            gc.enable()
