"""The dashboard's interactive charts (plotly): counts over time, the torus's sites, the map of Peru.

Each chart is a plain `plotly.graph_objects.Figure` built from arrays, so the same functions
draw a run while it runs (from its live frames) and once it is done (from its daily table).
Legends sit above the plotting area, never over the points; `uirevision` keeps a user's zoom
while the data under it grows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from uprising.figures import MAP_CMAP, department_shapes, label_point, polygon_rings

# What stands on a site (`Model.site_states`): code -> (name, colour).
SITE_KINDS = (
    ("empty", "#f2f2f2"),
    ("quiescent", "#9ecae1"),
    ("active", "#d62728"),
    ("jailed", "#7f7f7f"),
    ("cop", "#111111"),
)
SERIES_COLOURS = {"active": "#d62728", "jailed": "#1f77b4", "quiescent": "#9ecae1", "model": "#444444"}
OBSERVED_COLOUR = "#2ca02c"
LEGEND_ABOVE = {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0}
MARGIN = {"l": 50, "r": 20, "t": 60, "b": 40}


def series_chart(
    x: Sequence,
    lines: dict[str, Sequence[float]],
    title: str,
    x_title: str,
    y_title: str = "people",
    observed: Sequence[float | None] | None = None,
    x_range: tuple[float, float] | None = None,
) -> go.Figure:
    """Lines over ticks or days (with observed points where given); the legend above the plot."""
    fig = go.Figure()
    for name, values in lines.items():
        fig.add_trace(
            go.Scatter(
                x=list(x), y=list(values), mode="lines", name=name,
                line={"color": SERIES_COLOURS.get(name, "#444444"), "width": 2},
            )
        )  # fmt: skip
    if observed is not None:
        seen = [(xi, v) for xi, v in zip(x, observed, strict=False) if v is not None]
        if seen:
            xs, ys = zip(*seen, strict=True)
            fig.add_trace(
                go.Scatter(
                    x=list(xs), y=list(ys), mode="markers", name="observed, Dec 2022",
                    marker={"color": OBSERVED_COLOUR, "size": 6},
                )
            )  # fmt: skip
    fig.update_layout(
        title={"text": title, "font": {"size": 14}, "y": 0.98, "yanchor": "top"},
        legend=LEGEND_ABOVE,
        margin=MARGIN,
        height=300,
        uirevision=title,
        xaxis={"title": x_title, "range": list(x_range) if x_range else None},
        yaxis={"title": y_title, "rangemode": "tozero"},
        template="plotly_white",
    )
    return fig


def panels_chart(
    x: Sequence,
    panels: list[tuple[str, dict[str, Sequence[float]], Sequence[float | None] | None]],
    x_title: str,
) -> go.Figure:
    """Several series charts as the panels of one figure, two a row, one legend above them all."""
    from plotly.subplots import make_subplots

    rows = -(-len(panels) // 2)
    fig = make_subplots(
        rows=rows, cols=2, subplot_titles=[title for title, _, _ in panels], shared_xaxes=True,
        vertical_spacing=0.12,
    )  # fmt: skip
    for i, (_, lines, observed) in enumerate(panels):
        one = series_chart(x, lines, "", x_title, observed=observed)
        for trace in one.data:
            trace.showlegend = i == 0 or trace.name == "observed, Dec 2022" and i == 1
            fig.add_trace(trace, row=i // 2 + 1, col=i % 2 + 1)
    fig.update_yaxes(rangemode="tozero")
    fig.update_layout(
        legend=LEGEND_ABOVE, margin={**MARGIN, "t": 90}, height=300 * rows + 60, template="plotly_white"
    )
    return fig


def grid_chart(grid: np.ndarray, title: str) -> go.Figure:
    """The torus's sites coloured by what stands on each (empty, quiescent, active, jailed, cop).

    Hovering gives a site's x and y; its colour and the legend say what stands on it. A hover
    label per site sent about 2.4 MB a frame for a 400 x 400 torus, its codes alone about 0.5 MB.
    (As a PNG picture the sites raised errors on the page: plotly.js draws a picture once it has
    loaded, and a live chart may be gone by then.)
    """
    n = len(SITE_KINDS)
    scale = []
    for code, (_, colour) in enumerate(SITE_KINDS):
        scale += [(code / n, colour), ((code + 1) / n, colour)]
    fig = go.Figure(
        go.Heatmap(
            z=grid, zmin=-0.5, zmax=n - 0.5, colorscale=scale, showscale=False,
            hovertemplate="x %{x}, y %{y}<extra></extra>",
        )
    )  # fmt: skip
    counts = np.bincount(grid.ravel(), minlength=n)
    for code, (name, colour) in enumerate(SITE_KINDS[1:], start=1):
        fig.add_trace(
            go.Scatter(
                x=[None], y=[None], mode="markers", name=f"{name} ({counts[code]:,})",
                marker={"color": colour, "size": 10, "symbol": "square"},
            )
        )  # fmt: skip
    height, width = grid.shape
    fig.update_layout(
        title={"text": title, "font": {"size": 14}, "y": 0.98, "yanchor": "top"},
        legend=LEGEND_ABOVE,
        margin=MARGIN,
        height=min(640, max(360, 10 * height + 130)),
        width=min(600, max(320, 10 * width + 90)),
        uirevision="grid",
        xaxis={"range": [-0.5, width - 0.5], "showgrid": False, "constrain": "domain"},
        yaxis={"range": [height - 0.5, -0.5], "scaleanchor": "x", "showgrid": False, "constrain": "domain"},
        plot_bgcolor="white",
    )
    return fig


@lru_cache(maxsize=1)
def _outlines() -> tuple[tuple[str, np.ndarray, np.ndarray], ...]:
    """Each department's rings as one x, y pair of arrays, rings split by NaN (read once)."""
    shapes = department_shapes()
    outlines = []
    for name, geom in zip(shapes.names, shapes.polygons, strict=True):
        xs, ys = [], []
        for ring in polygon_rings(geom):
            xs += [*ring[:, 0], np.nan]
            ys += [*ring[:, 1], np.nan]
        outlines.append((name, np.asarray(xs), np.asarray(ys)))
    return tuple(outlines)


