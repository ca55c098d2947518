"""One record of how runs are carried out, taken by every experiment beside its keywords."""

from __future__ import annotations

from pathlib import Path

import pytest

from uprising.experiment.compare import run_compare
from uprising.experiment.ensemble import run_ensemble
from uprising.experiment.execution import ExecutionOptions
from uprising.experiment.sweep import run_sweep
from uprising.store import Store

FAST = ["run.steps=5", "world.width=12", "world.height=12"]


def test_an_options_record_stores_and_reports_as_the_keywords_do(tmp_path: Path):
    calls: list[tuple[int, int]] = []
    options = ExecutionOptions(
        store=Store(tmp_path / "a.duckdb"), workers=1, progress=lambda *c: calls.append(c)
    )
    by_record = run_ensemble("epstein-2002", 2, 4, FAST, options)
    by_keywords = run_ensemble("epstein-2002", 2, 4, FAST, store=Store(tmp_path / "b.duckdb"), workers=1)
    assert calls[0] == (0, 2) and calls[-1] == (2, 2)
    assert by_record.experiment_id == by_keywords.experiment_id  # how runs ran is not the experiment
    pairs = zip(by_record.outputs, by_keywords.outputs, strict=True)
    assert all(o.daily.equals(p.daily) for o, p in pairs)
    again = run_ensemble("epstein-2002", 2, 4, FAST, options)
    assert again.resumed == 2 and again.ran == 0


def test_keywords_replace_the_fields_of_a_record(tmp_path: Path):
    options = ExecutionOptions(workers=1)
    grid = {"citizens.legitimacy": ["0.7", "0.9"]}
    sweep = run_sweep(
        "epstein-2002", grid, overrides=FAST, options=options, store=Store(tmp_path / "s.duckdb")
    )
    assert sweep.experiment_id is not None and len(sweep.outputs) == 2
    compare = run_compare(
        "epstein-2002", ["citizens.legitimacy=0.7"], runs=2, overrides=FAST, options=options
    )
    assert compare.experiment_id is None and len(compare.outputs) == 4
    with pytest.raises(TypeError):
        run_ensemble("epstein-2002", 1, overrides=FAST, options=options, worker=2)  # not a field
