"""Scenario files: the typed, validated description of one points regime."""

from score_sim.scenario.scenario import *  # noqa: F403
from score_sim.scenario.scenario import (  # noqa: F401
    _plain_message,
    _problems_from,
    _without_union_tags,
)
