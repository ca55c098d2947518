"""A queue of work items that the threads of a parallel loop take one at a time.

numba's `prange` (on the OpenMP layer) hands each thread one fixed, even share of the loop
before it starts. When another program takes one thread's core, the other thread finishes its
share and waits at the end of the loop, so the whole tick runs at the pace of the thread that
lost its core. Here each iteration of the loop takes the next item (a band of rows, a block of
agents) from a shared counter until none is left: the first iteration a thread runs works as
long as items are left, the later ones find none. A thread that loses its core holds up at
most the one item it is working on, and the others take the rest. (The loop runs one
iteration per item rather than per thread: a kernel that asks numba for its thread count
cannot be cached.)

    queue = new_queue()
    for _ in prange(count):
        while True:
            item = take(queue)
            if item >= count:
                break
            ...

Which thread works an item never changes what the item computes, so results stay the same
whatever the number of threads or how the items fall to them.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

# Items per thread a loop is cut into where the work allows: enough that a thread that loses
# its core leaves little for the others to wait on, few enough that each item's fixed cost
# (its ring of rows, its buffers) stays small.
ITEMS_PER_THREAD = 8


@intrinsic
def _fetch_add(typingctx, counter):
    """counter[0] += 1 as one atomic operation; returns the value before."""
    if not (isinstance(counter, types.Array) and counter.dtype == types.int64):
        return None

    def codegen(context, builder, signature, args):
        array = context.make_array(signature.args[0])(context, builder, args[0])
        zero = context.get_constant(types.intp, 0)
        slot = cgutils.get_item_pointer(context, builder, signature.args[0], array, [zero])
        return builder.atomic_rmw("add", slot, ir.Constant(ir.IntType(64), 1), "monotonic")

    return types.int64(counter), codegen


@njit(inline="always", cache=True)
def new_queue():
    """A fresh queue: the counter of items taken so far."""
    return np.zeros(1, dtype=np.int64)


@njit(inline="always", cache=True)
def take(queue):
    """The next item of the queue (0, 1, 2, ...), each given out once across all threads."""
    return _fetch_add(queue)


def items_of(size: int, least: int, threads: int) -> int:
    """How many items to cut `size` units of work into (rows, say) for `threads` threads:
    ITEMS_PER_THREAD per thread where each item keeps at least `least` units, never fewer
    than one per thread while each unit is an item."""
    count = min(threads * ITEMS_PER_THREAD, size // max(least, 1))
    return max(1, min(size, max(count, threads)))


__all__ = ["ITEMS_PER_THREAD", "items_of", "new_queue", "take"]
