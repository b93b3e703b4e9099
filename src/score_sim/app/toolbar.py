"""The toolbar: day N of M, Step, Play / Pause, Reset, the play speed and today's numbers."""

from __future__ import annotations

import threading
from typing import Any

import solara

from score_sim.app.widgets import (
    HELP_STYLE,
    AppState,
    apply_draft,
    guarded,
    logger,
)

SPEEDS: dict[str, float | None] = {
    "10 days/s": 10.0,
    "30 days/s": 30.0,
    "60 days/s": 60.0,
    "fastest": None,
}
"""Play speeds a teacher can choose; "fastest" steps as fast as the figures redraw."""
DEFAULT_SPEED = "60 days/s"


@solara.component
def Toolbar(state: AppState):
    """Day N of M, Step, Play / Pause, Reset, the speed, and today's headline numbers."""
    session = state.session
    state.frame.value  # noqa: B018 (re-render on every frame)
    state.applied.value  # noqa: B018
    playing = state.playing.value

    def play_loop(cancel: threading.Event) -> None:
        if not playing:
            return
        try:
            session.play(
                cancel,
                SPEEDS.get(state.speed.value, SPEEDS[DEFAULT_SPEED]),
                lambda: state.frame.set(state.frame.value + 1),
            )
        except Exception as error:
            logger.exception("score-sim app: play failed")
            state.notice.set(f"Play stopped: {type(error).__name__}: {error}")
        state.playing.set(False)

    solara.use_thread(play_loop, dependencies=[playing], intrusive_cancel=False)

    def step() -> None:
        if session.freed:
            state.notice.set(session.notice)
            return
        if session.step(1):
            state.frame.set(state.frame.value + 1)

    def choose_speed(value: Any) -> None:
        if value in SPEEDS:
            state.speed.set(value)

    finished = session.finished
    with solara.Row(
        gap="8px",
        style={"align-items": "center", "flex-wrap": "wrap"},
        classes=["score-sim-toolbar"],
    ):
        solara.Text(session.day_text(), classes=["score-sim-day"])
        solara.Button(
            "Step", on_click=guarded(state, step), disabled=playing or finished, color="primary"
        )
        if playing:
            solara.Button("Pause", on_click=lambda: state.playing.set(False), color="primary")
        else:
            solara.Button(
                "Play",
                on_click=lambda: state.playing.set(True),
                disabled=finished,
                color="primary",
            )
        solara.Button("Reset", on_click=guarded(state, lambda: apply_draft(state)), outlined=True)
        solara.Select(
            label="Play speed",
            values=list(SPEEDS),
            value=state.speed.value,
            on_value=choose_speed,
            dense=True,
            style={"max-width": "9em"},
        )
    headline = session.headline()
    world = (
        f"{session.scenario.name}: {session.scenario.population.citizens:,} citizens, "
        f"{session.scenario.population.firms:,} firms, seed {session.scenario.run.seed}"
    )
    if headline is None:
        solara.Warning(session.notice or "No city.", dense=True, classes=["score-sim-freed"])
    else:
        solara.Text(
            f"{world} · mean score {headline['citizen_mean_score']:.1f} · blacklisted "
            f"{headline['citizen_n_blacklisted']:,.0f} · pariahs "
            f"{headline['citizen_n_pariah']:,.0f} · restricted "
            f"{headline['citizen_n_restricted']:,.0f} · listed without cause "
            f"{headline['citizen_n_listed_innocent']:,.0f}",
            style=HELP_STYLE,
        )
    if finished and headline is not None:
        solara.Text(
            "The last day has passed: press Reset to run again.",
            style=HELP_STYLE,
            classes=["score-sim-finished"],
        )
    if state.notice.value:
        solara.Warning(state.notice.value, dense=True, classes=["score-sim-notice"])
