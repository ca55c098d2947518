"""`uprising congress`: simulated roll calls of a motion, set against the record if there is one."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

import typer
from pydantic import BaseModel, ValidationError

from uprising.cli.app import app, reports_bad_input
from uprising.errors import UprisingError
from uprising.scenario.bounded_yaml import load_bounded

CONTEXT_PREFIX = "context."
CONFIG_PREFIX = "institutions."


def _leaves(model: type[BaseModel], prefix: str = "") -> list[str]:
    out = []
    for name, field in model.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out.extend(_leaves(ann, f"{prefix}{name}."))
        else:
            out.append(f"{prefix}{name}")
    return out


def _field_range(model: type[BaseModel], path: list[str]) -> str:
    current: Any = model
    field = None
    for part in path:
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return ""
        current = field.annotation
    lo = hi = None
    for meta in field.metadata if field is not None else ():
        lo = getattr(meta, "ge", lo)
        hi = getattr(meta, "le", hi)
    if lo is None and hi is None:
        return ""
    return f" (allowed range [{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}])"


def _validated(model: type[BaseModel], data: dict[str, Any], label: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        loc = [str(p) for p in first["loc"]]
        path = ".".join(loc)
        if first["type"] == "extra_forbidden":
            raise UprisingError(f"--set {label}{path}: unknown parameter") from None
        msg = first["msg"].removeprefix("Value error, ")
        value = first.get("input")
        raise UprisingError(f"--set {label}{path} = {value!r}: {msg}{_field_range(model, loc)}") from None


def split_overrides(
    items: list[str], scenario_has_institutions: bool
) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """Sort `--set key=value` items into institutions config, roll-call context and scenario."""
    from uprising.institutions import InstitutionsConfig, RollCallContext
    from uprising.scenario import Scenario

    config_keys = _leaves(InstitutionsConfig)
    context_keys = _leaves(RollCallContext)
    # With an institutions section in the scenario, its keys are the config keys above.
    scenario_keys = {k for k in _leaves(Scenario) if not k.startswith(CONFIG_PREFIX)}
    config: dict[str, Any] = {}
    context: dict[str, Any] = {}
    scenario: list[str] = []
    for item in items:
        if "=" not in item:
            raise UprisingError(f"--set {item!r}: expected key=value")
        key, raw = (s.strip() for s in item.split("=", 1))
        value = load_bounded(raw, f"--set {key}") if raw else None
        if key.startswith(CONTEXT_PREFIX):
            context[key.removeprefix(CONTEXT_PREFIX)] = value
            continue
        if key.startswith(CONFIG_PREFIX):
            if scenario_has_institutions:
                scenario.append(item)
            else:
                config[key.removeprefix(CONFIG_PREFIX)] = value
            continue
        matches = [f"{CONFIG_PREFIX}{k}" for k in config_keys if k == key or k.endswith(f".{key}")]
        matches += [f"{CONTEXT_PREFIX}{k}" for k in context_keys if k == key]
        if not matches:
            scenario.append(item)
            continue
        in_scenario = sorted(k for k in scenario_keys if k == key or k.split(".")[-1] == key)
        if len(matches) + len(in_scenario) > 1:
            raise UprisingError(
                f"--set {key}: ambiguous; did you mean one of {', '.join(matches + in_scenario)}"
            )
        full = matches[0]
        if full.startswith(CONTEXT_PREFIX):
            context[full.removeprefix(CONTEXT_PREFIX)] = value
        elif scenario_has_institutions:
            scenario.append(f"{full}={raw}")
        else:
            config[full.removeprefix(CONFIG_PREFIX)] = value
    return config, context, scenario


def _apply(base: BaseModel, updates: dict[str, Any], label: str) -> Any:
    data = base.model_dump()
    for path, value in updates.items():
        node = data
        parts = path.split(".")
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                raise UprisingError(f"--set {label}{path}: unknown parameter")
            node = node[part]
        node[parts[-1]] = value
    return _validated(type(base), data, label)


def _parse_date(raw: str | None) -> dt.date | None:
    if raw is None:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise UprisingError(f"--date {raw!r}: expected a date YYYY-MM-DD") from None


def _list_motions() -> str:
    from uprising.institutions import KINDS, NOT_MODELLED, ROLL_CALLS, RULE_TEXT, recorded_vote

    lines = ["Recorded roll calls (yes / no / abstain as announced):"]
    for name, m in ROLL_CALLS.items():
        rec = recorded_vote(m)
        assert rec is not None
        role = "fitted" if m.fitted else "check"
        votes = f"{rec.yes:3d} / {rec.no:3d} / {rec.abstain:3d}"
        lines.append(f"  {name:44s} {votes}  {role:6s}  {m.description}")
    for date, what in NOT_MODELLED.items():
        lines.append(f"  (not modelled: {date}, {what})")
    lines.append("Kinds of motion (give --date):")
    for name, m in KINDS.items():
        lines.append(f"  {name:44s} {RULE_TEXT[m.rule]}")
    return "\n".join(lines)


def _interval(lo: int, hi: int) -> str:
    return f"[{lo}, {hi}]"


def _print_summary(summary: dict[str, Any], observed: dict[str, Any] | None) -> None:
    ctx = summary["context"]
    echo = typer.echo
    runs = f"{summary['runs']} runs, seed {summary['seed']}"
    echo(f"{summary['motion']}  on {summary['date']}  ({runs})")
    echo(f"  rule: {summary['rule']}")
    echo(
        f"  context: allegations {ctx['allegations']}, "
        f"self-coup {'yes' if ctx['self_coup'] else 'no'}, "
        f"protest {ctx['protest_intensity']:.2f}, deaths {ctx['deaths']}, "
        f"approval {ctx['approval']:.2f}"
    )
    echo(f"  {'':8s} {'median':>6s}  {'90% interval':>12s}  {'recorded':>8s}")
    for name in ("yes", "no", "abstain", "absent"):
        q = summary[f"{name}_quantiles"]
        rec = "" if observed is None or name not in observed else str(observed[name])
        echo(f"  {name:8s} {q['q50']:6d}  {_interval(q['q05'], q['q95']):>12s}  {rec:>8s}")
    echo(f"  P(pass) = {summary['p_pass']:.3f}")
    if "p_referendum_route" in summary:
        echo(f"  P(yes >= 66, the referendum route) = {summary['p_referendum_route']:.3f}")
    echo(f"  yes by bloc  {'seats':>5s} {'mean':>6s} {'90% interval':>12s} {'recorded':>8s}")
    rec_bloc = (observed or {}).get("yes_by_bloc", {})
    for bloc, mean in summary["yes_by_bloc"].items():
        lo, hi = summary["yes_by_bloc_interval"][bloc]
        rec = str(rec_bloc[bloc]) if bloc in rec_bloc else ""
        seats = summary["seats_by_bloc"][bloc]
        echo(f"    {bloc:9s} {seats:5d} {mean:6.2f} {_interval(lo, hi):>12s} {rec:>8s}")


def _calibrate(config: Any, as_json: bool) -> None:
    from uprising.institutions import calibrate_congress, calibration_table

    fit = calibrate_congress(config)
    table = calibration_table(fit.config)
    if as_json:
        record = {
            "log_likelihood": round(fit.log_likelihood, 4),
            "converged": fit.converged,
            "parameters": fit.parameters,
            "cells": fit.cells,
            "config": fit.config.model_dump(),
            "table": table,
        }
        typer.echo(json.dumps(record))
        return
    typer.echo(
        f"fit: {fit.parameters} parameters, {fit.cells} bloc-roll-call cells, "
        f"log-likelihood {fit.log_likelihood:.3f}, converged {fit.converged}"
    )
    typer.echo(json.dumps(fit.config.model_dump(), indent=2))
    typer.echo(f"{'roll call':44s} {'recorded':>8s} {'median':>6s} {'90% interval':>12s} P(pass)")
    for row in table:
        interval = _interval(row["yes_q05"], row["yes_q95"])
        typer.echo(
            f"{row['motion']:44s} {row['recorded_yes']:8d} {row['median_yes']:6d} "
            f"{interval:>12s} {row['p_pass']:7.3f}"
        )


@app.command("congress")
@reports_bad_input
def congress_command(
    scenario: Annotated[
        str | None,
        typer.Argument(
            metavar="SCENARIO",
            help="built-in scenario name or YAML path; its institutions section, or the calibrated defaults",
        ),
    ] = None,
    motion: Annotated[
        str | None, typer.Option(help="a recorded roll call or a kind of motion (see --list)")
    ] = None,
    date: Annotated[str | None, typer.Option(help="YYYY-MM-DD: composition and context of that day")] = None,
    runs: Annotated[int, typer.Option(help="roll calls to simulate")] = 1000,
    seed: Annotated[int | None, typer.Option(help="seed (default: the scenario's)")] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="override a parameter: key=value; institutions.KEY, "
            "context.KEY (allegations, self_coup, protest_intensity, deaths, approval), "
            "a unique name, or a scenario parameter",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print exactly one JSON line")] = False,
    list_motions: Annotated[bool, typer.Option("--list", help="list the motions and exit")] = False,
    calibrate: Annotated[
        bool,
        typer.Option(
            "--calibrate",
            help="refit stances and effects to the roll calls (with --motion: then simulate it)",
        ),
    ] = False,
) -> None:
    """Simulate Congress roll calls: vote distribution, probability of passing, yes by bloc."""
    from uprising.institutions import (
        InstitutionsConfig,
        context_on,
        recorded_vote,
        resolve_motion,
        simulate_roll_calls,
    )
    from uprising.scenario import Scenario, load_scenario

    if list_motions:
        typer.echo(_list_motions())
        return
    has_section = "institutions" in Scenario.model_fields
    config_set, context_set, scenario_set = split_overrides(list(set_ or []), has_section)
    config = InstitutionsConfig()
    run_seed = 1
    if scenario is not None:
        sc = load_scenario(scenario, scenario_set)
        config = getattr(sc, "institutions", None) or config
        run_seed = sc.run.seed
    elif scenario_set:
        raise UprisingError(f"--set {scenario_set[0]}: unknown parameter (no scenario given)")
    config = _apply(config, config_set, CONFIG_PREFIX)
    if calibrate and motion is None:
        _calibrate(config, as_json)
        return
    if calibrate:  # refit under the given assumptions, then simulate the motion with the fit
        from uprising.institutions import calibrate_congress

        config = calibrate_congress(config).config
    if scenario is None or motion is None:
        raise UprisingError("congress: give a SCENARIO and --motion NAME (or --list, --calibrate)")
    when = _parse_date(date)
    chosen, when = resolve_motion(motion, when)
    if not 1 <= runs <= 10_000_000:
        raise UprisingError(f"--runs {runs}: out of range (allowed range [1, 10000000])")
    seed = run_seed if seed is None else seed
    if not 0 <= seed < 2**63:
        raise UprisingError(f"--seed {seed}: out of range (allowed range [0, 2**63 - 1])")
    context = context_on(when)
    context = _apply(context, context_set, CONTEXT_PREFIX)
    result = simulate_roll_calls(chosen, config, date=when, context=context, runs=runs, seed=seed)
    summary = result.summary()
    summary["seed"] = seed
    observed = None
    rec = recorded_vote(chosen) if when == chosen.date else None
    if rec is not None:
        observed = {
            "yes": rec.yes,
            "no": rec.no,
            "abstain": rec.abstain,
            "yes_by_bloc": rec.bloc_dict("yes"),
        }
    summary["observed"] = observed
    summary["counterfactual"] = bool(context_set)
    if as_json:
        typer.echo(json.dumps(summary))
        return
    _print_summary(summary, observed)
    if observed is not None and context_set:
        typer.echo("  (context overridden: the recorded column is the vote as it happened)")
