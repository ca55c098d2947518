"""The JSON API beside the dashboard: runs within the caps, one-line 4xx errors, and it keeps serving."""

from __future__ import annotations

import json

from tests.web.conftest import MAX_AGENTS, MAX_TICKS
from uprising.web.limits import DEFAULT_MAX_WORK


def post_run(server, payload) -> tuple[int, dict]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return server.request("/api/run", body, method="POST")


def assert_one_line_error(status: int, body: dict, expected_status: int, *words: str) -> None:
    assert status == expected_status, body
    assert list(body) == ["error"]
    assert "\n" not in body["error"]
    for word in words:
        assert word in body["error"], body["error"]


def test_scenarios_lists_the_builtins_and_the_servers_caps(server):
    status, body = server.request("/api/scenarios")
    assert status == 200
    assert {"epstein-2002", "peru-2022"} <= set(body["scenarios"])
    assert body["limits"] == {"max_agents": MAX_AGENTS, "max_ticks": MAX_TICKS, "max_work": DEFAULT_MAX_WORK}


def test_parameters_come_with_their_ranges(server):
    status, body = server.request("/api/parameters?scenario=epstein-2002")
    assert status == 200
    by_path = {p["path"]: p for p in body["parameters"]}
    assert by_path["citizens.legitimacy"]["min"] == 0 and by_path["citizens.legitimacy"]["max"] == 1
    assert by_path["run.steps"]["type"] == "int"


def test_a_small_run_returns_its_national_daily_totals(server):
    status, body = post_run(server, {"scenario": "epstein-2002", "parameters": {"run.steps": 30}})
    assert status == 200, body
    assert body["days"] == 30 and len(body["national"]["active"]) == 30
    first = {k: v[0] for k, v in body["national"].items() if k in ("quiescent", "active", "jailed")}
    assert sum(first.values()) > 1000  # about 0.7 * 40 * 40 citizens


def test_the_same_request_gives_the_same_run(server):
    payload = {"scenario": "epstein-2002", "parameters": {"run.steps": 25, "citizens.legitimacy": 0.7}}
    (_, a), (_, b) = post_run(server, payload), post_run(server, payload)
    assert a["national"] == b["national"] and a["scenario_hash"] == b["scenario_hash"]


def test_bad_calls_get_a_4xx_with_one_line_and_the_server_keeps_serving(server):
    assert_one_line_error(*post_run(server, b"{not json"), 400, "not valid JSON")
    assert_one_line_error(*post_run(server, [1, 2]), 400, "JSON object")
    assert_one_line_error(*post_run(server, {"parameters": {}}), 400, "scenario")
    assert_one_line_error(*post_run(server, {"scenario": "atlantis"}), 400, "'atlantis': unknown")
    assert_one_line_error(*post_run(server, {"scenario": "epstein-2002", "speed": 3}), 400, "'speed'")
    assert_one_line_error(
        *post_run(server, {"scenario": "epstein-2002", "parameters": {"citizens.legitimacy": 1.5}}),
        400,
        "citizens.legitimacy = 1.5",
        "[0, 1]",
    )
    assert_one_line_error(
        *post_run(server, {"scenario": "epstein-2002", "parameters": {"run.steps": "many"}}),
        400,
        "run.steps",
        "not a number",
    )
    assert_one_line_error(
        *post_run(server, {"scenario": "epstein-2002", "parameters": {"world.citizen_density": 0.99}}),
        400,
        "citizen_density + cop_density",
    )
    assert_one_line_error(*server.request("/api/run"), 405, "use POST")
    assert_one_line_error(*server.request("/api/nothing"), 404, "no such endpoint")
    assert_one_line_error(*server.request("/api/parameters?scenario=atlantis"), 404, "'atlantis'")
    assert_one_line_error(*post_run(server, b"x" * 100_000), 413, "larger than")
    status, body = server.request("/api/scenarios")
    assert status == 200 and body["scenarios"]


def test_requests_above_the_servers_caps_are_refused_before_running(server):
    assert_one_line_error(
        *post_run(server, {"scenario": "epstein-2002", "parameters": {"run.steps": MAX_TICKS + 1}}),
        413,
        f"cap of {MAX_TICKS:,} ticks",
        "--max-ticks",
    )
    assert_one_line_error(
        *post_run(server, {"scenario": "peru-2022", "parameters": {"world.population_scale": 100}}),
        413,
        "agents, above this server's cap of 200,000",
        "--max-agents",
    )
    assert_one_line_error(
        *post_run(
            server, {"scenario": "epstein-2002", "parameters": {"world.width": 1000, "world.height": 1000}}
        ),
        413,
        "--max-agents",
    )


def test_a_run_can_draw_its_parameters_from_a_posterior_of_its_scenario(server):
    status, body = server.request("/api/scenarios")
    assert (
        body["posteriors"]["peru-2022"] == ["peru-2022-december"] and body["posteriors"]["epstein-2002"] == []
    )
    payload = {"scenario": "peru-2022", "parameters": {"run.steps": 4}, "posterior": "peru-2022-december"}
    status, drawn = post_run(server, payload)
    assert status == 200, drawn
    assert drawn["posterior"] == "peru-2022-december" and drawn["population_scale"] == 1000
    particle = drawn["particle"]
    assert len(particle["values"]) == 15 and 0 <= particle["index"] < 100
    _, again = post_run(server, payload)
    assert again["national"] == drawn["national"] and again["particle"] == particle
    _, other_seed = post_run(server, {**payload, "parameters": {"run.steps": 4, "run.seed": 7}})
    assert other_seed["particle"] != particle  # each seed its own draw
    assert_one_line_error(
        *post_run(server, {**payload, "posterior": "nope"}), 400, "posterior 'nope'", "peru-2022-december"
    )
    assert_one_line_error(*post_run(server, {**payload, "posterior": 3}), 400, "field 'posterior'")
    assert_one_line_error(
        *post_run(server, {"scenario": "epstein-2002", "posterior": "peru-2022-december"}),
        400,
        "epstein-2002 has none",
    )
