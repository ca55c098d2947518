"""Congress roll calls: latent bloc stances moved by events, votes drawn through thresholds.

A legislator of bloc b votes on motion m with latent z = stance(b, m, context) + shock(b) +
noise, where shock(b) is shared by the bloc in one roll call and noise is the legislator's own.
Present members vote yes when z > abstain_band, no when z < -abstain_band and abstain in
between; each member able to vote is absent with probability `absence`, and suspended members
always are. Many roll calls are drawn at once as arrays of shape (runs, legislators).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from uprising.errors import UprisingError
from uprising.institutions.blocs import BLOCS, GROUP_OF, Composition, composition_on
from uprising.institutions.config import InstitutionsConfig
from uprising.institutions.context import RollCallContext, context_on
from uprising.institutions.motions import (
    ABSOLUTE_MAJORITY,
    RULE_TEXT,
    VACANCY_VOTES,
    Motion,
    admission_votes,
    passes,
)


def make_rng(seed: int) -> np.random.Generator:
    """The counter-based generator every draw of this module comes from."""
    return np.random.Generator(np.random.Philox(seed))


def stances(config: InstitutionsConfig, motion: Motion, context: RollCallContext) -> np.ndarray:
    """Mean latent stance toward voting yes on `motion`, for every bloc in `BLOCS` order."""
    out = np.empty(len(BLOCS))
    for i, bloc in enumerate(BLOCS):
        group = GROUP_OF[bloc]
        s = config.stance_of(motion.axis, bloc)
        if motion.axis == "vacancy":
            s += getattr(config, f"allegations_{group}") * np.log1p(context.allegations)
            s += getattr(config, f"self_coup_{group}") * float(context.self_coup)
            s += config.approval_effect * (context.approval - config.approval_reference)
            s *= motion.polarity
            if motion.admission:
                s += config.admission_ease
        else:
            intensity, deaths = protest_seen(config, context)
            s += config.protest_effect * intensity + config.deaths_effect * np.log1p(deaths)
            if motion.terms_2023:
                s += config.terms_2023
            s *= motion.polarity
        out[i] = s
    return out


def protest_seen(config: InstitutionsConfig, context: RollCallContext) -> tuple[float, int]:
    """The protest intensity and deaths Congress responds to: the day's, or with
    `protest_response` off, those of the reference vote whatever the day's."""
    if config.protest_response:
        return context.protest_intensity, context.deaths
    return config.reference_protest_intensity, config.reference_deaths


@dataclass(frozen=True)
class RollCalls:
    """Simulated roll calls: per-bloc counts of shape (runs, blocs), in `BLOCS` order."""

    motion: Motion
    date: dt.date
    context: RollCallContext
    composition: Composition
    yes_by_bloc: np.ndarray
    no_by_bloc: np.ndarray
    abstain_by_bloc: np.ndarray
    absent_by_bloc: np.ndarray

    @property
    def yes(self) -> np.ndarray:
        return self.yes_by_bloc.sum(axis=1)

    @property
    def no(self) -> np.ndarray:
        return self.no_by_bloc.sum(axis=1)

    @property
    def abstain(self) -> np.ndarray:
        return self.abstain_by_bloc.sum(axis=1)

    @property
    def absent(self) -> np.ndarray:
        return self.absent_by_bloc.sum(axis=1)

    @property
    def passed(self) -> np.ndarray:
        return passes(self.motion.rule, self.yes, self.no, self.composition.sitting)

    @property
    def votes_needed(self) -> int | None:
        """Yes votes the motion needs; None for a simple majority (yes > no)."""
        rule = self.motion.rule
        if rule == "admission":
            return admission_votes(self.composition.sitting)
        return {
            "vacancy": VACANCY_VOTES,
            "reform": VACANCY_VOTES,
            "absolute_majority": ABSOLUTE_MAJORITY,
        }.get(rule)

    def summary(self) -> dict[str, object]:
        """Medians, 90% intervals, the probability of passing and yes by bloc, as plain data."""
        runs = self.yes.shape[0]
        out: dict[str, object] = {
            "motion": self.motion.name,
            "date": self.date.isoformat(),
            "rule": RULE_TEXT[self.motion.rule],
            "votes_needed": self.votes_needed,
            "runs": runs,
            "context": self.context.model_dump(),
        }
        for name in ("yes", "no", "abstain", "absent"):
            q = quantiles(getattr(self, name))
            out[f"median_{name}"] = q["q50"]
            out[f"{name}_quantiles"] = q
        out["p_pass"] = float(self.passed.mean())
        if self.motion.rule == "reform":
            out["p_referendum_route"] = float((self.yes >= ABSOLUTE_MAJORITY).mean())
        seated = [i for i, n in enumerate(self.composition.seats) if n]
        out["seats_by_bloc"] = {BLOCS[i]: self.composition.seats[i] for i in seated}
        out["yes_by_bloc"] = {BLOCS[i]: round(float(self.yes_by_bloc[:, i].mean()), 2) for i in seated}
        out["yes_by_bloc_interval"] = {
            BLOCS[i]: [
                quantiles(self.yes_by_bloc[:, i])["q05"],
                quantiles(self.yes_by_bloc[:, i])["q95"],
            ]
            for i in seated
        }
        return out


