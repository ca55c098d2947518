"""Experiments at scale: ensembles over seeds, sweeps, paired comparisons, on local or Dask workers.

Every experiment is a list of `RunTask`s run by `map_runs` and stored by `run_experiment` as one
experiment of the store, which a re-run of the same experiment resumes.
"""

from uprising.experiment.ensemble import ExperimentResult, run_ensemble, run_experiment
from uprising.experiment.executor import RunTask, map_runs

__all__ = ["ExperimentResult", "RunTask", "map_runs", "run_ensemble", "run_experiment"]
