"""Contagion over ties: a listing raises the chance that the listed actor's relatives follow.

Lum, Swarup, Eubank & Hawdon (2014, J. R. Soc. Interface 11: 20140409) model
incarceration spreading along family and friend ties: each month a person is
incarcerated, each relative faces a probability, from survey data, of being incarcerated
too, keyed by the incarcerated person's sex, the relation, and the relative's sex. Here a
listing plays the part of incarceration: while an actor is on the list ``list``, each of
its relatives not on it enters with the relation's monthly probability, turned into a
daily hazard. Which probabilities apply is the scenario's to cite.

The model has no sexes and no family roles of its own. Both are approximations made here
and labelled in every run: each citizen is a woman with chance ``women_share`` (drawn
once, from the contagion's own stream), and within each household (``ties``) the first
two members are partners, the others their children and siblings of each other.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from score_sim.scenario.base import Name, Probability, Switch, _Strict

RELATIONS = ("partner", "parent", "child", "sibling", "friend")
"""The relations along which a listing spreads, seen from the listed actor: ``parent``
is the listed actor's parent (who is at risk), ``child`` its child."""


class BySex(_Strict):
    """A monthly probability for each pair of sexes: from the listed person to the relative.

    ``woman_to_man`` is the chance that a man whose relative, a woman, is listed enters
    the list in a month.
    """

    woman_to_woman: Probability = Field(0.0, description="From a listed woman to a woman.")
    woman_to_man: Probability = Field(0.0, description="From a listed woman to a man.")
    man_to_woman: Probability = Field(0.0, description="From a listed man to a woman.")
    man_to_man: Probability = Field(0.0, description="From a listed man to a man.")

    def table(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The probabilities as ``[listed is a man][relative is a man]``."""
        return (
            (self.woman_to_woman, self.woman_to_man),
            (self.man_to_woman, self.man_to_man),
        )


MonthlyProbability = Annotated[Probability | BySex, Field(union_mode="left_to_right")]
"""One monthly probability for every pair of sexes, or one for each pair."""


class Relations(_Strict):
    """The monthly probability of following a listed relative onto the list, by relation."""

    partner: MonthlyProbability = Field(0.0, description="The listed actor's partner.")
    parent: MonthlyProbability = Field(0.0, description="The listed actor's parents.")
    child: MonthlyProbability = Field(0.0, description="The listed actor's children.")
    sibling: MonthlyProbability = Field(0.0, description="The listed actor's siblings.")
    friend: MonthlyProbability = Field(0.0, description="The listed actor's friends.")

    def by_sex(self) -> bool:
        """Whether some relation's probability depends on the sexes."""
        return any(isinstance(getattr(self, name), BySex) for name in RELATIONS)


class Contagion(_Strict):
    """Listings that spread to relatives and friends while the listed actor is on the list.

    Each day, each citizen not on ``list`` whose relatives include listed citizens enters
    it with chance ``1 - prod(1 - h)``, one daily hazard ``h`` per listed relative, each
    from its relation's monthly probability (``1 - (1 - p) ** (12 / 365)``). The entry
    lasts as the list's rule says, and rests on false findings when every relative it
    came from is listed on false findings.
    """

    enabled: Switch = Field(False, description="true: listings spread over family and friends.")
    list: Name = Field(
        "blacklist", description="The blacklist that spreads, and that relatives enter."
    )
    relations: Relations = Field(default_factory=Relations)
    women_share: Probability = Field(
        0.5,
        description="Share of citizens who are women, when a probability depends on sex "
        "(an approximation: the model has no sexes of its own).",
    )
