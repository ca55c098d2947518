"""Forecasts frozen in files and scored against observations with proper scores and baselines.

`forecast.make_forecast` fits a scenario on the observations up to a date (or takes it as
shipped), simulates an ensemble to a later date and returns the forecast file's data;
`files` writes and validates that file; `scorecard.score_forecast` scores it against observed
data with `scoring`'s proper scores, beside the three baselines of `baselines`.
"""

from uprising.forecast.files import QUANTILES, SERIES, Forecast, read_forecast, write_forecast

__all__ = ["QUANTILES", "SERIES", "Forecast", "read_forecast", "write_forecast"]
