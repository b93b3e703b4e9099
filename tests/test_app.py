"""Tests for score_sim.app: the SolaraViz page, rendered headlessly with solara.render.

As in Mesa's own tests (tests/test_solara_viz.py), components are rendered with
``solara.render(..., handle_error=False)`` and the widgets found with ``rc.find``. The page
is wrapped in an ``AppLayout`` so that SolaraViz's sidebar (the controls) is rendered too.
"""

from __future__ import annotations

import warnings

import ipyvuetify as vw
import ipywidgets
import pytest
import reacton.core
import solara

from score_sim.scenario import bundled_scenarios

with warnings.catch_warnings():
    # Mesa 3.3's ComponentsView trips solara's rules-of-hooks check when it is imported
    warnings.filterwarnings("ignore", ".*use_state. found despite early return", UserWarning)
    from mesa.visualization import SolaraViz
    from mesa.visualization.solara_viz import _check_model_params
    from mesa.visualization.utils import force_update

    from score_sim import app

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def small_model() -> app.AppScoreModel:
    return app.AppScoreModel("baseline", citizens=500, firms=25)


def render_page(model: app.AppScoreModel) -> reacton.core.RenderContext:
    @solara.component
    def page():
        with solara.AppLayout():
            SolaraViz(
                model, components=app.components, model_params=app.model_params, name="score-sim"
            )

    _, rc = solara.render(page(), handle_error=False)
    return rc


def panels(rc: reacton.core.RenderContext) -> list[ipywidgets.Widget]:
    """The widgets in the page's grid: the text panel, then the three charts."""
    return list(rc.find(solara.widgets.GridLayout).widget.items)


def panel_text(rc: reacton.core.RenderContext) -> str:
    return panels(rc)[0].template


def chart_pngs(rc: reacton.core.RenderContext) -> list[bytes]:
    images = panels(rc)[1:]
    assert all(isinstance(image, ipywidgets.Image) for image in images)
    return [bytes(image.value) for image in images]


def click(rc: reacton.core.RenderContext, label: str) -> None:
    rc.find(vw.Btn, children=[label]).widget.click()


def test_page_is_a_solara_viz_element_named_score_sim():
    assert isinstance(app.page, reacton.core.Element)
    assert app.page.component.f.__name__ == "SolaraViz"
    assert app.page.kwargs["name"] == "score-sim"
    assert app.page.kwargs["model_params"] is app.model_params
    assert len(app.page.kwargs["components"]) == 4


def test_initial_model_matches_the_controls_defaults():
    model = app.model
    assert model.scenario.name == "baseline"
    assert model.world.n_citizens == 5_000
    assert model.world.n_firms == 250
    assert model.seed == 42
    assert model.steps == 0


def test_model_params_fit_the_constructor_and_name_every_bundled_scenario():
    _check_model_params(app.AppScoreModel.__init__, app.model_params)  # what SolaraViz checks
    assert app.model_params["scenario"]["values"] == list(bundled_scenarios())
    for name in ("citizens", "firms"):
        slider = app.model_params[name]
        assert slider["min"] <= slider["value"] <= slider["max"]


@pytest.mark.parametrize("name", list(bundled_scenarios()))
def test_every_selectable_scenario_builds_and_steps(name):
    model = app.AppScoreModel(name, rng="3", citizens=1_000, firms=50)
    model.step()
    assert model.scenario.name == name
    assert model.world.n_citizens == 1_000
    assert model.steps == 1


@pytest.mark.parametrize(
    ("text", "seed"), [("7", 7), (" 1_000 ", 1000), ("", None), ("  ", None), (None, None), (5, 5)]
)
def test_parse_seed(text, seed):
    assert app.parse_seed(text) == seed


def test_parse_seed_refuses_non_numbers():
    with pytest.raises(ValueError, match="whole number"):
        app.parse_seed("abc")


def test_blank_seed_uses_the_scenarios_seed():
    model = app.AppScoreModel("baseline", rng="", citizens=1_000, firms=50)
    assert model.seed == model.scenario.run.seed == 42


def test_summary_paragraph_drops_the_heading():
    description = "WHAT IT IS\nA year of a\nregime.\n\nHOW IT WORKS\nDaily."
    assert app.summary_paragraph(description) == "A year of a regime."
    assert app.summary_paragraph("One line only.") == "One line only."


@pytest.mark.parametrize(("index", "measures"), [(1, app.SCORES), (2, app.LISTS), (3, app.HARMS)])
def test_each_plot_component_renders_its_measures(small_model, index, measures):
    make_plot, page_index = app.components[index]
    assert page_index == 0
    for _ in range(5):
        small_model.step()
    frame = small_model.datacollector.get_model_vars_dataframe()
    assert set(measures) <= set(frame.columns)
    assert len(frame) == 6  # day 0 and five days

    @solara.component
    def plot():
        make_plot(small_model)

    _, rc = solara.render(plot(), handle_error=False)
    image = rc.find(ipywidgets.Image).widget
    assert bytes(image.value).startswith(PNG)


def test_page_renders_text_and_charts_and_steps(small_model):
    rc = render_page(small_model)
    assert "baseline: day 0 of 365" in panel_text(rc)
    assert "A year of a municipal points regime" in panel_text(rc)
    assert "500 citizens, 25 firms, seed 42" in panel_text(rc)
    before = chart_pngs(rc)
    assert len(before) == 3
    assert all(png.startswith(PNG) for png in before)

    for _ in range(3):
        click(rc, "Step")
    assert small_model.steps == 3
    assert "day 3 of 365" in panel_text(rc)
    after = chart_pngs(rc)
    assert all(png.startswith(PNG) for png in after)
    assert after != before  # the charts were redrawn with three more days
    assert len(small_model.datacollector.get_model_vars_dataframe()) == 4


def test_stepping_outside_the_ui_shows_after_an_update(small_model):
    rc = render_page(small_model)
    small_model.step()
    small_model.step()
    force_update()  # what SolaraViz's controller calls after stepping
    assert "day 2 of 365" in panel_text(rc)


def test_controls_and_reset_build_a_new_model(small_model):
    rc = render_page(small_model)
    select = rc.find(vw.Select).widget
    assert select.items == list(bundled_scenarios())
    assert select.v_model == "baseline"
    citizens = rc.find(vw.Slider, label="Citizens").widget
    assert (citizens.min, citizens.max, citizens.v_model) == (1_000, 50_000, 5_000)
    seed = rc.find(vw.TextField, label="Seed (blank: the scenario's)").widget
    assert seed.v_model == "42"

    click(rc, "Step")
    select.v_model = "pariah_spiral"
    citizens.v_model = 2_000
    rc.find(vw.Slider, label="Firms").widget.v_model = 100
    seed.v_model = "9"
    seed.fire_event("keyup.enter")  # the seed box takes its text on Enter or leaving it
    click(rc, "Reset")

    text = panel_text(rc)
    assert "pariah_spiral: day 0 of 730" in text
    assert "2,000 citizens, 100 firms, seed 9" in text
    click(rc, "Step")
    assert "pariah_spiral: day 1 of 730" in panel_text(rc)
    assert small_model.steps == 1  # the old model is left alone
