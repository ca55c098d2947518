"""Fit bloc stances and event effects to the recorded roll calls.

The fit maximises the likelihood of the by-bloc counts (yes, no, abstain, absent) of the fitted
roll calls in `motions.ROLL_CALLS`, with the bloc shock integrated out by Gauss-Hermite
quadrature, under a weak Gaussian prior (sd 3 on stances, 2 on effects) that keeps the
parameters the data cannot see (a bloc that always votes yes) at finite values. It is
deterministic: no simulation, a fixed start, L-BFGS-B. The assumed effects (approval, protest,
deaths) and `noise` (the scale) are held at their config values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_ndtr, logsumexp

from uprising.institutions.blocs import BLOCS, GROUP_OF, GROUPS
from uprising.institutions.config import InstitutionsConfig, field_name
from uprising.institutions.congress import protest_seen, quantiles, simulate_roll_calls
from uprising.institutions.context import context_on
from uprising.institutions.motions import ROLL_CALLS, Motion, passes
from uprising.institutions.records import recorded_vote

STANCE_PRIOR_SD = 3.0
EFFECT_PRIOR_SD = 2.0
QUADRATURE_NODES = 24

# The linear parameters: (config path, prior sd).
LINEAR: tuple[tuple[str, float], ...] = (
    *((f"vacancy_stance.{field_name(b)}", STANCE_PRIOR_SD) for b in BLOCS),
    *((f"early_elections_stance.{field_name(b)}", STANCE_PRIOR_SD) for b in BLOCS),
    ("admission_ease", EFFECT_PRIOR_SD),
    *((f"allegations_{g}", EFFECT_PRIOR_SD) for g in GROUPS),
    *((f"self_coup_{g}", EFFECT_PRIOR_SD) for g in GROUPS),
    ("terms_2023", EFFECT_PRIOR_SD),
)
# The parameters of the vote draw: (config path, lower bound, upper bound, start).
SHAPE: tuple[tuple[str, float, float, float], ...] = (
    ("bloc_shock", 0.01, 5.0, 1.0),
    ("abstain_band", 0.01, 5.0, 0.5),
    ("absence", 0.001, 0.5, 0.05),
)
_INDEX = {path: i for i, (path, _sd) in enumerate(LINEAR)}


@dataclass(frozen=True)
class Cells:
    """One row per (fitted roll call, bloc with seats): design, offsets and recorded counts."""

    design: np.ndarray  # (cells, linear parameters)
    offset: np.ndarray  # (cells,) the assumed effects, held fixed
    yes: np.ndarray
    no: np.ndarray
    abstain: np.ndarray
    absent: np.ndarray  # among members able to vote
    eligible: np.ndarray
    roll_call: np.ndarray  # index into the fitted motions
    bloc: np.ndarray  # index into BLOCS


def fitted_motions() -> list[Motion]:
    return [m for m in ROLL_CALLS.values() if m.fitted]


def design_row(motion: Motion, bloc: str, config: InstitutionsConfig) -> tuple[np.ndarray, float]:
    """The stance of `bloc` on `motion` as design @ linear parameters + offset."""
    assert motion.date is not None
    ctx = context_on(motion.date)
    row = np.zeros(len(LINEAR))
    group = GROUP_OF[bloc]
    if motion.axis == "vacancy":
        row[_INDEX[f"vacancy_stance.{field_name(bloc)}"]] = motion.polarity
        row[_INDEX[f"allegations_{group}"]] = motion.polarity * np.log1p(ctx.allegations)
        row[_INDEX[f"self_coup_{group}"]] = motion.polarity * float(ctx.self_coup)
        row[_INDEX["admission_ease"]] = float(motion.admission)
        offset = motion.polarity * config.approval_effect * (ctx.approval - config.approval_reference)
    else:
        row[_INDEX[f"early_elections_stance.{field_name(bloc)}"]] = motion.polarity
        row[_INDEX["terms_2023"]] = motion.polarity * float(motion.terms_2023)
        intensity, deaths = protest_seen(config, ctx)
        offset = motion.polarity * (
            config.protest_effect * intensity + config.deaths_effect * np.log1p(deaths)
        )
    return row, float(offset)


def build_cells(config: InstitutionsConfig, motions: list[Motion] | None = None) -> Cells:
    motions = motions if motions is not None else fitted_motions()
    rows, offsets, counts, where = [], [], [], []
    for k, motion in enumerate(motions):
        rec = recorded_vote(motion)
        assert rec is not None
        for i, bloc in enumerate(BLOCS):
            if rec.seats[i] == 0:
                continue
            row, offset = design_row(motion, bloc, config)
            rows.append(row)
            offsets.append(offset)
            eligible = rec.seats[i] - rec.suspended_by_bloc[i]
            counts.append(
                (
                    rec.yes_by_bloc[i],
                    rec.no_by_bloc[i],
                    rec.abstain_by_bloc[i],
                    rec.absent_by_bloc[i] - rec.suspended_by_bloc[i],
                    eligible,
                )
            )
            where.append((k, i))
    c = np.array(counts, dtype=float)
    w = np.array(where)
    return Cells(np.array(rows), np.array(offsets), *c.T, roll_call=w[:, 0], bloc=w[:, 1])


def linear_values(config: InstitutionsConfig) -> np.ndarray:
    return np.array([_get(config, path) for path, _sd in LINEAR])


def _get(config: InstitutionsConfig, path: str) -> float:
    node: object = config
    for part in path.split("."):
        node = getattr(node, part)
    return float(node)  # type: ignore[arg-type]


def with_values(config: InstitutionsConfig, values: dict[str, float]) -> InstitutionsConfig:
    """A copy of `config` with dotted paths set (validated)."""
    data = config.model_dump()
    for path, value in values.items():
        node = data
        parts = path.split(".")
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = float(value)
    return InstitutionsConfig.model_validate(data)


def _log_band(v: np.ndarray, band: float) -> np.ndarray:
    """log P(-band < v + Z < band), computed on the side where it does not underflow."""
    a = np.abs(v)
    hi = log_ndtr(band - a)
    lo = log_ndtr(-band - a)
    return hi + np.log1p(-np.exp(np.minimum(lo - hi, -1e-12)))


def _log_pdf(u: np.ndarray) -> np.ndarray:
    return -0.5 * u * u - 0.5 * np.log(2.0 * np.pi)


def log_likelihood_and_gradient(
    linear: np.ndarray, shock: float, band: float, absence: float, cells: Cells, noise: float = 1.0
) -> tuple[float, np.ndarray]:
    """Log-likelihood of the recorded counts (up to the multinomial coefficients) and its
    gradient with respect to (linear..., shock, band, absence)."""
    mu = (cells.design @ linear + cells.offset) / noise
    x, w = np.polynomial.hermite.hermgauss(QUADRATURE_NODES)
    node = np.sqrt(2.0) * x / noise
    v = mu[:, None] + shock * node[None, :]
    b = band / noise
    y, n, a = cells.yes[:, None], cells.no[:, None], cells.abstain[:, None]
    ly, ln, la = log_ndtr(v - b), log_ndtr(-v - b), _log_band(v, b)
    terms = y * ly + n * ln + a * la + np.log(w / np.sqrt(np.pi))[None, :]
    per_cell = logsumexp(terms, axis=1)
    resp = np.exp(terms - per_cell[:, None])  # weight of each quadrature node, per cell

    hy = np.exp(_log_pdf(v - b) - ly)  # d log Phi(v - b) / dv
    hn = np.exp(_log_pdf(-v - b) - ln)  # -d log Phi(-v - b) / dv
    up = np.exp(_log_pdf(b - v) - la)
    down = np.exp(_log_pdf(-b - v) - la)
    d_v = y * hy - n * hn + a * (down - up)  # d/dv of the node's log-likelihood
    d_b = -y * hy - n * hn + a * (up + down)
    d_mu = (resp * d_v).sum(axis=1)
    grad_linear = cells.design.T @ d_mu / noise
    grad_shock = float((resp * d_v * node[None, :]).sum())
    grad_band = float((resp * d_b).sum()) / noise

    absent = cells.absent.sum()
    present = (cells.eligible - cells.absent).sum()
    ll = float(per_cell.sum() + absent * np.log(absence) + present * np.log1p(-absence))
    grad_absence = absent / absence - present / (1.0 - absence)
    return ll, np.concatenate([grad_linear, [grad_shock, grad_band, grad_absence]])


def log_likelihood(
    linear: np.ndarray, shock: float, band: float, absence: float, cells: Cells, noise: float = 1.0
) -> float:
    """Log-likelihood of the recorded counts (up to the multinomial coefficients)."""
    return log_likelihood_and_gradient(linear, shock, band, absence, cells, noise)[0]


@dataclass(frozen=True)
class Calibration:
    config: InstitutionsConfig
    log_likelihood: float
    parameters: int
    cells: int
    converged: bool


def calibrate_congress(
    base: InstitutionsConfig | None = None, motions: list[Motion] | None = None
) -> Calibration:
    """Maximum a posteriori fit of stances, event effects and the draw's shape parameters, on
    `motions` (default: the fitted roll calls)."""
    base = base or InstitutionsConfig()
    cells = build_cells(base, motions)
    sds = np.array([sd for _path, sd in LINEAR])
    n_lin = len(LINEAR)

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        linear = theta[:n_lin]
        shock, band, absence = theta[n_lin:]
        ll, grad = log_likelihood_and_gradient(linear, shock, band, absence, cells, base.noise)
        prior_grad = np.concatenate([linear / sds**2, np.zeros(len(SHAPE))])
        return -ll + 0.5 * float(np.sum((linear / sds) ** 2)), -grad + prior_grad

    start = np.concatenate([np.zeros(n_lin), [s for *_x, s in SHAPE]])
    bounds = [(-9.9, 9.9)] * n_lin + [(lo, hi) for _p, lo, hi, _s in SHAPE]
    result = minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 5000, "maxfun": 200_000},
    )
    values = {path: round(float(v), 3) for (path, _sd), v in zip(LINEAR, result.x[:n_lin], strict=True)}
    values.update({p: round(float(v), 3) for (p, *_r), v in zip(SHAPE, result.x[n_lin:], strict=True)})
    fitted = with_values(base, values)
    return Calibration(fitted, -float(result.fun), len(start), len(cells.yes), bool(result.success))


def calibration_table(
    config: InstitutionsConfig | None = None, runs: int = 1000, seed: int = 1
) -> list[dict[str, object]]:
    """Recorded against simulated votes for every recorded roll call, fitted or not."""
    rows = []
    for name, motion in ROLL_CALLS.items():
        rec = recorded_vote(motion)
        assert rec is not None
        sim = simulate_roll_calls(motion, config, runs=runs, seed=seed)
        yes, no, abstain = quantiles(sim.yes), quantiles(sim.no), quantiles(sim.abstain)
        rows.append(
            {
                "motion": name,
                "fitted": motion.fitted,
                "recorded_yes": rec.yes,
                "recorded_no": rec.no,
                "recorded_abstain": rec.abstain,
                "median_yes": yes["q50"],
                "yes_q05": yes["q05"],
                "yes_q95": yes["q95"],
                "median_no": no["q50"],
                "median_abstain": abstain["q50"],
                "p_pass": float(sim.passed.mean()),
                "recorded_passed": bool(
                    passes(motion.rule, np.array(rec.yes), np.array(rec.no), sim.composition.sitting)
                ),
            }
        )
    return rows


@dataclass(frozen=True)
class ProfilePoint:
    """The fit with one assumed effect held at `value`: its log-likelihood and log-posterior."""

    value: float
    log_likelihood: float
    log_posterior: float


def effect_profile(
    effect: str,
    values: list[float],
    base: InstitutionsConfig | None = None,
    motions: list[Motion] | None = None,
) -> list[ProfilePoint]:
    """The profile of an assumed effect (`protest_effect`, `deaths_effect`): refit everything
    else with the effect held at each value. A flat profile means the roll calls cannot tell
    the values apart."""
    base = base or InstitutionsConfig()
    sds = np.array([sd for _path, sd in LINEAR])
    out = []
    for value in values:
        fit = calibrate_congress(with_values(base, {effect: value}), motions)
        prior = 0.5 * float(np.sum((linear_values(fit.config) / sds) ** 2))
        cells = build_cells(fit.config, motions)
        ll = log_likelihood(
            linear_values(fit.config),
            fit.config.bloc_shock,
            fit.config.abstain_band,
            fit.config.absence,
            cells,
            fit.config.noise,
        )
        out.append(ProfilePoint(float(value), ll, ll - prior))
    return out


def motions_until(last: str) -> list[Motion]:
    """The fitted roll calls and every recorded roll call dated up to `last` (YYYY-MM-DD): a fit
    that keeps the later ones as a hold-out."""
    import datetime as dt

    until = dt.date.fromisoformat(last)
    return [
        m
        for m in ROLL_CALLS.values()
        if m.fitted or (m.date is not None and m.date <= until and m.date.year >= 2023)
    ]
