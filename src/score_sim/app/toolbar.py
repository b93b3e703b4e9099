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
    pending = pending_changes(state)
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
        solara.Button(
            "Reset",
            on_click=guarded(state, lambda: apply_draft(state)),
            outlined=not pending,
            color="warning" if pending else None,
        )
        if pending:
            solara.Text(
                "Changed: press Reset to apply. Waiting: " + pending + ".",
                classes=["score-sim-pending"],
            )
        solara.Select(
            label="Play speed",
            values=list(SPEEDS),
            value=state.speed.value,
            on_value=choose_speed,
            dense=True,
            style={"max-width": "9em"},
        )
        solara.Switch(
            label="Projector",
            value=state.projector.value is True,
            on_value=lambda on: state.projector.set(on is True),
            classes=["score-sim-projector"],
        )
    Headline(state)
    if finished and session.headline() is not None:
        solara.Text(
            "The last day has passed: press Reset to run again.",
            style=HELP_STYLE,
            classes=["score-sim-finished"],
        )
    if state.notice.value:
        solara.Warning(state.notice.value, dense=True, classes=["score-sim-notice"])


@solara.component
def Download(state: AppState):
    """Download the tab's run so far (tables, figures, manifest; both worlds) as one ZIP."""
    from score_sim.app import restore

    state.applied.value  # noqa: B018
    state.frame.value  # noqa: B018
    session = state.session
    if session.freed:
        return
    population = session.scenario.population
    if population.citizens + population.firms > restore.MAX_DOWNLOAD_ACTORS:
        return

    def build() -> bytes:
        state.playing.set(False)
        return restore.run_archive(session)

    solara.FileDownload(
        build,
        filename=restore.archive_name(session),
        label="Download run",
        mime_type="application/zip",
    )


HEADLINE_NUMBERS = (
    ("citizen_mean_score", "mean score", "{:,.1f}"),
    ("citizen_n_blacklisted", "blacklisted", "{:,.0f}"),
    ("citizen_n_restricted", "under restriction", "{:,.0f}"),
    ("citizen_n_pariah", "pariahs", "{:,.0f}"),
    ("citizen_n_listed_innocent", "listed without cause", "{:,.0f}"),
)
"""Today's numbers a class watches, in the order shown: key, words, format."""


@solara.component
def Headline(state: AppState):
    """Today's numbers of world A as large tiles (citizens), and which world this is."""
    state.frame.value  # noqa: B018 (re-render on every frame)
    state.applied.value  # noqa: B018
    session = state.session
    headline = session.headline()
    scenario = session.scenario
    world = (
        f"{scenario.name}: {scenario.population.citizens:,} citizens, "
        f"{scenario.population.firms:,} firms, seed {scenario.run.seed}"
    )
    if headline is None:
        solara.Warning(session.notice or "No city.", dense=True, classes=["score-sim-freed"])
        return
    row_style = {"flex-wrap": "wrap", "align-items": "center"}
    with solara.Row(gap="6px", style=row_style, classes=["score-sim-headline"]):
        for key, words, form in HEADLINE_NUMBERS:
            solara.HTML(
                tag="div",
                unsafe_innerHTML=(
                    f'<span class="score-sim-number">{form.format(headline[key])}</span>'
                    f'<span class="score-sim-number-label">{words}</span>'
                ),
                classes=["score-sim-tile", f"score-sim-tile-{key}"],
            )
        solara.Text(world, style=HELP_STYLE, classes=["score-sim-world"])


def pending_changes(state: AppState) -> str:
    """What the controls changed that Reset has not applied yet, in words ("" for nothing)."""
    from score_sim.app.controls import check_settings

    draft = state.draft.value
    session = state.session
    applied = session.settings
    if draft == applied:
        return ""
    checked, _ = check_settings(draft, session.offer)
    if checked is not None and checked.sha256() == session.scenario.sha256():
        return ""
    parts = []
    if draft.scenario != applied.scenario:
        parts.append(f"scenario {draft.scenario}")
    for name, words in (
        ("citizens", "citizens"),
        ("firms", "firms"),
        ("days", "days"),
        ("seed", "seed"),
    ):
        if getattr(draft, name) != getattr(applied, name):
            parts.append(f"{words} {getattr(draft, name) or 'as the scenario says'}")
    changed = [k for k in draft.rules if draft.rules.get(k) != applied.rules.get(k)]
    if changed and draft.scenario == applied.scenario:
        parts.append(f"{len(changed)} rule{'s' if len(changed) > 1 else ''}")
    return ", ".join(parts) or "the controls on the left"
