"""The dashboard page: pick a scenario, change its parameters, run it, watch the map of Peru by day.

Each browser session has its own state (Solara's reactive variables are per session); runs
go through `uprising.web.runs.run_from_web`, in a background thread, so the page stays live
and shows the run's progress tick by tick; a run stops when its page's session closes.
"""

from __future__ import annotations

from urllib.parse import parse_qs

import ipywidgets
import reacton.ipywidgets as rw
import solara
from solara.lab import task

from uprising.errors import UprisingError
from uprising.scenario import builtin_names, load_scenario
from uprising.web.config import server_config
from uprising.web.figures import RunView, run_view
from uprising.web.limits import check_request, estimated_agents
from uprising.web.parameters import ParameterSpec, build_scenario, editable_parameters
from uprising.web.runs import run_from_web
from uprising.web.stored import StoredBrowser

DEFAULT_SCENARIO = "epstein-2002"
PLAY_INTERVAL_MS = 600

scenario_name = solara.reactive(DEFAULT_SCENARIO)
typed = solara.reactive({})  # parameter path -> the text the user typed
request_error = solara.reactive("")
view = solara.reactive(None)  # RunView of the run on show
day = solara.reactive(0)
ticks_done = solara.reactive((0, 0))


def _session_closed():
    """The event set when this browser session's kernel closes (None outside a session)."""
    from solara.server import kernel_context

    try:
        return kernel_context.get_current_context().closed_event
    except RuntimeError:  # no kernel: the page rendered outside a server
        return None


@task
def run_task(scenario, closed=None) -> RunView:
    """Run `scenario` in a background thread, reporting its ticks, and compute its figures' data;
    stop it when `closed` (the session's end) is set."""
    steps = max(scenario.run.steps, 1)
    last = [-1]

    def progress(tick: int, total: int) -> None:
        percent = int(100 * tick / steps)
        if percent != last[0] or tick == total:
            last[0] = percent
            run_task.progress = percent
            ticks_done.value = (tick, total)

    output = run_from_web(scenario, server_config().limits, progress, closed)
    result = run_view(output)
    view.value = result
    day.value = 0
    return result


def _agents_now(scenario, specs: list[ParameterSpec]) -> int:
    """The agents of the scenario with the values typed so far (its own where they do not parse)."""
    try:
        changed = {p: v for p, v in typed.value.items() if any(s.path == p for s in specs)}
        return estimated_agents(build_scenario(scenario_name.value, changed))
    except UprisingError:
        return estimated_agents(scenario)


def _field_errors(specs: list[ParameterSpec], values: dict[str, str]) -> dict[str, str]:
    errors = {}
    for spec in specs:
        if spec.path in values:
            try:
                spec.parse(values[spec.path])
            except UprisingError as err:
                errors[spec.path] = str(err)
    return errors


@solara.component
def ParameterField(spec: ParameterSpec, text: str, error: str):
    def set_text(value: str | None) -> None:
        typed.value = {**typed.value, spec.path: value or ""}
        request_error.value = ""

    solara.InputText(
        label=f"{spec.path}  {spec.range_text}",
        value=text,
        on_value=set_text,
        error=error or False,
        message=None if error else spec.description,
        classes=[f"param-{spec.path.replace('.', '-')}"],
    )


@solara.component
def ScenarioForm(specs: list[ParameterSpec], errors: dict[str, str], scenario):
    def pick(name: str | None) -> None:
        if name:
            scenario_name.value = name
            typed.value = {}
            request_error.value = ""

    solara.Select(label="scenario", values=builtin_names(), value=scenario_name.value, on_value=pick)
    solara.v.Html(tag="div", style_="font-style: italic", children=[scenario.description])
    solara.Text(f"about {_agents_now(scenario, specs):,} agents with these values")
    RunControls(specs, errors)
    for spec in specs:
        ParameterField(spec, typed.value.get(spec.path, str(spec.default)), errors.get(spec.path, ""))


