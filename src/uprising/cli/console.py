"""Console helpers shared by the commands: the progress bar of runs and a console for wide tables."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class RunsPerSecondColumn(ProgressColumn):
    """Throughput of the runs done by this command (runs resumed from the store left out)."""

    def render(self, task: Task) -> Text:
        ran = task.completed - task.fields.get("resumed", 0)
        elapsed = task.finished_time if task.finished else task.elapsed
        if not elapsed or ran <= 0:
            return Text("-- runs/s", style="progress.data.speed")
        return Text(f"{ran / elapsed:.2f} runs/s", style="progress.data.speed")


@contextmanager
def run_progress(description: str, enabled: bool = True) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr (runs done, elapsed, ETA, runs/s) fed by `progress(done, total)`."""
    if not enabled:
        yield lambda done, total: None
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("runs"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        RunsPerSecondColumn(),
        console=Console(stderr=True),
    )
    task_id = None

    def progress(done: int, total: int) -> None:
        nonlocal task_id
        if task_id is None:  # the first call comes once the runs to do are known
            bar.start()
            task_id = bar.add_task(description, total=total, completed=done, resumed=done)
        else:
            bar.update(task_id, completed=done)

    try:
        yield progress
    finally:
        if task_id is not None:
            bar.stop()


def wide_console() -> Console:
    """A console for wide tables: the terminal's width, or 160 columns when writing to a file."""
    console = Console()
    return console if console.is_terminal else Console(width=160)


def elapsed(seconds: float) -> str:
    """Wall time as `m:ss` (`h:mm:ss` from an hour), as a progress line shows it."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
