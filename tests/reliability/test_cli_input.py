"""Hostile and careless command lines: every bad seed, `--set` value, scenario file and usage
error gives one line `error: ...` naming the option or field, with exit code 2, never a
traceback, and never a line of the file it was given."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

import uprising.cli.main  # noqa: F401  (registers every command)
from tests.cli_checks import invoke_command, one_error_line
from uprising.cli.app import app

HUGE = str(2**63 - 1)

# (command and arguments, what the error line must name)
BAD_SEEDS = [
    (["run", "epstein-2002", "--seed", "-1"], "--seed -1"),
    (["run", "epstein-2002", "--seed", "-5"], "--seed -5"),
    (["run", "epstein-2002", "--seed", HUGE], "allowed range [0, 9223372036854775800]"),
    (["run", "epstein-2002", "--runs", "2", "--set", f"run.seed={HUGE}"], "run.seed"),
    (["sweep", "epstein-2002", "--grid", "citizens.legitimacy=0.5", "--seed", "-1"], "--seed -1"),
    (["sweep", "epstein-2002", "--grid", "citizens.legitimacy=0.5", "--lhs-seed", "-1"], "--lhs-seed"),
    (["compare", "epstein-2002", "--set", "citizens.legitimacy=0.5", "--seed", "-1"], "--seed -1"),
    (
        [
            "compare",
            "epstein-2002",
            "--set",
            "citizens.legitimacy=0.5",
            "--independent-seeds",
            "--seed",
            str(2**63 - 10),
        ],
        "up to seed + 15",
    ),
    (["calibrate", "peru-2022", "--observed", ".", "--seed", "-1"], "--seed -1"),
    (["simulate", "epstein-2002", "--seed", "-5"], "--seed -5"),
    (["sensitivity", "epstein-2002", "--outputs", "mean_active", "--seed", "-1"], "--seed -1"),
]

BAD_SETS = [
    ("world.width=[unclosed", "--set world.width: malformed YAML"),
    ("description=a: b: c", "--set description: malformed YAML"),
    ("x=*undefined", "--set x"),
    ("width=*undefined", "--set world.width: malformed YAML"),
    ("width=!!python/object/apply:os.system ['echo owned']", "not allowed"),
    ("description=!!binary aGVsbG8=", "!!binary is not allowed"),
    ("changes=[&a [*a]]", "recursive"),
    ("description={a: 1, a: 2}", "duplicate key a"),
    ("world.width=" + "[" * 5000 + "]" * 5000, "nested more than 32 levels"),
    ("run.steps=" + "9" * 5000, "cannot be read"),
    ("run.start_date=2022-13-45", "cannot be read"),
]

# Item 11: error paths are the `--set` keys, with the range of the field.
RANGES = [
    ("world.width=-5", "world.width = -5: must be >= 1 (allowed range [1, 20000])"),
    ("width=0", "world.width = 0: must be >= 1 (allowed range [1, 20000])"),
    ("citizens.legitimacy=1.5", "citizens.legitimacy = 1.5: must be <= 1.0 (allowed range [0.0, 1.0])"),
    ("run.steps=-1", "run.steps = -1: must be >= 0 (allowed range [0, 10000000])"),
    ("changes=[{tick: -1, param: legitimacy, value: 0.5}]", "changes.0.tick = -1: must be >= 0"),
]


def _refused(result) -> str:
    line = one_error_line(result)
    assert "Traceback" not in result.output
    return line


def test_bad_seeds_give_one_line_naming_the_seed_and_its_range(cases, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for args, named in BAD_SEEDS:
        line = _refused(invoke_command(*args))
        assert named in line and "allowed range" in line, (args, line)
    cases.tried(len(BAD_SEEDS))


def test_bad_set_values_give_one_line(cases):
    for item, named in BAD_SETS:
        line = _refused(invoke_command("simulate", "epstein-2002", "--set", item))
        assert named in line, (item, line)
        assert "owned" not in line
    cases.tried(len(BAD_SETS))


def test_open_bounds_are_written_as_open_intervals(cases):
    """A bound the value may not reach (gt/lt) is an open end of the range, not '-inf'."""
    line = _refused(invoke_command("simulate", "peru-2022", "--set", "world.hardship_national_mean=1"))
    assert "world.hardship_national_mean = 1: must be < 1.0 (allowed range (0.0, 1.0))" in line, line


def test_error_paths_are_set_keys_with_ranges(cases):
    for item, expected in RANGES:
        line = _refused(invoke_command("simulate", "epstein-2002", "--set", item))
        assert expected in line, (item, line)
        assert ".torus." not in line and "SetValue" not in line
    peru = _refused(invoke_command("simulate", "peru-2022", "--set", "world.resolution_km=0"))
    assert "world.resolution_km = 0: must be >= 1.0 (allowed range [1.0, 20.0])" in peru
    cases.tried(len(RANGES) + 1)


ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=False)
)

# The alias bomb and /dev/zero run in a child process with bounded memory (below).
HOSTILE_FILES = {
    "deep.yaml": ("[" * 10_000 + "]" * 10_000, "nested more than 32 levels deep"),
    "deep-block.yaml": ("".join(" " * i + "a:\n" for i in range(200)), "nested more than 32 levels"),
    "dup.yaml": ("run:\n  steps: 3\nrun:\n  steps: 4\n", "duplicate key run"),
    "dup-inner.yaml": ("run:\n  steps: 3\n  steps: 4\n", "duplicate key run.steps"),
    "binary.yaml": ("description: !!binary aGVsbG8=\n", "description: !!binary is not allowed"),
    "python.yaml": ("run: !!python/object/apply:os.system ['echo owned']\n", "not allowed"),
    "local-tag.yaml": ("run: !secret {steps: 3}\n", "a non-standard tag is not allowed"),
    "set.yaml": ("sources: !!set {a, b}\n", "!!set is not allowed"),
    "recursive.yaml": ("a: &a [*a]\n", "recursive"),
    "key.yaml": ("? [a, b]\n: 1\n", "every key must be a name"),
    "date.yaml": ("run:\n  start_date: 2022-13-45\n", "cannot be read"),
    "latin1.yaml": (b"description: caf\xe9\n", "not UTF-8 text"),
    "many.yaml": ("changes: [" + "1, " * 30_000 + "1]\n", "more than 20,000 values (the limit)"),
    "big.yaml": ("description: " + "a" * 300_000 + "\n", "larger than 262,144 bytes (the limit)"),
}

SECRET = "hunter2 secret line"
LEAKY_FILES = {
    "shadow": f"root:{SECRET}:19000:0:99999:7:::\n{SECRET}: x\n",
    "config.txt": f"{SECRET} = 1\n[{SECRET}]\n",
    "keys.yaml": f"'{SECRET} with spaces': 1\n",
    "nested.yaml": f"world:\n  '{SECRET} !': 3\n",
    "value.yaml": f"run:\n  schedule: '{SECRET} and more words'\n",
    "long.yaml": "a" * 200 + "_key: 1\n",
}


def test_hostile_scenario_files_are_refused_in_one_line(cases, tmp_path):
    for name, (content, named) in HOSTILE_FILES.items():
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        line = _refused(invoke_command("simulate", str(path)))
        assert named in line, (name, line)
        assert "owned" not in line
    cases.tried(len(HOSTILE_FILES))


def test_errors_never_quote_the_file(cases, tmp_path):
    for name, content in LEAKY_FILES.items():
        path = tmp_path / name
        path.write_text(content)
        line = _refused(invoke_command("simulate", str(path)))
        assert SECRET not in line and "a" * 50 not in line, (name, line)
    cases.tried(len(LEAKY_FILES))


def _uprising(*commands: list[str], cwd: Path, timeout: float = 60) -> list[tuple[int, str]]:
    """(exit code, stderr) of each command run at once through the real entry point, each in a
    child with 4 GB of address space, so that a bomb cannot take the machine (the code before
    the fix used 3.28 GB on a 342-byte file)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

    code = "import sys; from uprising.cli.main import main; sys.argv[0] = 'uprising'; main()"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", code, *args],
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=limit,
        )
        for args in commands
    ]
    out = []
    for child in children:
        try:
            _, err = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            _, err = child.communicate()
        out.append((child.returncode, err))
    return out


