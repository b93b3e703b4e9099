"""The browser app's parts, kept apart from Solara so they can be tested without a browser.

- :mod:`score_sim.browser.controls`: the rule controls a scenario offers (sliders and switches
  with units) and the checking of what a student typed, with a message for each control.
- :mod:`score_sim.browser.session`: one browser tab's city (and its twin), stepped day by day.
- :mod:`score_sim.browser.figures`: the CLI's figures drawn for the page, with human labels.
- :mod:`score_sim.browser.info`: a scenario's description and its evidence ledger.
- :mod:`score_sim.browser.server`: ``score-sim app``, the server, offline.

The page itself is :mod:`score_sim.app` (``solara run src/score_sim/app.py`` works too).
Everything here calls the public API (:class:`~score_sim.model.ScoreModel`,
:func:`~score_sim.scenario.resolve_scenario`, :mod:`score_sim.outputs.figures`); none of
it changes how the model runs.
"""
