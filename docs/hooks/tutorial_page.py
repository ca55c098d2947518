"""MkDocs hook: the tutorial page, made at build time from the runnable docs/tutorial.py.

The script is in the percent format: `# %% [markdown]` cells become prose, `# %%` cells
become Python code blocks. The test suite runs the same script, so the page shows code that
runs.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.structure.files import File

SCRIPT = "tutorial.py"
PAGE = "tutorial.md"


def tutorial_markdown(source: str) -> str:
    """Markdown of a percent-format script: prose cells unquoted, code cells fenced."""
    blocks: list[str] = []
    for cell in source.split("# %%")[1:]:
        header, _, body = cell.partition("\n")
        if header.strip() == "[markdown]":
            lines = [
                line[2:] if line.startswith("# ") else line.lstrip("#") for line in body.strip().splitlines()
            ]
            blocks.append("\n".join(lines))
        elif body.strip():
            blocks.append(f"```python\n{body.strip()}\n```")
    note = f"*This page is generated from `docs/{SCRIPT}`; run it with `python docs/{SCRIPT}`.*"
    return "\n\n".join([*blocks, note]) + "\n"


def on_files(files, config):
    """Add the tutorial page, generated from the script, to the site's files."""
    source = Path(config["docs_dir"], SCRIPT).read_text("utf-8")
    files.append(File.generated(config, PAGE, content=tutorial_markdown(source)))
    return files
