"""The JSON API served beside the dashboard: list scenarios and parameters, start a run.

Every bad call gets a 4xx status and a one-line JSON error `{"error": "..."}` naming the
field and, where there is one, the allowed range; the server keeps serving.

- `GET /api/scenarios`: the built-in scenarios, their built-in posteriors and this server's caps;
- `GET /api/parameters?scenario=NAME`: the editable parameters of a scenario, with ranges;
- `POST /api/run` with `{"scenario": NAME, "parameters": {"citizens.legitimacy": 0.7, ...}}`:
  runs it (within the caps) and returns its national daily totals. With `"posterior": NAME` (a
  built-in posterior of the scenario), the run takes the particle `uprising run NAME --posterior`
  gives its seed; the answer names it and its values. The run stops at the end of its tick when
  the client goes away, and the call answers 503 when the server is stopping.
"""

from __future__ import annotations

import threading
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from uprising.errors import UprisingError
from uprising.web.body import MAX_BODY_BYTES, BadBody, parse_body
from uprising.web.config import server_config
from uprising.web.limits import RequestTooLarge
from uprising.web.parameters import build_scenario, editable_parameters
from uprising.web.runs import RunStopped, ServerBusy, drawn_scenario, run_from_web

RUN_FIELDS = ("scenario", "parameters", "posterior")


class BadRequest(BadBody):
    """A call the API cannot read: wrong method, body or fields."""


def _error(message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": message.splitlines()[0] if message else "bad request"}, status_code=status)


def _status(err: UprisingError) -> int:
    if isinstance(err, BadBody):
        return err.status
    if isinstance(err, RequestTooLarge):
        return 413
    if isinstance(err, ServerBusy):
        return 429
    if isinstance(err, RunStopped):
        return 503
    return 400


async def _read_json(request: Request) -> dict[str, Any]:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise BadRequest(f"request body: larger than {MAX_BODY_BYTES} bytes", 413)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise BadRequest(f"request body: larger than {MAX_BODY_BYTES} bytes", 413)
    data = parse_body(body)
    if not isinstance(data, dict):
        raise BadRequest("request body: expected a JSON object with fields scenario and parameters")
    return data


def _run_request(data: dict[str, Any]) -> tuple[str, dict[str, Any], str | None]:
    unknown = sorted(set(data) - set(RUN_FIELDS))
    if unknown:
        raise BadRequest(f"field {unknown[0]!r}: unknown; allowed fields are {', '.join(RUN_FIELDS)}")
    name = data.get("scenario")
    if not isinstance(name, str) or not name:
        raise BadRequest("field 'scenario': required, the name of a built-in scenario")
    parameters = data.get("parameters", {})
    if not isinstance(parameters, dict):
        raise BadRequest("field 'parameters': expected an object like {\"citizens.legitimacy\": 0.7}")
    posterior = data.get("posterior")
    if posterior is not None and not isinstance(posterior, str):
        raise BadRequest("field 'posterior': expected the name of a built-in posterior of the scenario")
    return name, parameters, posterior


async def scenarios_endpoint(request: Request) -> JSONResponse:
    from uprising.experiment.posterior import builtin_for
    from uprising.scenario import builtin_names

    limits = server_config().limits
    return JSONResponse(
        {
            "scenarios": builtin_names(),
            "posteriors": {name: builtin_for(name) for name in builtin_names()},
            "limits": {
                "max_agents": limits.max_agents,
                "max_ticks": limits.max_ticks,
                "max_work": limits.max_work,
            },
        }
    )


async def parameters_endpoint(request: Request) -> JSONResponse:
    from uprising.scenario import builtin_names, load_scenario

    name = request.query_params.get("scenario", "")
    try:
        if name not in builtin_names():
            raise BadRequest(
                f"scenario {name!r}: unknown; built-in scenarios are {', '.join(builtin_names())}", 404
            )
        specs = editable_parameters(load_scenario(name))
    except UprisingError as err:
        return _error(str(err), _status(err))
    return JSONResponse(
        {
            "scenario": name,
            "parameters": [
                {
                    "path": s.path,
                    "description": s.description,
                    "type": s.kind.__name__,
                    "min": s.low,
                    "max": s.high,
                    "default": s.default,
                }
                for s in specs
            ],
        }
    )


async def run_endpoint(request: Request) -> JSONResponse:
    if request.method != "POST":
        return _error(f"{request.method} /api/run: not allowed; use POST with a JSON body", 405)
    try:
        name, parameters, posterior = _run_request(await _read_json(request))
        drawn = None if posterior is None else drawn_scenario(name, parameters, posterior)
        scenario = build_scenario(name, parameters) if drawn is None else drawn.scenario
        output = await _run_while_connected(request, scenario)
    except UprisingError as err:
        return _error(str(err), _status(err))
    national = output.national()
    return JSONResponse(
        {
            "scenario": output.scenario,
            "seed": output.seed,
            "scenario_hash": output.scenario_hash,
            "days": output.days,
            "seconds": round(output.seconds, 3),
            "population_scale": output.population_scale,
            "national": {c: national[c].to_list() for c in national.columns},
            "posterior": posterior,
            "particle": None if drawn is None else {"index": drawn.particle, "values": drawn.values},
        }
    )


async def _run_while_connected(request: Request, scenario):
    """Run `scenario` in a worker thread, stopping it at the end of a tick if the client goes away."""
    gone = threading.Event()

    async def watch() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass
        gone.set()

    done: list[Any] = []
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(watch)
        try:
            done.append(
                await anyio.to_thread.run_sync(run_from_web, scenario, server_config().limits, None, gone)
            )
        except UprisingError as err:  # raised after the group, not wrapped in an exception group
            done.append(err)
        tasks.cancel_scope.cancel()
    if isinstance(done[0], UprisingError):
        raise done[0]
    return done[0]


async def unknown_endpoint(request: Request) -> JSONResponse:
    return _error(f"{request.url.path}: no such endpoint; see /api/scenarios, /api/parameters, /api/run", 404)


routes = [
    Route("/api/scenarios", scenarios_endpoint, methods=["GET"]),
    Route("/api/parameters", parameters_endpoint, methods=["GET"]),
    Route("/api/run", run_endpoint, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
    Route("/api/{rest:path}", unknown_endpoint, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
]