def test_endless_and_bomb_files_and_usage_errors_through_the_command(cases, tmp_path):
    """/dev/zero (read until MemoryError before), an alias bomb (gigabytes before), a file with
    a recursive alias and a code tag, and a usage error (a framed box before) each give one line
    and exit code 2 from the real command."""
    (tmp_path / "bomb.yaml").write_text(ALIAS_BOMB)
    (tmp_path / "worst.yaml").write_text(
        f"'{SECRET}': &a [*a]\nrun: !!python/object/apply:os.system ['echo owned']\n"
    )
    commands = {
        "recursive": ["simulate", "worst.yaml", "--set", "width=!!binary aGk="],
        "larger than 262,144 bytes": ["simulate", "/dev/zero"],
        "once aliases are expanded": ["simulate", "bomb.yaml"],
        "No such option: --bogus": ["simulate", "x", "--bogus"],
    }
    results = _uprising(*commands.values(), cwd=tmp_path, timeout=30)
    for named, (code, err) in zip(commands, results, strict=True):
        lines = err.strip().splitlines()
        assert code == 2 and len(lines) == 1 and lines[0].startswith("error: "), err[-2000:]
        assert named in lines[0] and SECRET not in lines[0]
    cases.tried(len(commands))


USAGE = [
    (["run"], "Missing argument 'SCENARIO'"),
    (["run", "epstein-2002", "--runs", "x"], "Invalid value for '--runs'"),
    (["run", "epstein-2002", "--bogus"], "No such option: --bogus"),
    (["simulate", "epstein-2002", "--seed"], "requires an argument"),
    (["no-such-command"], "No such command"),
    (["runs", "list", "--nope"], "No such option: --nope"),
]


def test_usage_errors_are_one_line_not_a_box(cases):
    for args, named in USAGE:
        line = _refused(invoke_command(*args))
        assert named in line, (args, line)
    for shown in (  # help, asked or implied, still exits 0
        CliRunner().invoke(app, ["--help"]),
        CliRunner().invoke(app, []),
        invoke_command("run", "--help"),
    ):
        assert shown.exit_code == 0 and "Usage" in shown.output, shown.output
    cases.tried(len(USAGE) + 3)
