"""The main area's views: the CLI's figures, the twin worlds and the scenario's Info."""

from __future__ import annotations

from typing import Any

import solara

from score_sim.app import info
from score_sim.app.controls import control_value
from score_sim.app.lessons import LESSONS
from score_sim.app.offer import checked_rule_value
from score_sim.app.sidebar import RuleWidget
from score_sim.app.widgets import (
    HELP_STYLE,
    IMAGE_FORMAT,
    AppState,
    ImageView,
    Prose,
    choose_lesson,
    escape_html,
    guarded,
    logger,
)


@solara.component
def FigureView(state: AppState, name: str):
    """One of the CLI's figures of the run so far."""
    frame = state.frame.value
    applied = state.applied.value
    firms = state.firms.value
    projector = state.projector.value

    def draw() -> tuple[bytes | None, str]:
        if state.session.freed:
            return None, state.session.notice
        try:
            return state.session.render(
                name, firms=firms, image_format=IMAGE_FORMAT, projector=projector
            ), ""
        except Exception as error:
            logger.exception("score-sim app: drawing %s failed", name)
            return None, f"This figure could not be drawn ({type(error).__name__}: {error})."

    png, problem = solara.use_memo(draw, [name, frame, applied, firms, projector])
    solara.Switch(
        label="Firms too (as the CLI's figure; slower to redraw)",
        value=firms is True,
        on_value=lambda on: state.firms.set(on is True),
        classes=["score-sim-firms"],
    )
    ImageView(png, problem)


@solara.component
def TwinView(state: AppState):
    """Twin worlds: world B is world A with one rule changed; both step together."""
    state.applied.value  # noqa: B018 (re-render when the worlds are rebuilt)
    if state.session.twin is None:
        TwinSetup(state)
    else:
        TwinWorlds(state)


def rule_label(control: Any) -> str:
    """A rule's name in the twin-world menu: its section, unless its label starts with it."""
    if control.label.lower().startswith(control.section.lower()):
        return control.label
    return f"{control.section}: {control.label}"


@solara.component
def LessonBanner(state: AppState):
    """The lesson being taught: what to predict before Play, and what to notice."""
    state.applied.value  # noqa: B018 (re-render when a lesson is set up)
    lesson = state.session.lesson
    if lesson is None:
        return
    with solara.Column(gap="0px", classes=["score-sim-lesson-banner"]):
        Prose(f"**{escape_html(lesson.name)}.** **Predict first:** {escape_html(lesson.question)}")
        with solara.Details("What to notice (read it after your prediction)"):
            Prose(
                f"{escape_html(lesson.notice[:1].upper() + lesson.notice[1:])} The full "
                f"lesson is the notebook {escape_html(lesson.notebook)}."
            )


@solara.component
def TwinSetup(state: AppState):
    """Choose the rule world B changes, and its value there."""
    session = state.session
    controls = session.controls()
    labels = [rule_label(c) for c in controls]
    choice, set_choice = solara.use_state(labels[0] if labels else "")
    value, set_value = solara.use_state(None)
    message, set_message = solara.use_state("")
    Prose(
        "Change **one rule** in world B and run both worlds side by side: the same people, "
        "ties and seed, and the same random numbers for every event, so every difference "
        "is caused by the rule (as `score-sim compare` does). Both worlds restart at day 0 "
        "and then Step and Play move both."
    )
    control = controls[labels.index(choice)] if choice in labels else None
    if control is None:
        solara.Text("This scenario has no rule to change.")
        return
    current = control_value(session.scenario, control)
    b_value = current if value is None else value

    def choose(label: Any) -> None:
        if label not in labels:
            set_message("That rule is not offered here; choose one from the list.")
            return
        set_choice(label)
        set_value(None)
        set_message("")

    def set_b_value(sent: Any) -> None:
        checked, problem = checked_rule_value(control, sent, current)
        if problem:
            set_message(problem)
            return
        set_value(checked)
        set_message("")

    def start() -> None:
        messages = session.start_twin(control, b_value)
        if messages:
            set_message("; ".join(messages.values()))
            return
        set_message("")
        state.playing.set(False)
        state.applied.set(state.applied.value + 1)
        state.frame.set(state.frame.value + 1)

    with solara.Row(style={"align-items": "flex-start", "flex-wrap": "wrap"}):
        with solara.Column(style={"min-width": "20em"}):
            solara.Select(
                label="Rule to change in world B", values=labels, value=choice, on_value=choose
            )
        with solara.Column(style={"min-width": "20em"}):
            solara.Text(f"In world A: {control.format(current)}", style=HELP_STYLE)
            RuleWidget(control, b_value, set_b_value, message or None, default=current)
    solara.Button(
        "Start twin worlds", on_click=guarded(state, start), color="primary", outlined=True
    )


@solara.component
def TwinWorlds(state: AppState):
    """Both worlds so far, their difference, and who is harmed in one world only."""
    session = state.session
    frame = state.frame.value
    applied = state.applied.value
    projector = state.projector.value

    def draw() -> tuple[bytes | None, str]:
        try:
            return session.render_twins(IMAGE_FORMAT, projector=projector), ""
        except Exception as error:
            logger.exception("score-sim app: drawing the twins failed")
            return None, f"The twin worlds could not be drawn ({type(error).__name__}: {error})."

    png, problem = solara.use_memo(draw, [frame, applied, projector])
    counts = session.twin_summary() or {}
    change = session.change

    def stop() -> None:
        session.stop_twin()
        state.applied.set(state.applied.value + 1)

    row = {"align-items": "center", "flex-wrap": "nowrap", "font-size": "0.9em"}
    with solara.Row(gap="6px", style=row):
        if change is not None:
            in_a = change.control.format(control_value(session.scenario, change.control))
            solara.Text(
                f"World B: {change.describe()} (world A: {in_a}). Harmed only in B so far: "
                f"{counts.get('harmed_only_in_b', 0):,}; only in A: "
                f"{counts.get('harmed_only_in_a', 0):,}.",
                classes=["score-sim-twin-status"],
            )
        solara.Button("Back to one world", on_click=guarded(state, stop), outlined=True, small=True)
    ImageView(png, problem, kind="twin")


@solara.component
def InfoView(state: AppState):
    """The scenario's description by section, and its evidence ledger."""
    state.applied.value  # noqa: B018
    session = state.session
    scenario = session.scenario
    for heading, text in info.app_sections(scenario, session.controls()):
        Prose(f"#### {heading}\n\n{text if heading in APP_WRITTEN else escape_html(text)}")
    lessons = [x for x in LESSONS if x.scenario == scenario.name]
    if lessons:
        Prose("#### The matching lesson")
        for lesson in lessons:
            solara.Button(
                f"Set up {lesson.name}",
                on_click=guarded(state, lambda x=lesson: choose_lesson(state, x.name)),
                outlined=True,
                classes=["score-sim-info-lesson"],
            )
            solara.Text(f"The full lesson: notebooks/{lesson.notebook}", style=HELP_STYLE)
    Prose("#### Sources")
    Prose(
        "\n".join(
            f"- **{escape_html(info.key_in_words(key))}**: {escape_html(info.source_text(text))}"
            for key, text in list(scenario.sources.items())[:12]
        )
        or "This scenario names no sources: every number is an assumption."
    )
    with solara.Details("The evidence ledger: every number, documented or assumed"):
        Prose(escape_html(info.ledger_markdown(scenario, in_words=True)))


APP_WRITTEN = ("How to use it", "Things to try")
"""Sections written for the page (Markdown kept); the others are the scenario's text."""
