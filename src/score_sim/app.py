"""The browser app: run a scenario day by day, change its rules, compare twin worlds.

Start it with ``score-sim app`` (``--host``, ``--port``), or ``solara run
src/score_sim/app.py``, and open the address it prints. It needs no internet: the page's
JavaScript and fonts come from the ``solara-assets`` package that the set-up command installs.

Every browser tab is a session with its own city (:class:`score_sim.browser.session.Session`):
two students on one server never see each other's days. The page shows "day N of M",
Step / Play / Pause / Reset, the CLI's figures (score fan, lists, grades, pariahs, cascades,
innocents), a twin-world view (one rule changed, both worlds and their difference) and the
scenario's Info (what it is, how it works, things to notice, things to try, and which
numbers are documented and which are assumptions). The sidebar holds the scenario, the
population, days and seed, and the rules being taught as labelled sliders and switches;
changes take effect on Reset. Anything typed wrong is answered next to its control.

The server trusts nothing a browser sends: a scenario, a number, a switch or a tab the page
did not offer is refused with a message on the page (:mod:`score_sim.browser.offer`), the
server reads only the bundled scenarios and the files the teacher named at start, every
city is sized against the memory budgets of a tab and of the whole server
(:mod:`score_sim.browser.budget`), and ``/_solara/cdn/`` serves only the packaged assets
(:mod:`score_sim.browser.assets`).

This module is the page only (Solara components); what it shows and does is in
:mod:`score_sim.browser`.
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import markdown
import solara
import solara.server.settings

from score_sim.browser import assets, figures, info
from score_sim.browser.controls import (
    GENERAL,
    RuleControl,
    Settings,
    check_settings,
    control_value,
    rule_controls,
)
from score_sim.browser.offer import checked_rule_value, checked_text
from score_sim.browser.session import Session
from score_sim.text_safety import printable

logger = logging.getLogger("score_sim.app")

# No calls home, however the page is served (``score-sim app`` sets this too).
solara.server.settings.telemetry.mixpanel_enable = False
# Nothing fetched or stored on a client's request: only the packaged assets are served.
assets.serve_packaged_assets_only()

SPEEDS: dict[str, float | None] = {
    "10 days/s": 10.0,
    "30 days/s": 30.0,
    "60 days/s": 60.0,
    "fastest": None,
}
"""Play speeds a teacher can choose; "fastest" steps as fast as the figures redraw."""
DEFAULT_SPEED = "60 days/s"

IMAGE_FORMAT = "svg"
"""How figures are sent to the browser (see :data:`score_sim.browser.figures.MIME_TYPES`)."""

TAB_TITLES = [*figures.FIGURES.values(), "Twin worlds", "Info"]
TWIN_TAB = len(figures.FIGURES)
INFO_TAB = TWIN_TAB + 1

ERROR_STYLE = {"color": "#b00020", "font-size": "0.85em"}
HELP_STYLE = {"color": "#555", "font-size": "0.8em", "line-height": "1.25"}

CSS = """
.score-sim-sidebar .v-input--switch { margin-top: 0; }
.score-sim-sidebar .v-input__slot { margin-bottom: 0; }
.score-sim-day { font-size: 1.35em; font-weight: 600; min-width: 10em; }
.score-sim-figure img { width: 100%; max-width: 880px; height: auto; }
.score-sim-label { font-size: 0.9em; margin-top: 6px; }
.score-sim-firms { flex: 0 0 auto; margin-top: 0; }
.score-sim-section { margin-top: 10px; }
.score-sim-section p { margin-bottom: 2px; }
.score-sim-prose table { border-collapse: collapse; font-size: 0.85em; }
.score-sim-prose td, .score-sim-prose th { border-bottom: 1px solid #ddd; padding: 2px 6px; }
.score-sim-sidebar .v-slider { margin-left: 0; margin-right: 0; }
"""


@dataclass(frozen=True)
class AppState:
    """A tab's session and the page state its components share (all per tab)."""

    session: Session
    draft: solara.Reactive[Settings]
    """The settings as the controls show them; applied to the session on Reset."""
    applied: solara.Reactive[int]
    """Bumped whenever the session's city is rebuilt."""
    frame: solara.Reactive[int]
    """Bumped whenever days have passed and the figures should be redrawn."""
    playing: solara.Reactive[bool]
    tab: solara.Reactive[int]
    speed: solara.Reactive[str]
    notice: solara.Reactive[str]
    """A message about the page as a whole (a failed Reset, an internal error)."""
    firms: solara.Reactive[bool]
    """Whether the figures show firms too (as the CLI's do) or citizens only."""
    refused: solara.Reactive[dict[str, str]]
    """Values the page sent that no control offers, by control key: why each was refused."""


def guarded(state: AppState, action: Callable[[], None]) -> Callable[[], None]:
    """``action`` for an event handler: an unexpected error becomes a notice, not a traceback."""

    def run() -> None:
        try:
            action()
        except Exception as error:
            logger.exception("score-sim app: an action failed")
            state.notice.set(
                f"Something went wrong ({type(error).__name__}: {error}). The page still "
                "works: press Reset to start again."
            )

    return run


def apply_draft(state: AppState) -> None:
    """Rebuild the city from the controls (Reset), or say what is wrong."""
    state.playing.set(False)
    state.session.touch()
    messages = state.session.apply(state.draft.value)
    if messages:
        state.notice.set(
            "Not reset: "
            + messages.get(GENERAL, "a control on the left needs a different value (in red).")
        )
        return
    state.notice.set("")
    state.applied.set(state.applied.value + 1)
    state.frame.set(state.frame.value + 1)


def escape_html(text: str) -> str:
    """Text from a scenario, safe inside Markdown: its HTML shown, never run.

    Every control character is escaped too.
    """
    return printable(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@solara.component
def Prose(text: str, classes: list[str] | None = None):
    """Markdown as HTML, rendered on the server: no math renderer to fetch (offline).

    Text from a scenario goes through :func:`escape_html` first.
    """
    html = solara.use_memo(
        lambda: markdown.markdown(text, extensions=["tables"], output_format="html"), [text]
    )
    solara.HTML(tag="div", unsafe_innerHTML=html, classes=["score-sim-prose", *(classes or [])])


# --- the sidebar ------------------------------------------------------------------------


@solara.component
def ErrorText(message: str | None):
    """A control's message, shown right under it."""
    if message:
        solara.Text(message, style=ERROR_STYLE, classes=["score-sim-error"])


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
    scenario_now = state.session.scenario
    base = solara.use_memo(lambda: _base_scenario(offer, draft.scenario), [draft.scenario])
    checked, messages = solara.use_memo(lambda: check_settings(draft, offer), [draft])
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
    with solara.Column(gap="4px", classes=["score-sim-sidebar"]):
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
        pending = checked is not None and checked.sha256() != scenario_now.sha256()
        if pending:
            solara.Info("Changed: press Reset to apply.", dense=True)
        solara.Button(
            "Apply and reset",
            on_click=guarded(state, lambda: apply_draft(state)),
            color="primary",
            disabled=bool(messages),
        )


def _replace(settings: Settings, **changes: Any) -> Settings:
    from dataclasses import replace

    return replace(settings, **changes)


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


def _tab_index(value: Any, current: int) -> int:
    """The tab a page asked for, when it is one of the tabs (else the current one)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(TAB_TITLES):
        return value
    return current


# --- the main area --------------------------------------------------------------------


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


@solara.component
def FigureView(state: AppState, name: str):
    """One of the CLI's figures of the run so far."""
    frame = state.frame.value
    applied = state.applied.value
    firms = state.firms.value

    def draw() -> tuple[bytes | None, str]:
        if state.session.freed:
            return None, state.session.notice
        try:
            return state.session.render(name, firms=firms, image_format=IMAGE_FORMAT), ""
        except Exception as error:
            logger.exception("score-sim app: drawing %s failed", name)
            return None, f"This figure could not be drawn ({type(error).__name__}: {error})."

    png, problem = solara.use_memo(draw, [name, frame, applied, firms])
    solara.Switch(
        label="Firms too (as the CLI's figure; slower to redraw)",
        value=firms is True,
        on_value=lambda on: state.firms.set(on is True),
        classes=["score-sim-firms"],
    )
    ImageView(png, problem)


@solara.component
def ImageView(image: bytes | None, problem: str = ""):
    """A figure scaled to the page's width, or why it could not be drawn."""
    if image is None:
        ErrorText(problem)
        return
    mime = figures.MIME_TYPES[IMAGE_FORMAT]
    source = f"data:{mime};base64," + base64.b64encode(image).decode("ascii")
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f'<img src="{source}" alt="figure">',
        classes=["score-sim-figure"],
    )


@solara.component
def TwinView(state: AppState):
    """Twin worlds: world B is world A with one rule changed; both step together."""
    state.applied.value  # noqa: B018 (re-render when the worlds are rebuilt)
    if state.session.twin is None:
        TwinSetup(state)
    else:
        TwinWorlds(state)


@solara.component
def TwinSetup(state: AppState):
    """Choose the rule world B changes, and its value there."""
    session = state.session
    controls = session.controls()
    labels = [f"{c.section}: {c.label}" for c in controls]
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

    def draw() -> tuple[bytes | None, str]:
        try:
            return session.render_twins(IMAGE_FORMAT), ""
        except Exception as error:
            logger.exception("score-sim app: drawing the twins failed")
            return None, f"The twin worlds could not be drawn ({type(error).__name__}: {error})."

    png, problem = solara.use_memo(draw, [frame, applied])
    counts = session.twin_summary() or {}
    change = session.change

    def stop() -> None:
        session.stop_twin()
        state.applied.set(state.applied.value + 1)

    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        if change is not None:
            in_a = change.control.format(control_value(session.scenario, change.control))
            solara.Text(
                f"World B: {change.describe()} (world A: {in_a}). Harmed only in B so far: "
                f"{counts.get('harmed_only_in_b', 0):,}; only in A: "
                f"{counts.get('harmed_only_in_a', 0):,}.",
                classes=["score-sim-twin-status"],
            )
        solara.Button("Back to one world", on_click=guarded(state, stop), outlined=True)
    ImageView(png, problem)


@solara.component
def InfoView(state: AppState):
    """The scenario's description by section, and its evidence ledger."""
    state.applied.value  # noqa: B018
    scenario = state.session.scenario
    for heading, text in info.description_sections(scenario.description):
        Prose(f"#### {escape_html(heading.capitalize())}\n\n{escape_html(text)}")
    Prose("#### Where the numbers come from")
    with solara.Details("The evidence ledger: every number, documented or assumed"):
        Prose(escape_html(info.ledger_markdown(scenario)))


@solara.component
def Page():
    """The whole page, one per browser tab."""
    session = solara.use_memo(Session, [])
    solara.use_effect(lambda: session.close, [])  # a closed tab gives its memory back
    draft = solara.use_reactive(session.settings)
    applied = solara.use_reactive(0)
    frame = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    tab = solara.use_reactive(0)
    speed = solara.use_reactive(DEFAULT_SPEED)
    notice = solara.use_reactive("")
    firms = solara.use_reactive(False)
    refused = solara.use_reactive({})
    state = solara.use_memo(
        lambda: AppState(
            session, draft, applied, frame, playing, tab, speed, notice, firms, refused
        ),
        [],
    )
    solara.Title("score-sim")
    solara.Style(CSS)
    with solara.Row(gap="0px", style={"height": "100vh", "overflow": "hidden"}):
        with solara.Column(
            style={
                "width": "330px",
                "min-width": "330px",
                "height": "100vh",
                "overflow-y": "auto",
                "padding": "8px 14px",
                "border-right": "1px solid #ddd",
                "background": "#fafafa",
            },
        ):
            Prose("### score-sim")
            Controls(state)
        with solara.Column(
            gap="4px",
            style={"flex": "1", "height": "100vh", "overflow-y": "auto", "padding": "8px 16px"},
        ):
            Toolbar(state)
            solara.v.Tabs(
                v_model=tab.value,
                on_v_model=lambda index: tab.set(_tab_index(index, tab.value)),
                children=[solara.v.Tab(children=[title]) for title in TAB_TITLES],
                height="40px",
                style_="flex: 0 0 auto;",
            )
            names = list(figures.FIGURES)
            if tab.value < len(names):
                FigureView(state, names[tab.value])
            elif tab.value == TWIN_TAB:
                TwinView(state)
            else:
                InfoView(state)


page = Page
