"""Does `pytest -m statistical` catch a wrong engine? Each wrong change is applied to a copy of
the source and the statistical tests are run on it; each must fail, the unchanged engine pass.

Usage::

    python benchmarks/fidelity_acceptance.py            # all changes and the unchanged engine
    python benchmarks/fidelity_acceptance.py --only k-halved

Each copy compiles its kernels afresh (its own numba cache), so a round takes minutes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RULES = "src/uprising/engine/rules.py"

# name: (file, the text as it is, the wrong text). "unchanged" applies nothing.
CHANGES: dict[str, tuple[str, str, str] | None] = {
    "unchanged": None,
    "k-halved": (RULES, "return 1.0 - math.exp(-k * ratio)", "return 1.0 - math.exp(-0.5 * k * ratio)"),
    "net-risk-halved": (
        RULES,
        "- risk_aversion * p_arrest > threshold",
        "- 0.5 * risk_aversion * p_arrest > threshold",
    ),
    "never-released": (RULES, "    if max_jail_term < 0:\n", "    if True:\n"),
}


def copy_of_source(into: Path) -> None:
    """The tracked files of the working tree (as they are now), without caches."""
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    for name in files.stdout.splitlines():
        src = ROOT / name
        if src.is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, into / name)


def apply(change: tuple[str, str, str] | None, root: Path) -> None:
    if change is None:
        return
    path, before, after = change
    text = (root / path).read_text()
    if text.count(before) != 1:
        raise SystemExit(f"error: {path}: {before!r} found {text.count(before)} times, expected once")
    (root / path).write_text(text.replace(before, after))


def run_marker(root: Path, extra: list[str]) -> tuple[int, str]:
    env = {**os.environ, "PYTHONPATH": str(root / "src"), "NUMBA_CACHE_DIR": str(root / ".numba")}
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-m",
        "statistical",
        "-p",
        "no:cacheprovider",
        *extra,
        "tests",
    ]
    done = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    failed = [line.split(" - ")[0].removeprefix("FAILED ") for line in lines if line.startswith("FAILED")]
    return done.returncode, "; ".join([lines[-1] if lines else done.stderr.strip()[-200:], *failed])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(CHANGES), action="append", help="run these changes only")
    parser.add_argument("-x", action="store_true", help="stop each run at its first failure (quicker)")
    args = parser.parse_args(argv)
    ok = True
    for name in args.only or list(CHANGES):
        with tempfile.TemporaryDirectory(prefix=f"fidelity-{name}-") as tmp:
            root = Path(tmp)
            copy_of_source(root)
            apply(CHANGES[name], root)
            started = time.perf_counter()
            rc, last = run_marker(root, ["-x"] if args.x and name != "unchanged" else [])
        expected = 0 if name == "unchanged" else 1
        verdict = "as expected" if (rc == 0) == (expected == 0) else "NOT AS EXPECTED"
        ok &= verdict == "as expected"
        print(f"{name:16s} exit {rc} ({last}) {time.perf_counter() - started:.0f} s: {verdict}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
