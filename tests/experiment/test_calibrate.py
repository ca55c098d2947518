"""Calibration by ABC-SMC: it recovers a legitimacy the model itself produced, gives the same
posterior whatever the workers, stores it, writes a calibrated scenario, and refuses bad input;
Peru is compared through the observation model's summaries, and screening knows the noise."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import distributed
import numpy as np
import polars as pl
import pytest

import uprising.cli.calibrate  # noqa: F401  (registers `calibrate`)
from tests.cli_checks import invoke_command
from tests.experiment.conftest import TRUE_LEGITIMACY
from uprising.errors import UprisingError
from uprising.experiment.calibrate import (
    ParameterRange,
    adjusted_tail,
    below_ties,
    calibrate,
    calibrated_ranges,
    effective_sample_size,
    one_model_prior,
    parse_param_option,
    population_size_for,
    proposal_kernel,
    simulation_seed,
    uniform_prior,
    unit_bandwidth,
    weighted_quantile,
)
from uprising.experiment.sensitivity import noise_floor, without_effect
from uprising.experiment.summary_stats import (
    deaths_by_period_and_group,
    flatten_metrics,
    load_target,
    normalised_distance,
    series_stats,
)
from uprising.runner import run_scenario
from uprising.scenario import load_scenario

OBSERVED = Path(__file__).parents[2] / "src/uprising/data/peru/observed"


def invoke(command: str, *args: str):
    return invoke_command(command, *args)


def target_of(case):
    return load_target(load_scenario(str(case["scenario"])), case["observed"])


def test_the_posterior_interval_covers_the_legitimacy_that_made_the_data_and_narrows_the_prior(case):
    result = calibrate(str(case["scenario"]), target_of(case), budget=200, populations=3, workers=1, seed=3)
    row = result.summary.row(0, named=True)
    assert row["parameter"] == "citizens.legitimacy"
    assert row["low"] <= TRUE_LEGITIMACY <= row["high"], row
    assert row["high"] - row["low"] < 0.75 * (0.9 - 0.6), row
    assert 0.6 <= row["low"] <= row["median"] <= row["high"] <= 0.9
    assert row["adjusted_low"] < row["low"] and row["adjusted_high"] > row["high"], row  # few particles
    assert np.isclose(result.ess, effective_sample_size(result.particles["weight"].to_numpy()))
    assert result.simulations <= 200
    assert result.generations["generation"].to_list() == list(range(result.generations.height))
    assert result.generations.height >= 2
    assert np.isclose(result.particles["weight"].sum(), 1.0)
    assert result.particles.height == result.population_size


def test_the_same_seed_gives_the_same_particles_in_process_and_on_two_worker_processes(case):
    options = dict(budget=40, populations=2, population_size=10, seed=11)
    inline = calibrate(str(case["scenario"]), target_of(case), workers=1, **options)
    pooled = calibrate(str(case["scenario"]), target_of(case), workers=2, **options)
    assert inline.particles.equals(pooled.particles)
    assert inline.generations.equals(pooled.generations)
    other = calibrate(str(case["scenario"]), target_of(case), workers=1, **{**options, "seed": 12})
    assert not other.particles.equals(inline.particles)


def test_a_dask_scheduler_gives_the_same_particles_as_this_process(case):
    options = dict(budget=40, populations=2, population_size=10, seed=11)
    inline = calibrate(str(case["scenario"]), target_of(case), workers=1, **options)
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = calibrate(str(case["scenario"]), target_of(case), scheduler=client, **options)
    assert on_dask.particles.equals(inline.particles)


def test_a_minimum_epsilon_stops_the_generations_once_the_threshold_reaches_it(case):
    options = dict(budget=200, populations=4, population_size=10, workers=1, seed=5)
    stopped = calibrate(str(case["scenario"]), target_of(case), min_epsilon=1e9, **options)
    assert stopped.generations.height == 2  # the prior, then the first finite threshold
    assert stopped.generations["epsilon"][-1] <= 1e9


def test_a_generation_accepting_fewer_proposals_than_the_minimum_rate_ends_the_calibration(case):
    options = dict(budget=200, populations=4, population_size=10, workers=1, seed=5)
    stopped = calibrate(str(case["scenario"]), target_of(case), min_acceptance=0.99, **options)
    assert stopped.generations.height == 1  # the prior; the next generation accepts about half
    assert stopped.simulations < 200  # abandoned after 10 / 0.99 runs, not run to the budget
    going = calibrate(str(case["scenario"]), target_of(case), min_acceptance=0.0, **options)
    assert going.generations.height > 1


def test_a_generation_the_budget_left_cannot_pay_for_at_the_last_rate_is_not_started(case):
    result = calibrate(
        str(case["scenario"]), target_of(case), budget=35, populations=4, population_size=10, seed=5
    )
    last = result.generations.row(-1, named=True)
    assert result.generations.height >= 2
    assert 35 - result.simulations < 10 / last["acceptance"]  # the next would need more
    assert result.simulations < 35  # not started, rather than started and abandoned


def test_each_generation_reports_its_effective_sample_size_and_acceptance_rate(case):
    result = calibrate(
        str(case["scenario"]), target_of(case), budget=60, populations=3, population_size=10, seed=2
    )
    table = result.generations
    assert table["ess"][0] == pytest.approx(10.0)  # the prior: equal weights
    assert all(1.0 <= e <= 10.0 + 1e-9 for e in table["ess"])
    assert table["acceptance"].to_list() == pytest.approx(
        (table["particles"] / table["simulations"]).to_list()
    )
    assert effective_sample_size(np.array([1.0, 1.0, 1.0, 1.0])) == pytest.approx(4.0)
    assert effective_sample_size(np.array([1.0, 0.0, 0.0, 0.0])) == pytest.approx(1.0)


def test_proposals_spread_with_twice_the_population_covariance_whatever_its_size():
    import pandas as pd

    points = np.random.default_rng(0).normal(size=(50, 3)) * [1.0, 2.0, 0.5]
    kernel = proposal_kernel()
    kernel.fit(pd.DataFrame(points, columns=["a", "b", "c"]), np.full(50, 1 / 50))
    assert np.allclose(kernel.cov, 2.0 * np.cov(points.T, bias=True), rtol=0.05)


def _pyabc_kernel():
    import pyabc

    from uprising.experiment.calibrate import KERNEL_COVARIANCE

    return pyabc.MultivariateNormalTransition(scaling=KERNEL_COVARIANCE, bandwidth_selector=unit_bandwidth)


def _pyabc_prior(ranges):
    import pyabc

    return pyabc.Distribution(**{r.path: pyabc.RV("uniform", r.low, r.high - r.low) for r in ranges})


def test_the_proposals_are_pyabcs_own_draws_from_the_same_global_generator():
    import pandas as pd

    rng = np.random.default_rng(4)
    for dimension, particles in ((1, 1), (3, 40), (15, 100)):
        points = rng.normal(size=(particles, dimension)) * rng.uniform(0.01, 50.0, dimension)
        weights = rng.uniform(size=particles)
        frame = pd.DataFrame(points, columns=[f"p{j}" for j in range(dimension)])
        ours, theirs = proposal_kernel(), _pyabc_kernel()
        ours.fit(frame, weights)
        theirs.fit(frame, weights)
        for seed in range(20):
            np.random.seed(seed)
            mine, after_mine = ours.rvs_single(), np.random.random()
            np.random.seed(seed)
            pyabc_own, after_pyabc = theirs.rvs_single(), np.random.random()
            assert list(mine) == list(pyabc_own)
            values = np.array(list(mine.values()))
            assert np.array_equal(values.view(np.uint64), np.array(list(pyabc_own.values())).view(np.uint64))
            assert after_mine == after_pyabc  # the same draws used
    frame = pd.DataFrame({"a": [0.1, 0.2, 0.3]})
    for weights in ([0.6, -0.1, 0.5], [0.5, np.nan, 0.5]):  # refused before any draw, as pyabc does
        with pytest.raises(ValueError):
            proposal_kernel().fit(frame, np.array(weights))


def test_the_prior_density_is_scipys_to_the_bit_inside_at_the_ends_and_outside():
    ranges = [ParameterRange(*r) for r in (("a", 0.1, 0.6), ("b", 500.0, 3000.0), ("c", 0.0, 0.3))]
    ours, theirs = uniform_prior(ranges), _pyabc_prior(ranges)
    rng = np.random.default_rng(2)
    ends = [(0.1, 3000.0, 0.0), (0.6, 500.0, 0.3), (np.nan, 600.0, 0.1)]
    inside_or_not = rng.uniform([0.0, 0.0, -0.1], [0.7, 4000.0, 0.4], size=(300, 3))
    points = [dict(zip("abc", p, strict=True)) for p in [*ends, *inside_or_not]]
    for point in points:
        mine, scipys = ours.pdf(point), theirs.pdf(point)
        assert (np.isnan(mine) and np.isnan(scipys)) or mine == scipys, point
    assert 0 < sum(ours.pdf(p) > 0 for p in points) < len(points)  # both sides of the bounds met
    with pytest.raises(Exception, match="mismatch"):
        ours.pdf({"a": 0.2})
    np.random.seed(1)
    drawn = ours.rvs()
    np.random.seed(1)
    assert drawn == theirs.rvs()


def test_the_one_models_prior_is_scipys():
    import pyabc

    ours, theirs = one_model_prior(), pyabc.RV("randint", 0, 1)
    for model in (0, 1, -1, 2):
        assert ours.pmf(model) == theirs.pmf(model)
    np.random.seed(3)
    drawn = [ours.rvs() for _ in range(5)], np.random.random()
    np.random.seed(3)
    assert drawn == ([theirs.rvs() for _ in range(5)], np.random.random())


def test_a_calibration_gives_the_same_posterior_as_with_pyabcs_own_kernel_and_prior(case, monkeypatch):
    import uprising.experiment.calibrate as calibration

    scenario = load_scenario(str(case["scenario"]))
    searched = (("citizens.legitimacy", 0.6, 0.9), ("citizens.threshold", 0.05, 0.2))
    ranges = [ParameterRange(*r) for r in searched]
    options = {"budget": 90, "populations": 3, "population_size": 15, "ranges": ranges, "seed": 4}
    options["workers"] = 1
    ours = calibrate(str(case["scenario"]), load_target(scenario, case["observed"]), **options)
    monkeypatch.setattr(calibration, "proposal_kernel", _pyabc_kernel)
    monkeypatch.setattr(calibration, "uniform_prior", _pyabc_prior)
    monkeypatch.setattr(calibration, "one_model_prior", lambda: None)  # pyabc's default
    theirs = calibrate(str(case["scenario"]), load_target(scenario, case["observed"]), **options)
    assert ours.generations.height >= 2  # proposals from the kernel were drawn
    assert ours.particles.equals(theirs.particles)
    assert ours.generations.equals(theirs.generations)


def test_param_options_choose_the_parameters_searched_and_the_others_keep_their_values(case, tmp_path):
    written = tmp_path / "calibrated.yaml"
    args = ["calibrate", str(case["scenario"]), "--observed", str(case["observed"]), "--budget", "20"]
    args += ["--populations", "1", "--population-size", "20", "--workers", "1"]
    args += [
        "--db",
        str(tmp_path / "s.duckdb"),
        "--set",
        "calibrated={citizens.legitimacy: {low: 0.6, high: 0.9}, citizens.threshold: {low: 0.05, high: 0.2}}",
    ]
    result = invoke(
        *args, "--param", "citizens.legitimacy=0.6:0.9", "--write-scenario", str(written), "--json"
    )
    assert result.exit_code == 0, result.output
    posterior = json.loads(result.stdout)["posterior"]
    assert [row["parameter"] for row in posterior] == ["citizens.legitimacy"]
    calibrated = load_scenario(str(written))
    assert calibrated.citizens.threshold == load_scenario(str(case["scenario"])).citizens.threshold
    assert "[posterior]" in calibrated.calibrated["citizens.legitimacy"].target
    assert "[posterior]" not in calibrated.calibrated["citizens.threshold"].target


def test_each_generation_says_its_runs_and_the_time_so_far(case, tmp_path):
    import re

    from uprising.cli.console import elapsed

    args = ["calibrate", str(case["scenario"]), "--observed", str(case["observed"]), "--budget", "20"]
    args += ["--populations", "1", "--population-size", "20", "--workers", "1"]
    result = invoke(*args, "--db", str(tmp_path / "s.duckdb"))
    assert result.exit_code == 0, result.output
    line = r"^generation 0: 20 particles, 20/20 runs, \d+:\d\d$"
    assert re.search(line, result.stderr, re.M), result.stderr
    assert [elapsed(s) for s in (0.4, 75, 3599.9, 3723)] == ["0:00", "1:15", "59:59", "1:02:03"]


def test_the_budget_bounds_the_simulations_and_a_budget_too_small_for_a_generation_is_refused(case):
    result = calibrate(str(case["scenario"]), target_of(case), budget=25, populations=5, population_size=10)
    assert result.simulations <= 25
    with pytest.raises(UprisingError, match="--budget 5: too small"):
        population_size_for(5, 3)


def test_a_run_seed_is_a_function_of_the_calibration_seed_and_the_values_drawn():
    assert simulation_seed(1, (0.7,)) == simulation_seed(1, (0.7,))
    assert simulation_seed(1, (0.7,)) != simulation_seed(2, (0.7,))
    assert simulation_seed(1, (0.7,)) != simulation_seed(1, (0.7000001,))
    assert 0 <= simulation_seed(5, (0.1, 3.0)) < 2**63


def test_the_distance_weighs_each_metric_by_its_observed_scale_and_skips_what_was_not_observed():
    observed = flatten_metrics(
        {"blockades_by_day": [None, 100, None], "departments_active_by_day": [3, None, 5]},
        ("blockades_by_day", "departments_active_by_day"),
    )
    assert observed == {
        "blockades_by_day[1]": 100.0,
        "departments_active_by_day[0]": 3.0,
        "departments_active_by_day[2]": 5.0,
    }
    simulated = {
        "blockades_by_day[0]": 9e9,
        "blockades_by_day[1]": 150.0,
        "departments_active_by_day[0]": 3.0,
    }
    # blockades: |150 - 100| / 100 = 0.5; departments: (0 + 5) / 2 / 4 = 0.625; mean 0.5625
    assert normalised_distance(simulated, observed) == pytest.approx(0.5625)
    assert normalised_distance(observed, observed) == 0.0


def test_classic_statistics_are_read_from_a_series_written_by_simulate(case):
    stats = series_stats(case["observed"])
    assert set(stats) == {"mean_active", "peak_active", "final_jailed"}
    assert stats["final_jailed"] > 0


def test_peru_targets_compare_only_the_days_a_run_covers():
    scenario = load_scenario("peru-2022", ["run.steps=8"])  # 2 days of 4 ticks
    target = load_target(scenario, OBSERVED)
    assert target.kind == "peru"
    days = {int(k.split("[")[1].rstrip("]")) for k in target.observed if "_by_day[" in k}
    assert days == {0, 1}
    deaths = {k for k in target.observed if k.startswith("deaths_by_period_and_group[")}
    assert deaths == {f"deaths_by_period_and_group[7-10 Dec|{g}]" for g in GROUPS}


GROUPS = ("Apurimac-Ayacucho", "south", "Lima-Callao", "rest")


def test_a_december_target_holds_the_observation_summaries_only_on_the_days_observed():
    target = load_target(load_scenario("peru-2022"), OBSERVED)
    blocks = {k.split("[")[0] for k in target.observed}
    assert blocks == {"departments_reported_active_by_day", "deaths_by_period_and_group", "blockades_by_day"}
    blockades = {k: v for k, v in target.observed.items() if k.startswith("blockades_by_day")}
    assert blockades == {  # Sutran's counts of 12, 16, 17 and 22 Dec; 13 Dec's is of low reliability
        "blockades_by_day[5]": 120.0,
        "blockades_by_day[9]": 99.0,
        "blockades_by_day[10]": 82.0,
        "blockades_by_day[15]": 6.0,
    }
    deaths = {k.split("[")[1].rstrip("]"): v for k, v in target.observed.items() if k.startswith("deaths_")}
    assert len(deaths) == 12 and sum(deaths.values()) == 28  # the retroactive 29th left out
    assert deaths["11-15 Dec|Apurimac-Ayacucho"] == 14  # Apurímac 6, Huamanga 8 on 15 Dec
    assert deaths["7-10 Dec|Apurimac-Ayacucho"] == 0


def test_deaths_are_summed_by_period_and_department_group():
    names = ["Ayacucho", "Puno", "Callao", "Junín"]
    deaths = np.zeros((12, 4), dtype=int)
    deaths[3, 0] = 1  # 10 Dec, Ayacucho
    deaths[4, 0] = 2  # 11 Dec: the next period
    deaths[8, 1] = 5  # 15 Dec, Puno (south)
    deaths[9, 2] = 7  # 16 Dec, Callao with Lima
    deaths[11, 3] = 4  # 18 Dec, Junín: the rest
    found = deaths_by_period_and_group(deaths, names)
    assert found["7-10 Dec|Apurimac-Ayacucho"] == 1
    assert found["11-15 Dec|Apurimac-Ayacucho"] == 2
    assert found["11-15 Dec|south"] == 5
    assert found["16-31 Dec|Lima-Callao"] == 7
    assert found["16-31 Dec|rest"] == 4
    assert sum(found.values()) == deaths.sum() and len(found) == 12
    assert set(deaths_by_period_and_group(deaths[:5], names)) == {
        f"{p}|{g}" for p in ("7-10 Dec", "11-15 Dec") for g in GROUPS
    }


def test_synthetic_observed_files_read_back_as_the_runs_own_summaries(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "calibration_coverage", Path(__file__).parents[2] / "benchmarks/calibration_coverage.py"
    )
    coverage = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(coverage)
    overrides = ["world.resolution_km=20", "world.population_scale=1000", "run.steps=40"]
    scenario = load_scenario("peru-2022", overrides)
    output = run_scenario(scenario, seed=3)
    target = load_target(scenario, coverage.write_observed(output, tmp_path / "synthetic"))
    simulated = target.stats_of(output)
    assert target.observed == {k: simulated[k] for k in target.observed}
    days = {k for k in target.observed if k.startswith("blockades_by_day")}
    assert days == {"blockades_by_day[5]", "blockades_by_day[9]"}  # December's Sutran days within 10
    assert normalised_distance(simulated, target.observed) == 0.0


def test_the_highest_density_interval_is_the_shortest_holding_ninety_percent_and_may_end_at_a_bound():
    spec = importlib.util.spec_from_file_location(
        "calibration_coverage", Path(__file__).parents[2] / "benchmarks/calibration_coverage.py"
    )
    coverage = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(coverage)
    points = np.arange(10.0)
    heavy_low = np.array([5.0, 2.0, 1.0, 0.5, 0.5, 0.4, 0.3, 0.2, 0.05, 0.05])  # piled at the low end
    assert coverage.hpd_interval(points, heavy_low) == (0.0, 4.0)  # 9.0 of 10 from 0 to 4
    assert coverage.hpd_interval(points, np.ones(10)) in {(0.0, 8.0), (1.0, 9.0)}  # 9 of 10 points
    cell = coverage.hpd_cell(points, heavy_low, 0.0)
    assert cell["hpd_covered"] and not coverage.hpd_cell(points, heavy_low, 4.5)["hpd_covered"]


def test_the_noise_floor_is_the_mu_star_of_seed_noise_and_screens_parameters_below_it():
    assert noise_floor(np.array([0.0, 1.0])) == pytest.approx(1.5)  # |1 - 0| over a step of 2/3
    assert noise_floor(np.array([2.0, 2.0, 2.0])) == 0.0
    table = pl.DataFrame(
        {
            "output": ["a", "a", "a", "b", "b", "b"],
            "parameter": ["x", "y", "z", "x", "y", "z"],
            "mu_star": [5.0, 0.2, 0.1, 0.0, 3.0, 0.4],
        }
    )
    assert without_effect(table, {"a": 1.0, "b": 1.0}) == ["z"]
    assert without_effect(table, {"a": 0.05, "b": 0.05}) == []


def test_calibrated_ranges_come_from_the_scenario_and_param_options_name_a_known_number(case):
    scenario = load_scenario(str(case["scenario"]))
    (rng,) = calibrated_ranges(scenario)
    assert (rng.path, rng.low, rng.high, rng.integer) == ("citizens.legitimacy", 0.6, 0.9, False)
    level = parse_param_option(scenario, "outburst_level=0:100")
    assert (level.path, level.integer) == ("run.outburst_level", True)
    with pytest.raises(UprisingError, match="legitimcy: unknown parameter"):
        parse_param_option(scenario, "legitimcy=0:1")
    with pytest.raises(UprisingError, match=r"allowed range \[0.0, 1.0\]"):
        parse_param_option(scenario, "legitimacy=0.5:1.5")


def test_a_field_that_is_null_in_the_scenario_can_be_searched():
    # Null fields are left out of dumps (old scenarios keep their hash), not out of the search,
    # and a null integer field is searched in integers.
    scenario = load_scenario("peru-2022")
    rng = parse_param_option(scenario, "dynamics.observation.detection_concentration=0.5:20")
    path = "dynamics.observation.detection_concentration"
    assert (rng.path, rng.low, rng.high, rng.integer) == (path, 0.5, 20.0, False)
    with pytest.raises(UprisingError, match=r"detection_concentration.*10000"):
        parse_param_option(scenario, "dynamics.observation.detection_concentration=0:20000")
    unbounded = load_scenario("peru-2022", ["cops.max_jail_term=null"])
    jail = parse_param_option(unbounded, "cops.max_jail_term=1:30")
    assert (jail.path, jail.integer) == ("cops.max_jail_term", True)


def test_a_field_left_out_of_dumps_at_its_default_can_be_searched():
    scenario = load_scenario("peru-2022")
    assert "siege_growth" not in scenario.model_dump(mode="json")["dynamics"]["lethality"]
    rng = parse_param_option(scenario, "dynamics.lethality.siege_growth=0:10")
    assert (rng.path, rng.integer) == ("dynamics.lethality.siege_growth", False)
    with pytest.raises(UprisingError, match=r"siege_growth.*100"):
        parse_param_option(scenario, "dynamics.lethality.siege_growth=0:200")
    with pytest.raises(UprisingError, match=r"not a numeric parameter"):
        parse_param_option(scenario, "dynamics.lethality.siege_forces=0:1")


def test_fine_death_cells_see_apurimacs_dead_apart_from_ayacuchos():
    target = load_target(load_scenario("peru-2022"), OBSERVED, "fine")
    deaths = {k.split("[")[1].rstrip("]"): v for k, v in target.observed.items() if k.startswith("deaths_")}
    assert len(deaths) == 20 and sum(deaths.values()) == 28
    assert deaths["11-12 Dec|Apurimac"] == 5 and deaths["13-15 Dec|Apurimac"] == 1
    assert deaths["13-15 Dec|Ayacucho"] == 8 and deaths["11-12 Dec|Ayacucho"] == 0
    coarse = load_target(load_scenario("peru-2022"), OBSERVED)
    assert {k: v for k, v in target.observed.items() if not k.startswith("deaths_")} == {
        k: v for k, v in coarse.observed.items() if not k.startswith("deaths_")
    }
    with pytest.raises(UprisingError, match=r"^--death-cells medium: must be one of coarse, fine$"):
        load_target(load_scenario("peru-2022"), OBSERVED, "medium")


def test_the_command_stores_the_posterior_and_writes_a_calibrated_scenario(case, tmp_path):
    db = tmp_path / "store.duckdb"
    written = tmp_path / "calibrated.yaml"
    args = ["calibrate", str(case["scenario"]), "--observed", str(case["observed"]), "--budget", "60"]
    args += ["--populations", "2", "--population-size", "15", "--workers", "1", "--db", str(db)]
    result = invoke(*args, "--write-scenario", str(written), "--json")
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout)
    experiment = line["experiment"]
    assert line["simulations"] <= 60
    stats = line["generation_stats"]
    assert [g["generation"] for g in stats] == list(range(line["generations"]))
    assert all(1.0 <= g["ess"] <= g["particles"] + 1e-9 and 0 < g["acceptance"] <= 1 for g in stats)
    from uprising.store import Store

    store = Store(db)
    assert store.experiment(experiment)["kind"] == "calibration"
    assert set(store.tables(experiment)) == {"posterior", "summary", "generations", "observed", "predictive"}
    assert store.runs(experiment).height == 16  # the posterior predictive check's, by default
    posterior = store.load_table(experiment, "posterior")
    assert posterior.columns == ["citizens.legitimacy", "weight", "distance"]
    summary = store.load_table(experiment, "summary").row(0, named=True)
    assert Path(line["history_db"]) == db.with_name(db.name + ".pyabc") / f"{experiment}.db"
    assert Path(line["history_db"]).exists()
    calibrated = load_scenario(str(written))
    assert calibrated.citizens.legitimacy == pytest.approx(summary["median"])
    assert calibrated.world.width == 20 and calibrated.run.steps == 100
    target = calibrated.calibrated["citizens.legitimacy"].target
    assert target.startswith("jailed and actives of a run at L = 0.75; [posterior] median ")
    assert "90% interval" in target


def test_the_table_shows_each_generations_effective_sample_size(case, tmp_path):
    args = ["calibrate", str(case["scenario"]), "--observed", str(case["observed"]), "--budget", "40"]
    args += [
        "--populations",
        "2",
        "--population-size",
        "10",
        "--workers",
        "1",
        "--db",
        str(tmp_path / "s.db"),
    ]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert "ESS" in result.stdout
    assert "10.0 of 10" in result.stdout  # the prior's generation: equal weights


def test_without_a_store_path_pyabc_keeps_nothing_in_the_working_folder(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ["calibrate", str(case["scenario"]), "--observed", str(case["observed"]), "--budget", "12"]
    result = invoke(*args, "--populations", "1", "--population-size", "12", "--workers", "1", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["history_db"] is None
    left = sorted(p.name for p in tmp_path.iterdir())
    assert "uprising.duckdb" in left
    assert all(name.startswith("uprising.duckdb") and "pyabc" not in name for name in left), left


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--budget", "0"], "--budget 0: must be from 1 to"),
        (["--populations", "0"], "--populations 0: must be from 1 to 100"),
        (["--set", "calibrated={citizens.legitimcy: {low: 0.6, high: 0.9}}"], "legitimcy: unknown parameter"),
        (["--set", "calibrated={}"], "marks no calibrated parameter"),
        (["--observed", "no-such-folder"], "--observed no-such-folder: not a folder"),
        (["--min-epsilon", "-1"], "--min-epsilon -1.0: must be a finite number >= 0"),
        (["--min-acceptance", "1.5"], "--min-acceptance 1.5: must be from 0 to 1"),
        (["--param", "legitimacy=0.6:0.9", "--param", "legitimacy=0.7:0.8"], "given more than once"),
        (["--param", "legitimacy=0.9:0.6"], "must have finite low < high"),
    ],
)
def test_bad_options_give_one_error_line_and_exit_code_2(case, tmp_path, options, message):
    args = [
        "calibrate",
        str(case["scenario"]),
        "--observed",
        str(case["observed"]),
        "--db",
        str(tmp_path / "s.duckdb"),
        *options,  # a second --observed replaces the first
    ]
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr


def test_a_builtin_scenario_without_calibrated_parameters_is_refused(case):
    result = invoke("calibrate", "epstein-2002", "--observed", str(case["observed"]))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: scenario epstein-2002: marks no calibrated parameter (add a `calibrated:` section,"
        " e.g. citizens.legitimacy: {low: 0.6, high: 0.9})"
    ]


def test_pyabc_notice_of_proposals_outside_the_prior_is_not_printed(caplog):
    """The wide proposal falls outside the prior near its ends; pyabc's notice of it, once per
    particle, is dropped while a calibration runs, and its other warnings still show."""
    import logging

    from uprising.experiment.calibrate import _quiet_pyabc

    logger = logging.getLogger("ABC")
    with caplog.at_level(logging.WARNING, logger="ABC"), _quiet_pyabc():
        logger.warning(
            "Unusually many (model, parameter) samples have prior density zero. "
            "The transition might be inappropriate."
        )
        logger.warning("another warning")
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["another warning"]
    with caplog.at_level(logging.WARNING, logger="ABC"):
        logger.warning("Unusually many (model, parameter) samples have prior density zero.")
    assert len(caplog.records) == 2


def test_a_threshold_on_a_tied_distance_goes_to_the_largest_distance_under_it():
    """A threshold equal to a distance many particles share (every quiet run) would accept them
    all again; it goes strictly under the tie where some particle lies under it."""
    tied = np.array([0.9, 1.2, 1.5, 1.5, 1.5, 1.5, 2.0])
    assert below_ties(1.5, tied) == 1.2
    assert below_ties(1.2, tied) == 1.2  # one particle there: no tie
    assert below_ties(1.5, np.array([1.5, 1.5, 2.0])) == 1.5  # nothing under it to go to


@pytest.mark.parametrize(("particles", "spread"), [(30, 0.0), (100, 1.0)])
def test_the_interval_for_the_effective_number_holds_a_new_draw_ninety_percent_of_the_time(particles, spread):
    """Particles and truth drawn from one distribution, the particles' weights independent of
    them (ESS 30 and about 42): the central 90% interval between weighted quantiles holds the
    truth about 87-88% of the time, the interval for the ESS 90-91% (10,000 trials: s.e. 0.3%)."""
    rng = np.random.default_rng(7)
    held = {"plain": 0, "adjusted": 0}
    trials = 10_000
    for _ in range(trials):
        truth, points = rng.standard_normal(), rng.standard_normal(particles)
        weights = np.exp(spread * rng.standard_normal(particles))
        tail = adjusted_tail(0.05, effective_sample_size(weights))
        for level, count in ((0.05, "plain"), (tail, "adjusted")):
            low = weighted_quantile(points, weights, level)
            held[count] += low <= truth <= weighted_quantile(points, weights, 1 - level)
    assert held["plain"] / trials < 0.89
    assert abs(held["adjusted"] / trials - 0.90) < 0.015, held


def test_the_interval_for_the_effective_number_is_the_central_one_for_many_particles_and_ends_at_the_last():
    assert adjusted_tail(0.05, 1e9) == pytest.approx(0.05)
    assert adjusted_tail(0.05, 45) == pytest.approx(0.04)
    assert adjusted_tail(0.05, 2) == 0.0
