"""The regime's rules, one module per phase of a simulated day.

A day runs behave -> observe -> score -> lists -> collect. Each rule reads and writes the
arrays of :class:`score_sim.world.World`; none loops over actors in Python.
"""
