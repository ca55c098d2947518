"""The experiment store: an embedded DuckDB file of experiments, runs and their series."""

from uprising.store.groups import Groups
from uprising.store.store import DEFAULT_PATH, KINDS, ExperimentPlan, PlannedRun, Store

__all__ = ["DEFAULT_PATH", "KINDS", "ExperimentPlan", "Groups", "PlannedRun", "Store"]
