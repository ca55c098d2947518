"""`uprising serve`: bad options give one error line and exit code 2, before anything is served."""

from __future__ import annotations

import socket

import pytest

import uprising.cli.serve  # noqa: F401  (registers the command)
from tests.cli_checks import invoke_command, one_error_line


def invoke(*args: str):
    return invoke_command("serve", *args)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--port", "70000"], ["--port 70000", "[1, 65535]"]),
        (["--max-agents", "0"], ["--max-agents 0", "[1, 1000000000]"]),
        (["--max-ticks", "0"], ["--max-ticks 0", "[1, 10000000]"]),
        (["--max-work", "0"], ["--max-work 0", "[1, 1000000000000000000]"]),
        (["--host", "no-such-host.invalid"], ["--host no-such-host.invalid"]),
    ],
)
def test_bad_options_give_one_line(args, words):
    line = one_error_line(invoke(*args))
    for word in words:
        assert word in line


def test_a_missing_or_foreign_store_file_is_named(tmp_path):
    line = one_error_line(invoke("--db", str(tmp_path / "absent.db")))
    assert "absent.db" in line and "no such file" in line
    line = one_error_line(invoke("--db", str(tmp_path)))
    assert "is a folder" in line
    (tmp_path / "notes.duckdb").write_text("not a database")
    line = one_error_line(invoke("--db", str(tmp_path / "notes.duckdb")))
    assert "not a DuckDB database" in line


def test_a_port_in_use_is_refused():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = one_error_line(invoke("--port", str(port)))
    assert f"--port {port}" in line and "in use" in line
