"""Crisis dynamics on a map: plain state and functions that run between engine ticks.

`config` (the scenario section) is imported by the scenario model; `crisis.Crisis` drives a run.
"""
