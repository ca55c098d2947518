"""Congress roll calls: the distribution over runs of each vote's yes votes, one histogram per vote.

A vote event's `outcome` reads 'NAME: passed' (or 'failed') and its `votes` holds the yes
votes. Where the vote is a recorded roll call, the recorded yes votes are marked.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from uprising.errors import UprisingError
from uprising.figures import new_figure
from uprising.recorder.output import RunOutput
from uprising.report.timeline import OBS_COLOUR, SIM_COLOUR

VOTE_KIND = "vote"
RESULT_COLOURS = {"passed": SIM_COLOUR, "failed": "#d9822b", "": "#888888"}


def vote_counts(outputs: list[RunOutput]) -> dict[str, dict[str, list[int]]]:
    """Yes votes of every 'vote' event of the runs: vote name -> result ('passed', 'failed', '') -> votes."""
    counts: dict[str, dict[str, list[int]]] = {}
    for out in outputs:
        frame = out.events.filter(pl.col("kind") == VOTE_KIND)
        for outcome, votes in frame.select("outcome", "votes").iter_rows():
            if votes is None or votes < 0:
                continue
            name, _, result = (outcome or "").partition(":")
            counts.setdefault(name.strip(), {}).setdefault(result.strip(), []).append(int(votes))
    return counts


def recorded_yes(name: str) -> int | None:
    """The yes votes of the recorded roll call `name`, None when it is not a recorded one."""
    from uprising.institutions import ROLL_CALLS
    from uprising.institutions.records import recorded_vote

    motion = ROLL_CALLS.get(name)
    if motion is None:
        return None
    try:
        record = recorded_vote(motion)
    except UprisingError:
        return None
    return None if record is None else int(record.yes)


def votes_figure(outputs: list[RunOutput]) -> Figure | None:
    """One histogram per vote name, split by result (None when the runs held no vote)."""
    counts = vote_counts(outputs)
    if not counts:
        return None
    cols = min(len(counts), 3)
    rows = math.ceil(len(counts) / cols)
    fig = new_figure(4.4 * cols, 3.3 * rows + 0.5)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, (name, by_result) in zip(axes, sorted(counts.items()), strict=False):
        every = [v for votes in by_result.values() for v in votes]
        recorded = recorded_yes(name)
        lo, hi = min(every + ([recorded] if recorded is not None else [])), max(every)
        if recorded is not None:
            hi = max(hi, recorded)
        bins = np.arange(lo - 0.5, hi + 1.5, max(1, math.ceil((hi - lo + 1) / 30)))
        results = sorted(by_result)
        ax.hist(
            [by_result[r] for r in results],
            bins=bins,
            stacked=True,
            color=[RESULT_COLOURS.get(r, "#888888") for r in results],
            label=[r or "no result" for r in results],
        )
        if recorded is not None:
            ax.axvline(
                recorded, color=OBS_COLOUR, linewidth=1.2, linestyle="--", label=f"recorded: {recorded}"
            )
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("yes votes (members of Congress)")
        ax.set_ylabel("runs (count)")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(fontsize=8)
    for ax in axes[len(counts) :]:
        fig.delaxes(ax)
    fig.suptitle(f"Congress roll calls over {len(outputs)} run(s): yes votes, by result")
    return fig
