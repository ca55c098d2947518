"""The calibrated model against the recorded roll calls of 2021-2022."""

import numpy as np
import pytest
from scipy.optimize import approx_fprime

from uprising.institutions import (
    BLOCS,
    ROLL_CALLS,
    InstitutionsConfig,
    calibrate_congress,
    calibration_table,
    recorded_vote,
    simulate_roll_calls,
)
from uprising.institutions.calibration import (
    LINEAR,
    build_cells,
    linear_values,
    log_likelihood_and_gradient,
)

DEC7 = ROLL_CALLS["vacancy-2022-12-07"]


@pytest.fixture(scope="module")
def dec7():
    return simulate_roll_calls(DEC7, runs=2000, seed=11)


def test_the_defaults_are_the_fit():
    fit = calibrate_congress()
    assert fit.converged
    assert np.allclose(linear_values(fit.config), linear_values(InstitutionsConfig()), atol=0.02)
    for name in ("bloc_shock", "abstain_band", "absence"):
        assert getattr(fit.config, name) == pytest.approx(getattr(InstitutionsConfig(), name), abs=0.01)


def test_the_likelihood_gradient_is_exact():
    cells = build_cells(InstitutionsConfig())
    theta = np.concatenate([linear_values(InstitutionsConfig()) * 0.7, [0.6, 0.4, 0.1]])

    def ll(t):
        return log_likelihood_and_gradient(t[: len(LINEAR)], *t[len(LINEAR) :], cells)[0]

    grad = log_likelihood_and_gradient(theta[: len(LINEAR)], *theta[len(LINEAR) :], cells)[1]
    assert np.allclose(grad, approx_fprime(theta, ll, 1e-6), rtol=1e-3, atol=1e-2)


def test_the_7_december_vacancy_passes_with_a_median_within_5_of_the_record(dec7):
    assert abs(np.median(dec7.yes) - recorded_vote(DEC7).yes) <= 5
    assert dec7.passed.mean() > 0.9


def test_the_march_2022_vacancy_fails_in_most_runs():
    march = simulate_roll_calls(ROLL_CALLS["vacancy-2022-03-28"], runs=2000, seed=11)
    assert march.passed.mean() < 0.1


def test_yes_by_bloc_on_7_december_is_close_to_the_record(dec7):
    rec = recorded_vote(DEC7)
    mean = dec7.yes_by_bloc.mean(axis=0)
    lo, hi = np.quantile(dec7.yes_by_bloc, [0.05, 0.95], axis=0)
    seated = rec.seats > 0
    assert np.all((rec.yes_by_bloc >= lo) & (rec.yes_by_bloc <= hi)), BLOCS
    assert np.abs(mean - rec.yes_by_bloc)[seated].mean() < 1.5


def test_fitted_roll_calls_have_medians_near_the_record_and_the_same_results():
    rows = [r for r in calibration_table(runs=1000, seed=1) if r["fitted"]]
    errors = [abs(r["median_yes"] - r["recorded_yes"]) for r in rows]
    assert np.mean(errors) < 7
    vacancy = [r for r in rows if "vacancy" in r["motion"] or r["motion"].endswith("12-16")]
    for r in vacancy:
        assert (r["p_pass"] > 0.5) == r["recorded_passed"], r["motion"]


def test_the_fit_sees_the_same_stances_as_the_simulation():
    from uprising.institutions import context_on, stances
    from uprising.institutions.calibration import design_row, fitted_motions

    config = InstitutionsConfig()
    theta = linear_values(config)
    for motion in fitted_motions():
        simulated = stances(config, motion, context_on(motion.date))
        for i, bloc in enumerate(BLOCS):
            row, offset = design_row(motion, bloc, config)
            assert row @ theta + offset == pytest.approx(simulated[i]), (motion.name, bloc)
