"""What a finished run leaves for people to read: tables, summaries, figures, its folder.

For the reader of a run (a student, a teacher, a researcher checking a claim) and for the
commands and notebooks that produce one. Everything here reads a finished model's results
and never changes or drives the model; :mod:`score_sim.runner` simulates, then writes
through these modules:

- :mod:`.tables`: the CSV tables (time series, actors, events, cascades) and CSV writing;
- :mod:`.frames`: the same tables as pandas DataFrames, for notebooks;
- :mod:`.summary`: ``summary.json``, the headline numbers, one per harm;
- :mod:`.headlines`: the harm headlines, each naming the assumptions it scales with;
- :mod:`.targets`: calibration targets measured on a run;
- :mod:`.folder`: output folders, claimed first and replaced only when score-sim's own;
- :mod:`.files`: a run's files written into its folder, and the manifest;
- :mod:`.figures`: the PNG figures, one module per family.

Importing this package imports none of them.
"""
