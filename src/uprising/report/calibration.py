"""A calibration's part of its report: the posterior, the generations, and the posterior
predictive check (`uprising.experiment.predictive`), as tables and one figure.

They come first in the report of a calibration experiment, whose runs are the check's runs:
the timeline and the figures by department that follow draw those runs against the data.
"""

from __future__ import annotations

from html import escape

import numpy as np
import polars as pl
from matplotlib.figure import Figure

from uprising.figures import new_figure
from uprising.report.build import Drawn
from uprising.report.html import Section
from uprising.report.timeline import OBS_COLOUR, SIM_COLOUR


def _number(value: float | None) -> str:
    if value is None or not np.isfinite(value):
        return "-" if value is None else str(value)
    return f"{value:.4g}"


def _table(head: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td class='num'>{escape(c)}</td>" if i >= numeric_from else f"<td>{escape(c)}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><tr>{cells}</tr>{body}</table>"


def posterior_table(summary: pl.DataFrame) -> str:
    """Each searched parameter: its posterior median and 90% interval, the interval's width as a
    share of the prior's (near 1: the data taught little), the 90% interval for the particles'
    effective number (`calibrate.adjusted_tail`; a summary stored before it had none), and the
    prior."""
    rows = []
    for r in summary.iter_rows(named=True):
        width = (r["high"] - r["low"]) / (r["prior_high"] - r["prior_low"])
        adjusted = (
            f"{_number(r['adjusted_low'])} to {_number(r['adjusted_high'])}" if "adjusted_low" in r else "-"
        )
        rows.append(
            [
                r["parameter"],
                _number(r["median"]),
                _number(r["low"]),
                _number(r["high"]),
                f"{width:.2f}",
                adjusted,
                f"[{r['prior_low']:g}, {r['prior_high']:g}]",
            ]
        )
    width = "90% width / prior width"
    return _table(["parameter", "median", "5%", "95%", width, "90% for the ESS", "prior (uniform)"], rows)


def generations_table(generations: pl.DataFrame) -> str:
    rows = [
        [
            str(r["generation"]),
            _number(r["epsilon"]),
            str(r["simulations"]),
            f"{r['acceptance']:.3f}",
            f"{r['ess']:.1f} of {r['particles']}",
        ]
        for r in generations.iter_rows(named=True)
    ]
    return _table(["generation", "threshold", "runs", "acceptance", "ESS"], rows)


def predictive_table(check: pl.DataFrame) -> str:
    rows = [
        [
            r["statistic"],
            _number(r["observed"]),
            _number(r["median"]),
            f"{_number(r['low'])} to {_number(r['high'])}",
            f"{r['share_below']:.2f}",
            "inside" if r["inside"] else "outside",
        ]
        for r in check.iter_rows(named=True)
    ]
    head = ["statistic", "observed", "runs' median", "runs' 90% band", "share of runs below", "observed is"]
    return _table(head, rows)


def predictive_figure(check: pl.DataFrame) -> Figure | None:
    """One row per statistic: the runs' 90% band and median, and the observed value."""
    if check.height == 0:
        return None
    names = check["statistic"].to_list()
    y = np.arange(len(names))[::-1]
    fig = new_figure(9, 0.24 * len(names) + 1.4)
    ax = fig.add_subplot()
    ax.hlines(y, check["low"].to_numpy(), check["high"].to_numpy(), color=SIM_COLOUR, linewidth=4, alpha=0.35,
              label="runs' 90% band")  # fmt: skip
    ax.plot(check["median"].to_numpy(), y, "|", color=SIM_COLOUR, markersize=10, label="runs' median")
    outside = ~check["inside"].to_numpy()
    observed = check["observed"].to_numpy()
    ax.plot(observed[~outside], y[~outside], "D", color=OBS_COLOUR, markersize=4, label="observed, inside")
    ax.plot(observed[outside], y[outside], "D", color="#c0392b", markersize=5, label="observed, outside")
    ax.set_yticks(y, names, fontsize=7)
    ax.set_xscale("symlog", linthresh=1.0)
    if min(check["low"].min(), check["observed"].min()) >= 0:  # counts: no negative axis
        ax.set_xlim(left=0)
    ax.set_xlabel("value of the statistic (symmetric log scale: linear from 0 to 1)")
    ax.grid(axis="x", alpha=0.3)
    fig.legend(loc="outside lower center", ncols=4, fontsize=8)
    return fig


def calibration_sections(
    summary: pl.DataFrame, generations: pl.DataFrame, check: pl.DataFrame | None, runs: int
) -> list[Section | Drawn]:
    """The posterior, the generations and (with runs) the predictive check, for `build_report`."""
    last = generations.row(-1, named=True)
    items: list[Section | Drawn] = [
        Section(
            "Posterior",
            f"Weighted quantiles of the last generation ({last['particles']} particles, "
            f"effective sample size {last['ess']:.1f}) of ABC-SMC against the observed summaries. "
            "90% for the ESS: the 5%-95% interval widened for that effective number, so that it "
            "holds a draw of the posterior 90% of the time (between the 5% and 95% quantiles of a "
            "few dozen particles, a draw falls 87-89% of the time).",
            html=posterior_table(summary),
        ),
        Section(
            "Generations",
            "Each generation's distance threshold, runs, acceptance rate and effective sample size "
            "of its weights (an ESS far under the particles: the posterior rests on few of them).",
            html=generations_table(generations),
        ),
    ]
    if check is None or check.height == 0:
        items.append(
            Section("Posterior predictive check", "None: the calibration ran no check (--check-runs 0).")
        )
        return items
    inside = int(check["inside"].sum())
    items.append(
        Drawn(
            "predictive_check",
            "Posterior predictive check",
            predictive_figure(check),
            f"{runs} runs, each with the parameters of a particle drawn from the posterior by weight "
            f"and its own seed: {inside} of {check.height} observed statistics fall inside the runs' "
            "90% band. A share of runs below the observed value near 0 or 1 marks a statistic the "
            "fitted model does not reproduce, even at the parameters the data chose. The figures "
            "that follow draw the same runs.",
        )
    )
    items.append(Section("Posterior predictive check, statistic by statistic", html=predictive_table(check)))
    return items
