"""The dashboard page: pick a scenario, change its parameters and mechanisms, watch it run, store it.

Each browser session has its own state (Solara's reactive variables are per session); runs
go through `uprising.web.runs`, in a background thread, so the page stays live: the charts,
the torus's sites and the map of Peru are redrawn from the run's `LiveFrame`s while it runs,
and a run stops at the end of its tick when Cancel is pressed or its page's session closes.
"Run N seeds and store" writes an ensemble to the server's store as `uprising run` does. Where
the scenario has a built-in posterior, the form can draw each run's calibrated parameters from it
instead, as `uprising run NAME --posterior POSTERIOR` does.
"""

from __future__ import annotations

import logging
import threading
from urllib.parse import parse_qs

import ipywidgets
import solara
from solara.lab import task

from uprising.errors import UprisingError
from uprising.experiment.posterior import builtin_for
from uprising.scenario import builtin_names, load_scenario
from uprising.web.charts import grid_chart, series_chart
from uprising.web.config import server_config
from uprising.web.figures import RunView, map_of_day, run_view, timeline_charts
from uprising.web.limits import check_request, estimated_agents
from uprising.web.live import FrameDrawer, LiveFrame, LiveRecorder
from uprising.web.parameters import (
    ParameterSpec,
    SwitchSpec,
    build_scenario,
    capped,
    editable_parameters,
    mechanism_switches,
)
from uprising.web.runs import MAX_WEB_SEEDS, drawn_scenario, posterior_of, run_and_store, run_from_web
from uprising.web.stored import StoredBrowser

log = logging.getLogger("uprising.web")

DEFAULT_SCENARIO = "epstein-2002"
PLAY_INTERVAL_MS = 600
SLIDER_STEPS = 100  # positions of a bounded number's slider
OWN_VALUES = "the scenario's own values"  # the choice of no posterior

scenario_name = solara.reactive(DEFAULT_SCENARIO)
typed = solara.reactive({})  # parameter path -> the text the user typed (or "true"/"false")
request_error = solara.reactive("")
view = solara.reactive(None)  # RunView of the finished run on show
day = solara.reactive(0)
live = solara.reactive(None)  # LiveFrame of the run in progress, or of the last one
replay = solara.reactive(())  # (tick, sites) kept of the last torus run
replay_at = solara.reactive(0)
seeds = solara.reactive(2)
stored_message = solara.reactive("")
stop = solara.reactive(None)  # the threading.Event of the run in progress
posterior = solara.reactive("")  # the built-in posterior the runs draw from ("": none)
run_note = solara.reactive("")  # how the run on show took its parameters


class _Either:
    """Set when Cancel is pressed or the session closes."""

    def __init__(self, cancel: threading.Event, closed: threading.Event | None) -> None:
        self.cancel, self.closed = cancel, closed

    def is_set(self) -> bool:
        return self.cancel.is_set() or (self.closed is not None and self.closed.is_set())


def _session_closed():
    """The event set when this browser session's kernel closes (None outside a session)."""
    from solara.server import kernel_context

    try:
        return kernel_context.get_current_context().closed_event
    except RuntimeError:  # no kernel: the page rendered outside a server
        return None


def _in_this_session(draw):
    """`draw` run in the browser session of the caller (its reactive variables), from any thread."""
    from solara.server import kernel_context

    try:
        context = kernel_context.get_current_context()
    except RuntimeError:  # no kernel: the page rendered outside a server
        return draw

    def drawn(frame: LiveFrame) -> None:
        with context:
            draw(frame)

    return drawn


def _publish(frame: LiveFrame) -> None:
    live.value = frame


