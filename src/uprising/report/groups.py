"""Figures of grouped runs: a sweep's outputs against the parameter it varies, and a
comparison's paired differences (alternative minus baseline, seed by seed)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from scipy import stats

from uprising.figures import new_figure
from uprising.observed import scalar_metrics
from uprising.recorder.output import RunOutput
from uprising.report.timeline import SIM_COLOUR

OUTPUTS = {
    "mean_active": "mean active citizens (agents)",
    "peak_active": "peak active citizens (agents)",
    "final_jailed": "jailed at the end (agents)",
    "total_deaths": "deaths over the run (people)",
    "peak_blockades": "peak road points held",
}
"""The scalar outputs drawn, with their units; deaths and blockades only where a run has any."""

CONFIDENCE = 0.95
BASELINE, ALTERNATIVE = "baseline", "alternative"


def _outputs(values: list[dict[str, float]]) -> list[str]:
    always = ("mean_active", "peak_active", "final_jailed")
    return [k for k in OUTPUTS if k in always or any(v.get(k, 0) for v in values)]


def _panels(count: int) -> tuple[Figure, list[Any]]:
    cols = min(count, 3)
    rows = math.ceil(count / cols)
    fig = new_figure(4.2 * cols, 3.4 * rows)
    axes = list(fig.subplots(rows, cols, squeeze=False).ravel())
    for ax in axes[count:]:
        fig.delaxes(ax)
    return fig, axes[:count]


def sweep_figure(outputs: list[RunOutput], varied: dict[str, list[Any]]) -> Figure | None:
    """Each scalar output against the first numeric parameter the sweep varies: every run as a
    dot, the median of each point as a line (None when no varied parameter is a number)."""
    numeric = [p for p, v in varied.items() if all(isinstance(x, int | float) for x in v)]
    if not numeric:
        return None
    parameter = numeric[0]
    x = np.asarray(varied[parameter], dtype=float)
    values = [scalar_metrics(out) for out in outputs]
    names = _outputs(values)
    fig, axes = _panels(len(names))
    levels = np.unique(x)
    for ax, name in zip(axes, names, strict=True):
        y = np.array([v[name] for v in values], dtype=float)
        ax.plot(x, y, "o", color=SIM_COLOUR, alpha=0.45, markersize=4, label="one run")
        medians = [float(np.median(y[x == level])) for level in levels]
        ax.plot(levels, medians, "-", color="black", linewidth=1.4, label="median of the point's runs")
        ax.set_xlabel(parameter)
        ax.set_ylabel(OUTPUTS[name])
        ax.set_title(name, fontsize=10)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    counts = sorted({int((x == level).sum()) for level in levels})
    others = [p for p in varied if p != parameter]
    extra = f"; also varied: {', '.join(others)}" if others else ""
    fig.suptitle(
        f"outputs against {parameter}: {len(levels)} values, {', '.join(map(str, counts))} run(s) each{extra}"
    )
    return fig


def paired_differences(
    outputs: list[RunOutput], labels: list[str], seeds: list[int]
) -> dict[str, np.ndarray]:
    """Per scalar output, alternative minus baseline for each seed both arms ran."""
    arms: dict[str, dict[int, dict[str, float]]] = {BASELINE: {}, ALTERNATIVE: {}}
    for out, label, seed in zip(outputs, labels, seeds, strict=True):
        if label in arms:
            arms[label][seed] = scalar_metrics(out)
    common = sorted(set(arms[BASELINE]) & set(arms[ALTERNATIVE]))
    if not common:
        return {}
    names = _outputs([*arms[BASELINE].values(), *arms[ALTERNATIVE].values()])
    return {
        name: np.array([arms[ALTERNATIVE][s][name] - arms[BASELINE][s][name] for s in common], dtype=float)
        for name in names
    }


def paired_figure(differences: dict[str, np.ndarray]) -> Figure | None:
    """Each output's paired differences: every seed as a dot, the mean with its 95% t interval
    (the interval only from 2 pairs on), the number of pairs in each panel's title."""
    if not differences:
        return None
    fig, axes = _panels(len(differences))
    for ax, (name, d) in zip(axes, differences.items(), strict=True):
        n = len(d)
        jitter = np.linspace(-0.15, 0.15, n) if n > 1 else np.zeros(1)
        ax.plot(jitter, d, "o", color=SIM_COLOUR, alpha=0.5, markersize=4, label="one seed")
        mean = float(d.mean())
        if n >= 2:
            half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1)) * float(d.std(ddof=1)) / math.sqrt(n)
            ax.errorbar(
                [0.35], [mean], yerr=[[half], [half]], fmt="D", color="black", capsize=4,
                label=f"mean, {CONFIDENCE:.0%} t interval ({n} pairs)",
            )  # fmt: skip
        else:
            ax.plot([0.35], [mean], "D", color="black", label="mean (1 pair: no interval)")
        ax.axhline(0, color="tab:gray", linewidth=0.8, linestyle=":")
        ax.set_xlim(-0.5, 0.7)
        ax.set_xticks([])
        ax.set_xlabel(f"{n} seeds, each run in both arms")
        ax.set_ylabel(OUTPUTS[name])
        ax.set_title(f"{name}: alternative - baseline ({n} pairs)", fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=7, loc="best")
    fig.suptitle("paired differences, alternative minus baseline on the same seeds")
    return fig
