"""`uprising world`: build a scenario's world and describe it (table, JSON line, PNG map)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from uprising.cli.app import app, fail, reports_bad_input
from uprising.cli.options import DpiOption, FormatOption
from uprising.errors import UprisingError
from uprising.scenario.world import MapWorld, PeruWorld


def _option_value(flag: str, text: str, field: str, unit: str, section: type = PeruWorld) -> float:
    """Parse a numeric option and check it against the world field's range, in one line."""
    info = section.model_fields[field]
    lo = next((m.ge for m in info.metadata if getattr(m, "ge", None) is not None), -math.inf)
    hi = next((m.le for m in info.metadata if getattr(m, "le", None) is not None), math.inf)
    allowed = f"must be a number from {lo:g} to {hi:g}{unit}"
    try:
        value = float(text)
    except ValueError:
        raise UprisingError(f"{flag} {text!r}: {allowed}") from None
    if not (math.isfinite(value) and lo <= value <= hi):
        raise UprisingError(f"{flag} {text}: {allowed}")
    return value


@app.command("world")
@reports_bad_input
def world_command(
    scenario: Annotated[
        str, typer.Argument(metavar="SCENARIO", help="built-in scenario name or path to a .yaml file")
    ] = "peru-2022",
    resolution: Annotated[
        str | None,
        typer.Option(
            "--resolution",
            metavar="KM",
            help="side of a cell in km, 1 to 20 (Peru worlds; default: the scenario's, 5)",
        ),
    ] = None,
    scale: Annotated[
        str | None,
        typer.Option(
            "--scale",
            metavar="S",
            help="people per agent, 1 to 1000: --scale 100 means 1:100, one agent for every "
            "100 people; --scale 1 is one agent per person, about 31 million (Peru worlds; "
            "default: the scenario's, 100)",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON line instead of a table")] = False,
    png: Annotated[
        Path | None,
        typer.Option(
            "--png",
            metavar="FILE",
            help="also draw a map: population density and mean hardship by department (PNG; with"
            " --format, one file per format, FILE with its suffix)",
        ),
    ] = None,
    overrides: Annotated[
        list[str] | None,
        typer.Option("--set", metavar="KEY=VALUE", help="override a scenario parameter (repeatable)"),
    ] = None,
    format_: FormatOption = "png",
    dpi: DpiOption = 110,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            metavar="DIR",
            help="folder holding a peru/ data folder to use instead of the packaged data",
        ),
    ] = None,
    check: Annotated[
        Path | None,
        typer.Option(
            "--check",
            metavar="DIR",
            help="check the data folder of a map world (or the folder a map scenario file names, "
            "with its columns and dates) and list every problem; build nothing",
        ),
    ] = None,
) -> None:
    """Build the world of SCENARIO and print cells, agents and forces per department."""
    if check is not None:
        check_data_folder(check)
        return
    from uprising.report.build import check_figure_options
    from uprising.scenario.loader import load_scenario
    from uprising.world.build import build_notes, build_world_with_details
    from uprising.world.summary import format_summary, summarise

    formats = check_figure_options(format_.split(","), dpi)
    if png is None and (formats != ("png",) or dpi != 110):
        raise UprisingError("--format and --dpi: only with --png FILE, the map to draw")
    loaded = load_scenario(scenario, overrides or [])
    section = type(loaded.world) if isinstance(loaded.world, MapWorld) else PeruWorld
    changes: dict[str, float] = {}
    if resolution is not None:
        changes["resolution_km"] = _option_value("--resolution", resolution, "resolution_km", " km", section)
    if scale is not None:
        changes["population_scale"] = _option_value("--scale", scale, "population_scale", "", section)
    if changes:
        if not isinstance(loaded.world, PeruWorld | MapWorld):
            given = (("--resolution", resolution), ("--scale", scale))
            flags = " and ".join(flag for flag, value in given if value is not None)
            raise UprisingError(f"{flags}: only for map worlds; scenario {loaded.name} is a torus")
        try:
            loaded.world = section.model_validate({**loaded.world.model_dump(), **changes})
        except ValidationError as err:  # pragma: no cover - ranges checked above
            raise UprisingError(f"world: {err.errors()[0]['msg']}") from None
    if data_dir is not None and not data_dir.is_dir():
        raise UprisingError(f"--data-dir {data_dir}: not a folder")

    world, details, seconds = build_world_with_details(loaded, data_dir)
    summary = summarise(world, details, seconds, loaded.name, loaded.run.seed)
    summary["notes"] += build_notes(loaded)
    if png is not None:
        from uprising.world.plot import plot_world

        scale_text = f"1:{world.population_scale:g}"
        res = f"{world.lattice.cell_km:g} km cells, " if world.lattice.cell_km else ""
        written = plot_world(
            world,
            png,
            details.data if details is not None else None,
            title=f"{loaded.name}: {res}{scale_text}, seed {loaded.run.seed}",
            formats=formats,
            dpi=dpi,
        )
        summary["png"] = str(written[0])
        summary["figures"] = [str(p) for p in written]
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, separators=(",", ":")))
    else:
        place = "department"
        if isinstance(loaded.world, MapWorld):
            from uprising.data.map_data import place_words

            place = place_words(loaded.world.data)[0]
        typer.echo(format_summary(summary, place))
        if png is not None:
            typer.echo(f"map written to {', '.join(str(p) for p in written)}")


def check_data_folder(target: Path) -> None:
    """`uprising world --check`: every problem of a map world's data folder, one line each on
    stderr (exit code 2), or one line saying what the folder holds."""
    from uprising.data.map_data import check_map_folder

    if target.is_dir():
        folder, data, problems = target, *check_map_folder(target)
    else:
        from uprising.scenario.loader import load_scenario
        from uprising.world.build import run_calendar
        from uprising.world.map_world import layout_columns

        loaded = load_scenario(str(target))
        if not isinstance(loaded.world, MapWorld):
            raise UprisingError(f"--check {target}: neither a folder nor a scenario of a map world")
        cfg = loaded.world
        columns, seat_columns = layout_columns(cfg)
        folder = Path(cfg.data)
        data, problems = check_map_folder(
            folder, cfg.code_property, cfg.name_property, columns, run_calendar(loaded), seat_columns
        )
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''} in {folder}"
        fail("\n".join([*problems, count]))
    assert data is not None
    counts = (
        (data.regions, data.words[0]),
        (len(data.seat_population), "seat"),
        (int(data.population.sum()), "person"),
        (len(data.sites), "site"),
        (len(data.roads), "road"),
    )
    plural = {data.words[0]: data.words[1], "person": "people"}
    held = ", ".join(f"{n:,} {word if n == 1 else plural.get(word, word + 's')}" for n, word in counts)
    typer.echo(f"{folder}: no problems ({held})")
