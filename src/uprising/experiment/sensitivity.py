"""Global sensitivity analysis (SALib) of named scalar outputs of a run to chosen parameters.

Morris screening (default): `samples` trajectories of D + 1 runs each; per parameter mu* (the
mean absolute elementary effect, in output units per full range of the parameter), its
confidence half-width and sigma (their spread: interactions or non-linearity).
Sobol (`method="sobol"`): Saltelli's design of samples * (D + 2) runs; per parameter the
first-order index S1 and total index ST with confidence half-widths (shares of variance).

Every run of the design uses the same seed (common random numbers), so a difference between
two runs comes from their parameters alone and a parameter without effect scores 0. The same
`design` and `analyse` serve the model and any analytic function (tests use Ishigami's).

On the map of Peru a small change of any parameter moves the whole trajectory, so a parameter
without effect still scores about the run-to-run noise. Screening (`noise_runs`) therefore runs
the scenario's own values over other seeds and sets beside each output its *noise floor*, the
mu* that pure seed-to-seed noise would give (`noise_floor`); a parameter whose mu* is below the
floor for every output has no measurable effect and can be fixed at its value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Unpack

import numpy as np
import polars as pl

from uprising.errors import UprisingError
from uprising.experiment.calibrate import ParameterRange, parameter_override
from uprising.experiment.execution import ExecutionKeywords, ExecutionOptions, execution_options
from uprising.experiment.executor import RunTask, map_runs
from uprising.experiment.summary_stats import OUTPUT_UNITS, scalar_outputs
from uprising.files import atomic_path, describe_os_error, write_text_atomic
from uprising.recorder.output import RunOutput

METHODS = ("morris", "sobol")
MORRIS_LEVELS = 4
CONFIDENCE = 0.95
MAX_SAMPLES = 100_000
COLUMNS = {
    "morris": ("mu_star", "mu_star_conf", "sigma", "mu"),
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
}


@dataclass(frozen=True)
class Problem:
    """The factors of an analysis: names and [low, high] bounds (SALib's `problem`)."""

    names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]

    @classmethod
    def of(cls, ranges: Iterable[ParameterRange]) -> Problem:
        ranges = list(ranges)
        return cls(tuple(r.path for r in ranges), tuple((r.low, r.high) for r in ranges))

    def salib(self) -> dict[str, Any]:
        return {
            "num_vars": len(self.names),
            "names": list(self.names),
            "bounds": [list(b) for b in self.bounds],
        }


def check_method(method: str, samples: int, factors: int) -> None:
    """One error line for an unknown method, a sample count out of range or no factor."""
    if method not in METHODS:
        raise UprisingError(f"--method {method}: must be one of {', '.join(METHODS)}")
    if not 2 <= samples <= MAX_SAMPLES:
        raise UprisingError(f"--samples {samples}: must be from 2 to {MAX_SAMPLES}")
    if method == "sobol" and samples & (samples - 1):
        raise UprisingError(f"--samples {samples}: Sobol needs a power of 2 (e.g. 64, 128, 256)")
    if factors < 1:
        raise UprisingError("--param: no parameter to vary")


def runs_needed(method: str, samples: int, factors: int) -> int:
    """Runs a design takes: samples * (D + 1) for Morris, samples * (D + 2) for Sobol (first order)."""
    return samples * (factors + (1 if method == "morris" else 2))


def noise_floor(values: np.ndarray) -> float:
    """The Morris mu* of a parameter without effect whose outputs vary as `values` (one per seed):
    the mean |y_a - y_b| over pairs of seeds divided by the step (2/3 of the range at 4 levels)."""
    values = np.asarray(values, dtype=float)
    if values.size < 2:
        raise UprisingError("--noise-runs: needs at least 2 runs")
    pairs = np.abs(values[:, None] - values[None, :])[np.triu_indices(values.size, 1)]
    step = MORRIS_LEVELS / (2 * (MORRIS_LEVELS - 1))
    return float(pairs.mean() / step)


def without_effect(table: pl.DataFrame, floors: dict[str, float]) -> list[str]:
    """The parameters whose mu* is below the noise floor of every output (in table order)."""
    above = {
        row["parameter"]
        for row in table.iter_rows(named=True)
        if row["output"] in floors and row["mu_star"] >= floors[row["output"]]
    }
    return [p for p in dict.fromkeys(table["parameter"].to_list()) if p not in above]


def design(problem: Problem, method: str, samples: int, seed: int) -> np.ndarray:
    """The parameter values to run, one row per run (SALib's sampler for the method)."""
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(problem.salib(), samples, num_levels=MORRIS_LEVELS, seed=seed)
    from SALib.sample import sobol

    return sobol.sample(problem.salib(), samples, calc_second_order=False, seed=seed)


