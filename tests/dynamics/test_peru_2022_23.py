"""peru-2022-23: December as peru-2022, then only dated inputs; emergencies with a term end."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import yaml

import uprising.cli.simulate  # noqa: F401  (registers the command)
from tests.cli_checks import invoke_command, one_error_line
from tests.dynamics.test_crisis import DAY0, TPD, crisis_for, run, scenario, three_departments
from uprising.dynamics.config import Call, Deployment, Dynamics, Modifier
from uprising.engine.lattice import FORCE_MILITARY
from uprising.model import Model
from uprising.runner import run_scenario
from uprising.scenario import load_scenario

FIRST_2023 = date(2023, 1, 1)


def test_december_is_peru_2022_and_the_run_reaches_31_march():
    old, new = load_scenario("peru-2022"), load_scenario("peru-2022-23")
    assert new.run.start_date == old.run.start_date and new.run.ticks_per_day == old.run.ticks_per_day
    last = new.run.start_date + timedelta(days=new.run.steps // new.run.ticks_per_day - 1)
    assert last == date(2023, 3, 31)
    december = [e for e in new.dynamics.timeline if e.when < FIRST_2023]
    # The one change: the national emergency of 14 Dec gets its decree's term, which ends in January.
    terms = [e.days for e in december if isinstance(e, Deployment) and e.days is not None]
    assert terms == [32]
    unterm = [e.model_dump(exclude={"days"} if isinstance(e, Deployment) else None) for e in december]
    assert unterm == [e.model_dump() for e in old.dynamics.timeline]
    assert new.world == old.world and new.citizens == old.citizens and new.cops == old.cops

    # December's calibrated values are peru-2022's; the calls' half-lives aside (2023 adds its own).
    def but_half_lives(calibrated):
        return {k: v for k, v in calibrated.items() if ".timeline." not in k or "half_life" not in k}

    assert but_half_lives(new.calibrated) == but_half_lives(old.calibrated)
    assert (
        new.calibrated["dynamics.timeline.11.half_life_days"]
        == old.calibrated["dynamics.timeline.11.half_life_days"]
    )


def test_every_dated_input_lies_within_the_run_and_2023_ones_are_sourced():
    sc = load_scenario("peru-2022-23")
    last = sc.run.start_date + timedelta(days=sc.run.steps // sc.run.ticks_per_day - 1)
    sources = sc.sources["timeline_2023"]
    for e in sc.dynamics.timeline:
        assert sc.run.start_date <= e.when <= last, e.label
        decree = re.search(r"DS \d+-2023-PCM", e.label)
        assert e.when < FIRST_2023 or (e.label and (decree is None or decree.group() in sources)), e.label


def test_the_2023_calls_lower_the_cost_of_taking_part_and_never_the_threshold_of_support():
    timeline = load_scenario("peru-2022-23").dynamics.timeline
    assert not [e.label for e in timeline if isinstance(e, Modifier) and e.kind == "strike"]
    calls = {(e.when, tuple(e.departments), e.march_to) for e in timeline if isinstance(e, Call)}
    south = ("Arequipa", "Moquegua", "Puno", "Cusco", "Madre de Dios", "Apurímac", "Ayacucho")
    assert (date(2023, 1, 4), south, "capital") in calls
    assert (date(2023, 1, 5), ("Cajamarca",), "capital") in calls
    assert (date(2023, 1, 19), (), "") in calls  # the national strike: every department
    toma = [e for e in timeline if isinstance(e, Call) and e.march_to == "Lima" and e.when.year == 2023]
    assert [(e.when, e.days) for e in toma] == [(date(2023, 1, 18), 2)]
    assert {"Puno", "Cusco", "Arequipa"} <= set(toma[0].departments)


def test_the_indefinite_calls_of_january_wear_off_and_their_half_life_is_marked_calibrated():
    sc = load_scenario("peru-2022-23")
    calls = [(i, e) for i, e in enumerate(sc.dynamics.timeline) if isinstance(e, Call)]
    indefinite = [(i, e) for i, e in calls if e.days > 30]
    assert [e.when for _, e in indefinite] == [date(2023, 1, 4), date(2023, 1, 5)]
    assert sc.dynamics.participation.call_half_life_days is None
    # December's indefinite strike (in force to the holiday truce) wears off too.
    for i, e in calls:
        assert (e.half_life_days is not None) == (e.days > 30 or i == 11), e.label
    for i, e in indefinite:
        prior = sc.calibrated[f"dynamics.timeline.{i}.half_life_days"]
        assert prior.low <= e.half_life_days <= prior.high
    assert "Jan-Mar 2023" in sc.calibrated[f"dynamics.timeline.{indefinite[0][0]}.half_life_days"].target


def test_on_4_january_the_south_is_called_to_the_street_and_on_19_january_every_department():
    model = Model.from_scenario(
        "peru-2022-23", overrides=["world.population_scale=1000", "world.resolution_km=10"]
    )
    crisis, names, run_ = model.crisis, model.departments, model.scenario.run

    def on(day: date) -> tuple[np.ndarray, np.ndarray]:
        """The calls and the chance of taking part once the day's first tick has run."""
        model.step((day - run_.start_date).days * run_.ticks_per_day + 1 - model.tick)
        return crisis.called.copy(), crisis.p_today.copy()

    called, p = on(date(2023, 1, 4))
    puno, lima = names.index("Puno"), names.index("Lima")
    assert called[puno] and not called[lima]
    assert p[puno] > p[lima]
    called, _ = on(date(2023, 1, 19))
    assert called.all()