@task
def run_task(scenario, values: dict, n_seeds: int, cancel: _Either, drawn_from: str = "") -> RunView:
    """Run `scenario` (or store `n_seeds` runs of it when n_seeds > 0) in a background thread,
    drawing it as it runs, and compute its figures' data."""
    drawer = FrameDrawer(_in_this_session(_publish))
    log.info("page run of %s started (%s seeds to store)", scenario.name, n_seeds or "no")
    try:
        recorder = LiveRecorder(drawer.put, "")
        shown = _run_and_view(scenario, values, n_seeds, cancel, recorder, drawn_from)
    except Exception as err:
        log.info("page run of %s ended: %s", scenario.name, (str(err) or type(err).__name__).splitlines()[0])
        raise
    finally:
        drawer.close()
    log.info("page run of %s finished", scenario.name)
    return shown


def _run_and_view(
    scenario, values: dict, n_seeds: int, cancel: _Either, recorder: LiveRecorder, drawn_from: str = ""
) -> RunView:
    """The body of `run_task`, with the frames of the run handed to `recorder`; each stored run
    draws its parameters from the built-in posterior `drawn_from` when one is named."""
    limits = server_config().limits
    recorder.start(f"{scenario.name}, seed {scenario.run.seed}")
    stored_message.value = ""
    if n_seeds:
        db = server_config().db

        def next_seed(k: int, total: int, seed: int) -> None:
            recorder.start(f"{scenario.name}, seed {seed} ({k + 1} of {total})")

        result = run_and_store(
            scenario.name, values, n_seeds, limits, db, next_seed, cancel, recorder, drawn_from or None
        )
        output = result.outputs[-1]
        again = f", {result.resumed} found done" if result.resumed else ""
        stored_message.value = (
            f"stored {len(result.outputs)} runs{again} as experiment {result.experiment_id}: "
            f"uprising report {result.experiment_id} --db {db}"
        )
    else:
        output = run_from_web(scenario, limits, None, cancel, recorder)
    replay.value = tuple(recorder.kept)
    replay_at.value = len(recorder.kept) - 1
    result_view = run_view(output)
    view.value = result_view
    day.value = 0
    return result_view


def _changed(specs: list[ParameterSpec | SwitchSpec]) -> dict[str, str]:
    paths = {s.path for s in specs}
    return {p: v for p, v in typed.value.items() if p in paths}


def _form_values(specs: list[ParameterSpec | SwitchSpec]) -> dict[str, str]:
    """The values typed in the form that a run takes: not those the chosen posterior sets."""
    drawn = _drawn_paths()
    return {p: v for p, v in _changed(specs).items() if p not in drawn}


def _scenario_to_run(values: dict):
    """The scenario the form runs: with `values`, and its parameters drawn from the chosen
    posterior for its seed where one is chosen; how it took them ("" for its own); and the
    values the posterior's particle gives the parameters it sets, as the run takes them."""
    if not posterior.value:
        return build_scenario(scenario_name.value, values), "", {}
    drawn = drawn_scenario(scenario_name.value, values, posterior.value)
    note = f"parameters of particle {drawn.particle} of the posterior {posterior.value}"
    return drawn.scenario, note, drawn.values


def _drawn_paths() -> set[str]:
    """The parameters the chosen posterior sets (none without one)."""
    if not posterior.value:
        return set()
    return {r.path for r in posterior_of(scenario_name.value, posterior.value).ranges}


def _field_errors(specs: list[ParameterSpec], values: dict[str, str]) -> dict[str, str]:
    errors = {}
    for spec in specs:
        if spec.path in values:
            try:
                spec.parse(values[spec.path])
            except UprisingError as err:
                errors[spec.path] = str(err)
    return errors


def _set_typed(path: str, text: str) -> None:
    typed.value = {**typed.value, path: text}
    request_error.value = ""


def _css(path: str) -> str:
    return path.replace(".", "-")


