"""The People tab: a watched sample of citizens and firms, coloured by state, and one inspected.

Each watched person or firm is a small button coloured by its state today (restricted, on
the blacklist, or its score band), updating as days pass. Clicking one shows its score so
far, its lists and restrictions, and the chain that reached it; a sanctioned actor also shows
its cascade as a tree. The chosen actor must be one of the watched sample: the server checks.
"""

from __future__ import annotations

from typing import Any

import solara
from matplotlib.figure import Figure

from score_sim.app import figures, people
from score_sim.app.widgets import HELP_STYLE, IMAGE_FORMAT, AppState, ImageView, Prose, escape_html


def score_figure(days: Any, name: str, projector: bool) -> bytes:
    """One actor's score so far, as the page's image."""
    fig = Figure(figsize=(7.0, 2.6), dpi=figures.DPI)
    ax = fig.subplots()
    ax.plot(range(len(days)), days, color="#1f77b4", linewidth=2)
    ax.set_xlabel("day")
    ax.set_ylabel("score (points)")
    ax.set_title(f"{name}: score so far")
    ax.grid(True, alpha=0.3)
    fig.subplots_adjust(left=0.14, right=0.97, bottom=0.22, top=0.85)
    if projector:
        figures.for_projector(fig)
    return figures.encode(fig, IMAGE_FORMAT)


@solara.component
def PeopleView(state: AppState):
    """The watched sample and the inspected one."""
    state.frame.value  # noqa: B018 (updates as days pass)
    state.applied.value  # noqa: B018
    session = state.session
    chosen, set_chosen = solara.use_state(None)
    actors, today = session.watched_now()
    model = session.model
    if model is None:
        solara.Text(session.notice or "No city.")
        return
    legend = " · ".join(
        f'<span style="color:{people.STATE_COLOURS[k]}">■</span> {words}'
        for k, words in people.STATE_WORDS.items()
    )
    Prose(
        f"**{len(actors)} people and firms of world A, watched day by day.** {legend}. "
        "Click one to see why it is where it is."
    )

    def choose(actor: int) -> None:
        if actor in set(actors.tolist()):
            set_chosen(actor)

    with solara.Row(gap="3px", style={"flex-wrap": "wrap"}, classes=["score-sim-people"]):
        for actor, now in zip(actors.tolist(), today, strict=True):
            solara.Button(
                people.name_of(model, actor).replace("citizen ", "").replace("firm ", "F"),
                on_click=lambda a=actor: choose(a),
                style={
                    "background": people.STATE_COLOURS[now],
                    "color": "white",
                    "min-width": "0",
                    "padding": "0 5px",
                    "height": "24px",
                    "font-size": "11px",
                },
                classes=["score-sim-person", f"score-sim-state-{now}"],
                text=False,
                depressed=True,
            )
    if chosen is None:
        return
    with session.lock:
        explanation = people.explain(model, chosen)
        tree = people.cascade_tree(model, chosen)
    history = session.score_history(chosen)
    with solara.Column(gap="2px", classes=["score-sim-inspect"]):
        Prose(
            f"#### {escape_html(explanation.name)}\n\n"
            + "\n".join(f"- {escape_html(line)}" for line in explanation.lines)
        )
        if explanation.chain:
            Prose(
                "**Why, from the finding to here:**\n\n"
                + "\n".join(f"1. {escape_html(line)}" for line in explanation.chain)
            )
        else:
            solara.Text("Nothing has reached it so far.", style=HELP_STYLE)
        if tree:
            Prose("**Its cascade:**\n\n" + "\n".join(f"    {escape_html(line)}" for line in tree))
        if history is not None and len(history) > 1:
            ImageView(score_figure(history, explanation.name, state.projector.value), "", "one")
