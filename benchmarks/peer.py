"""This version's source beside a previous one's, for the benchmarks that time both."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def versions(peer: str | None, name: str = "previous") -> Iterator[dict[str, Path]]:
    """The `src` folders to time: "this" tree's and, unless `peer` is None, as `name`, that of a
    git worktree of the revision `peer`, made in a temporary folder and removed at the end."""
    sources = {"this": ROOT / "src"}
    if peer is None:
        yield sources
        return
    with tempfile.TemporaryDirectory() as folder:
        tree = Path(folder) / "peer"
        git = ["git", "-C", str(ROOT), "worktree"]
        subprocess.run([*git, "add", "--detach", str(tree), peer], check=True, capture_output=True)
        try:
            yield {**sources, name: tree / "src"}
        finally:
            subprocess.run([*git, "remove", "--force", str(tree)], check=False, capture_output=True)
