"""``python -m score_sim``: the same as the ``score-sim`` command."""

from score_sim.cli import main

main()
