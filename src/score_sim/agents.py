"""Citizens and firms as Mesa agents: views onto the model's arrays.

Each agent holds only its index into :class:`score_sim.world.World`; its attributes are
properties over the arrays, so Mesa's ``model.agents``, ``DataCollector`` agent reporters
and ``batch_run`` see live values while the day's rules run vectorised over the arrays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

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
        """Whether the actor is on the blacklist now."""
        return bool(self.model.world.blacklist.listed[self.index])

    @property
    def redlisted(self) -> bool:
        """Whether the actor is on the red list now."""
        return bool(self.model.world.redlist.listed[self.index])

    @property
    def days_blacklisted(self) -> int:
        """Days spent on the blacklist so far in the run."""
        return int(self.model.world.blacklist.days_listed_total[self.index])

    @property
    def days_redlisted(self) -> int:
        """Days spent on the red list so far in the run."""
        return int(self.model.world.redlist.days_listed_total[self.index])

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


class Firm(Actor):
    """A company with a corporate score, belonging to one sector."""

    kind = "firm"

    @property
    def sector(self) -> str:
        """Name of the firm's sector."""
        firm = self.index - self.model.world.n_citizens
        sector = int(self.model.world.firm_sector[firm])
        return self.model.scenario.population.sectors[sector]
