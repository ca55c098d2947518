"""The report is one HTML file that opens offline: no script, no link, every image inline."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from uprising.errors import UprisingError
from uprising.report import build_report
from uprising.report.votes import vote_counts

CHROMIUM = Path("/usr/bin/chromium")


class Page(HTMLParser):
    """The tags and attributes of a page, and the text of its <style> blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.headings: list[str] = []
        self._in: str = ""
        self.styles: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._in = tag

    def handle_endtag(self, tag):
        self._in = ""

    def handle_data(self, data):
        if self._in == "h2":
            self.headings.append(data)
        if self._in == "style":
            self.styles.append(data)


def parse(path: Path) -> tuple[Page, str]:
    text = path.read_text("utf-8")
    page = Page()
    page.feed(text)
    return page, text


def assert_offline(path: Path) -> None:
    page, text = parse(path)
    for tag, attrs in page.tags:
        assert tag not in ("script", "link", "iframe", "object", "embed"), tag
        for name in ("src", "href", "srcset", "action", "data"):
            value = attrs.get(name, "")
            assert not re.match(r"\s*(https?:)?//", value), f"<{tag} {name}={value[:60]}>"
        if tag == "img":
            assert attrs["src"].startswith("data:image/png;base64,")
            png = base64.b64decode(attrs["src"].split(",", 1)[1])
            assert png[:8] == b"\x89PNG\r\n\x1a\n"
            assert attrs.get("alt")
    assert "@import" not in text
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", "".join(page.styles))
    assert "<script" not in text.lower()


def test_classic_report_is_offline_with_a_timeline_and_no_scorecard(classic_report: Path) -> None:
    assert classic_report.name == "report.html"
    assert_offline(classic_report)
    page, text = parse(classic_report)
    assert page.headings == ["National timeline", "Validation"]
    assert "no scorecard" in text
    assert sorted(p.name for p in classic_report.parent.glob("*.png")) == ["timeline.png"]
    assert len([t for t, _ in page.tags if t == "img"]) == 1


def test_peru_report_has_every_section_and_escapes_its_title(peru_report: Path, peru_outputs) -> None:
    assert_offline(peru_report)
    page, text = parse(peru_report)
    votes = bool(vote_counts(peru_outputs))
    assert page.headings == [
        "National timeline", "Departments", "Map", "Deaths by department",
        *(["Congress votes"] if votes else []), "Validation scorecard",
    ]  # fmt: skip
    assert "<title>Peru &amp; &lt;friends&gt;</title>" in text
    pngs = sorted(p.name for p in peru_report.parent.glob("*.png"))
    assert pngs == [
        "deaths.png",
        "departments.png",
        "map.png",
        "timeline.png",
        *(["votes.png"] if votes else []),
    ]
    assert not list(peru_report.parent.glob("*.part"))
    assert "targets pass" in text and ('class="fail"' in text or 'class="pass"' in text)
    assert "peak national road blockades" in text


def test_an_unwritable_folder_is_one_error_line(classic_outputs, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(UprisingError, match=r"^--out .*file/report: cannot create the folder"):
        build_report(classic_outputs, blocker / "report", "x")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium is not installed")
def test_peru_report_loads_in_chromium_with_the_network_blocked(peru_report: Path) -> None:
    images = len(list(peru_report.parent.glob("*.png")))
    playwright = pytest.importorskip("playwright.sync_api")
    url = peru_report.resolve().as_uri()
    other: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page()

            def route(r) -> None:
                if r.request.url == url:
                    r.continue_()
                else:
                    other.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.on(
                "request",
                lambda r: None if r.url == url or r.url.startswith("data:") else other.append(r.url),
            )
            page.goto(url)
            widths = page.eval_on_selector_all(
                "img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)"
            )
        finally:
            browser.close()
    assert other == []
    assert len(widths) == images and all(w > 300 for w in widths)
