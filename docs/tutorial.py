# %% [markdown]
# # Tutorial
#
# From Epstein's classic model to the Peru scenario, a counterfactual, and reading results
# back from the store. This page is a Python script in the percent format (open it in
# Jupyter with jupytext, or run it with `python docs/tutorial.py`); the test suite runs it
# from top to bottom, at the small scale set just below. For the full 25 days of
# `peru-2022`, set `PERU_STEPS = None`.

# %%
import math
import tempfile
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numba
import polars as pl

import uprising
from uprising.experiment.ensemble import run_ensemble
from uprising.runner import run_scenario
from uprising.scenario import builtin_names, load_scenario
from uprising.store import Store

CLASSIC_STEPS = 200  # ticks of the classic model (as in its scenario)
matplotlib.use("Agg")  # figures to files, no screen needed
PERU_STEPS = 8  # ticks of peru-2022: 8 ticks of 6 hours are its first 2 days (None: all 100)

# %% [markdown]
# ## 1. The classic model
#
# A scenario is a YAML file validated by pydantic. `load_scenario` takes a built-in name (or
# a path) and overrides written as for the command line's `--set`.

# %%
print(builtin_names())
classic = load_scenario("epstein-2002", [f"run.steps={CLASSIC_STEPS}"])
print(classic.citizens)

# %% [markdown]
# `run_scenario` runs one scenario with one seed and returns a `RunOutput`. Its `daily`
# table is a polars DataFrame with one row per day and department; the torus has a single
# department and one tick per day, so here a day is a tick.

# %%
out = run_scenario(classic, seed=1)
print(out.daily.head())
print(out.daily.select(pl.col("active").mean().alias("mean_active"), pl.col("active").max().alias("peak")))

# %% [markdown]
# Runs are reproducible: the same scenario and seed give the same output.

# %%
again = run_scenario(classic, seed=1)
assert again.daily.equals(out.daily)

# %% [markdown]
# A lower legitimacy makes more citizens aggrieved enough to rebel.

# %%
unhappy = run_scenario(
    load_scenario("epstein-2002", [f"run.steps={CLASSIC_STEPS}", "citizens.legitimacy=0.6"]), seed=1
)
print("mean active, L = 0.8:", out.daily["active"].mean(), " L = 0.6:", unhappy.daily["active"].mean())

# %% [markdown]
# ## 1b. Step by step, as in Mesa
#
# `uprising.Model` is the run loop itself: build it from a scenario with keyword overrides
# (`__` for the dots of a `--set` key), step it, read its state, collect reporters after
# every tick as Mesa's `DataCollector` does. `run_scenario` above is `Model(...).run()`.

# %%
model = uprising.Model.from_scenario(
    "epstein-2002",
    seed=1,
    citizens__legitimacy=0.7,
    run__steps=CLASSIC_STEPS,
    reporters={"active": lambda m: m.counts()["active"], "jailed": lambda m: m.counts()["jailed"]},
)
model.step(10)
print("after", model.tick, "ticks:", model.counts())
model.run()  # on to the scenario's last tick
collected = model.collect()  # a polars frame, one row per tick; collect(pandas=True) for pandas
print(collected.tail(3))

# %% [markdown]
# A hook is any object with `before_tick(model, tick)` and/or `after_tick(model, tick)`. It
# runs between ticks like the built-in mechanisms and acts through the model's levers
# (`lower_legitimacy`, `shift_threshold`, `scale_risk`, `set_parameter`), never on the
# engine's arrays. Here a shock lowers legitimacy by 0.3 at tick 50, and a curfew of our own
# triples the risk citizens weigh from tick 50 to tick 99 (levers act on the synchronous
# schedule).


# %%
class Shock:
    def before_tick(self, model, tick):
        if tick == 50:
            model.lower_legitimacy(0.3)


class Curfew:
    def before_tick(self, model, tick):
        if 50 <= tick < 100:
            model.scale_risk(3.0)


def actives(hooks):
    m = uprising.Model.from_scenario(
        "epstein-2002", seed=1, hooks=hooks, run__schedule="synchronous", run__steps=CLASSIC_STEPS
    )
    return m.run().series["active"]


shock, shock_and_curfew = actives([Shock()]), actives([Shock(), Curfew()])
print("peak active after the shock:", shock.max(), " with the curfew:", shock_and_curfew.max())
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(shock, label="legitimacy shock at tick 50")
ax.plot(shock_and_curfew, label="shock and curfew, ticks 50-99")
ax.set_xlabel("tick")
ax.set_ylabel("active citizens (agents)")
ax.legend()
fig.savefig(Path(tempfile.mkdtemp()) / "curfew.png")

