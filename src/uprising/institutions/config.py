"""Parameters of Congress, the presidency and the armed forces, with their calibrated defaults.

Stances are latent: a legislator votes yes when stance plus noise exceeds `abstain_band`, no
when it is below `-abstain_band`, and abstains in between; stances are in units of the
individual noise (`noise` = 1 in the calibration). Every default below is either sourced (file
and column named) or calibrated by `uprising.institutions.calibrate_congress()` against the
roll calls of `peru/congress_votes_by_bloc.csv` (fitted values, rounded to 3 decimals), or an
assumption stated as such. docs/institutions.md shows the fit and its residuals.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from uprising.institutions.blocs import BLOC_NAMES, bloc_table

STANCE_RANGE = 10.0
EFFECT_RANGE = 10.0


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def field_name(bloc: str) -> str:
    """The config field of a bloc code (a hyphen becomes an underscore: A-B -> A_B)."""
    return bloc.replace("-", "_")


def _stance(default: float, bloc: str, axis: str, fitted_on: str) -> float:
    return Field(  # type: ignore[return-value]
        default,
        ge=-STANCE_RANGE,
        le=STANCE_RANGE,
        description=f"{BLOC_NAMES[bloc]}: stance toward {axis}; calibrated on {fitted_on}",
    )


_VAC = "removing Castillo"
_VAC_FIT = "the vacancy roll calls of 2021-2022 (yes/no/abstain/absent by bloc)"
_EE = "early elections at no protest"
_EE_FIT = "the early-elections roll calls of 16 and 20 Dec 2022 (by bloc)"


def _stances(name: str, doc: str, axis: str, fitted_on: str, column: str) -> type[Section]:
    """A section with one stance field per bloc of `peru/congress_blocs.csv`, its default the
    calibrated value of `column` there."""
    fields: dict[str, Any] = {}
    for bloc in bloc_table():
        note = (
            f" ({bloc.early_elections_note})"
            if column == "early_elections_stance" and bloc.early_elections_note
            else ""
        )
        fields[field_name(bloc.code)] = (
            float,
            _stance(getattr(bloc, column), bloc.code, axis, fitted_on + note),
        )
    return create_model(name, __base__=Section, __doc__=doc, __module__=__name__, **fields)


VacancyStances = _stances(
    "VacancyStances",
    "Stance of each bloc toward removing the president, before any allegation or event.",
    _VAC,
    _VAC_FIT,
    "vacancy_stance",
)
EarlyElectionStances = _stances(
    "EarlyElectionStances",
    "Stance of each bloc toward early elections (April 2024 terms), no protest and no deaths.",
    _EE,
    _EE_FIT,
    "early_elections_stance",
)


def _effect(default: float, description: str) -> float:
    return Field(default, ge=-EFFECT_RANGE, le=EFFECT_RANGE, description=description)  # type: ignore[return-value]


class InstitutionsConfig(Section):
    """Congress roll calls, the presidency and the armed forces."""

    noise: float = Field(
        1.0,
        ge=0.01,
        le=10.0,
        description="sd of each legislator's own deviation from the bloc stance; scale "
        "convention: the calibration holds it at 1, smaller values make votes more predictable",
    )
    bloc_shock: float = Field(
        0.462,
        ge=0.0,
        le=10.0,
        description="sd of a shock shared by a bloc in one roll call (whipping, deals); "
        "calibrated: maximum likelihood over the by-bloc counts of the fitted roll calls",
    )
    abstain_band: float = Field(
        0.307,
        ge=0.0,
        le=10.0,
        description="half-width of the abstention band around stance 0; calibrated as bloc_shock",
    )
    absence: float = Field(
        0.076,
        ge=0.0,
        le=0.9,
        description="probability that a member able to vote is absent, on leave or does not vote; "
        "calibrated as bloc_shock (suspended members are always absent, congress_votes_by_bloc "
        "column other)",
    )
    vacancy_stance: VacancyStances = VacancyStances()  # type: ignore[valid-type]
    early_elections_stance: EarlyElectionStances = EarlyElectionStances()  # type: ignore[valid-type]
    admission_ease: float = _effect(
        0.437,
        "added to stances when a vote is an admission or an ordinary motion rather than removal; "
        "calibrated on the three admissions against the two vacancy votes",
    )
    allegations_left: float = _effect(
        0.561,
        "stance shift toward removal per unit of log(1 + allegations), left blocs; calibrated on "
        "the vacancy roll calls (allegations: context.ALLEGATIONS, sourced dates)",
    )
    allegations_centre: float = _effect(1.77, "centre blocs; calibrated as allegations_left")
    allegations_right: float = _effect(0.885, "right blocs; calibrated as allegations_left")
    self_coup_left: float = _effect(
        2.679,
        "stance shift toward removal after the self-coup attempt, left blocs; calibrated on "
        "the 1 Dec admission against the 7 Dec vacancy (events.csv self_coup_attempt)",
    )
    self_coup_centre: float = _effect(1.421, "centre blocs; calibrated as self_coup_left")
    self_coup_right: float = _effect(0.079, "right blocs; calibrated as self_coup_left")
    approval_reference: float = Field(
        0.26,
        ge=0.0,
        le=1.0,
        description="approval at which approval_effect is zero: mean of the nine IEP polls in "
        "context.APPROVAL, 0.262 (sourced)",
    )
    approval_effect: float = _effect(
        -2.0,
        "stance shift toward removal per unit of the president's approval above the reference "
        "(negative: a popular president is harder to remove); assumed, as the approval of the "
        "polls (0.24-0.31) varies too little across the roll calls to identify it",
    )
    terms_2023: float = _effect(
        -1.09,
        "shift of stances toward the early-elections bill of 16 Dec 2022 (elections in 2023, "
        "mandates cut to April 2024) against the bill of 20 Dec (April 2024); calibrated",
    )
    protest_effect: float = _effect(
        2.0,
        "stance shift toward early elections per unit of protest intensity (share of regions "
        "active); assumed: the roll calls of 16 and 20 Dec had the same intensity, so the fit "
        "cannot identify it (docs/institutions.md shows the sensitivity)",
    )
    deaths_effect: float = _effect(
        0.3,
        "stance shift toward early elections per unit of log(1 + deaths before the vote); "
        "assumed, for the same reason as protest_effect",
    )
    protest_response: bool = Field(
        True,
        description="whether stances toward early elections follow the protest and deaths of the "
        "day (protest_effect, deaths_effect); off, every vote sees the reference vote's protest "
        "and deaths, as if Congress did not respond to protest after December 2022; on by default (assumed): "
        "the roll calls of 2021-2023 cannot tell the effect's sign (docs/institutions.md)",
    )
    reference_protest_intensity: float = Field(
        0.52,
        ge=0.0,
        le=1.0,
        description="protest intensity seen with protest_response off: that of the 20 Dec 2022 "
        "early-elections vote, the last fitted one; sourced (context_on, observed/regions_active.csv)",
    )
    reference_deaths: int = Field(
        27,
        ge=0,
        le=100_000,
        description="deaths seen with protest_response off: those before the 20 Dec 2022 vote "
        "(sourced: context_on, observed/deaths.csv)",
    )
    armed_forces_loyalty: float = Field(
        0.1,
        ge=0.0,
        le=1.0,
        description="probability that the armed forces obey a decree dissolving Congress outside "
        "Constitution art. 134; assumed (one observation: on 7 Dec 2022 the Comando Conjunto "
        "refused, joint statement with the police)",
    )
    police_loyalty: float = Field(
        0.1, ge=0.0, le=1.0, description="as armed_forces_loyalty, for the National Police; assumed"
    )
    decree_failure_delay_days: int = Field(
        0,
        ge=0,
        le=30,
        description="days from a failed decree to the vacancy vote and the arrest; sourced: "
        "events.csv dates self_coup_attempt, vacancy_vote and arrest all on 2022-12-07",
    )

    def stance_of(self, axis: str, bloc: str) -> float:
        stances = self.vacancy_stance if axis == "vacancy" else self.early_elections_stance
        return float(getattr(stances, field_name(bloc)))
