"""The questions the model answers: no self-coup on 7 December; early elections under protest."""

import numpy as np

from uprising.institutions import early_elections_under_protest, vacancy_without_self_coup


def test_without_the_self_coup_the_7_december_vacancy_fails():
    factual, counterfactual = vacancy_without_self_coup(runs=1000, seed=5)
    assert factual.passed.mean() > 0.9
    assert counterfactual.passed.mean() < 0.1
    assert np.all(counterfactual.yes <= factual.yes)  # common random numbers


def test_more_protest_makes_early_elections_more_likely():
    runs = early_elections_under_protest(runs=1000, seed=5)
    p = [runs[level].passed.mean() for level in ("none", "low", "observed", "high")]
    assert p == sorted(p)
    assert runs["high"].passed.mean() > 0.9
    assert runs["low"].passed.mean() < 0.1
