"""Observed data (Peru's December 2022, a map world's observed.csv) and the metrics that put a
run beside it."""

from uprising.observed.loader import DAY0, Observed, load_observed
from uprising.observed.map_observed import load_map_observed, observed_of
from uprising.observed.metrics import (
    METRIC_KEYS,
    ensemble_summary,
    observed_metrics,
    run_metrics,
    scalar_metrics,
)

__all__ = [
    "DAY0",
    "METRIC_KEYS",
    "Observed",
    "ensemble_summary",
    "load_map_observed",
    "load_observed",
    "observed_metrics",
    "observed_of",
    "run_metrics",
    "scalar_metrics",
]