# %% [markdown]
# The citizen's two rules can be swapped for your own `numba.njit` functions of the built-in
# signatures (`uprising.RuleFunctions`): `arrest_probability(cops, actives, k,
# rounding) -> float` and `wants_active(hardship, legitimacy, risk_aversion, p_arrest,
# threshold) -> bool`. They are compiled into the kernels (the first tick with a new rule
# pays the compilation; `benchmarks/bench_user_rules.py` measures it). Here the estimate of
# the arrest probability is a logistic curve of the cop-to-active ratio instead of Epstein's
# 1 - exp(-k C/A): a citizen who sees as many cops as actives puts it at one half.


# %%
@numba.njit
def logistic_arrest(cops, actives, k, rounding):
    return 1.0 / (1.0 + math.exp(-k * (cops / actives - 1.0)))


def peak_active(rules=None):
    m = uprising.Model.from_scenario(
        "epstein-2002", seed=1, rules=rules, citizens__legitimacy=0.7, run__steps=CLASSIC_STEPS
    )
    return int(m.run().series["active"].max())


logistic = uprising.RuleFunctions(arrest_probability=logistic_arrest)
print("peak active, Epstein's estimate:", peak_active(), " a logistic one:", peak_active(logistic))

# %% [markdown]
# ## 2. Peru, December 2022
#
# `peru-2022` puts the same citizen rule on the map of Peru at 1:100 (one agent per 100
# people), with four ticks a day from 7 December 2022, and the crisis dynamics between ticks.
# Every count in the daily table is in real people.

# %%
peru_overrides = [] if PERU_STEPS is None else [f"run.steps={PERU_STEPS}"]
peru = load_scenario("peru-2022", peru_overrides)
run = run_scenario(peru)
print(
    run.start_date, run.ticks_per_day, "ticks a day,", run.days, "days,", len(run.departments), "departments"
)
print(run.national())

# %% [markdown]
# Where was it most active? The peak of actives by department, per 1,000 people:

# %%
by_department = (
    run.daily.group_by("department")
    .agg(
        pl.col("active").max().alias("peak_active"),
        (pl.col("quiescent") + pl.col("active") + pl.col("jailed")).first().alias("people"),
        pl.col("killed").sum(),
    )
    .with_columns((1000 * pl.col("peak_active") / pl.col("people")).round(1).alias("per_1000"))
    .sort("per_1000", descending=True)
)
print(by_department.head(8))

# %% [markdown]
# The events table holds what happened by day: the timeline's shocks and deployments, deaths,
# and the Congress roll calls voted inside the run.

# %%
print(run.events)

# %% [markdown]
# ## 3. A counterfactual: no legitimacy feedback
#
# The essay's claim is that repression feeds the uprising: deaths and arrests lower
# legitimacy. Turn that mechanism off and run the same seed; every other draw is the same,
# so the difference is the mechanism's effect on this seed (an ensemble of seeds measures it
# properly: `uprising compare`).

# %%
no_feedback = run_scenario(
    load_scenario("peru-2022", [*peru_overrides, "dynamics.legitimacy.feedback=false"])
)
paired = (
    run.national()
    .select("day", "active", "killed")
    .join(no_feedback.national().select("day", "active", "killed"), on="day", suffix="_no_feedback")
    .with_columns((pl.col("active") - pl.col("active_no_feedback")).alias("active_difference"))
)
print(paired)

# %% [markdown]
# ## 4. Ensembles and the store
#
# `run_ensemble` runs a scenario over seeds and writes every run to a DuckDB store (what
# `uprising run` does). The store is read back with `Store`: `experiments()` lists them,
# `load_experiment(id)` returns their runs as `RunOutput`s.

# %%
folder = Path(tempfile.mkdtemp())
store = Store(folder / "tutorial.duckdb")
result = run_ensemble(
    "epstein-2002", runs=3, overrides=[f"run.steps={CLASSIC_STEPS}"], store=store, workers=1
)
print(store.experiments())
outputs = store.load_experiment(result.experiment_id)
stacked = pl.concat([o.daily.with_columns(pl.lit(o.seed).alias("seed")) for o in outputs])
print(stacked.group_by("seed").agg(pl.col("active").max().alias("peak_active")).sort("seed"))

# %% [markdown]
# The same tables go to pandas with `.to_pandas()` where pandas is installed.
