"""``python -m score_sim``: the same as the ``score-sim`` command."""

from score_sim.cli import main

if __name__ == "__main__":  # importing the module (a documentation tool does) runs nothing
    main()
