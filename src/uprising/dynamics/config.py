"""The crisis dynamics of a scenario: every mechanism a switch, every parameter with a range.

Each mechanism the essay claims is a hypothesis the scenario can turn off (`enabled: false`
or `feedback: false`), so that its effect can be measured on the same seeds. Counts of people
are real people (not agents); rates are per day unless a name says otherwise.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


Departments = list[str]  # department names or codes (Peru: 2-digit ubigeo; a map: its codes); [] = all


class LegitimacyFeedback(Section):
    """Legitimacy per department: base (national x regional multiplier) minus a drop stock.

    Event shocks and repression add to the drop; the drop decays back toward zero with a
    half-life, or, with `lasting_share`, that share of it with a second, longer one. With
    `feedback` off, deaths and arrests leave legitimacy untouched.
    """

    feedback: bool = Field(True, description="repression lowers legitimacy (the essay's claim)")
    death_local: float = Field(
        0.004, ge=0.0, le=0.5, description="drop per death in the department where it happens"
    )
    death_neighbour: float = Field(
        0.002, ge=0.0, le=0.5, description="drop per death in a neighbouring department"
    )
    death_national: float = Field(
        0.001, ge=0.0, le=0.5, description="drop per death in every department (media)"
    )
    arrest_local: float = Field(
        0.002, ge=0.0, le=0.5, description="drop per 1,000 people arrested in the department"
    )
    half_life_days: float = Field(
        8.0, ge=0.1, le=1000.0, description="days for a drop to halve as legitimacy recovers"
    )
    # Left out of dumps when 0, so that scenarios written before it keep their hash.
    lasting_share: float = Field(
        0.0, ge=0.0, le=1.0, exclude_if=lambda v: v == 0.0,
        description="share of every drop that recovers slowly, over lasting_half_life_days (trust "
        "lost for months); 0 = one time scale",
    )  # fmt: skip
    lasting_half_life_days: float = Field(
        90.0, ge=0.1, le=3650.0, exclude_if=lambda v: v == 90.0,
        description="days for the lasting share of a drop to halve",
    )  # fmt: skip


class Lethality(Section):
    """Deaths in confrontation events where forces defend or clear a point against a crowd.

    A confrontation happens in a tick at a cell where forces stand among at least
    `crowd_min_people` participants, with a rate per day of
    (police_rate * police + military_rate * military) / 1000 * (crowd / crowd_min_people) **
    crowd_exponent, times `site_multiplier` at a strategic site and `emergency_multiplier` while
    an emergency (a deployment) is in force in the department; forces and crowd in people. Its toll
    is zero-inflated and heavy-tailed: nobody dies with probability 1 - `lethal_share`, else
    1 + a negative binomial of mean `toll_mean` - 1 and dispersion `toll_dispersion` (smaller:
    heavier tail), `military_toll_multiplier` times larger where soldiers stand, at most `toll_max`.
    With `restraint_depth` > 0, a mass-casualty confrontation lowers the lethal share for a time.
    """

    enabled: bool = True
    crowd_min_people: int = Field(
        1500, ge=1, le=10_000_000, description="smallest crowd forces confront, people"
    )
    police_rate: float = Field(
        0.02, ge=0.0, le=100.0, description="confrontations per day per 1,000 police at a crowd"
    )
    military_rate: float = Field(
        0.2, ge=0.0, le=100.0, description="confrontations per day per 1,000 soldiers at a crowd"
    )
    crowd_exponent: float = Field(0.5, ge=0.0, le=3.0, description="how confrontations grow with crowd size")
    # Left out of dumps at 1, so that scenarios written before it keep their hash.
    force_exponent: float = Field(
        1.0, ge=0.0, le=3.0, exclude_if=lambda v: v == 1.0,
        description="how confrontations grow with the forces at a crowd (1: in proportion; below 1: a "
        "small, outnumbered contingent confronts more per agent)",
    )  # fmt: skip
    site_multiplier: float = Field(
        4.0, ge=1.0, le=100.0, description="confrontations at strategic sites are this much likelier"
    )
    emergency_multiplier: float = Field(
        1.0, ge=0.0, le=100.0, description="likelier while an emergency is in force (rules of engagement)"
    )
    lethal_share: float = Field(0.3, ge=0.0, le=1.0, description="share of confrontations that kill anyone")
    toll_mean: float = Field(2.5, ge=1.0, le=100.0, description="mean toll of a deadly confrontation, people")
    toll_dispersion: float = Field(
        0.5, gt=0.0, le=100.0, description="negative binomial dispersion of the toll (small: heavy tail)"
    )
    military_toll_multiplier: float = Field(
        2.0, ge=0.0, le=20.0, description="deadly confrontations with soldiers kill this much more"
    )
    toll_max: int = Field(30, ge=1, le=1000, description="largest toll of one confrontation, people")
    blockade_rate: float = Field(
        0.003, ge=0.0, le=1.0, description="deaths per held road point per day (accidents, blockades)"
    )
    # Restraint under scrutiny after a mass-casualty event (repression backfire: Hess and Martin
    # 2006; Sutton, Butcher and Svensson 2014): once a confrontation kills `restraint_min_toll`
    # people or more, the lethal share is cut everywhere by `restraint_depth`, a cut that halves
    # every `restraint_half_life_days`; a later such event renews it. Depth 0: off. Left out of
    # dumps at their defaults, so that scenarios written before them keep their hash.
    restraint_depth: float = Field(
        0.0, ge=0.0, le=1.0, exclude_if=lambda v: v == 0.0,
        description="cut of the lethal share right after a mass-casualty confrontation (0: off)",
    )  # fmt: skip
    restraint_min_toll: int = Field(
        5, ge=1, le=1000, exclude_if=lambda v: v == 5,
        description="toll of one confrontation that draws national scrutiny, people",
    )  # fmt: skip
    restraint_half_life_days: float = Field(
        7.0, gt=0.0, le=1000.0, exclude_if=lambda v: v == 7.0,
        description="days for the restraint to halve as scrutiny fades",
    )  # fmt: skip
    # A siege: forces that have stood among a large crowd for a while confront it more (the 150
    # police encircled in Andahuaylas airport's terminal on 10-12 Dec 2022). The rate at a cell is
    # times 1 + siege_growth * the days its forces have stood among a crowd of crowd_min_people or
    # more without a break. 0: off. Left out of dumps at 0.
    siege_growth: float = Field(
        0.0, ge=0.0, le=100.0, exclude_if=lambda v: v == 0.0,
        description="growth of the confrontation rate a day that forces stay besieged by a crowd (0: off)",
    )  # fmt: skip
    # Who is besieged: every contingent among a crowd ("all"), or only police with no soldiers
    # beside them ("police": a small detachment encircled, not the army guarding a site).
    siege_forces: Literal["all", "police"] = Field(
        "all", exclude_if=lambda v: v == "all",
        description="forces a siege counts: 'all', or 'police' (cells with police and no soldiers)",
    )  # fmt: skip
    # The essay's "deep Peru": lethal repression fell on the interior, not on the capital, where
    # the national press and the diplomatic corps watch. A confrontation at distance r km from the
    # seat of government kills anyone with probability lethal_share * (1 - periphery *
    # 0.5 ** (r / periphery_half_km)). Periphery 0: off. Left out of dumps at their defaults.
    periphery: float = Field(
        0.0, ge=0.0, le=1.0, exclude_if=lambda v: v == 0.0,
        description="cut of the lethal share at the seat of government, fading with distance (0: off)",
    )  # fmt: skip
    periphery_half_km: float = Field(
        50.0, gt=0.0, le=5000.0, exclude_if=lambda v: v == 50.0,
        description="distance from the seat of government at which the cut has halved, km",
    )  # fmt: skip
    periphery_seat: str = Field(
        "", exclude_if=lambda v: v == "",
        description="department whose capital is the seat of government ('': the most populous)",
    )  # fmt: skip


class Participation(Section):
    """Supporters (Epstein's actives) who take part in a street action on a day.

    A supporter takes part on a day with probability exp(-cost), cost = daily_cost * (1 -
    call_cut * pull where a call is in force) + fatigue_cost * fatigue + quiet_cost * (1 -
    novelty) + sunday_cost on Sundays + holiday_cost on public holidays. Fatigue is the count of
    consecutive days the department was out, or with `fatigue_half_life_days` a stock of its days
    out that decays with that half-life; novelty is the larger of the calls' pull and 0.5 ** (days
    since the department's last shock or death / `novelty_half_life_days`). A call's pull is 1, or,
    with a half-life (`call_half_life_days`, or the call's own `half_life_days`), 0.5 ** (days
    since the call began / half-life): organisers' hold on a long call wears off. With `enabled`
    off every supporter is a participant (the model before participation).
    """

    enabled: bool = True
    daily_cost: float = Field(3.0, ge=0.0, le=20.0, description="cost of a day in the street, no call")
    call_cut: float = Field(
        0.5, ge=0.0, le=1.0, description="share of the cost organisers take away where a call is in force"
    )
    fatigue_cost: float = Field(
        0.05, ge=0.0, le=5.0, description="cost added per consecutive day the department was out"
    )
    # Left out of dumps when null, so that scenarios written before it keep their hash.
    call_half_life_days: float | None = Field(
        None, gt=0.0, le=3650.0, exclude_if=lambda v: v is None,
        description="days for every call's pull (its cost cut and march share) to halve from its "
        "start; null = a call keeps its full pull while in force",
    )  # fmt: skip
    # Demobilisation (Tarrow's cycles of protest): left out of dumps at their defaults, so that
    # scenarios written before them keep their hash.
    fatigue_half_life_days: float | None = Field(
        None, gt=0.0, le=3650.0, exclude_if=lambda v: v is None,
        description="fatigue as a stock of days out that halves over this many days (exhaustion "
        "builds over a wave); null = the count of consecutive days out, back to 0 after a day off",
    )  # fmt: skip
    quiet_cost: float = Field(
        0.0, ge=0.0, le=20.0, exclude_if=lambda v: v == 0.0,
        description="cost added where nothing new mobilises: times 1 - novelty, novelty the larger "
        "of a call's pull and a fresh shock's (0: off)",
    )  # fmt: skip
    novelty_half_life_days: float = Field(
        2.0, gt=0.0, le=3650.0, exclude_if=lambda v: v == 2.0,
        description="days for a fresh shock's novelty (a legitimacy shock or a death in the "
        "department) to halve",
    )  # fmt: skip
    out_min_people: int = Field(
        1000, ge=1, le=10_000_000, description="participants for a department-day to count as a day out"
    )
    sunday_cost: float = Field(0.3, ge=0.0, le=10.0, description="cost added on Sundays")
    holiday_cost: float = Field(1.5, ge=0.0, le=10.0, description="cost added on public holidays")
    holidays: list[date] = Field(
        default_factory=list, description="public holidays (ISO dates) within the run"
    )


class Observation(Section):
    """How sources see the run: a department is reported active on a day when its peak street
    participation reaches its threshold (`threshold_people`, or `threshold_per_million` of its
    people where that is more), and then with probability `detection` (the observed lists are
    lower bounds); with `detection_slope` the probability grows with participation instead of
    stepping at the threshold; with `detection_concentration` the detection varies from day to
    day, as the sources that compiled each day's list did. Deaths and road points are counted
    as they happen."""

    threshold_people: int = Field(
        1000, ge=0, le=10_000_000, description="participants for a department-day to be reportable"
    )
    detection: float = Field(
        0.8, ge=0.0, le=1.0, description="probability a reportable department-day is reported"
    )
    # Both left out of dumps when null (the rule of `threshold_people` alone), so that
    # scenarios written before them keep their hash.
    threshold_per_million: float | None = Field(
        None, ge=0.0, le=1_000_000.0, exclude_if=lambda v: v is None,
        description="participants per million of the department's people for a department-day "
        "to be reportable, where that is more than threshold_people; null = threshold_people alone",
    )  # fmt: skip
    detection_slope: float | None = Field(
        None, gt=0.0, le=100.0, exclude_if=lambda v: v is None,
        description="slope of the probability of a report in log participants: detection / "
        "(1 + (threshold / participants) ^ slope), half of detection at the threshold; "
        "null = a step at the threshold",
    )  # fmt: skip
    detection_concentration: float | None = Field(
        None, gt=0.0, le=10_000.0, exclude_if=lambda v: v is None,
        description="how alike the lists' days are: each day's detection is drawn from a Beta "
        "with mean detection and this concentration (its a + b), shared by the day's "
        "departments (small: some days' sources name most reportable departments, others' a "
        "few); null = detection on every day",
    )  # fmt: skip


class Blockades(Section):
    """A road point is held while at least `crowd_min_people` active people stand on it, and
    with `hold_half_life_days` after they leave, until it is cleared."""

    enabled: bool = True
    crowd_min_people: int = Field(500, ge=1, le=10_000_000, description="people to hold a road point")
    road_bonus_people: float = Field(
        200.0, ge=0.0, le=1e7, description="pull of a road cell on travelling actives, in people"
    )
    # Left out of dumps when null, so that scenarios written before it keep their hash.
    hold_half_life_days: float | None = Field(
        None, gt=0.0, le=365.0, exclude_if=lambda v: v is None,
        description="days for half the road points a crowd has left to be cleared (the stones, "
        "tyres and trenches outlast the crowd); null = a point is held only while its crowd stands",
    )  # fmt: skip


class Contagion(Section):
    """Activity in neighbouring departments lowers the threshold here, after a delay."""

    enabled: bool = True
    strength: float = Field(0.05, ge=0.0, le=1.0, description="threshold drop when every neighbour is active")
    delay_days: float = Field(1.0, ge=0.0, le=30.0, description="days before it is felt")


class Coordination(Section):
    """A coordinating command: shared calls lower perceived risk when many departments move."""

    enabled: bool = False
    strength: float = Field(
        0.5, ge=0.0, le=1.0, description="cut of net risk when every department is active"
    )


class Travel(Section):
    """Active citizens may travel toward active crowds, strategic sites and roads; quiet ones go home."""

    enabled: bool = True
    radius_km: float = Field(15.0, ge=0.0, le=500.0, description="how far an active citizen travels")
    rate: float = Field(0.5, ge=0.0, le=1.0, description="chance per tick that an active travels")


class Forces(Section):
    """Forces answer crowds: each day a share of each department's forces moves to its largest crowds."""

    redeploy_share: float = Field(
        0.2, ge=0.0, le=1.0, description="share of a department's forces sent to its crowds each day"
    )
    # Left out of dumps when 0, so that scenarios written before it keep their hash.
    site_police_share: float = Field(
        0.0, ge=0.0, le=1.0, exclude_if=lambda v: v == 0.0,
        description="share of a department's own police posted at its strategic sites from day 0 "
        "(ordinary guard of airports and stations, before any emergency)",
    )  # fmt: skip
    # Left out of dumps when false, so that scenarios written before it keep their hash.
    guards_hold_sites: bool = Field(
        False, exclude_if=lambda v: not v,
        description="soldiers posted at a strategic site stay there instead of going to the crowds",
    )  # fmt: skip


class Site(Section):
    """A strategic site (an airport, a public building) that draws crowds and forces."""

    name: str
    lon: float = Field(ge=-180.0, le=180.0, description="longitude, degrees (the site must fall on the map)")
    lat: float = Field(ge=-90.0, le=90.0, description="latitude, degrees")
    kind: Literal["airport", "police_station", "bridge", "road", "public_building"] = "airport"
    attraction_people: float = Field(
        2000.0, ge=0.0, le=1e7, description="pull on travelling actives, in people"
    )


class _Event(Section):
    when: date = Field(description="date of the event (ISO); day 0 is run.start_date")
    departments: Departments = Field(default_factory=list, description="where; [] = every department")
    label: str = ""


class LegitimacyShock(_Event):
    """A drop (or, negative, a rise) of legitimacy; deeper where the alignment share is higher."""

    kind: Literal["legitimacy_shock"] = "legitimacy_shock"
    size: float = Field(ge=-1.0, le=1.0, description="legitimacy drop where alignment is national")
    alignment: float = Field(
        0.0, ge=0.0, le=5.0,
        description="exponent of (the department's alignment share / the national share; Peru: "
        "Castillo's runoff, a map world: its world.alignment column): 0 = same everywhere",
    )  # fmt: skip


class Deployment(_Event):
    """Forces added to departments (a state of emergency, a military deployment), for a term or for good."""

    kind: Literal["deployment"] = "deployment"
    police: int = Field(0, ge=0, le=1_000_000, description="police added, people (in total)")
    military: int = Field(0, ge=0, le=1_000_000, description="soldiers added, people (in total)")
    to_sites: bool = Field(True, description="soldiers go to the departments' strategic sites first")
    # Left out of dumps when false, so that scenarios written before it keep their hash.
    police_to_sites: bool = Field(
        False, exclude_if=lambda v: not v,
        description="police go to the departments' strategic sites first (reinforcements flown in)",
    )  # fmt: skip
    # Left out of dumps when true, so that scenarios written before it keep their hash.
    emergency: bool = Field(
        True, exclude_if=lambda v: v,
        description="a state of emergency (its rules of engagement); false: reinforcements under "
        "ordinary orders",
    )  # fmt: skip
    # Left out of dumps when false, so that scenarios written before it keep their hash.
    sites_only: bool = Field(
        False, exclude_if=lambda v: not v,
        description="soldiers only guard strategic sites: they go to the departments with a site "
        "(shared by population), none to the others",
    )  # fmt: skip
    # Left out of dumps when null, so that scenarios without a term keep their hash.
    days: float | None = Field(
        None, gt=0.0, le=3650.0, exclude_if=lambda v: v is None,
        description="the emergency's term, days: its forces leave after it; null = they stay",
    )  # fmt: skip


class Modifier(_Event):
    """For `days` days: threshold shift and net-risk multiplier (curfew, strike, holiday lull)."""

    kind: Literal["curfew", "strike", "lull"]
    days: float = Field(1.0, gt=0.0, le=365.0, description="duration, days")
    threshold_shift: float = Field(0.0, ge=-1.0, le=1.0, description="added to T (negative: easier)")
    risk_multiplier: float = Field(1.0, ge=0.0, le=10.0, description="multiplies R P")
    travel_multiplier: float = Field(1.0, ge=0.0, le=1.0, description="multiplies the travel rate")


class Call(_Event):
    """A dated call to mobilise (a regional or national strike, a march): organisers lower the
    cost of taking part where it is in force; with `march_to`, a share of the supporters of the
    called departments travels to that department's capital (a march on Lima), to a named site
    of `dynamics.sites` (the crowd that marched on an airport) or, with "capital", to their own
    regional capital. With a half-life both wear off from its start."""

    kind: Literal["call"] = "call"
    days: float = Field(1.0, gt=0.0, le=365.0, description="how long the call is in force, days")
    march_to: str = Field(
        "",
        description='"" (no march), "capital" (own regional capital), a department (its capital) '
        "or the name of one of dynamics.sites",
    )
    march_share: float = Field(
        0.05, ge=0.0, le=1.0, description="share of the marching departments' supporters who travel, per day"
    )
    # Left out of dumps when null, so that scenarios written before it keep their hash.
    half_life_days: float | None = Field(
        None, gt=0.0, le=3650.0, exclude_if=lambda v: v is None,
        description="days for this call's pull (cost cut and march share) to halve from its start; "
        "null = dynamics.participation.call_half_life_days",
    )  # fmt: skip


Event = Annotated[LegitimacyShock | Deployment | Modifier | Call, Field(discriminator="kind")]


class Dynamics(Section):
    """The crisis layer between engine ticks (map worlds only)."""

    active_department_people: int = Field(
        1000, ge=1, le=10_000_000, description="a department is active with this many people active"
    )
    legitimacy: LegitimacyFeedback = LegitimacyFeedback()
    participation: Participation = Participation()
    observation: Observation = Observation()
    lethality: Lethality = Lethality()
    blockades: Blockades = Blockades()
    contagion: Contagion = Contagion()
    coordination: Coordination = Coordination()
    travel: Travel = Travel()
    forces: Forces = Forces()
    sites: list[Site] = Field(default_factory=list, description="strategic sites")
    timeline: list[Event] = Field(default_factory=list, description="dated events")
