"""The timeline section: dated policy changes, each setting new values by key path.

Each entry is checked when the file is loaded, with every earlier entry applied
(:func:`score_sim.scenario.phases.build_phases`).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, Strict

from score_sim.scenario.base import MAX_ITEMS, Days, _Strict


class TimelineEntry(_Strict):
    """One dated policy change: from the start of ``day`` on, the scenario changes by ``set``.

    The keys are the key paths of ``--set`` (``behaviours.late_delivery.rate_per_year``,
    ``lists.blacklist.enabled``); each value is checked when the file is loaded: the
    scenario with this entry and every earlier one applied must itself be valid (see
    :mod:`score_sim.mechanisms.policy`).
    """

    day: Annotated[Days, Field(ge=1)] = Field(
        description="The day the change takes effect, from its start (day 1 is the first "
        "simulated day; day 0 is the starting state). Entries beyond the run's last day are "
        "checked but never reached.",
    )
    set: dict[Annotated[str, Strict(), Field(min_length=1, max_length=300)], Any] = Field(
        min_length=1,
        max_length=MAX_ITEMS,
        description="Key path -> new value, as with --set.",
    )
    note: Annotated[str, Strict(), Field(min_length=1, max_length=200)] = Field(
        description="Why this changes (shown in events.csv and on the figures)."
    )
