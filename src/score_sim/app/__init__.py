"""The browser app (``score-sim app``), one module per concern.

The page (Solara components):

- :mod:`score_sim.app.page`: the whole page, one per browser tab (Solara's entry:
  ``solara run score_sim.app.page``).
- :mod:`score_sim.app.sidebar`: the scenario, population, days, seed and rule controls.
- :mod:`score_sim.app.toolbar`: day N of M, Step / Play / Pause / Reset, today's numbers.
- :mod:`score_sim.app.views`: the CLI's figures, the twin worlds and the scenario's Info.
- :mod:`score_sim.app.widgets`: a tab's state and the small widgets every part shares.

What the page does, kept apart from Solara so that it can be tested without a browser:

- :mod:`score_sim.app.controls`: the rule controls a scenario offers and the checking of
  what a student typed, with a message for each control.
- :mod:`score_sim.app.offer`: the scenarios and values a page may choose, checked on the
  server.
- :mod:`score_sim.app.budget`: the memory budgets of a tab and of the whole server.
- :mod:`score_sim.app.session`: one browser tab's city (and its twin), stepped day by day.
- :mod:`score_sim.app.figures`: the CLI's figures drawn for the page, with human labels.
- :mod:`score_sim.app.info`: a scenario's description and its evidence ledger.
- :mod:`score_sim.app.assets`: only the packaged front-end files are served.
- :mod:`score_sim.app.server`: ``score-sim app``, the server, offline.

Nothing here imports Solara at import time; everything calls the public API
(:class:`~score_sim.model.ScoreModel`, :func:`~score_sim.scenario.resolve_scenario`) and
none of it changes how the model runs.
"""
