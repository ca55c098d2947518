"""Counts the reliability cases tried per class (one module per class) for the terminal summary.

A test that tries several cases in a loop reports them with the `cases` fixture:
`cases.tried(n)`; a plain test counts as one case.
"""

from __future__ import annotations

from collections import Counter

import pytest

TRIED: Counter[str] = Counter()
COUNTED: set[str] = set()


def _class_of(node: pytest.Item) -> str:
    return node.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")


class Cases:
    def __init__(self, item: pytest.Item) -> None:
        self._item = item

    def tried(self, n: int = 1) -> None:
        """Add `n` cases tried by this test to its class's count."""
        TRIED[_class_of(self._item)] += n
        COUNTED.add(self._item.nodeid)


@pytest.fixture
def cases(request: pytest.FixtureRequest) -> Cases:
    return Cases(request.node)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item):
    yield
    if item.nodeid not in COUNTED:
        TRIED[_class_of(item)] += 1


def pytest_terminal_summary(terminalreporter) -> None:
    if TRIED:
        from tests.reliability import LONG

        mode = "long" if LONG else "short"
        parts = ", ".join(f"{name} {count}" for name, count in sorted(TRIED.items()))
        terminalreporter.write_line(f"reliability cases tried ({mode} run): {parts}")
