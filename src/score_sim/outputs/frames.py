"""A run as pandas tables: the time series, the actors, the events and the cascades.

The same columns as ``timeseries.csv``, ``agents.csv``, ``events.csv`` and ``cascades.csv``
(see the README's "Output files"), in one call each, for notebooks and ``mesa`` users:
``model.timeseries_frame()``, ``model.agents_frame()``, ``model.events_frame()`` and
``model.cascades_frame()``. Counts are integers and yes/no columns booleans; the time
series is indexed by day (``step``) and the actors by their Mesa ``unique_id`` (``id``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from score_sim.outputs.tables import agent_table, cascade_table, event_table

if TYPE_CHECKING:
    from score_sim.model import ScoreModel

AGENT_FLAGS = ("blacklisted", "redlisted", "listed_innocent", "pariah")


def _is_count(column: str) -> bool:
    return column == "step" or column.startswith("n_") or "_n_" in column


def timeseries_frame(model: ScoreModel) -> pd.DataFrame:
    """The daily metrics, one row per day from day 0, indexed by ``step`` (the day)."""
    columns = {
        name: values.astype(np.int64) if _is_count(name) else values
        for name, values in model.timeseries().items()
    }
    return pd.DataFrame(columns).set_index("step")


def agents_frame(model: ScoreModel) -> pd.DataFrame:
    """Every actor's state now (the columns of ``agents.csv``), indexed by ``id``."""
    frame = pd.DataFrame(agent_table(model))
    for flag in AGENT_FLAGS:
        frame[flag] = frame[flag].astype(bool)
    frame["employer_id"] = frame["employer_id"].astype("Int64").where(frame["employer_id"] >= 0)
    return frame.set_index("id")


def events_frame(model: ScoreModel) -> pd.DataFrame:
    """What happened to whom so far (the columns of ``events.csv``), one row per event.

    ``true`` is a nullable boolean (missing where it does not apply), ``source_id`` a
    nullable integer.
    """
    frame = pd.DataFrame(event_table(model))
    frame["true"] = frame["true"].map({"1": True, "0": False, "": pd.NA}).astype("boolean")
    frame["source_id"] = pd.to_numeric(frame["source_id"].replace("", None)).astype("Int64")
    return frame


def cascades_frame(model: ScoreModel) -> pd.DataFrame:
    """One row per actor that became sanctioned (the columns of ``cascades.csv``)."""
    frame = pd.DataFrame(cascade_table(model))
    frame["true"] = frame["true"].astype(bool)
    return frame
