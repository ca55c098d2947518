"""A live frame is cheap to send: a 400 x 400 torus goes to the page as its sites' codes, with
no hover label per site."""

from __future__ import annotations

import json

import numpy as np
from plotly.graph_objs._figurewidget import FigureWidget

from uprising.web.charts import grid_chart, series_chart

TICKS = 2000


def sending_widget() -> tuple[FigureWidget, list[int]]:
    """A plotly widget that counts the bytes of each message it sends to the page."""
    widget, sent = FigureWidget(), []

    def send(msg, buffers=None):
        sent.append(len(json.dumps(msg, default=str)) + sum(memoryview(b).nbytes for b in buffers or []))

    widget._send = send
    return widget, sent


def show(widget: FigureWidget, fig) -> None:
    """Load `fig` into `widget` the way `solara.FigurePlotly` does on each new figure: the layout
    assigned, the new traces added, the old ones removed."""
    widget.layout = fig.layout
    length = len(widget.data)
    widget.add_traces(fig.data)
    widget.data = list(widget.data)[length:]


def live_charts(tick: int, seed: int):
    """The two charts of a 400 x 400 torus's live frame; its sites drawn at random over all five
    kinds (harder to compress than a run's)."""
    rng = np.random.default_rng(seed)
    grid = rng.integers(0, 5, size=(400, 400), dtype=np.uint8)
    lines = {"active": rng.integers(0, 10**5, TICKS), "jailed": rng.integers(0, 10**5, TICKS)}
    line = series_chart(np.arange(TICKS), lines, "people by tick", "tick", x_range=(0, TICKS))
    return line, grid_chart(grid, f"the torus at tick {tick:,}")


def test_a_live_frame_of_a_400_by_400_torus_sends_under_700_kb():
    widgets = [sending_widget(), sending_widget()]
    for tick in (1, 2):
        for (widget, sent), chart in zip(widgets, live_charts(tick, seed=tick), strict=True):
            sent.clear()
            show(widget, chart)
        frame_bytes = sum(sum(sent) for _, sent in widgets)
        # a heatmap with a hover label per site sent 2.4 MB a frame
        assert frame_bytes < 700_000, f"frame {tick} sent {frame_bytes:,} bytes"