LABEL_FONT = 10  # px
MAP_HEIGHT, MAP_WIDTH, MAP_MARGIN = 620, 560, {"l": 40, "r": 10, "t": 50, "b": 30}


def placed_labels(
    names: Sequence[str], order: Sequence[str], deg_per_px: float
) -> dict[str, tuple[float, float]]:
    """Where each department's label goes, or none: labels are tried in `order` (largest first)
    at their point and just above or below it, and a label that would overlap one already placed
    is left out (its department is still named on hover)."""
    boxes: list[tuple[float, float, float, float]] = []
    placed: dict[str, tuple[float, float]] = {}
    half_h = 0.6 * LABEL_FONT * deg_per_px
    for name in order:
        if name not in names:
            continue
        x, y = label_point(name)
        half_w = 0.3 * LABEL_FONT * deg_per_px * len(name)
        for dy in (0.0, 2.2 * half_h, -2.2 * half_h):
            box = (x - half_w, y + dy - half_h, x + half_w, y + dy + half_h)
            if not any(_overlap(box, other) for other in boxes):
                boxes.append(box)
                placed[name] = (x, y + dy)
                break
    return placed


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@lru_cache(maxsize=1)
def _by_area() -> tuple[str, ...]:
    shapes = department_shapes()
    return tuple(n for _, n in sorted(zip((-g.area for g in shapes.polygons), shapes.names, strict=True)))


def map_chart(
    names: Sequence[str], per_1000: Sequence[float], active: Sequence[int], vmax: float, title: str
) -> go.Figure:
    """Peru's departments coloured by active people per 1,000 inhabitants on a scale fixed at
    `vmax`; hovering a department gives its name, rate and active people."""
    index = {name: i for i, name in enumerate(names)}
    fig = go.Figure()
    for name, xs, ys in _outlines():
        i = index.get(name)
        rate = float(per_1000[i]) if i is not None else math.nan
        colour = sample_colorscale(MAP_CMAP, [min(rate / vmax, 1.0)])[0] if i is not None else "#dddddd"
        hover = f"{name.title()}: {rate:.2f} per 1,000 ({int(active[i]):,} active)" if i is not None else name
        fig.add_trace(
            go.Scatter(
                x=xs, y=ys, fill="toself", fillcolor=colour, mode="lines", name=name.title(),
                line={"color": "#444444", "width": 0.6}, hoveron="fills", text=hover,
                hoverinfo="text", showlegend=False,
            )
        )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip",
            marker={
                "colorscale": MAP_CMAP, "cmin": 0.0, "cmax": vmax, "color": [0.0],
                "colorbar": {"title": {"text": "active per 1,000", "side": "right"}, "thickness": 12},
            },
        )
    )  # fmt: skip
    lon_min, lat_min, lon_max, lat_max = department_shapes().bounds
    deg_per_px = (lat_max - lat_min + 1.0) / (MAP_HEIGHT - MAP_MARGIN["t"] - MAP_MARGIN["b"])
    for name, (x, y) in placed_labels(names, _by_area(), deg_per_px).items():
        fig.add_annotation(
            x=x, y=y, text=name.title(), showarrow=False, font={"size": LABEL_FONT, "color": "#222222"},
            bgcolor="rgba(255,255,255,0.55)", borderpad=0,
        )  # fmt: skip
    aspect = 1.0 / math.cos(math.radians(0.5 * (lat_min + lat_max)))
    fig.update_layout(
        title={"text": title, "font": {"size": 14}},
        margin=MAP_MARGIN,
        height=MAP_HEIGHT,
        width=MAP_WIDTH,
        uirevision="map",
        xaxis={"range": [lon_min - 0.5, lon_max + 0.5], "title": "longitude, °", "showgrid": False},
        yaxis={
            "range": [lat_min - 0.5, lat_max + 0.5], "title": "latitude, °", "showgrid": False,
            "scaleanchor": "x", "scaleratio": aspect,
        },
        plot_bgcolor="white",
    )  # fmt: skip
    return fig
