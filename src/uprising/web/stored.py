"""Browse the experiments of a store (`uprising serve --db PATH`) and show one of their runs.

The store is opened for each read and closed at once, so the dashboard never holds it while
an experiment writes to it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import solara

from uprising.errors import UprisingError
from uprising.web.config import server_config

SHOWN_EXPERIMENTS = 50
EXPERIMENT_COLUMNS = ("id", "kind", "scenario", "runs", "done", "created")


def _rows(frame: Any, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    present = [c for c in columns if c in frame.columns]
    rows = frame.select(present).head(SHOWN_EXPERIMENTS).to_dicts()
    return [
        {k: v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else v for k, v in r.items()}
        for r in rows
    ]


def list_experiments(db: Path) -> list[dict[str, Any]]:
    """The experiments of the store at `db`, newest first."""
    from uprising.store import Store

    if not db.exists():
        raise UprisingError(f"--db {db}: no such store file")
    with Store(db) as store:
        frame = store.experiments()  # newest first
    return _rows(frame, EXPERIMENT_COLUMNS)


def _read_experiments(db: Path | None) -> tuple[list[dict[str, Any]], str]:
    """The experiments of the store, or the one line that says why they cannot be read."""
    if db is None:
        return [], ""
    try:
        return list_experiments(db), ""
    except (UprisingError, ImportError, OSError) as err:
        return [], str(err).splitlines()[0]


def list_runs(db: Path, experiment_id: str) -> list[dict[str, Any]]:
    """The finished runs of one experiment: run_id, label and seed."""
    from uprising.store import Store

    with Store(db) as store:
        frame = store.runs(experiment_id)
    if "status" in frame.columns:
        frame = frame.filter(frame["status"] == "done")
    return _rows(frame, ("run_id", "label", "seed"))


def load_run(db: Path, run_id: str):
    from uprising.store import Store

    with Store(db) as store:
        return store.load_run(run_id)


def _table(rows: list[dict[str, Any]]) -> None:
    """A plain HTML table of `rows` (dicts with the same keys)."""
    head = list(rows[0])
    solara.v.SimpleTable(
        dense=True,
        children=[
            solara.v.Html(
                tag="thead",
                children=[
                    solara.v.Html(tag="tr", children=[solara.v.Html(tag="th", children=[c]) for c in head])
                ],
            ),
            solara.v.Html(
                tag="tbody",
                children=[
                    solara.v.Html(
                        tag="tr", children=[solara.v.Html(tag="td", children=[str(r[c])]) for c in head]
                    )
                    for r in rows
                ],
            ),
        ],
    )


@solara.component
def StoredBrowser(on_load: Callable[[Any], None]):
    """A list of the store's experiments; picking one lists its runs; a run can be shown."""
    db = server_config().db
    experiment, set_experiment = solara.use_state("")
    run_id, set_run_id = solara.use_state("")
    error, set_error = solara.use_state("")

    refreshed, set_refreshed = solara.use_state(0)
    experiments, failure = solara.use_memo(lambda: _read_experiments(db), dependencies=[str(db), refreshed])
    with solara.Row(style={"align-items": "center"}):
        solara.v.Html(tag="h3", children=["Stored experiments"])
        if db is not None:
            solara.Button("Refresh", text=True, on_click=lambda: set_refreshed(refreshed + 1))
    if db is None:
        solara.Text("no store: start the server with --db PATH to browse stored experiments")
        return
    if failure:
        solara.Error(f"store {db}: {failure}")
        return
    if not experiments:
        solara.Text(f"store {db}: no experiment yet")
        return
    _table(experiments)
    solara.Select(
        label="experiment",
        values=[str(e["id"]) for e in experiments],
        value=experiment or None,
        on_value=lambda v: (set_experiment(v or ""), set_run_id("")),
        classes=["stored-experiment"],
    )
    if not experiment:
        return
    try:
        runs = list_runs(db, experiment)
    except (UprisingError, OSError) as err:
        solara.Error(str(err).splitlines()[0])
        return
    labels = {f"{r.get('label', '')} seed {r.get('seed', '')} ({r['run_id']})": r["run_id"] for r in runs}
    solara.Select(
        label="run",
        values=list(labels),
        value=next((k for k, v in labels.items() if v == run_id), None),
        on_value=lambda v: set_run_id(labels.get(v or "", "")),
        classes=["stored-run"],
    )

    def show() -> None:
        set_error("")
        try:
            on_load(load_run(db, run_id))
        except (UprisingError, OSError) as err:
            set_error(str(err).splitlines()[0])

    solara.Button("Show run", on_click=show, disabled=not run_id)
    if error:
        solara.Error(error)
