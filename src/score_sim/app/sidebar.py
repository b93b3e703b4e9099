"""The sidebar: the scenario, the population, days and seed, and the rules being taught.

Every value a control sends is checked on the server against what the control offers
(:mod:`score_sim.app.offer`); a refused value is answered in red under its control.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara

from score_sim.app.controls import (
    GENERAL,
    RuleControl,
    check_settings,
    control_value,
    rule_controls,
)
from score_sim.app.lessons import LESSON_NAMES
from score_sim.app.offer import checked_rule_value, checked_text
from score_sim.app.toolbar import Download
from score_sim.app.widgets import (
    HELP_STYLE,
    AppState,
    ErrorText,
    Prose,
    _replace,
    apply_draft,
    apply_from_today,
    choose_lesson,
    escape_html,
    guarded,
)


@solara.component
def RuleWidget(
    control: RuleControl,
    value: Any,
    on_value: Callable[[Any], None],
    message: str | None = None,
    default: Any = None,
):
    """One rule's slider or switch, labelled with its value and unit, and its message."""
    with solara.Column(
        gap="0px", classes=["score-sim-rule", "rule-" + control.key.replace(".", "-")]
    ):
        label = f"{control.label}: {_formatted(control, value)}"
        if control.kind in ("switch", "reach"):
            solara.Switch(label=label, value=bool(value), on_value=on_value)
        else:
            if isinstance(value, bool) or not isinstance(value, int | float | None):
                value = default
            shown = value if value is not None else (default if default is not None else 365)
            if control.nullable:
                solara.Switch(
                    label=label,
                    value=value is not None,
                    on_value=lambda on: on_value(shown if on else None),
                )
            else:
                solara.Text(label, classes=["score-sim-label"])
            low = min(control.minimum, shown)
            high = max(control.maximum, shown)
            slider = solara.SliderInt if control.kind == "int" else solara.SliderFloat
            kind = int if control.kind == "int" else float
            slider(
                label="",
                value=kind(shown),
                min=kind(low),
                max=kind(high),
                step=kind(control.step),
                on_value=on_value,
                disabled=value is None,
            )
        if control.help:
            solara.Text(control.help, style=HELP_STYLE)
        ErrorText(message)


@solara.component
def Controls(state: AppState):
    """The sidebar: scenario, population and run, and the rules, applied by Reset."""
    draft = state.draft.value
    state.applied.value  # noqa: B018 (re-render when the city is rebuilt)
    offer = state.session.offer
    base = solara.use_memo(lambda: _base_scenario(offer, draft.scenario), [draft.scenario])
    _, messages = solara.use_memo(lambda: check_settings(draft, offer), [draft])
    controls = rule_controls(base) if base is not None else []

    def refuse(key: str, problem: str | None) -> None:
        refused = {k: v for k, v in state.refused.value.items() if k != key}
        state.refused.set({**refused, key: problem} if problem else refused)

    def set_text(name: str, key: str, label: str) -> Callable[[Any], None]:
        def update(text: Any) -> None:
            checked, problem = checked_text(text, label)
            refuse(key, problem)
            if problem is None:
                state.draft.set(_replace(state.draft.value, **{name: checked}))

        return update

    def set_rule(control: RuleControl) -> Callable[[Any], None]:
        def update(value: Any) -> None:
            own = control_value(base, control) if base is not None else None
            checked, problem = checked_rule_value(control, value, own)
            refuse(control.key, problem)
            if problem is None:
                state.draft.set(state.draft.value.with_rule(control.key, checked))

        return update

    def choose_scenario(name: Any) -> None:
        if name not in offer:
            refuse(GENERAL, "that scenario is not offered here; choose one from the list")
            return
        refuse(GENERAL, None)
        if name != state.draft.value.scenario:
            state.refused.set({})
            state.draft.set(_replace(state.draft.value, scenario=name, rules={}, days=""))

    refused = state.refused.value
    lesson = state.session.lesson
    with solara.Column(gap="4px", classes=["score-sim-sidebar"]):
        solara.Select(
            label="Lesson (sets up twin worlds)",
            values=LESSON_NAMES,
            value=lesson.name if lesson is not None else None,
            on_value=guarded(state, lambda name: choose_lesson(state, name)),
            classes=["score-sim-lesson"],
        )
        solara.Select(
            label="Scenario",
            values=offer.names(),
            value=draft.scenario,
            on_value=choose_scenario,
        )
        ErrorText(refused.get(GENERAL) or messages.get(GENERAL))
        defaults = {"run.steps": base.run.steps, "run.seed": base.run.seed} if base else {}
        for name, key, label in (
            ("citizens", "population.citizens", "Citizens"),
            ("firms", "population.firms", "Firms"),
            ("days", "run.steps", "Days to run"),
            ("seed", "run.seed", "Seed"),
        ):
            hint = f"blank: the scenario's ({defaults[key]})" if key in defaults else None
            problem = refused.get(key) or messages.get(key)
            solara.InputText(
                label=label,
                value=getattr(draft, name),
                on_value=set_text(name, key, label),
                error=problem or False,
                message=None if problem else hint,
                dense=True,
                classes=[f"score-sim-input-{name}"],
            )
        section = None
        for control in controls:
            if control.section != section:
                section = control.section
                Prose(f"**{escape_html(section)}**", classes=["score-sim-section"])
            value = draft.rules.get(control.key, control_value(base, control))
            RuleWidget(
                control,
                value,
                set_rule(control),
                refused.get(control.key) or messages.get(control.key),
                default=control_value(base, control) or 365,
            )
        with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
            solara.Button(
                "Apply and reset",
                on_click=guarded(state, lambda: apply_draft(state)),
                color="primary",
                disabled=bool(messages),
            )
            FromToday(state, bool(messages))
        Prose(
            "*Apply and reset* starts again at day 0; *Apply from day N* changes the rules "
            "from the next day on and the run goes on (a dated line on the figures).",
            classes=["score-sim-help"],
        )
        RuleChanges(state)
        Download(state)


@solara.component
def FromToday(state: AppState, invalid: bool):
    """The button that changes the rules from the next day on (its day kept current)."""
    state.frame.value  # noqa: B018 (re-render as days pass)
    state.applied.value  # noqa: B018
    session = state.session
    solara.Button(
        f"Apply from day {min(session.day + 1, session.last_day):,}",
        on_click=guarded(state, lambda: apply_from_today(state)),
        color="primary",
        outlined=True,
        disabled=invalid or session.finished,
        classes=["score-sim-from-today"],
    )


@solara.component
def RuleChanges(state: AppState):
    """The rule changes made during this run, by day."""
    state.applied.value  # noqa: B018
    changes = state.session.rule_changes()
    if changes:
        Prose(
            "**Changed during this run:** "
            + "; ".join(f"day {day:,}: {escape_html(note)}" for day, note in changes),
            classes=["score-sim-rule-changes"],
        )


def _base_scenario(offer, name: str):
    from score_sim.errors import ScenarioError

    try:
        return offer.load(name)
    except ScenarioError:
        return None


def _formatted(control: RuleControl, value: Any) -> str:
    """A control's value in words; a value no control offers is shown as its repr."""
    try:
        return control.format(value)
    except (TypeError, ValueError):
        from score_sim.text_safety import shown

        return shown(value)
