"""Travel bans as purchases refused: what the 2018 figures count.

Documented (DOMAIN.md): the 2016 joint-punishment policy bans blacklisted people from
flights and high-speed trains; by the end of 2018, 17.5 million flight purchases and 5.47
million train purchases had been blocked. These are purchase attempts, not people: a
person under a ban may be refused many times.

In the model a citizen is banned on a day when the ``travel`` restriction is in force on
it (its own listing, or reach through a tie such as a firm's legal representative, once
the record has reached the agency when data sharing is on). Each banned citizen attempts
flight and train purchases at ``travel_bans.flight_attempts_per_year`` and
``train_attempts_per_year`` (assumptions: how often people travel is not documented);
every attempt is refused. A day's refusals are one Poisson draw per mode for all banned
citizens together, from the mechanism's own random stream, so a scenario without travel
bans gives the same bytes as before and switching them on changes no other draw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from score_sim.mechanisms.base import Mechanism
from score_sim.mechanisms.sanctions import RESTRICTION_BITS
from score_sim.scenario import Restriction, Scenario, TravelBans

if TYPE_CHECKING:
    from score_sim.mechanisms.base import Day
    from score_sim.model import ScoreModel

DAYS_PER_YEAR = 365.0

TRAVEL_COLUMNS = (
    "citizen_n_travel_banned",
    "n_blocked_flight_purchases",
    "n_blocked_train_purchases",
)
"""Time-series columns: citizens under a travel ban today, and the flight and train
purchases refused to them today."""


class TravelDesk(Mechanism):
    """Ticket purchases attempted by banned citizens, refused and counted."""

    name = "travel_bans"
    title = "travel bans"

    @classmethod
    def build(cls, host: ScoreModel) -> TravelDesk | None:
        """Built when some phase of the run counts travel bans."""
        if not any(rules.travel_bans.enabled for rules in host.in_force):
            return None
        return cls(host.score_scenario.travel_bans, host.world.n_citizens, host.stream("travel"))

    def __init__(self, config: TravelBans, n_citizens: int, rng: np.random.Generator) -> None:
        self.config = config
        self.n_citizens = n_citizens
        self.rng = rng
        self.n_banned = 0
        """Citizens under a travel ban today."""
        self.flights_today = 0
        self.trains_today = 0
        self.flights_total = 0
        """Flight purchases refused so far."""
        self.trains_total = 0
        """Train purchases refused so far."""
        self.banned_days = 0
        """Citizen-days under a travel ban so far."""

    def retune(self, rules: Scenario, host: ScoreModel) -> None:
        """Follow changed attempt rates (or a switch) from today on."""
        self.config = rules.travel_bans

    def after(self, day: Day) -> None:
        """Today's purchases by the banned, all refused."""
        restrictions = day.host.sanctions.restrictions[: self.n_citizens]
        bit = RESTRICTION_BITS[Restriction.travel]
        banned = int(np.count_nonzero(restrictions & bit)) if self.config.enabled else 0
        self.n_banned = banned
        self.banned_days += banned
        if banned == 0:
            self.flights_today = self.trains_today = 0
            return
        per_day = banned / DAYS_PER_YEAR
        self.flights_today = int(self.rng.poisson(self.config.flight_attempts_per_year * per_day))
        self.trains_today = int(self.rng.poisson(self.config.train_attempts_per_year * per_day))
        self.flights_total += self.flights_today
        self.trains_total += self.trains_today

    def columns(self) -> list[str]:
        """The travel columns (:data:`TRAVEL_COLUMNS`)."""
        return list(TRAVEL_COLUMNS)

    def metrics(self, host: ScoreModel) -> dict[str, float]:
        """Today's banned citizens and refused purchases."""
        return {
            "citizen_n_travel_banned": self.n_banned,
            "n_blocked_flight_purchases": self.flights_today,
            "n_blocked_train_purchases": self.trains_today,
        }

    def summary(self, days: int) -> dict[str, float | int | None]:
        """The run's refused purchases, for ``summary.json``'s ``travel_bans``."""
        years = days / DAYS_PER_YEAR
        banned_years = self.banned_days / DAYS_PER_YEAR
        total = self.flights_total + self.trains_total
        return {
            "blocked_flight_purchases": self.flights_total,
            "blocked_train_purchases": self.trains_total,
            "blocked_purchases_per_year": round(total / years, 3) if years else None,
            "citizens_banned_at_end": self.n_banned,
            "banned_citizen_years": round(banned_years, 3),
            "blocked_purchases_per_banned_citizen_year": (
                round(total / banned_years, 4) if banned_years else None
            ),
        }
