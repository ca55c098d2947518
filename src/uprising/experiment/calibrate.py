"""Calibration by ABC-SMC (pyabc) of the parameters a scenario marks `calibrated`.

Each calibrated parameter gets a uniform prior over [low, high]; a particle is accepted when
the distance between its run's summary statistics and the observed ones (see `summary_stats`)
is under the generation's threshold (the median distance of the previous generation; the first
generation is the prior itself). Where that median is a distance several particles share, the
threshold is the largest distance under it (`below_ties`): a threshold on a tie accepts every
run at it again, and on a map world's first days, where many runs report nothing and nobody
dies, those quiet runs filled the posterior of Ecuador's fit (docs/validation.md). The
distance is pyabc's adaptive weighted L1 norm
(`AdaptivePNormDistance`, Prangle 2017): after each generation every statistic is scaled by
the median absolute deviation of its values over all the particles simulated, rejected ones
included, so that a statistic the parameters move little does not drown the others; each
statistic's weight is also divided by the number of statistics of its summary, so that the 12
death cells weigh as much as the 4 blockade days.

Proposals: each particle of the last generation perturbed by a multivariate normal of twice
the population's weighted covariance (Beaumont et al. 2009; Filippi et al. 2013), where pyabc's
default (Silverman's rule) takes about half that covariance for 10-12 parameters: a narrow kernel
makes the proposal density peaked, so the few particles accepted in its tails carry most of the
next generation's weight, and the covariance taken from them narrows the kernel again (the
degenerate posterior of docs/validation.md). Each generation's effective sample size (ESS,
1 / sum of squared normalised weights) is reported with it; a generation whose acceptance rate
would fall below `min_acceptance` is abandoned and the calibration stops on the one before.

Reproducibility: pyabc's own parallel samplers reseed every worker from the operating system,
so their proposals change from one call to the next. `ReplaySampler` instead draws proposal
`i` of generation `t` in this process from a generator seeded by (seed, t, i), runs the batch
of simulations in parallel through `map_runs` (local processes or a Dask scheduler), then
replays the draws with their results and accepts the first particles in proposal order. Each
simulation's own seed is a hash of (seed, the particle's parameter values). So a calibration
gives the same particles, weights and posterior for the same scenario, target, budget and
seed, whatever the number of workers and wherever they run.
"""

from __future__ import annotations

import logging
import math
import os
import random
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from pydantic import ValidationError

from uprising.errors import ScenarioError, UprisingError
from uprising.experiment.executor import RunTask, map_runs
from uprising.experiment.snapshot import ScenarioSnapshot
from uprising.experiment.summary_stats import Target, block_of
from uprising.files import describe_os_error, write_text_atomic
from uprising.scenario.loader import apply_overrides, format_validation_error
from uprising.scenario.model import Scenario
from uprising.scenario.paths import resolve_parameter

MAX_BUDGET = 10_000_000
MAX_POPULATIONS = 100
INTERVAL = 0.90  # the posterior interval reported: 5% to 95% weighted quantiles
QUANTILE_ALPHA = 0.5  # each generation's threshold: this quantile of the last one's distances
MAX_SCALE_WEIGHT_RATIO = 100.0  # no statistic weighs more than 100 times another after scaling
KERNEL_COVARIANCE = 2.0  # the proposal's covariance: this times the population's (module docstring)
LOW_ESS_SHARE = 0.2  # the command warns when the last ESS is under this share of the particles
MIN_ACCEPTANCE = 0.02  # default: stop rather than run a generation accepting fewer proposals
POSTERIOR_NOTE = "[posterior]"


@dataclass(frozen=True)
class ParameterRange:
    """A parameter searched: its dotted path (as for --set), range and what it is tuned to."""

    path: str
    low: float
    high: float
    target: str = ""
    integer: bool = False  # an integer field: values are rounded before a run


def parameter_value(rng: ParameterRange, value: float) -> int | float:
    """A parameter's value as a run takes it: rounded for an integer field."""
    return int(round(float(value))) if rng.integer else float(value)


def parameter_override(rng: ParameterRange, value: float) -> str:
    """The `path=value` override that sets a parameter (rounded for an integer field)."""
    return f"{rng.path}={parameter_value(rng, value)!r}"


def with_parameters(scenario: Scenario, ranges: list[ParameterRange], values: list[float]) -> Scenario:
    """A copy of `scenario` with the parameters set (validated: out-of-range values raise)."""
    overrides = [parameter_override(r, v) for r, v in zip(ranges, values, strict=True)]
    data = apply_overrides(scenario.model_dump(mode="json"), overrides, scenario.name)
    return validated(data, scenario.name)