@solara.component
def ParameterField(spec: ParameterSpec, text: str, error: str, drawn: bool = False):
    solara.InputText(
        label=f"{spec.path}  {spec.range_text}",
        value=text,
        on_value=lambda value: _set_typed(spec.path, value or ""),
        error=error or False,
        message=None if error else ("drawn from the posterior for this seed" if drawn else spec.description),
        disabled=drawn,
        classes=[f"param-{_css(spec.path)}"],
    )
    if drawn:
        return
    if spec.kind is float and spec.low is not None and spec.high is not None and not error:
        current = float(spec.parse(text))
        step = (spec.high - spec.low) / SLIDER_STEPS

        def slid(value: float) -> None:
            # The slider snaps a typed value to its steps and reports it: only a move is a change.
            if abs(value - current) > step / 2:
                _set_typed(spec.path, f"{value:.6g}")

        with solara.Div(classes=[f"slider-{_css(spec.path)}"]):
            solara.SliderFloat(
                label="", value=current, min=float(spec.low), max=float(spec.high), step=step, on_value=slid
            )


@solara.component
def MechanismSwitch(spec: SwitchSpec, on: bool):
    solara.Switch(
        label=f"{spec.path}: {spec.description}",
        value=on,
        on_value=lambda value: _set_typed(spec.path, "true" if value else "false"),
        classes=[f"switch-{_css(spec.path)}"],
    )


@solara.component
def ScenarioForm(specs: list[ParameterSpec], switches: list[SwitchSpec], errors: dict[str, str], scenario):
    def pick(name: str | None) -> None:
        if name:
            scenario_name.value = name
            typed.value = {}
            posterior.value = ""
            request_error.value = ""

    def pick_posterior(choice: str | None) -> None:
        posterior.value = "" if choice in (None, OWN_VALUES) else choice
        request_error.value = ""

    solara.Select(label="scenario", values=builtin_names(), value=scenario_name.value, on_value=pick)
    solara.v.Html(tag="div", style_="font-style: italic", children=[scenario.description])
    posteriors = builtin_for(scenario_name.value)
    if posteriors:
        solara.Select(
            label="parameters",
            values=[OWN_VALUES, *posteriors],
            value=posterior.value or OWN_VALUES,
            on_value=pick_posterior,
            classes=["posterior-select"],
        )
        if posterior.value:
            calibration = posterior_of(scenario_name.value, posterior.value)
            scale = " ".join(calibration.overrides) or "the scenario's values"
            solara.Text(
                f"each run takes a particle of the posterior {posterior.value}, drawn by weight for "
                f"its seed as the command uprising run {scenario_name.value} --posterior "
                f"{posterior.value} does: {len(calibration.ranges)} parameters, with {scale} unless "
                "set here",
                classes=["posterior-note"],
            )
    # The run the form would start, once a render: its agents, and the particle's values
    # (shown in place of the fields the posterior sets); the scenario's own where a value does
    # not parse.
    try:
        to_run, _, particle = _scenario_to_run(_form_values([*specs, *switches]))
    except UprisingError:
        to_run, particle = scenario, {}
    solara.Text(f"about {estimated_agents(to_run):,} agents with these values")
    RunControls(specs, switches, errors)
    if switches:
        solara.v.Html(tag="h4", children=["mechanisms"])
        for switch in switches:
            text = typed.value.get(switch.path)
            MechanismSwitch(switch, switch.default if text is None else text == "true")
    solara.v.Html(tag="h4", children=["parameters"])
    drawn = _drawn_paths()
    for spec in specs:
        text = typed.value.get(spec.path, str(spec.default))
        if spec.path in particle:
            text = f"{particle[spec.path]:.6g}"
        ParameterField(spec, text, errors.get(spec.path, ""), spec.path in drawn)


