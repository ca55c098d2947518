"""When and how many die in Apurímac, for settings of the lethality tried beside the shipped one.

In the sources, Apurímac's deaths came on 11-12 December 2022, at the hands of the 150 police
flown to Andahuaylas airport (5 of 6 by 12 Dec, data/peru/observed/deaths.csv); in `peru-2022`
most come on 13-16 Dec, from the soldiers of the national emergency. Each setting (`--try`,
`--set`-style overrides separated by spaces) runs the same seeds at 1:100 on one thread and
prints the medians over runs of deaths on 7-15 Dec and in the month (with the month's 5% and 95%
quantiles over runs), the runs with deaths in
Apurímac, their deaths in all and on 10-12 Dec, and the runs with a day of 5+ in Ayacucho.
With `--posterior` (a file or a built-in name), run k of every setting also takes the particle
`uprising run peru-2022 --posterior P --seed 2022` gives run k (the calibration's overrides, then
the scale and the setting, then the particle).

Run: python benchmarks/apurimac_timing.py [--runs 8] [--try "dynamics.lethality.force_exponent=0.5" ...]
     [--posterior peru-2022-december] [--scale 1000]
"""

from __future__ import annotations

import argparse


def trial(overrides: list[str], runs: int, scale: int, posterior: str | None = None) -> str:
    import polars as pl

    from uprising.runner import run_scenario
    from uprising.scenario.loader import load_scenario

    each = [[f"world.population_scale={scale}", *overrides]] * runs
    if posterior is not None:
        from uprising.experiment.posterior import drawn_overrides, read_posterior

        each = [list(o) for o in drawn_overrides(read_posterior(posterior), runs, 2022, each[0])]
    daily = pl.concat(
        [
            run_scenario(load_scenario("peru-2022", each[k]), seed=2022 + k).daily.with_columns(
                pl.lit(k).alias("run")
            )
            for k in range(runs)
        ]
    )
    apurimac = pl.col("department") == "Apurímac"
    per_run = daily.group_by("run").agg(
        pl.col("killed").filter(pl.col("day") <= 8).sum().alias("to_15"),
        pl.col("killed").sum().alias("month"),
        pl.col("killed").filter(apurimac).sum().alias("apurimac"),
        pl.col("killed").filter(apurimac & pl.col("day").is_between(3, 5)).sum().alias("apurimac_10_12"),
        pl.col("killed").filter(pl.col("department") == "Ayacucho").max().alias("ayacucho_day"),
    )
    return (
        f"| {' '.join(overrides) or 'shipped'}{f' (drawn from {posterior})' if posterior else ''} | "
        f"{per_run['to_15'].median():g} | "
        f"{per_run['month'].median():g} [{per_run['month'].quantile(0.05, 'nearest'):g}, "
        f"{per_run['month'].quantile(0.95, 'nearest'):g}] | "
        f"{int((per_run['apurimac'] > 0).sum())} of {runs} | {int(per_run['apurimac'].sum())} | "
        f"{int(per_run['apurimac_10_12'].sum())} | {int((per_run['ayacucho_day'] >= 5).sum())} of {runs} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8, help="seeds per setting (2022 on)")
    parser.add_argument("--scale", type=int, default=100, help="people an agent stands for")
    parser.add_argument("--try", dest="tries", action="append", default=[], help="overrides, space-separated")
    parser.add_argument("--posterior", help="draw each run's parameters from this posterior")
    args = parser.parse_args()
    import numba

    numba.set_num_threads(1)
    print("| setting | deaths 7-15 Dec (obs. 22) | month [5%, 95%] (28) | runs with deaths in Apurímac | "
          "their deaths | on 10-12 Dec | runs with 5+ a day in Ayacucho |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for overrides in [[], *(t.split() for t in args.tries)]:
        print(trial(overrides, args.runs, args.scale, args.posterior), flush=True)


if __name__ == "__main__":
    main()
