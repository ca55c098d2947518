"""Data shipped with the package (see each folder's SOURCES files), and a checked way to find it."""

from __future__ import annotations

from pathlib import Path

from uprising.errors import DataError

DATA_DIR = Path(__file__).resolve().parent


def data_path(relative: str, root: Path | None = None) -> Path:
    """Path of a packaged data file, or a DataError naming it when it is missing."""
    path = (root or DATA_DIR) / relative
    if not path.is_file():
        raise DataError(f"data file {relative}: not found (looked in {path.parent.name}/)")
    return path
