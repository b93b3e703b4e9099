"""Published results, reproduced: each a bundled scenario, its runs, and their reading.

``score-sim replicate`` lists them; ``score-sim replicate NAME`` runs one
(:func:`~score_sim.experiments.replications.base.replicate`):

- ``contagion_lum2014``: sentence length and contagion over ties (Lum, Swarup, Eubank &
  Hawdon 2014), :mod:`.contagion_lum2014`;
- ``lending_liu2018``: the delayed impact of score-based lending (Liu, Dean, Rolf,
  Simchowitz & Hardt 2018), :mod:`.lending_liu2018`;
- ``outcasts_lindstrom2018``: outcasts from bad luck alone (Lindström & Tobler 2018;
  Kim 2014), :mod:`.outcasts_lindstrom2018`.

Each prints the published finding beside ours, with 5-95% intervals over seeds, and
writes a figure, ``replication.csv`` and ``replication.json`` (:mod:`.base`); the runs
go to local worker processes (:mod:`.runner`).
"""

from __future__ import annotations

from score_sim.errors import ScenarioError
from score_sim.experiments.replications.base import (
    Claim,
    Outcome,
    Replication,
    ReplicationResult,
    Size,
    replicate,
    side_by_side,
)
from score_sim.experiments.replications.contagion_lum2014 import REPLICATION as CONTAGION
from score_sim.experiments.replications.lending_liu2018 import REPLICATION as LENDING
from score_sim.experiments.replications.outcasts_lindstrom2018 import REPLICATION as OUTCASTS

REPLICATIONS: dict[str, Replication] = {rep.name: rep for rep in (CONTAGION, LENDING, OUTCASTS)}
"""Every bundled replication, by name."""


def replication(name: str, option: str = "NAME") -> Replication:
    """The replication called ``name``.

    Raises:
        ScenarioError: no replication has that name (the known ones are listed).
    """
    try:
        return REPLICATIONS[name]
    except KeyError:
        known = ", ".join(REPLICATIONS)
        raise ScenarioError.of(
            option, None, None, "", f"no replication is called {name!r}; there are: {known}"
        ) from None


__all__ = [
    "REPLICATIONS",
    "Claim",
    "Outcome",
    "Replication",
    "ReplicationResult",
    "Size",
    "replicate",
    "replication",
    "side_by_side",
]
