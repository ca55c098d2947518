"""Observed data of December 2022 and the metrics that put a run beside it."""

from uprising.observed.loader import DAY0, Observed, load_observed
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
    "load_observed",
    "observed_metrics",
    "run_metrics",
    "scalar_metrics",
]
