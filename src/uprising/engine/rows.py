"""Row geometry of a vision shape on a lattice, shared by every schedule's kernels.

A vision shape is a list of spans (dy, w): the columns x-w..x+w of the row dy rows away. These
helpers find that row (wrapped on a torus, or none off a bounded lattice), the columns of a
span as half-open ranges, and the sum over a span from a row's inclusive prefix.
"""

from __future__ import annotations

from numba import njit, uint64

MASK32 = uint64(0xFFFFFFFF)


@njit(cache=True, nogil=True)
def wrap(v, n):
    """v modulo n, without a division in the usual case of v within one period of [0, n)."""
    if v < 0:
        v += n
        if v < 0:
            v %= n
    elif v >= n:
        v -= n
        if v >= n:
            v %= n
    return v


@njit(inline="always", cache=True)
def span_row(y0, dy, height, torus):
    """The lattice row `dy` rows from `y0` (wrapped on a torus), or -1 when off the lattice."""
    y = y0 + dy
    if torus:
        return wrap(y, height)
    if y < 0 or y >= height:
        return -1
    return y


@njit(inline="always", cache=True)
def span_base(y, dy, height, width, torus):
    """Start of the row `dy` rows from `y` (wrapped on a torus), or -1 when off the lattice."""
    row = span_row(y, dy, height, torus)
    return row * width if row >= 0 else -1


@njit(cache=True, nogil=True)
def row_range(x0, w, width, torus):
    """Columns of a span: (a1, b1, a2, b2), two half-open ranges (the second empty unless wrapped)."""
    if w >= width:
        return 0, width, 0, 0
    a = x0 - w
    b = x0 + w + 1
    if not torus:
        return max(a, 0), min(b, width), 0, 0
    if a < 0:
        return 0, b, a + width, width
    if b > width:
        return a, width, 0, b - width
    return a, b, 0, 0


# How a span of columns lies on its row (`span_columns`).
WHOLE_ROW = 0  # the span covers the row
WRAPS_LEFT = 1  # on a torus, past column 0: columns a + width..width - 1 and 0..b
WRAPS_RIGHT = 2  # on a torus, past the last column: a..width - 1 and 0..b - width
WITHIN = 3  # columns a..b (clipped at the edges of a bounded lattice)


@njit(inline="always", cache=True)
def span_columns(x, w, width, torus):
    """(how, a, b): how the columns x-w..x+w lie on a row of `width` columns, and their ends."""
    if w >= width:
        return WHOLE_ROW, 0, 0
    a = x - w
    b = x + w
    if torus:
        if a < 0:
            return WRAPS_LEFT, a, b
        if b >= width:
            return WRAPS_RIGHT, a, b
    else:
        if a < 0:
            a = 0
        if b >= width:
            b = width - 1
    return WITHIN, a, b


@njit(inline="always", cache=True)
def segment_sum(prefix, base, x, w, width, torus):
    """Sum over columns x-w..x+w of one row from its inclusive prefix (wrapping on a torus)."""
    last = prefix[base + width - 1]
    how, a, b = span_columns(x, w, width, torus)
    if how == WHOLE_ROW:
        return last
    if how == WRAPS_LEFT:
        return prefix[base + b] + last - prefix[base + a + width - 1]
    lo = prefix[base + a - 1] if a > 0 else 0
    if how == WRAPS_RIGHT:
        return last - lo + prefix[base + b - width]
    return prefix[base + b] - lo


@njit(inline="always", cache=True)
def segment_sum32(prefix, base, x, w, width, torus):
    """`segment_sum` of a uint32 prefix, modulo 2**32 (the packed counts of `engine.sites`)."""
    last = uint64(prefix[base + width - 1])
    how, a, b = span_columns(x, w, width, torus)
    if how == WHOLE_ROW:
        return last
    if how == WRAPS_LEFT:
        return (uint64(prefix[base + b]) + last - uint64(prefix[base + a + width - 1])) & MASK32
    lo = uint64(prefix[base + a - 1]) if a > 0 else uint64(0)
    if how == WRAPS_RIGHT:
        return (last - lo + uint64(prefix[base + b - width])) & MASK32
    return (uint64(prefix[base + b]) - lo) & MASK32
