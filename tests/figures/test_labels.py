"""Department labels on the map of Peru never overlap: crowded ones move, with a leader line."""

from __future__ import annotations

from itertools import combinations

from matplotlib.colors import Normalize
from matplotlib.text import Text

from uprising.figures import department_shapes, draw_departments, label_point, new_figure, place_labels


def _boxes(fig, labels):
    renderer = fig.canvas.get_renderer()
    return [Text.get_window_extent(label, renderer) for label in labels]  # the words, not leaders


def _overlapping(boxes) -> int:
    return sum(a.overlaps(b) for a, b in combinations(boxes, 2))


def test_labels_of_every_department_never_overlap_on_a_small_map() -> None:
    names = list(department_shapes().names)
    points = [label_point(n) for n in names]
    fig = new_figure(4.5, 5.5)
    ax = fig.add_subplot()
    draw_departments(ax, names, [float(i) for i in range(len(names))], Normalize(0, len(names)))
    naive = [
        ax.text(x, y, n, fontsize=7, ha="center", va="center")
        for (x, y), n in zip(points, names, strict=True)
    ]
    fig.canvas.draw()
    assert _overlapping(_boxes(fig, naive)) > 0  # the problem: Lima and Callao, Cajamarca...
    for text in naive:
        text.remove()
    labels = place_labels(ax, points, names, fontsize=7, prefer_west=[n == "Callao" for n in names])
    fig.canvas.draw()
    assert [label.get_text() for label in labels] == names
    assert _overlapping(_boxes(fig, labels)) == 0
    moved = [label for label in labels if label.arrow_patch is not None]
    assert 0 < len(moved) < len(names)  # crowded labels moved with a leader line, the rest in place
