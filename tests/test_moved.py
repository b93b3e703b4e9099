"""Old module paths still import, and warn where their names went."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import warnings

import pytest

from score_sim import moved


@pytest.mark.parametrize("old", sorted(moved.MOVED))
def test_every_old_module_path_imports_and_says_where_it_went(old):
    sys.modules.pop(old, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(old)
    said = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
    assert any(message.startswith(f"{old} moved to ") for message in said), said
    assert len(dir(module)) > 3  # the names of its new homes


def test_the_old_names_are_the_new_objects():
    from score_sim.experiments.twins import compare_scenarios
    from score_sim.mechanisms.lists import ListBook
    from score_sim.outputs.figures.cascades import ccdf
    from score_sim.outputs.figures.pariahs import plot_pariahs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from score_sim.compare import compare_scenarios as old_compare
        from score_sim.harm_plots import ccdf as old_ccdf
        from score_sim.harm_plots import plot_pariahs as old_pariahs
        from score_sim.rules.lists import ListBook as OldListBook

    assert old_compare is compare_scenarios and old_ccdf is ccdf
    assert old_pariahs is plot_pariahs and OldListBook is ListBook


def test_a_name_that_is_nowhere_says_where_the_module_went():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import score_sim.tables as old

    with pytest.raises(AttributeError, match=re.escape("moved to score_sim.outputs.tables")):
        old.no_such_name  # noqa: B018


def test_the_browser_page_still_serves_from_its_old_path():
    code = (
        "import warnings; warnings.simplefilter('ignore');"
        "from score_sim.browser.page import Page; from score_sim.app.page import Page as New;"
        "print(Page is New)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "True", result.stderr


def test_a_path_that_never_existed_is_still_an_import_error():
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("score_sim.no_such_module")
    assert moved.new_homes("score_sim.model") is None
