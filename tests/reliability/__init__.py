"""The reliability suite: fault injection, kills and hostile input, in the spirit of SQLite's
fault-injection tests and Jepsen's kill tests.

Each module is one class of faults; the terminal summary counts the cases tried per class.
`make test` runs a bounded sample; `make fuzz` (UPRISING_RELIABILITY=long) runs the long one.
"""

from __future__ import annotations

import os

LONG = os.environ.get("UPRISING_RELIABILITY", "").lower() == "long"


def budget(short: int, long: int) -> int:
    """How many cases a randomised test tries: `short` in the default run, `long` under `make fuzz`."""
    return long if LONG else short