def analyse(
    problem: Problem, method: str, X: np.ndarray, outputs: dict[str, np.ndarray], seed: int
) -> pl.DataFrame:
    """The sensitivity table: one row per (output, parameter) with the method's columns."""
    rows = []
    for output, y in outputs.items():
        y = np.asarray(y, dtype=float)
        if method == "morris":
            from SALib.analyze import morris

            res = morris.analyze(
                problem.salib(), X, y, conf_level=CONFIDENCE, num_levels=MORRIS_LEVELS, seed=seed
            )
        else:
            from SALib.analyze import sobol

            with np.errstate(divide="ignore", invalid="ignore"):
                res = sobol.analyze(
                    problem.salib(), y, calc_second_order=False, conf_level=CONFIDENCE, seed=seed
                )
        for i, name in enumerate(problem.names):
            rows.append(
                {"output": output, "parameter": name, **{c: float(res[c][i]) for c in COLUMNS[method]}}
            )
    return pl.DataFrame(rows, schema={"output": pl.String, "parameter": pl.String} | {
        c: pl.Float64 for c in COLUMNS[method]
    })  # fmt: skip


def sensitivity_of(
    function: Callable[[np.ndarray], dict[str, np.ndarray]],
    problem: Problem,
    method: str,
    samples: int,
    seed: int,
) -> tuple[pl.DataFrame, np.ndarray, dict[str, np.ndarray]]:
    """Design, evaluate `function` (rows of X -> named outputs) and analyse: (table, X, outputs)."""
    X = design(problem, method, samples, seed)
    Y = function(X)
    return analyse(problem, method, X, Y, seed), X, Y


def design_tasks(
    scenario_ref: str, overrides: tuple[str, ...], ranges: list[ParameterRange], X: np.ndarray, seed: int
) -> list[RunTask]:
    """One run per design row: the scenario with the row's values, all with the same seed."""
    return [
        RunTask(
            scenario_ref,
            overrides + tuple(parameter_override(r, v) for r, v in zip(ranges, row, strict=True)),
            seed,
            f"sample {i}",
            i,
        )
        for i, row in enumerate(X)
    ]


def output_matrix(outputs_by_run: list[RunOutput], names: list[str]) -> dict[str, np.ndarray]:
    """Named scalar outputs of each run, as one array per output in run order."""
    values = [scalar_outputs(out, names) for out in outputs_by_run]
    return {n: np.array([v[n] for v in values], dtype=float) for n in names}


