"""The documentation site builds with warnings as errors, with its generated pages."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from tests.docs.conftest import DOCS, load_docs_script

ROOT = DOCS.parent
needs_mkdocs = pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("mkdocstrings") is None,
    reason="mkdocs and mkdocstrings are not installed (pip install -e '.[docs]')",
)


@needs_mkdocs
def test_mkdocs_build_strict_succeeds_and_renders_the_generated_pages(tmp_path):
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    cli = (site / "cli" / "index.html").read_text("utf-8")
    assert "uprising simulate" in cli and "--set" in cli  # the typer app was rendered
    api = (site / "api" / "index.html").read_text("utf-8")
    assert 'id="uprising.runner.run_scenario"' in api  # docstrings were collected
    tutorial = (site / "tutorial" / "index.html").read_text("utf-8")
    assert "run_scenario" in tutorial and "dynamics.legitimacy.feedback=false" in tutorial


@needs_mkdocs
def test_the_cli_reference_lists_every_registered_command():
    import typer
    from typer._click import Context

    import uprising.cli.main  # noqa: F401
    from uprising.cli.app import app

    hook = load_docs_script("hooks/cli_reference")
    text = hook.render_cli_reference()
    root = typer.main.get_command(app)
    for name in root.list_commands(Context(root, info_name="uprising")):
        assert f"`uprising {name}`" in text


@needs_mkdocs
def test_the_tutorial_page_turns_cells_into_prose_and_code():
    hook = load_docs_script("hooks/tutorial_page")
    page = hook.tutorial_markdown("# %% [markdown]\n# # Title\n#\n# Some prose.\n\n# %%\nx = 1\n")
    assert page.startswith("# Title\n\nSome prose.\n\n```python\nx = 1\n```")