def validated(data: dict[str, Any], label: str) -> Scenario:
    """Scenario data validated, a failure reported in one line naming the field and its range."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(format_validation_error(label, err, Scenario)) from None


def check_ranges(scenario: Scenario, ranges: list[ParameterRange]) -> None:
    """Both ends of every range must be values the scenario accepts (one error line otherwise)."""
    for rng in ranges:
        for end in (rng.low, rng.high):
            with_parameters(scenario, [rng], [end])


def calibrated_ranges(scenario: Scenario) -> list[ParameterRange]:
    """The scenario's `calibrated` parameters as ranges; refuses a scenario that marks none."""
    if not scenario.calibrated:
        raise UprisingError(
            f"scenario {scenario.name}: marks no calibrated parameter (add a `calibrated:` section,"
            " e.g. citizens.legitimacy: {low: 0.6, high: 0.9})"
        )
    ranges = []
    for key, prior in scenario.calibrated.items():
        path, integer = resolve_parameter(scenario, key, "calibrated")
        ranges.append(ParameterRange(path, prior.low, prior.high, prior.target, integer))
    check_ranges(scenario, ranges)
    return ranges


def parse_param_option(scenario: Scenario, spec: str) -> ParameterRange:
    """`key=low:high` (from `--param`) as a range of the scenario's parameter."""
    key, sep, span = spec.partition("=")
    low_text, colon, high_text = span.partition(":")
    if not sep or not colon:
        raise UprisingError(f"--param {spec!r}: expected key=low:high, e.g. citizens.legitimacy=0.6:0.9")
    try:
        low, high = float(low_text), float(high_text)
    except ValueError:
        raise UprisingError(f"--param {spec!r}: low and high must be numbers") from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise UprisingError(f"--param {spec!r}: must have finite low < high")
    path, integer = resolve_parameter(scenario, key.strip(), "--param")
    rng = ParameterRange(path, low, high, "", integer)
    check_ranges(scenario, [rng])
    return rng


def searched_ranges(scenario: Scenario, specs: list[str] | None) -> list[ParameterRange]:
    """The ranges of `--param key=low:high` options (each parameter once), or by default the
    scenario's calibrated parameters."""
    if not specs:
        return calibrated_ranges(scenario)
    ranges = [parse_param_option(scenario, spec) for spec in specs]
    paths = [r.path for r in ranges]
    twice = sorted({p for p in paths if paths.count(p) > 1})
    if twice:
        raise UprisingError(f"--param {twice[0]}: given more than once")
    return ranges


def simulation_seed(seed: int, values: tuple[float, ...]) -> int:
    """The seed of the run of a particle: a hash of the calibration's seed and the values drawn."""
    bits = np.asarray(values, dtype=np.float64).view(np.uint32).tolist()
    state = np.random.SeedSequence([int(seed), *bits]).generate_state(1, dtype=np.uint64)[0]
    return int(state) & (2**63 - 1)


def proposal_seed(seed: int, generation: int, index: int) -> int:
    """The seed of the generator that draws proposal `index` of `generation` (-1: calibration)."""
    return int(np.random.SeedSequence([int(seed), generation + 2, index]).generate_state(1)[0])


@contextmanager
def seeded_global_generators(seed: int) -> Iterator[None]:
    """Seed numpy's and Python's global generators (pyabc draws from them), then restore them."""
    np_state, py_state = np.random.get_state(), random.getstate()
    np.random.seed(seed)
    random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)


class ReplayModel:
    """The model pyabc calls. Drawing: records the parameter values asked for and answers the
    observed statistics (a placeholder); replaying: answers the statistics of their runs."""

    def __init__(self, names: list[str], placeholder: dict[str, float]) -> None:
        self.names = names
        self.placeholder = placeholder
        self.drawing = True
        self.drawn: list[tuple[float, ...]] = []
        self.results: dict[tuple[float, ...], dict[str, float]] = {}

    def __call__(self, parameter: dict[str, float]) -> dict[str, float]:
        values = tuple(float(parameter[n]) for n in self.names)
        if self.drawing:
            self.drawn.append(values)
            return self.placeholder
        return self.results[values]