@solara.component
def RunControls(specs: list[ParameterSpec], switches: list[SwitchSpec], errors: dict[str, str]):
    config = server_config()
    limits = config.limits

    def start(n_seeds: int) -> None:
        request_error.value = ""
        values = _form_values([*specs, *switches])
        try:
            scenario, note, _ = _scenario_to_run(values)
            check_request(scenario, limits)
        except UprisingError as err:
            request_error.value = str(err)
            return
        if n_seeds and not 1 <= n_seeds <= MAX_WEB_SEEDS:
            request_error.value = f"seeds = {n_seeds}: must be from 1 to {MAX_WEB_SEEDS}"
            return
        cancel = threading.Event()
        stop.value = cancel
        live.value = None
        view.value = None
        replay.value = ()
        run_note.value = (
            f"each run's parameters drawn from the posterior {posterior.value}"
            if (n_seeds and posterior.value)
            else note
        )
        run_task(scenario, values, n_seeds, _Either(cancel, _session_closed()), posterior.value)

    def cancel_run() -> None:
        log.info("page run: Cancel pressed%s", "" if stop.value is not None else " with no run going")
        if stop.value is not None:
            stop.value.set()

    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Button(
            "Run",
            on_click=lambda: start(0),
            color="primary",
            disabled=bool(errors) or run_task.pending,
            classes=["run-button"],
        )
        solara.Button(
            "Cancel",
            on_click=cancel_run,
            disabled=not run_task.pending,
            classes=["cancel-button"],
        )
    with solara.Row(style={"align-items": "center"}):
        solara.InputInt(
            f"seeds to store [1, {MAX_WEB_SEEDS}]",
            value=seeds.value,
            on_value=lambda v: seeds.set(v or 1),
            classes=["seeds-field"],
        )
        solara.Button(
            f"Run {seeds.value} seeds and store",
            on_click=lambda: start(seeds.value),
            disabled=bool(errors) or run_task.pending or config.db is None,
            classes=["store-button"],
        )
    if config.db is None:
        solara.Text("runs are stored when the server is started with --db PATH")
    solara.Text(
        f"this server's caps: {limits.max_agents:,} agents, {limits.max_ticks:,} ticks and "
        f"{limits.max_work:.3g} agent-site visits per run"
    )
    if errors:
        solara.Error(next(iter(errors.values())), classes=["request-error"])
    if request_error.value:
        solara.Error(request_error.value, classes=["request-error"])
    frame = live.value
    if run_task.pending:
        solara.ProgressLinear(100 * frame.tick // max(frame.steps, 1) if frame else True)
        doing = "building the world"
        if frame is not None:
            doing = f"running {frame.label}: tick {frame.tick:,} of {frame.steps:,}"
        solara.Text(doing, classes=["run-progress"])
    elif run_task.error and run_task.exception is not None:
        solara.Error(str(run_task.exception).splitlines()[0], classes=["request-error"])
    if stored_message.value:
        solara.Success(stored_message.value, classes=["stored-message"])


def _people(scale: float) -> str:
    return f"1 agent = {scale:g} " + ("person" if scale == 1 else "people")


@solara.component
def LivePanel(frame: LiveFrame):
    """The run as it stands: its counts so far, and the torus's sites or the map of this tick."""
    solara.v.Html(
        tag="div", class_="live-summary", children=[f"{frame.label}: tick {frame.tick:,} of {frame.steps:,}"]
    )
    lines = {k: frame.counts[k] for k in ("active", "jailed")}
    chart = series_chart(
        frame.ticks, lines, "people by tick, as the run goes", "tick", x_range=(0, max(frame.steps, 1))
    )
    with solara.Div(style={"display": "flex", "flex-wrap": "wrap", "gap": "8px"}):
        with solara.Div(classes=["live-chart"], style={"min-width": "480px", "flex-grow": "1"}):
            solara.FigurePlotly(chart)
        if frame.grid is not None:
            with solara.Div(classes=["grid-panel"]):
                solara.FigurePlotly(grid_chart(frame.grid, f"the torus at tick {frame.tick:,}"))
        elif frame.per_1000 is not None:
            from uprising.web.charts import map_chart

            title = f"active per 1,000 inhabitants, tick {frame.tick:,}"
            with solara.Div(classes=["live-map"]):
                solara.FigurePlotly(
                    map_chart(frame.departments, frame.per_1000, frame.active, frame.vmax, title)
                )


@solara.component
def GridReplay(kept):
    """The torus's sites of the last run, tick by tick."""
    last = len(kept) - 1
    shown = min(max(replay_at.value, 0), last)
    tick, grid = kept[shown]
    with solara.Row(style={"align-items": "center"}):
        ipywidgets.Play.element(
            value=shown, min=0, max=last, step=1, interval=PLAY_INTERVAL_MS // 3, on_value=replay_at.set
        )
        with solara.Div(style={"flex-grow": "1"}):
            solara.SliderInt("replay", value=shown, min=0, max=last, on_value=replay_at.set)
        solara.Text(f"tick {tick:,}", classes=["replay-label"])
    with solara.Div(classes=["grid-panel"]):
        solara.FigurePlotly(grid_chart(grid, f"the torus at tick {tick:,}"))


@solara.component
def RunDisplay(current: RunView):
    out = current.output
    last = max(current.days - 1, 0)
    shown = min(day.value, last)
    unit = current.unit
    solara.v.Html(
        tag="div",
        class_="run-summary",
        children=[
            f"{out.scenario}, seed {out.seed}: {current.days} {unit}s in {out.seconds:.2f} s; "
            f"{_people(out.population_scale)}" + (f"; {run_note.value}" if run_note.value else "")
        ],
    )
    if current.on_map:
        with solara.Row(style={"align-items": "center"}):
            ipywidgets.Play.element(
                value=shown, min=0, max=last, step=1, interval=PLAY_INTERVAL_MS, on_value=day.set
            )
            with solara.Div(style={"flex-grow": "1"}):
                solara.SliderInt(unit, value=shown, min=0, max=last, on_value=day.set)
            solara.Text(current.day_label(shown), classes=["day-label"])
    with solara.Div(
        style={"display": "flex", "flex-wrap": "wrap", "gap": "8px", "align-items": "flex-start"}
    ):
        if current.on_map:
            with solara.Div(classes=["map-panel"]):
                solara.FigurePlotly(map_of_day(current, shown))
        with solara.Div(classes=["timeline-panel"], style={"min-width": "480px", "flex-grow": "1"}):
            for chart in timeline_charts(current):
                solara.FigurePlotly(chart)
            if current.on_map and not current.observed:
                solara.Text("no observed data on the days of this run")


def _show_stored(output) -> None:
    """Show a stored run, and put its scenario, seed and values in the form."""
    view.value = run_view(output)
    day.value = 0
    live.value = None
    replay.value = ()
    run_note.value = ""
    posterior.value = ""  # the stored run's values go into the form, its particle's among them
    if output.scenario not in builtin_names():
        return
    scenario_name.value = output.scenario
    base = load_scenario(output.scenario)
    values: dict[str, str] = {}
    for spec in [*editable_parameters(base), *mechanism_switches(base)]:
        node = output.parameters
        for part in spec.path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None and (node != spec.default or spec.path == "run.seed"):
            values[spec.path] = ("true" if node else "false") if isinstance(node, bool) else str(node)
    values["run.seed"] = str(output.seed)
    typed.value = values


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
            posterior.value = ""

    solara.use_effect(take_query, [asked])

    scenario = solara.use_memo(lambda: load_scenario(scenario_name.value), dependencies=[scenario_name.value])
    specs = capped(editable_parameters(scenario), server_config().limits.max_ticks)
    switches = mechanism_switches(scenario)
    errors = _field_errors(specs, _form_values([*specs, *switches]))  # not those the particle sets

    solara.Title("uprising: dashboard")
    with solara.Column(style={"padding": "12px"}):
        solara.v.Html(
            tag="h2", children=["uprising: uprisings and repression, on a torus or the map of Peru"]
        )
        if asked_error:
            solara.Error(asked_error, classes=["request-error"])
        with solara.Columns([1, 3]):
            with solara.Column():
                ScenarioForm(specs, switches, errors, scenario)
            with solara.Column():
                if live.value is not None and (run_task.pending or view.value is None):
                    LivePanel(live.value)
                elif view.value is not None:
                    if replay.value:
                        GridReplay(replay.value)
                    RunDisplay(view.value)
                else:
                    solara.Info("pick a scenario, change its parameters and press Run")
                StoredBrowser(on_load=_show_stored)