@solara.component
def RunControls(specs: list[ParameterSpec], errors: dict[str, str]):
    limits = server_config().limits

    def start() -> None:
        request_error.value = ""
        changed = {p: v for p, v in typed.value.items() if any(s.path == p for s in specs)}
        try:
            scenario = build_scenario(scenario_name.value, changed)
            check_request(scenario, limits)
        except UprisingError as err:
            request_error.value = str(err)
            return
        ticks_done.value = (0, scenario.run.steps)
        run_task(scenario, _session_closed())

    solara.Button(
        "Run",
        on_click=start,
        color="primary",
        disabled=bool(errors) or run_task.pending,
        classes=["run-button"],
    )
    solara.Text(
        f"this server's caps: {limits.max_agents:,} agents, {limits.max_ticks:,} ticks and "
        f"{limits.max_work:.3g} agent-site visits per run"
    )
    if errors:
        solara.Error(next(iter(errors.values())), classes=["request-error"])
    if request_error.value:
        solara.Error(request_error.value, classes=["request-error"])
    if run_task.pending:
        tick, total = ticks_done.value
        solara.ProgressLinear(run_task.progress if run_task.progress is not None else True)
        doing = f"running: tick {tick:,} of {total:,}" if tick else "building the world"
        solara.Text(doing, classes=["run-progress"])
    elif run_task.error and run_task.exception is not None:
        solara.Error(str(run_task.exception).splitlines()[0], classes=["request-error"])


@solara.component
def RunDisplay(current: RunView):
    out = current.output
    last = max(current.days - 1, 0)
    shown = min(day.value, last)
    solara.v.Html(
        tag="div",
        class_="run-summary",
        children=[
            f"{out.scenario}, seed {out.seed}: {current.days} days in {out.seconds:.2f} s; "
            f"1 agent = {out.population_scale:g} people"
        ],
    )
    with solara.Row(style={"align-items": "center"}):
        ipywidgets.Play.element(
            value=shown, min=0, max=last, step=1, interval=PLAY_INTERVAL_MS, on_value=day.set
        )
        with solara.Div(style={"flex-grow": "1"}):
            solara.SliderInt("day", value=shown, min=0, max=last, on_value=day.set)
        solara.Text(current.day_label(shown), classes=["day-label"])
    with solara.Div(
        style={"display": "flex", "flex-wrap": "wrap", "gap": "8px", "align-items": "flex-start"}
    ):
        with solara.Div(classes=["map-panel"]):
            if current.on_map:
                MapPanel(current, shown)
            else:
                solara.Info("this world has no map: the classic torus is one department")
        with solara.Div(classes=["timeline-panel"]):
            TimelinePanel(current)
            if current.on_map and not current.observed:
                solara.Text("no observed data on the days of this run")


@solara.component
def MapPanel(current: RunView, shown: int):
    png = solara.use_memo(lambda: current.map_png(shown), dependencies=[current, shown])
    rw.Image(value=png, format="png")


@solara.component
def TimelinePanel(current: RunView):
    png = solara.use_memo(current.timeline_png, dependencies=[current])
    rw.Image(value=png, format="png")


def _show_stored(output) -> None:
    view.value = run_view(output)
    day.value = 0


@solara.component
def Page():
    router = solara.use_router()
    query = parse_qs(router.search or "")
    asked = (query.get("scenario") or [""])[0]
    asked_error = ""
    if asked and asked not in builtin_names():
        asked_error = f"scenario {asked!r}: unknown; built-in scenarios are {', '.join(builtin_names())}"

    def take_query() -> None:
        if asked and not asked_error:
            scenario_name.value = asked
            typed.value = {}

    solara.use_effect(take_query, [asked])

    scenario = solara.use_memo(lambda: load_scenario(scenario_name.value), dependencies=[scenario_name.value])
    specs = editable_parameters(scenario)
    errors = _field_errors(specs, typed.value)

    solara.Title("uprising: dashboard")
    with solara.Column(style={"padding": "12px"}):
        solara.v.Html(
            tag="h2", children=["uprising: uprisings and repression, on a torus or the map of Peru"]
        )
        if asked_error:
            solara.Error(asked_error, classes=["request-error"])
        with solara.Columns([1, 4]):
            with solara.Column():
                ScenarioForm(specs, errors, scenario)
            with solara.Column():
                if view.value is not None:
                    RunDisplay(view.value)
                else:
                    solara.Info("pick a scenario, change its parameters and press Run")
                StoredBrowser(on_load=_show_stored)