def replay_sampler(
    model: ReplayModel,
    evaluate: Callable[[list[tuple[float, ...]]], list[dict[str, float]]],
    seed: int,
    budget: int,
    on_generation: Callable[[int, int, int], None] | None = None,
) -> Any:
    """A pyabc sampler whose results do not depend on the number of workers (module docstring).

    Proposals are drawn in batches of at most one population, each from its own seeded
    generator; `evaluate` runs a batch; at most `budget` simulations are run in all. A
    generation is not started when the budget left is less than a population at the last
    generation's acceptance rate (it would most likely be abandoned, its runs lost).
    (The class is made here so that importing this module does not import pyabc.)
    """
    from pyabc.sampler import Sampler

    class ReplaySampler(Sampler):
        def __init__(self) -> None:
            super().__init__()
            self.used = 0
            self.rate = 0.0  # the acceptance rate of the last generation completed

        def sample_until_n_accepted(
            self, n: int, simulate_one: Callable, t: int, *, max_eval: float = np.inf,
            all_accepted: bool = False, ana_vars: Any = None,
        ) -> Any:  # fmt: skip
            sample = self._create_empty_sample()
            accepted = evaluations = 0
            if self.rate > 0 and budget - self.used < n / self.rate:
                sample.ok = False  # the last generation's rate would spend the budget before n
            while accepted < n and sample.ok:
                room = n if math.isinf(max_eval) else math.ceil(max_eval - evaluations)
                size = min(batch_size(n, accepted, evaluations), budget - self.used, room)
                if size <= 0:  # budget spent, or too few accepted (pyabc's max_eval)
                    sample.ok = False
                    break
                seeds = [proposal_seed(seed, t, evaluations + j) for j in range(size)]
                model.drawing, model.drawn = True, []
                for s in seeds:
                    with seeded_global_generators(s):
                        simulate_one()
                model.results = dict(zip(model.drawn, evaluate(model.drawn), strict=True))
                model.drawing = False
                for s in seeds:
                    with seeded_global_generators(s):
                        particle = simulate_one()
                    if accepted < n:
                        sample.append(particle)
                        accepted += bool(particle.accepted)
                model.results = {}
                self.used += size
                evaluations += size
            self.nr_evaluations_ = evaluations
            if sample.ok:
                self.rate = accepted / evaluations
            if sample.ok and on_generation is not None:
                on_generation(t, accepted, self.used)
            return sample

    return ReplaySampler()


