"""Figures drawn by the Agg backend outside pyplot (no global state: several threads or
sessions draw at once), and their PNG bytes."""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def new_figure(width: float, height: float, constrained: bool = True) -> Figure:
    """A figure of `width` x `height` inches; `constrained` lays its axes out on each draw."""
    fig = Figure(figsize=(width, height), layout="constrained" if constrained else None)
    FigureCanvasAgg(fig)
    return fig


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG, compressed lightly (drawing a frame must stay well under a second)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", pil_kwargs={"compress_level": 1})
    return buffer.getvalue()