def test_a_term_is_left_out_of_dumps_when_absent_so_older_scenarios_keep_their_hash():
    assert "days" not in Deployment(when=DAY0).model_dump()
    assert Deployment(when=DAY0, days=30).model_dump()["days"] == 30
    dumped = load_scenario("peru-2022").model_dump(mode="json")["dynamics"]["timeline"]
    assert not any("days" in e for e in dumped if e["kind"] == "deployment")


def test_forces_of_an_emergency_leave_when_its_term_ends_and_not_before():
    soldiers = Deployment(when=DAY0 + timedelta(days=1), departments=["East"], military=100, days=2)
    forever = Deployment(when=DAY0 + timedelta(days=1), departments=["West"], military=50)
    crisis = crisis_for(scenario(Dynamics(timeline=[soldiers, forever])), three_departments())
    sim = crisis.sim
    counts = []
    for _ in range(5 * TPD):
        run(crisis, 1)
        military = sim.cop_kind == FORCE_MILITARY
        counts.append(np.bincount(sim.cell_dept[sim.cop_cell[military]], minlength=3).tolist())
    by_day = counts[::TPD]  # first tick of days 0..4
    assert by_day[0] == [0, 0, 0]
    assert by_day[1] == [5, 0, 10]  # 50 and 100 soldiers at 1:10
    assert sum(by_day[2]) == 15  # still in their term on day 2
    assert sum(by_day[3]) == 5 and sum(by_day[4]) == 5  # day 3: East's soldiers gone, West's stay
    assert (sim.cop_kind != FORCE_MILITARY).sum() == 20  # the world's own police untouched
    assert [e.kind for e in crisis.events if e.kind == "withdrawal"] == ["withdrawal"]


def test_a_short_stretch_runs():
    sc = load_scenario("peru-2022-23", ["run.steps=8", "world.population_scale=1000"])
    out = run_scenario(sc)
    assert out.days == 2 and len(out.departments) == 25


def _bad_copy(tmp_path: Path, change) -> Path:
    from importlib import resources

    text = resources.files("uprising.scenario.builtin").joinpath("peru-2022-23.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    change(data["dynamics"]["timeline"])
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


def test_an_event_before_the_run_or_in_an_unknown_department_is_one_error_line(tmp_path):
    def early(timeline):
        timeline.append({"kind": "strike", "when": "2022-11-30", "days": 1})

    def nowhere(timeline):
        timeline.append({"kind": "curfew", "when": "2023-01-20", "departments": ["Atlantis"]})

    def negative_term(timeline):
        timeline.append({"kind": "deployment", "when": "2023-01-20", "police": 10, "days": -1})

    for change, words in ((early, "before run.start_date"), (nowhere, "Atlantis"), (negative_term, "days")):
        path = _bad_copy(tmp_path, change)
        line = one_error_line(invoke_command("simulate", str(path), "--steps", "1"))
        assert "dynamics.timeline" in line and words in line, line
