"""The report page: one self-contained HTML file (inline CSS, images as data: URIs, no script).

Nothing in the page refers to another file or to the network, so it opens offline and can be
mailed or archived as is.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from html import escape

from uprising.report.scorecard import ScoreRow

CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0 auto;
       max-width: 1250px; padding: 1em 2em 3em; color: #1b1b1b; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
table { border-collapse: collapse; font-size: 0.9em; margin: 0.5em 0 1em; }
th, td { border: 1px solid #d4d4d4; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.pass { background: #dff3df; color: #145214; font-weight: 600; }
td.fail { background: #f8dcdc; color: #7a1111; font-weight: 600; }
td.none { color: #666; }
figure { margin: 0.5em 0 1.5em; }
figure img { max-width: 100%; height: auto; border: 1px solid #e2e2e2; }
figcaption, p.note { color: #444; font-size: 0.9em; }
"""


@dataclass(frozen=True)
class Section:
    """A heading, an optional paragraph, and a PNG figure or an HTML fragment."""

    title: str
    text: str = ""
    png: bytes | None = None
    png_name: str = ""
    html: str = ""


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _number(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def scorecard_table(rows: list[ScoreRow], runs: int | None = None) -> str:
    """The scorecard as an HTML table; `runs` says how many runs its bands come from."""
    over = (
        ""
        if runs is None
        else f" ({runs} runs)"
        if runs >= 8
        else f" ({runs} runs: their range, too few for a band)"
    )
    head = (
        f"<tr><th>target</th><th>observed</th><th>simulated median</th><th>simulated 90% band{over}</th>"
        "<th>tolerance on the median</th><th>verdict</th><th>note</th></tr>"
    )
    body = []
    for r in rows:
        band = "n/a" if r.low is None else f"{_number(r.low)} to {_number(r.high)}"
        if r.passed is None:
            verdict = '<td class="none">not reached (the runs end earlier)</td>'
        else:
            verdict = '<td class="pass">pass</td>' if r.passed else '<td class="fail">fail</td>'
        body.append(
            f"<tr><td>{escape(r.target)}</td><td class='num'>{_number(r.observed)}</td>"
            f"<td class='num'>{_number(r.median)}</td><td class='num'>{band}</td>"
            f"<td>{escape(r.tolerance)}</td>{verdict}<td>{escape(r.note)}</td></tr>"
        )
    return f"<table>{head}{''.join(body)}</table>"


def key_value_table(items: list[tuple[str, str]]) -> str:
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in items)
    return f"<table>{rows}</table>"


def render_page(title: str, intro: list[tuple[str, str]], sections: list[Section]) -> str:
    """The whole page; `intro` is the table of what was run."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        key_value_table(intro),
    ]
    for s in sections:
        parts.append(f"<h2>{escape(s.title)}</h2>")
        if s.text:
            parts.append(f'<p class="note">{escape(s.text)}</p>')
        if s.png is not None:
            alt = escape(f"{s.title} ({s.png_name})")
            parts.append(f'<figure><img src="{data_uri(s.png)}" alt="{alt}"></figure>')
        if s.html:
            parts.append(s.html)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
