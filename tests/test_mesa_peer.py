"""The Mesa peer: its throughput benchmark, and the stored reference runs of its example."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

from uprising.errors import UprisingError

REFERENCE = Path(__file__).resolve().parents[1] / "benchmarks" / "reference" / "mesa_epstein.json"
WINDOW_FIRST, WINDOW_LAST = 50, 200


def test_mesa_benchmark_small_grid():
    pytest.importorskip("mesa")
    from uprising.bench.mesa_peer import mesa_citizen_updates_per_second

    result = mesa_citizen_updates_per_second(10, 10, 3, seed=1)
    assert result["peer"] == "mesa"
    assert isinstance(result["version"], str) and result["version"]
    assert (result["width"], result["height"], result["steps"]) == (10, 10, 3)
    # Mesa places each cell's occupant independently: about 70 citizens and 7 cops on 100 cells.
    assert 40 <= result["citizens"] <= 95
    assert 0 <= result["cops"] <= 25
    assert result["citizens"] + result["cops"] <= 100
    assert result["seconds"] > 0
    assert math.isfinite(result["citizen_updates_per_s"])
    assert result["citizen_updates_per_s"] == pytest.approx(
        result["citizens"] * result["steps"] / result["seconds"]
    )


def test_mesa_benchmark_rejects_bad_sizes():
    from uprising.bench.mesa_peer import mesa_citizen_updates_per_second

    with pytest.raises(UprisingError, match="width"):
        mesa_citizen_updates_per_second(0, 10, 3)
    with pytest.raises(UprisingError, match="steps"):
        mesa_citizen_updates_per_second(10, 10, -1)


def test_missing_mesa_is_a_user_error(monkeypatch):
    from uprising.bench import mesa_peer

    # A None entry in sys.modules makes the import fail as if Mesa were not installed.
    monkeypatch.setitem(sys.modules, "mesa", None)
    with pytest.raises(UprisingError, match=r"needs the 'peer' extra: pip install 'uprising\[peer\]'"):
        mesa_peer.mesa_citizen_updates_per_second(10, 10, 1)


def test_reference_is_consistent_with_its_series():
    assert REFERENCE.is_file(), f"missing reference runs: {REFERENCE}"
    reference = json.loads(REFERENCE.read_text())
    for key in ("mesa_version", "python_version", "parameters", "steps", "seeds", "per_seed"):
        assert key in reference, key
    assert reference["created"]
    steps = reference["steps"]
    assert steps >= WINDOW_LAST
    params = reference["parameters"]
    assert (params["width"], params["height"]) == (40, 40)
    assert params["citizen_density"] == 0.7 and params["cop_density"] == 0.074
    assert params["legitimacy"] == 0.8 and params["max_jail_term"] == 1000

    per_seed = reference["per_seed"]
    assert len(per_seed) >= 30
    assert [record["seed"] for record in per_seed] == reference["seeds"]
    assert len(set(reference["seeds"])) == len(reference["seeds"])
    cells = params["width"] * params["height"]
    for record in per_seed:
        seed = record["seed"]
        assert 0 < record["citizens"] and 0 < record["cops"]
        assert record["citizens"] + record["cops"] <= cells
        active = record["active_series"]
        assert len(active) == steps + 1, seed
        assert all(0 <= a <= record["citizens"] for a in active), seed
        window = active[WINDOW_FIRST : WINDOW_LAST + 1]
        assert len(window) == WINDOW_LAST - WINDOW_FIRST + 1
        assert record["mean_active"] == pytest.approx(sum(window) / len(window)), seed
        assert record["peak_active"] == max(window), seed
        if "arrested_series" in record:
            arrested = record["arrested_series"]
            quiet = record["quiet_series"]
            assert record["final_jailed"] == arrested[WINDOW_LAST], seed
            assert all(
                a + q + j == record["citizens"] for a, q, j in zip(active, quiet, arrested, strict=True)
            ), seed
        assert 0 <= record["final_jailed"] <= record["citizens"], seed


def test_run2_reference_is_mesa_at_run2_parameters_and_consistent():
    reference = json.loads((REFERENCE.parent / "mesa_epstein_run2.json").read_text())
    assert reference["mesa_version"] == "3.3.1" and reference["command"].startswith("python benchmarks/")
    params = reference["parameters"]
    assert sorted(reference["changed"]) == ["cop_density", "legitimacy", "max_jail_term"]
    assert (params["legitimacy"], params["cop_density"], params["max_jail_term"]) == (0.82, 0.04, 30)
    assert [record["seed"] for record in reference["per_seed"]] == reference["seeds"]
    for record in reference["per_seed"]:
        window = record["active_series"][WINDOW_FIRST : WINDOW_LAST + 1]
        assert record["time_active"] == pytest.approx(sum(a > 0 for a in window) / len(window))
        assert record["final_jailed"] == record["arrested_series"][WINDOW_LAST]


def test_the_bench_command_keeps_each_peers_best_round():
    import json

    import uprising.cli.bench  # noqa: F401  (registers `bench`)
    from tests.cli_checks import invoke_command, one_error_line

    result = invoke_command("bench", "--quick", "--no-mesa", "--rounds", "2", "--json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["case"] for r in rows] == ["40x40", "200x200"] and {r["rounds"] for r in rows} == {2}
    assert all(r["citizen_updates_per_s"] > 0 for r in rows)
    refused = one_error_line(invoke_command("bench", "--quick", "--rounds", "0"))
    assert refused == "error: --rounds 0: must be from 1 to 100"


def test_our_timed_ticks_follow_the_thread_counts_first_trial():
    import numba

    from uprising.bench.ours import ours_citizen_updates_per_second
    from uprising.engine.threads import TRIAL_TICKS

    synchronous = ours_citizen_updates_per_second(60, 60, 2, "synchronous")
    sequential = ours_citizen_updates_per_second(20, 20, 2, "random-sequential")
    # Where the engine chooses its threads, the warm-up ends the trial (one tick of it loads
    # the kernels); where it cannot, one tick loads the kernels.
    trial = 2 * TRIAL_TICKS if numba.get_num_threads() > 1 else 1
    assert (synchronous["warm_up_ticks"], sequential["warm_up_ticks"]) == (trial, 1)
