"""MkDocs hook: the CLI reference, rendered from the typer app into docs/cli.md at build time.

The page holds a marker; every command and sub-command of `uprising.cli.app.app` (usage,
help, arguments and options with their help) replaces it, so the reference cannot drift
from the code.
"""

from __future__ import annotations

import typer
from typer._click import Context

MARKER = "<!-- cli reference -->"


def _command_tree():
    import uprising.cli.main  # noqa: F401  (registers every sub-command on the app)
    from uprising.cli.app import app

    return typer.main.get_command(app)


def _cell(text: str) -> str:
    """One table cell of prose: on one line, pipes and angle brackets escaped."""
    text = (text or "").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(text.split())


def _code_cell(text: str) -> str:
    return " ".join((text or "").replace("|", "\\|").split())


def _render(command, ctx: Context, level: int) -> list[str]:
    path = ctx.command_path
    lines = [f"{'#' * level} `{path}`", ""]
    if command.help:
        lines += [_cell(command.help), ""]
    lines += ["```text", command.get_usage(ctx).removeprefix("Usage: "), "```", ""]
    records = [(p, p.get_help_record(ctx)) for p in command.params if not getattr(p, "hidden", False)]
    records = [(p, r) for p, r in records if r is not None]
    if records:
        lines += ["| argument or option | meaning |", "|---|---|"]
        lines += [f"| `{_code_cell(r[0])}` | {_cell(r[1])} |" for _, r in records]
        lines.append("")
    if hasattr(command, "list_commands"):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                lines += _render(sub, Context(sub, info_name=name, parent=ctx), level + 1)
    return lines


def render_cli_reference() -> str:
    """Markdown for every command of the `uprising` app, in the app's order."""
    root = _command_tree()
    ctx = Context(root, info_name="uprising")
    lines = []
    for name in root.list_commands(ctx):
        sub = root.get_command(ctx, name)
        if sub is not None and not sub.hidden:
            lines += _render(sub, Context(sub, info_name=name, parent=ctx), 2)
    return "\n".join(lines)


def on_page_markdown(markdown: str, page, config, files) -> str:
    """Replace the marker of the CLI page with the rendered reference."""
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, render_cli_reference())
