"""Reports of runs: PNG figures and one self-contained HTML page (`build_report`).

The figure functions return matplotlib Figures drawn by Agg, for reuse by other front ends.
"""

from uprising.report.build import REPORT_FILE, build_report
from uprising.report.choropleth import choropleth_figure
from uprising.report.deaths import deaths_figure
from uprising.report.departments import departments_figure
from uprising.report.observed_series import ObservedSeries, observed_for
from uprising.report.scorecard import ScoreRow, scorecard
from uprising.report.timeline import day_axis, timeline_figure
from uprising.report.votes import votes_figure

__all__ = [
    "REPORT_FILE",
    "ObservedSeries",
    "ScoreRow",
    "build_report",
    "choropleth_figure",
    "day_axis",
    "deaths_figure",
    "departments_figure",
    "observed_for",
    "scorecard",
    "timeline_figure",
    "votes_figure",
]
