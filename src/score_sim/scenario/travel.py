"""Travel bans counted as purchases: flights and trains refused to the banned.

The 2016 joint-punishment policy bans people on blacklists from flights and high-speed
trains (the ``travel`` restriction). The record counts what the ban blocked, not whom:
17.5 million flight purchases and 5.47 million train purchases had been blocked by the
end of 2018 (purchase attempts, not people). How often a banned person tries to buy a
ticket is not documented: the rates here are assumptions, labelled so in a scenario's
ledger, and the blocked purchases they give can be held against the 2018 figures as a
calibration target.
"""

from __future__ import annotations

from pydantic import Field

from score_sim.scenario.base import RatePerYear, Switch, _Strict


class TravelBans(_Strict):
    """Purchases of flights and train tickets attempted by banned citizens, and refused."""

    enabled: Switch = Field(
        False, description="Count the purchases refused to citizens under a travel ban."
    )
    flight_attempts_per_year: RatePerYear = Field(
        1.0,
        description="Flight purchases a banned citizen attempts per year (a Poisson rate; "
        "not documented: an assumption).",
    )
    train_attempts_per_year: RatePerYear = Field(
        0.3,
        description="High-speed train purchases a banned citizen attempts per year (a "
        "Poisson rate; not documented: an assumption).",
    )
