"""A browser front end: run a scenario day by day in Mesa's SolaraViz.

A teacher picks a bundled scenario, the numbers of citizens and firms and a seed, presses
Reset to build that city, then Step or Play; the charts follow the citizens' scores, list
sizes, pariahs, restrictions and innocent listings as the days pass. It needs the ``app``
extra (``pip install -e ".[app]"``; ``.[dev]`` includes it). Start it with::

    solara run src/score_sim/app.py          # from the repository root
    solara run score_sim.app                 # the installed module, from anywhere

and open the address it prints (http://localhost:8765 by default; ``--host 127.0.0.1`` keeps
it on this machine). The charts read the model's whole-array time series, never individual
agents, so a day stays fast at tens of thousands of citizens; raise "Render Interval" to
draw the charts less often. The first city is built when the app starts and is shared by
every browser tab until a tab presses Reset.
"""

from __future__ import annotations

from typing import Any

import solara
from mesa.visualization import SolaraViz, make_plot_component

from score_sim.model import ScoreModel
from score_sim.scenario import bundled_scenarios, load_scenario


class AppScoreModel(ScoreModel):
    """:class:`ScoreModel` as the app's controls create it.

    SolaraViz's Reset calls ``AppScoreModel(**params)`` with the values of the controls
    below. Two adaptations, neither changing the model:

    - Mesa 3.3's parameter check (``_check_model_params``) accepts extra keywords only
      through a parameter literally named ``kwargs`` and takes ScoreModel's
      ``**overrides`` for a missing required parameter, so this signature names it
      ``kwargs``.
    - The seed box gives text: ``"7"`` becomes 7, an empty box the scenario's own seed.
    """

    def __init__(
        self,
        scenario: str = "baseline",
        *,
        rng: int | str | None = None,
        steps: int | None = None,
        citizens: int | None = None,
        firms: int | None = None,
        **kwargs: Any,
    ) -> None:
        seed = parse_seed(rng)
        super().__init__(
            scenario,
            # ScoreModel draws a fresh seed for rng=None (as Mesa does); a blank box here
            # means the scenario's own seed
            rng=load_scenario(scenario).run.seed if seed is None else seed,
            steps=steps,
            citizens=citizens,
            firms=firms,
            **kwargs,
        )


def parse_seed(text: int | str | None) -> int | None:
    """The seed typed into the app: an integer, or None (the scenario's seed) when blank.

    Raises:
        ValueError: for text that is not a whole number.
    """
    if text is None or isinstance(text, int):
        return text
    text = text.strip().replace("_", "").replace(",", "")
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"the seed must be a whole number, not {text!r}") from None


def summary_paragraph(description: str) -> str:
    """The first paragraph of a scenario's description, without a heading such as WHAT IT IS."""
    lines = description.strip().split("\n\n", 1)[0].splitlines()
    if len(lines) > 1 and lines[0].isupper():
        lines = lines[1:]
    return " ".join(line.strip() for line in lines)


def scenario_info(model: ScoreModel) -> solara.Markdown:
    """What the scenario is, and today's day (SolaraViz re-renders it after every step)."""
    scenario = model.scenario
    world = model.world
    return solara.Markdown(
        f"### {scenario.name}: day {model.steps} of {scenario.run.steps}\n\n"
        f"{summary_paragraph(scenario.description)}\n\n"
        f"{world.n_citizens:,} citizens, {world.n_firms:,} firms, seed {model.seed}."
    )


def _labelled(title: str, ylabel: str):
    def post_process(ax: Any) -> None:
        ax.set_title(title)
        ax.set_ylabel(ylabel)

    return post_process


SCORES = ["citizen_mean_score", "citizen_median_score"]
LISTS = ["citizen_n_blacklisted", "citizen_n_redlisted", "citizen_n_pariah"]
HARMS = ["citizen_n_restricted", "citizen_n_listed_innocent"]

components: list[Any] = [
    scenario_info,
    make_plot_component(SCORES, post_process=_labelled("Citizens' scores", "points")),
    make_plot_component(LISTS, post_process=_labelled("Listed and pariah citizens", "citizens")),
    make_plot_component(
        HARMS, post_process=_labelled("Restricted and innocently listed citizens", "citizens")
    ),
]
"""What the page shows: a text panel and three time-series charts."""

model_params: dict[str, Any] = {
    "scenario": {
        "type": "Select",
        "value": "baseline",
        "values": list(bundled_scenarios()),
        "label": "Scenario",
    },
    "citizens": {
        "type": "SliderInt",
        "value": 5_000,
        "min": 1_000,
        "max": 50_000,
        "step": 1_000,
        "label": "Citizens",
    },
    "firms": {
        "type": "SliderInt",
        "value": 250,
        "min": 10,
        "max": 2_500,
        "step": 10,
        "label": "Firms",
    },
    "rng": {"type": "InputText", "value": "42", "label": "Seed (blank: the scenario's)"},
}
"""The controls; Reset builds ``AppScoreModel(**{name: value})`` from them."""

model = AppScoreModel(**{name: param["value"] for name, param in model_params.items()})
page = SolaraViz(model, components=components, model_params=model_params, name="score-sim")