def batch_size(n: int, accepted: int, evaluations: int) -> int:
    """Proposals to run next for a generation of `n` particles: a population at first, then the
    runs the generation's acceptance rate so far needs for the rest, a fifth more (at least a
    quarter of a population), so that few runs are made past the n-th acceptance. The particles
    kept are the first n accepted in proposal order whatever the batches."""
    if accepted == 0:
        return n
    need = math.ceil(1.2 * (n - accepted) * evaluations / accepted)
    return min(n, max(need, n // 4, 1))


def adjusted_tail(tail: float, ess: float) -> float:
    """The quantile level at which an interval's lower end (1 - level: its upper end) holds a new
    draw of the posterior with the nominal probability 1 - 2 * tail, on `ess` effective particles.

    The quantiles of a finite sample are noisy, and an interval between noisy quantiles holds a
    fresh draw less often than its levels say: between the 5% and 95% quantiles of 55 effective
    particles, about 88% of the time. For n exchangeable draws the interval between the k-th
    smallest and the k-th largest holds another with probability (n + 1 - 2k) / (n + 1) exactly
    (the rank of the new draw is uniform), so k = tail * (n + 1); at `weighted_quantile`'s
    convention (the k-th point stands at level (k - 1/2) / n) that is the level
    tail - (1/2 - tail) / n, with n the ESS. Never below 0 (the lowest particle)."""
    return max(0.0, tail - (0.5 - tail) / max(ess, 1.0))


def weighted_quantile(points: np.ndarray, weights: np.ndarray, alpha: float) -> float:
    """The alpha-quantile of weighted points, as pyabc's `weighted_quantile` computes it: the
    points sorted, each standing at the middle of its weight on the cumulative scale (weights
    normalised to sum to 1 where they do not), linearly interpolated. Here so that reading a
    posterior, and the runs drawn from it, need numpy alone (no calibrate extra)."""
    order = np.argsort(points)
    points = np.asarray(points, dtype=float)[order]
    weights = np.asarray(weights, dtype=float)[order]
    total = weights.sum()
    if not np.isclose(total, 1.0):  # pyabc's populations are normalised already: kept as they are
        weights = weights / total
    return float(np.interp(alpha, np.cumsum(weights) - 0.5 * weights, points))


@dataclass
class Calibration:
    """What a calibration found: the last population and its per-parameter summary."""

    scenario: Scenario  # with the user's overrides, before calibration
    scenario_ref: str  # the built-in name or YAML path it was loaded from
    overrides: tuple[str, ...]  # the user's overrides
    ranges: list[ParameterRange]
    observed: dict[str, float]
    particles: pl.DataFrame  # one column per parameter path, weight, distance
    generations: pl.DataFrame  # generation, epsilon, particles, simulations, acceptance, ess
    simulations: int  # model runs done, at most the budget
    seed: int
    population_size: int
    history_db: str | None = None  # pyabc's history database, when it is kept
    scenario_data: dict[str, Any] | None = None  # the scenario file's data as read at the start
    # parameter, median, low, high (the 90% interval of the particles), adjusted_low and
    # adjusted_high (the same, adjusted for their effective number: `adjusted_tail`), mean,
    # prior, target
    summary: pl.DataFrame = field(init=False)
    ess: float = field(init=False)  # the last population's effective sample size

    def __post_init__(self) -> None:
        weights = self.particles["weight"].to_numpy()
        rows = []
        tail = (1.0 - INTERVAL) / 2
        self.ess = effective_sample_size(weights)
        adjusted = adjusted_tail(tail, self.ess)
        for rng in self.ranges:
            points = self.particles[rng.path].to_numpy()
            rows.append(
                {
                    "parameter": rng.path,
                    "median": float(weighted_quantile(points, weights, alpha=0.5)),
                    "low": float(weighted_quantile(points, weights, alpha=tail)),
                    "high": float(weighted_quantile(points, weights, alpha=1.0 - tail)),
                    "adjusted_low": float(weighted_quantile(points, weights, alpha=adjusted)),
                    "adjusted_high": float(weighted_quantile(points, weights, alpha=1.0 - adjusted)),
                    "mean": float(np.sum(points * weights) / np.sum(weights)),
                    "prior_low": rng.low,
                    "prior_high": rng.high,
                    "target": rng.target,
                }
            )
        self.summary = pl.DataFrame(rows)

    def medians(self) -> dict[str, float]:
        return dict(zip(self.summary["parameter"], self.summary["median"], strict=True))

    def draws(self, runs: int, seed: int) -> list[int]:
        """`runs` particles of the last population drawn with replacement by their weights, as
        row numbers of `particles`: the same for the same seed."""
        weights = self.particles["weight"].to_numpy()
        rng = np.random.default_rng([seed, 17])
        return [int(i) for i in rng.choice(len(weights), size=runs, p=weights / weights.sum())]

    def overrides_of(self, particle: int) -> list[str]:
        """The `path=value` overrides that set the searched parameters to one particle's values."""
        row = self.particles.row(particle, named=True)
        return [parameter_override(r, row[r.path]) for r in self.ranges]


def population_size_for(budget: int, populations: int, population_size: int | None = None) -> int:
    """Particles per generation, checked with the budget and the number of generations.

    Default: enough for `populations` generations at about 1/3 acceptance, at least 10.
    """
    if not 1 <= budget <= MAX_BUDGET:
        raise UprisingError(f"--budget {budget}: must be from 1 to {MAX_BUDGET} simulations")
    if not 1 <= populations <= MAX_POPULATIONS:
        raise UprisingError(f"--populations {populations}: must be from 1 to {MAX_POPULATIONS}")
    if population_size is None:
        size = max(10, budget // (3 * populations))
        if size > budget:
            raise UprisingError(
                f"--budget {budget}: too small for a first generation of {size} particles "
                "(raise it, or give a smaller --population-size)"
            )
        return size
    if not 2 <= population_size <= budget:
        raise UprisingError(
            f"--population-size {population_size}: must be from 2 to the budget ({budget}): "
            "the first generation runs that many simulations"
        )
    return population_size


def _evaluator(
    snapshot: ScenarioSnapshot,
    overrides: tuple[str, ...],
    ranges: list[ParameterRange],
    target: Target,
    seed: int,
    workers: int | None,
    scheduler: Any,
) -> Callable[[list[tuple[float, ...]]], list[dict[str, float]]]:
    """A function that runs the scenario for each parameter vector and returns their statistics."""

    def task_of(position: int, values: tuple[float, ...]) -> RunTask:
        changed = overrides + tuple(parameter_override(r, v) for r, v in zip(ranges, values, strict=True))
        run = snapshot.build(changed)  # from the file as read at the start, whatever it holds now
        return RunTask(snapshot.ref, changed, simulation_seed(seed, values), "abc", position, run)

    def evaluate(batch: list[tuple[float, ...]]) -> list[dict[str, float]]:
        tasks = [task_of(position, values) for position, values in enumerate(batch)]
        stats: dict[int, dict[str, float]] = {}
        for task, output in map_runs(tasks, workers=workers, scheduler=scheduler):
            stats[task.position] = target.stats_of(output)
        return [stats[i] for i in range(len(batch))]

    return evaluate


def _not_outside_prior_notice(record: logging.LogRecord) -> bool:
    """False for pyabc's notice that many proposals fell outside the prior.

    The proposal's covariance is twice the population's (see `proposal_kernel`), so near a prior's
    end many proposals fall outside it; pyabc draws again until one falls inside, as it should,
    but says so once per particle, dozens of lines a generation that tell a user nothing.
    """
    return not record.getMessage().startswith(
        "Unusually many (model, parameter) samples have prior density zero"
    )


@contextmanager
def _quiet_pyabc() -> Iterator[None]:
    """Silence pyabc's per-generation log lines, its warning on the first (infinite) threshold and
    its notice on proposals outside the prior."""
    import pyabc  # noqa: F401  (sets its loggers' levels on import)

    logger = logging.getLogger("ABC")
    level = logger.level
    logger.setLevel(logging.WARNING)
    logger.addFilter(_not_outside_prior_notice)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=RuntimeWarning, module="pyabc")
            yield
    finally:
        logger.removeFilter(_not_outside_prior_notice)
        logger.setLevel(level)


def calibrate(
    scenario_ref: str,
    target: Target,
    *,
    overrides: tuple[str, ...] = (),
    budget: int = 1500,
    populations: int = 5,
    population_size: int | None = None,
    min_epsilon: float = 0.0,
    min_acceptance: float = MIN_ACCEPTANCE,
    ranges: list[ParameterRange] | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    seed: int | None = None,
    history_db: Path | None = None,
    on_generation: Callable[[int, int, int], None] | None = None,
) -> Calibration:
    """ABC-SMC over the scenario's calibrated parameters (or `ranges`) against `target`.

    It stops after `populations` generations, once a generation's threshold is at or below
    `min_epsilon` (in the adaptive distance's units), when the budget is spent, or when a
    generation would accept fewer than `min_acceptance` of its proposals (it is abandoned after
    population size / `min_acceptance` runs; 0: never).

    `budget` bounds the simulations run (a generation that would exceed it is not started or
    is abandoned, and the last complete one is the posterior). `scheduler`: a Dask scheduler
    address or Client (default: `workers` local processes). `history_db`: where pyabc keeps
    its history (default: a temporary folder, removed afterwards); a calibration that fails or
    is interrupted removes it, and removes the `running-<pid>.db` left beside it by a
    calibration process that was killed.
    `on_generation(generation, accepted, simulations so far)` is called after each generation.
    """
    snapshot = ScenarioSnapshot(scenario_ref)
    scenario = snapshot.scenario(overrides)
    ranges = calibrated_ranges(scenario) if ranges is None else list(ranges)
    seed = scenario.run.seed if seed is None else int(seed)
    size = population_size_for(budget, populations, population_size)
    check_min_epsilon(min_epsilon)
    check_min_acceptance(min_acceptance)
    client = None
    if isinstance(scheduler, str):
        from uprising.experiment.executor import connect_scheduler

        client = scheduler = connect_scheduler(scheduler)  # once, for every batch of runs
    try:
        evaluate = _evaluator(snapshot, tuple(overrides), ranges, target, seed, workers, scheduler)
        with tempfile.TemporaryDirectory(prefix="uprising-abc-") as tmp, _quiet_pyabc():
            db = history_db if history_db is not None else Path(tmp) / "history.db"
            remove_stale_histories(db.parent)
            try:
                particles, generations, used = _run_abc(
                    ranges,
                    target,
                    evaluate,
                    seed,
                    (budget, populations, size, min_epsilon, min_acceptance),
                    db,
                    on_generation,
                )
            except BaseException:  # failed or interrupted: no history of a calibration that never ended
                if history_db is not None:  # (a temporary folder goes with its contents)
                    remove_history(history_db)
                raise
    finally:
        if client is not None:
            client.close()
    return Calibration(
        scenario=scenario,
        scenario_ref=scenario_ref,
        overrides=tuple(overrides),
        ranges=ranges,
        observed=dict(target.observed),
        particles=particles,
        generations=generations,
        simulations=used,
        seed=seed,
        population_size=size,
        history_db=str(history_db) if history_db is not None else None,
        scenario_data=snapshot.data,
    )


def check_min_epsilon(min_epsilon: float) -> None:
    """The final threshold asked for: a finite number >= 0 (one error line otherwise)."""
    if not (math.isfinite(min_epsilon) and min_epsilon >= 0):
        raise UprisingError(f"--min-epsilon {min_epsilon}: must be a finite number >= 0")


def check_min_acceptance(min_acceptance: float) -> None:
    """The lowest acceptance rate of a generation: from 0 to 1 (one error line otherwise)."""
    if not (math.isfinite(min_acceptance) and 0 <= min_acceptance < 1):
        raise UprisingError(f"--min-acceptance {min_acceptance}: must be from 0 to 1 (1 excluded)")


def proposal_kernel() -> Any:
    """The transition: a multivariate normal around each particle with `KERNEL_COVARIANCE` times
    the population's weighted covariance, whatever its size (module docstring).

    pyabc draws a proposal again until it falls inside the prior, one particle and one normal
    at a time; with a dozen parameters most draws fall outside, so a proposal takes hundreds.
    Each of pyabc's draws picks a particle with `np.random.choice` (checking the weights again)
    and draws the normal with `np.random.multivariate_normal` (a singular value decomposition of
    the covariance each time). This kernel draws the same numbers from the same global generator,
    the weights' cumulative sums and the decomposition computed once per generation, so the
    proposals and the posterior are the same bits (a test checks them against pyabc's).
    """
    import pyabc

    class CachedMultivariateNormal(pyabc.MultivariateNormalTransition):
        def fit(self, X: Any, w: np.ndarray) -> None:
            super().fit(X, w)
            # `np.random.choice(range, p=w)`: a uniform against the normalised cumulative sums.
            # (The fit above normalises the weights and refuses negative or missing ones, the
            # cases where numpy's choice would refuse them.)
            self._cdf = np.asarray(self.w, dtype=np.float64).cumsum()
            self._cdf /= self._cdf[-1]
            # `np.random.multivariate_normal(0, cov)`: standard normals times sqrt(s) v of the
            # covariance's decomposition u s v (numpy's own transform).
            _, s, v = np.linalg.svd(np.asarray(self.cov, dtype=np.float64))
            self._factor = np.sqrt(s)[:, None] * v
            self._columns = list(X.columns)

        def rvs_single(self) -> Any:
            index = int(self._cdf.searchsorted(np.random.random_sample(), side="right"))
            dimension = self._factor.shape[0]
            step = np.dot(np.random.standard_normal(dimension).reshape(-1, dimension), self._factor)
            step += np.zeros(dimension)
            values = self._X_arr[index] + step.reshape(dimension)
            return pyabc.Parameter(dict(zip(self._columns, values, strict=True)))

    return CachedMultivariateNormal(scaling=KERNEL_COVARIANCE, bandwidth_selector=unit_bandwidth)


def uniform_prior(ranges: list[ParameterRange]) -> Any:
    """pyabc's product of uniform priors over `ranges`, with the density scipy gives (1 / width
    where (x - low) / width lies in [0, 1], else 0, multiplied in the parameter's order) computed
    without scipy: pyabc asks it once per draw of a proposal (`proposal_kernel`), and scipy's
    checks cost about 0.1 ms a parameter. The same bits as `pyabc.RV("uniform", low, width)`."""
    import pyabc

    class UniformPrior(pyabc.Distribution):
        def pdf(self, x: Any) -> float:
            if sorted(x.keys()) != sorted(self.keys()):
                return super().pdf(x)  # pyabc's error naming the parameters
            density = 1.0
            for key, value in x.items():
                low, width = widths[key]
                u = (value - low) / width
                density = density * (1.0 / width if 0.0 <= u <= 1.0 else (math.nan if u != u else 0.0))
            return density

    widths = {r.path: (r.low, r.high - r.low) for r in ranges}
    return UniformPrior(**{path: pyabc.RV("uniform", low, width) for path, (low, width) in widths.items()})


def one_model_prior() -> Any:
    """pyabc's prior over its one model, `RV("randint", 0, 1)` (its default), with scipy's
    probability (1 for model 0, else 0) returned without scipy: pyabc multiplies it into the
    prior's density once per draw of a proposal. Its draws (`rvs`) are scipy's own."""
    import pyabc

    class OneModel(pyabc.RV):
        def pmf(self, x: Any, *args: Any, **kwargs: Any) -> float:
            return 1.0 if x == 0 else 0.0

    return OneModel("randint", 0, 1)


def unit_bandwidth(n_samples: float, dimension: int) -> float:
    """A bandwidth factor of 1: the kernel's width is set by its scaling alone."""
    return 1.0


def effective_sample_size(weights: np.ndarray) -> float:
    """1 / sum of the squared normalised weights: the number of equally weighted particles a
    weighted population is worth (its size when the weights are equal, 1 when one carries all)."""
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    return float(1.0 / np.sum(w * w))


def adaptive_distance(observed: dict[str, float], keep_flat: bool = False) -> Any:
    """pyabc's adaptive L1 distance over `observed`'s statistics (module docstring).

    Before any particle is simulated, each statistic is scaled by its observed value (at least
    1); the first generation is the prior, so those scales only label its distances.
    `keep_flat`: a statistic most particles share a value of stays in the distance
    (`scale_or_observed`).
    """
    import pyabc

    def scale(**kwargs: Any) -> np.ndarray:  # a named function: pyabc records its name
        return scale_or_observed(keep_flat=keep_flat, **kwargs)

    counts: dict[str, int] = {}
    for stat in observed:
        counts[block_of(stat)] = counts.get(block_of(stat), 0) + 1
    return pyabc.AdaptivePNormDistance(
        p=1,
        initial_scale_weights={s: 1.0 / max(abs(v), 1.0) for s, v in observed.items()},
        fixed_weights={s: 1.0 / counts[block_of(s)] for s in observed},
        max_scale_weight_ratio=MAX_SCALE_WEIGHT_RATIO,
        scale_function=scale,
    )


def scale_or_observed(
    *, samples: np.ndarray, s0: np.ndarray, keep_flat: bool = False, **kwargs: Any
) -> np.ndarray:
    """pyabc's scale of each statistic (its median absolute deviation over the generation's
    particles; a statistic of scale 0 is left out of the next distance), or, when every scale
    is 0 (more than half the particles share each value, as a few small counts of a map world
    may), the observed values (at least 1) as before the first generation: pyabc would leave
    no statistic to weigh.

    `keep_flat` (a map world's calibration): a statistic of scale 0 is scaled by its mean
    absolute deviation from the median instead, or its observed value (at least 1) where all
    particles share it, and is kept: when most runs report nothing, the regions reported are a
    statistic of scale 0, and leaving it out made the distance blind to whether a run reported
    anything (Ecuador's quiet fit, docs/validation.md)."""
    from pyabc.distance.scale import median_absolute_deviation

    scales = median_absolute_deviation(samples=samples)
    flat = np.isclose(scales, 0)
    fallback = np.maximum(np.abs(np.asarray(s0, dtype=float)), 1.0)
    if np.all(flat) and not keep_flat:
        return fallback
    if keep_flat and np.any(flat):
        values = np.asarray(samples, dtype=float)
        spread = np.mean(np.abs(values - np.median(values, axis=0)), axis=0)
        filled = np.where(np.isclose(spread, 0), fallback, spread)
        scales = np.where(flat, filled, scales)
    return scales


def remove_history(db: Path) -> None:
    """Remove a pyabc history database with its SQLite journals, and its folder once empty."""
    for path in (db, *(db.with_name(db.name + end) for end in ("-journal", "-wal", "-shm"))):
        path.unlink(missing_ok=True)
    try:
        db.parent.rmdir()
    except OSError:  # not empty, or not there
        pass


def remove_stale_histories(folder: Path) -> None:
    """Remove the `running-<pid>.db` histories in `folder` whose process is gone (killed before
    it could remove or rename its history)."""
    if not folder.is_dir():
        return
    for db in folder.glob("running-*.db"):
        pid = db.stem.removeprefix("running-")
        if pid.isdigit() and int(pid) != os.getpid() and not _process_exists(int(pid)):
            remove_history(db)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _run_abc(
    ranges: list[ParameterRange],
    target: Target,
    evaluate: Callable[[list[tuple[float, ...]]], list[dict[str, float]]],
    seed: int,
    limits: tuple[int, int, int, float, float],
    db: Path,
    on_generation: Callable[[int, int, int], None] | None,
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Run pyabc within `limits` (budget, generations, particles, final threshold, lowest
    acceptance rate); returns the last population, the generations' table and the simulations
    run."""
    import pyabc

    budget, populations, size, min_epsilon, min_acceptance = limits

    names = [r.path for r in ranges]
    prior = uniform_prior(ranges)
    model = ReplayModel(names, target.observed)
    sampler = replay_sampler(model, evaluate, seed, budget, on_generation)
    abc = pyabc.ABCSMC(
        model,
        prior,
        adaptive_distance(target.observed, keep_flat=target.kind == "map"),
        population_size=size,
        transitions=proposal_kernel(),
        model_prior=one_model_prior(),
        eps=threshold_schedule(),
        sampler=sampler,
    )
    db.parent.mkdir(parents=True, exist_ok=True)
    db.unlink(missing_ok=True)
    abc.new(f"sqlite:///{db}", target.observed)
    history = abc.run(
        minimum_epsilon=min_epsilon, max_nr_populations=populations, min_acceptance_rate=min_acceptance
    )
    if history.max_t < 0:
        raise UprisingError(f"--budget {budget}: too small for one generation of {size} particles")
    last = history.get_population(t=history.max_t).particles
    total = sum(float(p.weight) for p in last)
    particles = pl.DataFrame(
        {
            **{n: [float(p.parameter[n]) for p in last] for n in names},
            "weight": [float(p.weight) / total for p in last],
            "distance": [float(p.distance) for p in last],
        }
    )
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    steps = pops["t"].to_numpy().astype(np.int64)
    particles_of = pops["particles"].to_numpy().astype(np.int64)
    runs_of = pops["samples"].to_numpy().astype(np.int64)
    generations = pl.DataFrame(
        {
            "generation": steps,
            "epsilon": pops["epsilon"].to_numpy().astype(float),
            "particles": particles_of,
            "simulations": runs_of,
            "acceptance": particles_of / np.maximum(runs_of, 1),
            "ess": [effective_sample_size(history.get_distribution(m=0, t=int(t))[1]) for t in steps],
        }
    )
    return particles, generations, sampler.used


def threshold_schedule() -> Any:
    """Each generation's threshold: the `QUANTILE_ALPHA` quantile of the last generation's
    distances, or, where that quantile is a distance several particles share, the largest
    distance below it (`below_ties`). (A class made here so that importing this module does not
    import pyabc.)"""
    import pyabc

    class BelowTiesEpsilon(pyabc.epsilon.QuantileEpsilon):
        def _update(self, t: int, weighted_distances: Any) -> None:
            super()._update(t, weighted_distances)
            self._look_up[t] = below_ties(self._look_up[t], weighted_distances.distance.to_numpy())

    return BelowTiesEpsilon(initial_epsilon=np.inf, alpha=QUANTILE_ALPHA)


def below_ties(threshold: float, distances: np.ndarray) -> float:
    """`threshold`, or the largest distance under it where two or more distances equal it.

    A particle is accepted at a distance at or under the threshold, so a threshold on a distance
    many runs share (every run in which nothing is reported and nobody dies, on a map world's
    first days) accepts all of them again, generation after generation, and they fill the
    posterior (docs/validation.md, Ecuador). Where no distance lies under the tie, the
    threshold is kept: nothing smaller could be accepted.
    """
    d = np.asarray(distances, dtype=float)
    if np.count_nonzero(np.isclose(d, threshold, rtol=1e-12, atol=0.0)) < 2:
        return threshold
    under = d[d < threshold * (1 - 1e-12)]
    return float(under.max()) if under.size else threshold


def annotated_target(target: str, row: dict[str, Any], simulations: int, seed: int) -> str:
    """A calibrated entry's target with the posterior appended (an earlier one replaced)."""
    base = target.split(POSTERIOR_NOTE)[0].rstrip("; ")
    note = (
        f"{POSTERIOR_NOTE} median {row['median']:.4g}, 90% interval {row['low']:.4g} to "
        f"{row['high']:.4g} (ABC-SMC, {simulations} runs, seed {seed})"
    )
    return f"{base}; {note}" if base else note


def _scenario_data(scenario_ref: str) -> dict[str, Any]:
    """The YAML data of a scenario as written (a built-in's or a file's), before validation,
    read with the scenario loader's bounds."""
    from uprising.scenario.loader import read_scenario_yaml

    return read_scenario_yaml(scenario_ref)[1]


def calibrated_scenario(calibration: Calibration) -> dict[str, Any]:
    """The scenario's YAML data with the user's overrides, the calibrated parameters at their
    posterior medians and each calibrated entry's target annotated with its posterior."""
    medians = calibration.medians()
    overrides = list(calibration.overrides) + [
        parameter_override(r, medians[r.path]) for r in calibration.ranges
    ]
    source = calibration.scenario_data
    if source is None:
        source = _scenario_data(calibration.scenario_ref)
    data = apply_overrides(source, overrides, calibration.scenario.name)
    data["name"] = calibration.scenario.name
    rows = {r["parameter"]: r for r in calibration.summary.iter_rows(named=True)}
    entries = data.setdefault("calibrated", {})
    for key, prior in calibration.scenario.calibrated.items():
        path = resolve_parameter(calibration.scenario, key, "calibrated")[0]
        if path not in rows:  # fixed at its value (not searched)
            continue
        entry = entries.setdefault(key, {"low": prior.low, "high": prior.high})
        entry["target"] = annotated_target(
            prior.target, rows[path], calibration.simulations, calibration.seed
        )
    return data


def write_scenario(data: dict[str, Any], path: Path) -> Scenario:
    """Write scenario data as YAML (atomically) after checking that it validates; returns it."""
    import yaml

    scenario = validated(data, str(path))
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, text)
    except OSError as err:
        raise UprisingError(f"--write-scenario {path}: cannot write ({describe_os_error(err)})") from None
    return scenario
