"""Where crowds go: the best cell near each cell equals a plain numpy reference; who counts
as a crowd and who travels."""

from __future__ import annotations

import numpy as np
import pytest

from uprising.engine.crowds import (
    best_cell_at,
    cells_holding,
    clear_cells,
    crowd_tally,
    gather_and_draw_travellers,
    merge_points,
    move_to_best,
    road_points_left,
    travellers,
)
from uprising.engine.neighbourhood import SHAPES, row_spans
from uprising.engine.records import Citizens, Travel
from uprising.engine.rules import ACTIVE, JAILED, QUIET


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


def kernel_best(score, height, width, spans, inside, cells=None):
    out = np.full(height * width, -7, dtype=np.int64)
    cells = np.arange(height * width) if cells is None else cells
    best_cell_at(score, float(score.min()), height, width, spans, inside, cells, out)
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
    asked = rng.permutation(height * width)[: rng.integers(0, height * width + 1)]
    out = kernel_best(score, height, width, spans, inside, asked)
    np.testing.assert_array_equal(out[asked], expected[asked])
    assert (np.delete(out, asked) == -7).all()  # no other cell is written


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


def test_cells_holding_counts_the_wanted_state_and_lists_each_cell_once():
    rng = np.random.default_rng(3)
    cells_of = rng.integers(-1, 40, size=500).astype(np.int32)
    state = rng.choice(np.array([QUIET, ACTIVE, JAILED], dtype=np.int8), size=500)
    counts = np.zeros(40, dtype=np.int64)
    found = np.zeros(40, dtype=np.int64)
    agents = np.zeros(500, dtype=np.int64)
    n, m = cells_holding(cells_of, state, ACTIVE, counts, found, agents)
    wanted = (state == ACTIVE) & (cells_of >= 0)
    np.testing.assert_array_equal(counts, np.bincount(cells_of[wanted], minlength=40))
    np.testing.assert_array_equal(np.sort(found[:n]), np.unique(cells_of[wanted]))
    np.testing.assert_array_equal(agents[:m], np.flatnonzero(wanted))
    counts[:] = 0
    assert cells_holding(cells_of, state, ACTIVE, counts, found, agents[:0]) == (n, m)


def test_travellers_are_free_actives_that_draw_their_chance_and_the_quiet_go_home():
    n = 4000
    home = np.arange(n, dtype=np.int32) % 50
    cit_cell = (home + 1).astype(np.int32)  # everyone one cell from home
    state = np.where(np.arange(n) % 2 == 0, ACTIVE, QUIET).astype(np.int8)
    jail = np.zeros(n, dtype=np.int16)
    jail[:100] = 3  # prisoners neither travel nor go home
    rate_dept = np.array([0.5, 0.0])
    cell_dept = (np.arange(60) >= 25).astype(np.int16)  # homes 25-49: travel switched off there
    out = np.full(n, -1, dtype=np.int64)
    k = travellers(np.uint64(5), 3, cit_cell, home, state, jail, 0.8, rate_dept, cell_dept, out)
    who = out[:k]
    assert np.all(np.diff(who) > 0) and np.all(state[who] == ACTIVE) and np.all(who >= 100)
    assert np.all(home[who] < 25)
    free_active = (jail == 0) & (state == ACTIVE) & (home < 25)
    assert k / free_active.sum() == pytest.approx(0.4, abs=0.05)
    quiet = (jail == 0) & (state == QUIET)
    assert np.array_equal(cit_cell[quiet], home[quiet])
    assert np.array_equal(cit_cell[~quiet], home[~quiet] + 1)  # actives move later, toward crowds


def random_citizens(rng, n, cells):
    cell = rng.integers(-1, cells, size=n).astype(np.int32)
    home = rng.integers(0, cells, size=n).astype(np.int32)
    state = rng.choice(np.array([QUIET, ACTIVE, JAILED], dtype=np.int8), size=n)
    jail = np.where(rng.random(n) < 0.2, rng.integers(1, 5, size=n), 0).astype(np.int16)
    return Citizens(cell, home, np.zeros(0, np.float32), np.zeros(0, np.float32), state, jail)