def run_design(
    tasks: list[RunTask],
    workers: int | None = None,
    scheduler: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[RunOutput]:
    """Run every task (in parallel), returning the outputs in task order."""
    found: dict[int, RunOutput] = {}
    for task, output in map_runs(tasks, workers=workers, scheduler=scheduler, progress=progress):
        found[task.position] = output
    return [found[t.position] for t in tasks]


def runs_table(problem: Problem, X: np.ndarray, outputs: dict[str, np.ndarray]) -> pl.DataFrame:
    """The design and its outputs: one row per run (saved beside the indices)."""
    return pl.DataFrame(
        {"run": np.arange(len(X)), **{n: X[:, j] for j, n in enumerate(problem.names)}, **outputs}
    )


def plot_sensitivity(table: pl.DataFrame, method: str, path: Path, title: str = "") -> Path:
    """One panel per output: Morris mu* against sigma, or Sobol S1 and ST bars with confidence."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outputs = list(dict.fromkeys(table["output"].to_list()))
    fig, axes = plt.subplots(1, len(outputs), figsize=(5.2 * len(outputs), 4.4), squeeze=False)
    for ax, output in zip(axes[0], outputs, strict=True):
        part = table.filter(pl.col("output") == output)
        names = part["parameter"].to_list()
        unit = OUTPUT_UNITS.get(output, "output units")
        if method == "morris":
            mu, conf, sigma = (part[c].to_numpy() for c in ("mu_star", "mu_star_conf", "sigma"))
            ax.errorbar(mu, sigma, xerr=conf, fmt="o", color="tab:blue", ecolor="tab:gray", capsize=3)
            for x, y, name in zip(mu, sigma, names, strict=True):
                ax.annotate(name, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
            top = max(
                float(np.nanmax(mu + conf)) if len(mu) else 0.0,
                float(np.nanmax(sigma)) if len(sigma) else 0.0,
            )
            top = top * 1.15 if top > 0 else 1.0
            ax.plot([0, top], [0, top], ls=":", color="tab:gray", lw=0.8, label="sigma = mu*")
            ax.set_xlim(-0.03 * top, top)
            ax.set_ylim(-0.03 * top, top)
            ax.set_xlabel(f"mu*: mean |elementary effect|\n({unit}, per full parameter range)")
            ax.set_ylabel(f"sigma: spread of elementary effects\n({unit}, per full parameter range)")
            ax.legend(loc="upper left", fontsize=8)
        else:
            pos = np.arange(len(names))
            for offset, (col, colour) in zip(
                (-0.2, 0.2), (("S1", "tab:blue"), ("ST", "tab:orange")), strict=True
            ):
                ax.bar(
                    pos + offset, part[col].to_numpy(), 0.4, yerr=part[f"{col}_conf"].to_numpy(),
                    color=colour, capsize=3, label=col,
                )  # fmt: skip
            ax.set_xticks(pos, names, rotation=20, ha="right", fontsize=8)
            ax.set_ylabel("Sobol index (share of output variance, 0 to 1)")
            ax.set_xlabel("parameter")
            ax.axhline(0, color="black", lw=0.6)
            ax.legend(fontsize=8)
        ax.set_title(f"{output}: {unit}", fontsize=10)
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=120, format="png")
    except OSError as err:
        raise UprisingError(
            f"--out {path.parent}: cannot write {path.name} ({describe_os_error(err)})"
        ) from None
    finally:
        plt.close(fig)
    return path


def write_table_csv(table: pl.DataFrame, path: Path) -> Path:
    """Write a table as CSV atomically; one error line naming the cause otherwise."""
    try:
        write_text_atomic(path, table.write_csv())
    except OSError as err:
        raise UprisingError(
            f"--out {path.parent}: cannot write {path.name} ({describe_os_error(err)})"
        ) from None
    return path


@dataclass
class SensitivityResult:
    """A finished analysis: the indices, the design with its outputs, and the experiment stored."""

    method: str
    problem: Problem
    table: pl.DataFrame  # analyse()'s table
    runs: pl.DataFrame  # runs_table(): one row per run of the design
    experiment_id: str | None
    seconds: float
    ran: int  # runs done by this call
    resumed: int  # runs found already done in the store
    noise: dict[str, float] = field(default_factory=dict)  # output -> noise floor (noise_runs)
    no_effect: list[str] = field(default_factory=list)  # parameters below every floor (noise_runs)


def run_sensitivity(
    scenario_ref: str,
    ranges: list[ParameterRange],
    outputs: list[str],
    method: str = "morris",
    samples: int = 10,
    seed: int | None = None,
    overrides: tuple[str, ...] = (),
    options: ExecutionOptions | None = None,
    noise_runs: int = 0,
    **execution: Unpack[ExecutionKeywords],
) -> SensitivityResult:
    """Run the design of `method` over `ranges` and analyse `outputs`; stored (and resumable) as an
    experiment of kind 'sensitivity' when `store` is given, with tables 'indices' and 'design'.
    With `noise_runs` (Morris), also an ensemble of the scenario's values on seeds seed + 1 ...
    seed + noise_runs, which gives each output's noise floor and the parameters without effect."""
    from uprising.experiment.ensemble import run_ensemble, run_experiment
    from uprising.experiment.snapshot import ScenarioSnapshot

    snapshot = ScenarioSnapshot(scenario_ref)
    base = snapshot.scenario(overrides)
    check_method(method, samples, len(ranges))
    check_noise_runs(method, noise_runs)
    seed = base.run.seed if seed is None else int(seed)
    problem = Problem.of(ranges)
    X = design(problem, method, samples, seed)
    tasks = design_tasks(scenario_ref, tuple(overrides), ranges, X, seed)
    spec = {
        "overrides": list(overrides),
        "method": method,
        "samples": samples,
        "seed": seed,
        "parameters": [[r.path, r.low, r.high] for r in ranges],
    }
    opts = execution_options(options, execution)
    result = run_experiment("sensitivity", snapshot, overrides, tasks, spec, opts)
    Y = output_matrix(result.outputs, outputs)
    table = analyse(problem, method, X, Y, seed)
    runs = runs_table(problem, X, Y)
    if opts.store is not None and result.experiment_id is not None:
        opts.store.save_table(result.experiment_id, "indices", table)
        opts.store.save_table(result.experiment_id, "design", runs)
    found = SensitivityResult(
        method, problem, table, runs, result.experiment_id, result.seconds, result.ran, result.resumed
    )
    if noise_runs:
        ensemble = run_ensemble(snapshot, noise_runs, seed + 1, overrides, opts)
        found.noise = {n: noise_floor(y) for n, y in output_matrix(ensemble.outputs, outputs).items()}
        found.no_effect = without_effect(table, found.noise)
        found.seconds += ensemble.seconds
    return found


def check_noise_runs(method: str, noise_runs: int) -> None:
    """Noise runs: 0 (none) or 2 to MAX_SAMPLES, with Morris only (one error line otherwise)."""
    if noise_runs and method != "morris":
        raise UprisingError("--noise-runs: screens Morris indices only (give --method morris)")
    if noise_runs and not 2 <= noise_runs <= MAX_SAMPLES:
        raise UprisingError(f"--noise-runs {noise_runs}: must be 0 or from 2 to {MAX_SAMPLES}")
