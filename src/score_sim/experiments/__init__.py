"""Experiments over many runs: sweeps of seeds and parameters, and sensitivity analysis.

- :mod:`score_sim.experiments.spec`: the sweep file (YAML), validated into a plan of runs.
- :mod:`score_sim.experiments.sweep_plan`: that plan (the seeds, the parameter sets, one
  task per run).
- :mod:`score_sim.experiments.sweep`: running the plan in worker processes or on a Dask
  cluster, resumably, into ``results.csv`` and ``results.parquet``.
- :mod:`score_sim.experiments.sensitivity`: Sobol, Morris or RBD-FAST indices with SALib.
- :mod:`score_sim.experiments.replications`: published results reproduced over many seeds,
  side by side with the papers' findings (``score-sim replicate``).
- :mod:`score_sim.experiments.bad_luck`: the twin world without errors behind the
  bad-luck ratio.
"""