@pytest.mark.parametrize("case", range(12))
def test_one_gathering_pass_counts_and_draws_as_the_two_passes_do(case):
    rng = np.random.default_rng(case)
    n, cells = int(rng.integers(1, 3000)), int(rng.integers(1, 200))
    citizens = random_citizens(rng, n, cells)
    again = citizens._replace(cell=citizens.cell.copy())
    on = case % 3 != 0
    cell_dept = rng.integers(0, 3, size=cells).astype(np.int16)
    rate_dept = rng.uniform(0, 1.5, size=3)
    travel = Travel(on, np.uint64(11 + case), 4, 0.6, rate_dept, cell_dept)
    # the two passes: count the actives, then (travel on) list travellers and send the quiet home
    cell_two = citizens.cell.copy()
    counts_two, found_two = np.zeros(cells, np.int64), np.zeros(cells, np.int64)
    n_two, _ = cells_holding(cell_two, citizens.state, ACTIVE, counts_two, found_two, found_two[:0])
    movers_two = np.zeros(n, np.int64)
    args = (citizens.home, citizens.state, citizens.jail, 0.6, rate_dept, cell_dept, movers_two)
    m_two = travellers(travel.seed, 4, cell_two, *args) if on else 0
    counts, found = np.zeros(cells, np.int64), np.zeros(cells, np.int64)
    movers = np.zeros(n, np.int64)
    n_one, m_one = gather_and_draw_travellers(citizens, counts, found, travel, movers)
    assert (n_one, m_one) == (n_two, m_two)
    np.testing.assert_array_equal(counts, counts_two)
    np.testing.assert_array_equal(found[:n_one], found_two[:n_two])
    np.testing.assert_array_equal(movers[:m_one], movers_two[:m_two])
    np.testing.assert_array_equal(citizens.cell, cell_two)
    # a list too short for this tick's travellers holds the first ones and the count is whole
    short = np.full(max(m_one // 2, 0), -1, np.int64)
    _, m_short = gather_and_draw_travellers(again, np.zeros(cells, np.int64), found, travel, short)
    assert m_short == m_one and np.array_equal(short, movers[: short.size])


@pytest.mark.parametrize("case", range(20))
def test_moving_crowds_to_their_best_cell_equals_the_cell_by_cell_lookup(case):
    rng = np.random.default_rng(100 + case)
    height, width = rng.integers(1, 12, size=2)
    cells = int(height * width)
    spans = row_spans(SHAPES[case % 3], rng.uniform(0, 3), height, width, False)
    inside = rng.random(cells) < 0.8
    cell = rng.integers(0, min(cells, 6), size=300).astype(np.int32)  # crowds on a few cells
    movers = np.sort(rng.permutation(300)[: rng.integers(0, 300)]).astype(np.int64)
    best, asked = np.arange(cells, dtype=np.int64), np.zeros(cells, np.int64)
    for stamp in (1, 2):  # the scores change between two travels
        score = rng.integers(-1, 4, size=cells).astype(np.float64)
        lowest = float(score.min())
        expected = cell.copy()
        out = np.arange(cells, dtype=np.int64)
        start = expected[movers].astype(np.int64)
        best_cell_at(score, lowest, height, width, spans, inside, start, out)
        expected[movers] = out[start]
        move_to_best(score, lowest, height, width, spans, inside, cell, movers, best, asked, stamp)
        np.testing.assert_array_equal(cell, expected)


N_CELLS, N_DEPT = 300, 5


def random_crowds(rng, road_share):
    """Sorted cells holding crowds, their people, each cell's department, and the road cells."""
    cells = np.sort(rng.choice(N_CELLS, size=rng.integers(0, 100), replace=False)).astype(np.int64)
    people = rng.integers(0, 50, size=cells.size).astype(np.int64)
    cell_dept = rng.integers(0, N_DEPT, size=N_CELLS).astype(np.int16)
    return cells, people, cell_dept, rng.random(N_CELLS) < road_share


@pytest.mark.parametrize("case", range(10))
def test_crowd_tally_equals_the_bincounts(case):
    n_dept = N_DEPT
    cells, people, cell_dept, road = random_crowds(np.random.default_rng(200 + case), 0.3)
    blockades, per_dept = np.zeros(n_dept, np.int64), np.zeros(n_dept, np.int64)
    crowd_tally(cells, people, cell_dept, road, 20, blockades, per_dept)
    held = road[cells] & (people >= 20)
    np.testing.assert_array_equal(blockades, np.bincount(cell_dept[cells[held]], minlength=n_dept))
    expected = np.bincount(cell_dept[cells], weights=people, minlength=n_dept).astype(np.int64)
    np.testing.assert_array_equal(per_dept, expected)
    none = np.zeros(n_dept, np.int64)
    crowd_tally(cells, people, cell_dept, None, 20, none, np.zeros(n_dept, np.int64))
    assert not none.any()  # no roads: no road points held


@pytest.mark.parametrize("case", range(6))
def test_road_points_manned_left_and_held_are_numpys_set_operations(case):
    rng = np.random.default_rng(300 + case)
    cells, people, cell_dept, road = random_crowds(rng, 0.4)
    held = np.sort(rng.choice(N_CELLS, size=rng.integers(0, 60), replace=False)).astype(np.int64)
    manned, left = road_points_left(cells, people, road, 20, held)
    expected = cells[road[cells] & (people >= 20)]
    np.testing.assert_array_equal(manned, expected)
    np.testing.assert_array_equal(left, np.setdiff1d(held, expected, assume_unique=True))
    kept = left[rng.random(left.size) < 0.5]
    per_dept = np.zeros(N_DEPT, np.int64)
    union = merge_points(kept, manned, cell_dept, per_dept)
    np.testing.assert_array_equal(union, np.union1d(kept, manned))
    np.testing.assert_array_equal(per_dept, np.bincount(cell_dept[union], minlength=N_DEPT))


def test_clearing_cells_undoes_a_ticks_crowds_there_only():
    counts, people = np.arange(10, dtype=np.int64), np.arange(10, dtype=np.int64) * 2
    score, pull = np.full(10, 7.0), np.linspace(0, 1, 10)
    clear_cells(np.array([2, 5], np.int64), counts, people, score, pull)
    assert counts[2] == counts[5] == people[2] == people[5] == 0
    assert score[2] == pull[2] and score[5] == pull[5]
    assert counts[3] == 3 and people[3] == 6 and score[3] == 7.0
