"""How many final particles of a map world's fit are quiet runs tied at one distance.

Fits a map world's scenario (default `ecuador-2019`) on its first days (`--fit-until`) as
`uprising forecast --fit-budget` does, keeping pyabc's history, then counts among the final
particles the largest group at one distance and the runs with no region reported and no death
on the fit's days (with their posterior weight). docs/validation.md (Ecuador) quotes it.

Run: python benchmarks/fit_ties.py [--scenario ecuador-2019] [--fit-until 2019-10-06]
     [--budget 600] [--populations 5] [--seed 2019] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path


def quiet(stats: dict[str, float]) -> bool:
    """No region reported and no death in a particle's statistics."""
    return all(v == 0 for k, v in stats.items() if k.startswith(("regions_reported", "deaths_")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="ecuador-2019")
    parser.add_argument("--fit-until", type=date.fromisoformat, default=date(2019, 10, 6))
    parser.add_argument("--budget", type=int, default=600)
    parser.add_argument("--populations", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    import pyabc

    from uprising.experiment.calibrate import calibrate
    from uprising.experiment.summary_stats import load_map_target
    from uprising.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    target = load_map_target(scenario, Path(scenario.world.data), args.fit_until)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "history.db"
        start = time.time()
        fit = calibrate(
            args.scenario, target, budget=args.budget, populations=args.populations,
            workers=args.workers, seed=args.seed, history_db=db,
        )  # fmt: skip
        wall = time.time() - start
        history = pyabc.History(f"sqlite:///{db}")
        weights, stats = history.get_weighted_sum_stats(t=history.max_t)
    distances = fit.particles["distance"].to_numpy().round(9)
    distance, tied = Counter(distances.tolist()).most_common(1)[0]
    report = {
        "runs": fit.simulations,
        "wall_s": round(wall, 1),
        "final_particles": len(distances),
        "largest_tie": tied,
        "tie_distance": distance,
        "quiet_final": sum(quiet(s) for s in stats),
        "quiet_weight": round(float(sum(w for w, s in zip(weights, stats, strict=True) if quiet(s))), 4),
        "medians": fit.medians(),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
