"""A web run is drawn while it runs, can be stopped, and "run N seeds and store" stores it as
`uprising run` would; the form shows mechanisms as switches and the server's caps as bounds."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from uprising.errors import UprisingError
from uprising.scenario import load_scenario, scenario_hash
from uprising.web.limits import ServerLimits
from uprising.web.live import FrameDrawer, LiveRecorder
from uprising.web.parameters import build_scenario, capped, editable_parameters, mechanism_switches
from uprising.web.runs import RunStopped, drawn_scenario, run_and_store, run_from_web

SMALL = {"world.width": 12, "world.height": 12, "run.steps": 20}


def test_a_watched_run_hands_the_page_frames_with_the_counts_and_sites_so_far():
    frames = []
    scenario = build_scenario("epstein-2002", SMALL)
    output = run_from_web(scenario, ServerLimits(), watch=LiveRecorder(frames.append, "t", interval_s=0.0))
    assert [f.tick for f in frames] == list(range(21))
    last = frames[-1]
    assert last.grid.shape == (12, 12) and last.per_1000 is None
    sites = np.bincount(last.grid.ravel(), minlength=5)
    assert sites[1] + sites[2] + sites[3] == output.citizens  # prisoners stay on their site here
    assert list(last.counts["active"]) == list(output.ticks["active"])


def test_a_slow_page_does_not_hold_up_the_run_and_is_drawn_its_last_frame():
    drawn = []

    def slow_draw(frame):
        time.sleep(0.2)
        drawn.append(frame.tick)

    scenario = build_scenario("epstein-2002", SMALL)
    run_from_web(scenario, ServerLimits())  # compiled before the clock starts
    drawer = FrameDrawer(slow_draw)
    started = time.monotonic()
    run_from_web(scenario, ServerLimits(), watch=LiveRecorder(drawer.put, "t", interval_s=0.0))
    ran_s = time.monotonic() - started
    drawer.close()
    assert ran_s < 1.0, f"the run waited {ran_s:.2f} s for the page"  # 21 draws: 4.2 s
    assert drawn[-1] == 20 and drawn == sorted(drawn) and len(drawn) < 5  # the newest, in order


def test_a_failed_draw_stops_the_drawing_and_is_raised_when_the_drawer_closes():
    calls = []

    def failing_draw(frame):
        calls.append(frame)
        raise RuntimeError("the page went away")

    drawer = FrameDrawer(failing_draw)
    drawer.put("first")
    while not calls:
        time.sleep(0.01)
    drawer.put("second")
    with pytest.raises(RuntimeError, match="the page went away"):
        drawer.close()
    assert calls == ["first"]


def test_a_cancelled_run_stops_at_the_end_of_its_tick():
    cancel = threading.Event()

    def press_cancel(model):
        if model.tick == 5:
            cancel.set()

    with pytest.raises(RunStopped, match="run stopped at tick 5 of 20: cancelled"):
        run_from_web(build_scenario("epstein-2002", SMALL), ServerLimits(), None, cancel, press_cancel)


def test_every_mechanism_of_a_map_scenario_is_a_switch_that_reaches_the_run():
    switches = {s.path: s for s in mechanism_switches(load_scenario("peru-2022"))}
    assert "dynamics.legitimacy.feedback" in switches and "dynamics.contagion.enabled" in switches
    assert all(s.description for s in switches.values())
    assert mechanism_switches(load_scenario("epstein-2002")) == []
    off = build_scenario("peru-2022", {"dynamics.legitimacy.feedback": "false"})
    assert off.dynamics.legitimacy.feedback is False
    with pytest.raises(Exception, match="must be true or false"):
        build_scenario("peru-2022", {"dynamics.contagion.enabled": "maybe"})


def test_the_form_shows_the_servers_cap_on_ticks_and_a_readable_seed_range():
    specs = {s.path: s for s in capped(editable_parameters(load_scenario("epstein-2002")), 2000)}
    assert specs["run.steps"].range_text == "[0, 2000]"
    assert "above" not in str(specs["run.steps"].parse("2000"))
    with pytest.raises(Exception, match=r"allowed range \[0, 2000\]"):
        specs["run.steps"].parse("2001")
    assert specs["run.seed"].range_text == "[0, 2^63 - 1]"


def test_seeds_run_from_the_web_are_stored_as_uprising_run_stores_them(tmp_path):
    db = tmp_path / "web.duckdb"
    stored = run_and_store("epstein-2002", SMALL, 2, ServerLimits(), db)
    assert [o.seed for o in stored.outputs] == [1, 2] and stored.resumed == 0
    again = run_and_store("epstein-2002", SMALL, 2, ServerLimits(), db)
    assert again.experiment_id == stored.experiment_id and again.resumed == 2
    overrides = [f"--set={k}={v}" for k, v in SMALL.items()]
    cli = subprocess.run(
        [sys.executable, "-m", "uprising", "run", "epstein-2002", "--runs", "2", "--db", str(db),
         "--json", "--no-report", *overrides],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    line = json.loads(cli.stdout)
    assert line["experiment"] == stored.experiment_id and line["resumed"] == 2


def test_seeds_drawn_from_a_posterior_are_stored_as_uprising_run_posterior_stores_them(tmp_path):
    db = tmp_path / "web.duckdb"
    values = {"run.steps": 4}
    stored = run_and_store("peru-2022", values, 2, ServerLimits(), db, posterior="peru-2022-december")
    assert [o.seed for o in stored.outputs] == [2022, 2023]
    assert {o.population_scale for o in stored.outputs} == {1000}  # the calibration's scale
    first = drawn_scenario("peru-2022", values, "peru-2022-december")
    assert stored.outputs[0].parameters["citizens"]["legitimacy"] == first.values["citizens.legitimacy"]
    assert stored.outputs[0].scenario_hash == scenario_hash(first.scenario)
    cli = subprocess.run(
        [sys.executable, "-m", "uprising", "run", "peru-2022", "--posterior", "peru-2022-december",
         "--runs", "2", "--db", str(db), "--json", "--no-report", "--set=run.steps=4"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    line = json.loads(cli.stdout)
    assert line["experiment"] == stored.experiment_id and line["resumed"] == 2
    plain = run_and_store("peru-2022", {**values, "world.population_scale": 1000}, 1, ServerLimits(), db)
    assert plain.experiment_id != stored.experiment_id


def test_only_a_posterior_of_the_scenario_is_taken():
    with pytest.raises(
        UprisingError, match=r"^posterior 'nope': unknown; posteriors of peru-2022: peru-2022"
    ):
        drawn_scenario("peru-2022", {}, "nope")
    with pytest.raises(
        UprisingError, match=r"^posterior 'peru-2022-december': unknown; epstein-2002 has none"
    ):
        drawn_scenario("epstein-2002", {}, "peru-2022-december")


def test_a_drawn_integer_parameter_is_shown_as_the_run_takes_it(monkeypatch):
    import dataclasses

    from uprising.experiment.posterior import read_posterior
    from uprising.web import runs

    posterior = read_posterior("peru-2022-december")
    path = "dynamics.lethality.crowd_min_people"
    ranges = posterior.ranges
    posterior.ranges = [dataclasses.replace(r, integer=True) if r.path == path else r for r in ranges]
    monkeypatch.setattr(runs, "_read_posterior", lambda name: posterior)
    drawn = drawn_scenario("peru-2022", {}, "peru-2022-december")
    value = posterior.particles[path][drawn.particle]
    assert drawn.values[path] == round(value) and isinstance(drawn.values[path], int)
    assert drawn.scenario.dynamics.lethality.crowd_min_people == round(value)
