"""Where crowds go: the best cell near each cell equals a plain numpy reference."""

from __future__ import annotations

import numpy as np
import pytest

from uprising.engine.crowds import best_cell_within
from uprising.engine.neighbourhood import SHAPES, row_spans


def reference_best(score, height, width, spans, inside):
    """For each cell: the highest-scoring cell inside the map within its spans, if it beats the
    cell's own score; the first in row-major order among equals; else the cell itself."""
    out = np.arange(height * width)
    for cell in range(height * width):
        y, x = divmod(cell, width)
        seen = [
            yy * width + xx
            for dy, w in spans
            if 0 <= (yy := y + dy) < height
            for xx in range(max(0, x - w), min(width, x + w + 1))
        ]
        seen = np.array([c for c in seen if inside[c]], dtype=np.int64)
        if seen.size and score[seen].max() > score[cell]:
            out[cell] = seen[np.flatnonzero(score[seen] == score[seen].max())].min()
    return out


def kernel_best(score, height, width, spans, inside):
    out = np.full(height * width, -7, dtype=np.int64)
    best_cell_within(score, height, width, spans, inside, out)
    return out


@pytest.mark.parametrize("case", range(60))
def test_best_cell_equals_the_reference_on_random_maps_with_ties(case):
    rng = np.random.default_rng(case)
    height, width = rng.integers(1, 14, size=2)
    spans = row_spans(SHAPES[case % 3], rng.uniform(0, 4), height, width, False)
    # Few distinct values (many ties), some negative, on a map with holes.
    score = rng.integers(-2, 4, size=height * width).astype(np.float64)
    score[rng.random(height * width) < 0.5] = 0.0
    inside = rng.random(height * width) < rng.uniform(0.3, 1.0)
    expected = reference_best(score, height, width, spans, inside)
    np.testing.assert_array_equal(kernel_best(score, height, width, spans, inside), expected)


def test_best_cell_on_a_flat_map_is_the_cell_itself():
    spans = row_spans("euclidean", 3.0, 9, 11, False)
    out = kernel_best(np.full(99, 2.5), 9, 11, spans, np.ones(99, dtype=np.bool_))
    np.testing.assert_array_equal(out, np.arange(99))


def test_best_cell_ties_go_to_the_first_in_row_major_order_and_never_outside_the_map():
    height, width = 5, 5
    spans = row_spans("moore", 2.0, height, width, False)
    score = np.zeros(25)
    score[[7, 13, 17]] = 4.0  # equal peaks: (1, 2), (2, 3), (3, 2)
    score[24] = 9.0  # the highest, but off the map
    inside = np.ones(25, dtype=np.bool_)
    inside[24] = False
    out = kernel_best(score, height, width, spans, inside)
    assert out[12] == 7  # the centre sees all three peaks: the first wins
    assert out[22] == 13  # row 4 sees rows 2 to 4: (2, 3) comes before (3, 2)
    assert out[13] == 13  # a peak keeps its own cell against its equals
    assert out[24] == 24 and 24 not in out[:24]