def quantiles(values: np.ndarray) -> dict[str, int]:
    """The 5%, 50% and 95% quantiles of a count, as counts that occurred."""
    q = np.quantile(values, [0.05, 0.5, 0.95], method="inverted_cdf")
    return {"q05": int(q[0]), "q50": int(q[1]), "q95": int(q[2])}


def draw_votes(
    bloc_stance: np.ndarray,
    seats: np.ndarray,
    suspended: np.ndarray,
    config: InstitutionsConfig,
    runs: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Yes, no, abstain and absent counts per bloc, each of shape (runs, blocs)."""
    seats = np.asarray(seats, dtype=np.int64)
    n_blocs = len(seats)
    bloc_of = np.repeat(np.arange(n_blocs), seats)  # legislators sorted by bloc
    # Suspended members sit at the end of their bloc's block and never vote.
    starts = np.concatenate(([0], np.cumsum(seats)[:-1]))
    rank = np.arange(bloc_of.size) - starts[bloc_of]
    eligible = rank < (seats - np.asarray(suspended, dtype=np.int64))[bloc_of]

    shock = rng.standard_normal((runs, n_blocs)) * config.bloc_shock
    z = rng.standard_normal((runs, bloc_of.size)) * config.noise
    z += (bloc_stance[None, :] + shock)[:, bloc_of]
    present = (rng.random((runs, bloc_of.size)) >= config.absence) & eligible[None, :]
    yes = present & (z > config.abstain_band)
    no = present & (z < -config.abstain_band)
    abstain = present & ~yes & ~no

    def per_bloc(mask: np.ndarray) -> np.ndarray:
        counts = np.zeros((runs, n_blocs), dtype=np.int64)
        nonempty = seats > 0
        counts[:, nonempty] = np.add.reduceat(mask, starts[nonempty], axis=1)
        return counts

    y, n, a = per_bloc(yes), per_bloc(no), per_bloc(abstain)
    return y, n, a, seats[None, :] - y - n - a


def simulate_roll_calls(
    motion: Motion,
    config: InstitutionsConfig | None = None,
    *,
    date: dt.date | None = None,
    context: RollCallContext | None = None,
    runs: int = 1000,
    seed: int = 1,
) -> RollCalls:
    """Draw `runs` roll calls of `motion` on `date` (default: the motion's own date).

    The same seed gives the same draws, so two contexts compared at one seed share their random
    numbers (a counterfactual pair).
    """
    config = config or InstitutionsConfig()
    date = date or motion.date
    if date is None:
        raise UprisingError(f"--date: required for the motion kind {motion.name!r}")
    if runs < 1 or runs > 10_000_000:
        raise UprisingError(f"--runs {runs}: out of range (allowed range [1, 10000000])")
    composition = composition_on(date)
    context = context or context_on(date)
    s = stances(config, motion, context)
    y, n, a, x = draw_votes(
        s,
        np.array(composition.seats),
        np.array(composition.suspended),
        config,
        runs,
        make_rng(seed),
    )
    return RollCalls(motion, date, context, composition, y, n, a, x)
