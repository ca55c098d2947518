"""The dashboard end to end in real headless Chromium: change a parameter, run, see the map and chart.

Skipped only when Debian's `chromium` is not installed (`.ci/run` installs it).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.web.conftest import MAX_TICKS, STORED_STEPS

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() or shutil.which("chromium") is None,
    reason=f"Debian's chromium is not installed at {CHROMIUM} (apt-get install -y chromium)",
)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    yield page
    context.close()


def set_parameter(page, path: str, value: str) -> None:
    field = page.locator(f".param-{path.replace('.', '-')} input")
    field.fill(value)
    field.press("Enter")


def drawn_width(locator) -> int:
    """The width of the first image in `locator` once the browser has decoded it, in pixels."""
    image = locator.locator("img").first
    image.evaluate("img => img.decode()")
    return int(image.evaluate("img => img.naturalWidth"))


def image_source(locator) -> str:
    return locator.locator("img").first.get_attribute("src") or ""


def test_a_short_peru_run_shows_its_map_by_day_and_its_timeline(server, page, tmp_path):
    page.goto(server.url + "/?scenario=peru-2022")
    page.get_by_text("press Run").wait_for(timeout=30_000)
    page.locator(".param-world-population_scale input").wait_for()
    set_parameter(page, "world.population_scale", "1000")
    set_parameter(page, "world.resolution_km", "20")
    set_parameter(page, "run.steps", "12")
    page.get_by_text("about 31,").wait_for(timeout=10_000)  # the agent estimate follows the scale

    page.locator(".run-button").click()
    page.locator(".map-panel img").wait_for(timeout=120_000)
    summary = page.locator(".run-summary").inner_text()
    assert "peru-2022" in summary and "3 days" in summary and "1 agent = 1000 people" in summary
    assert "(07 Dec 2022)" in page.locator(".day-label").inner_text()
    map_day0 = image_source(page.locator(".map-panel"))
    chart_day0 = image_source(page.locator(".timeline-panel"))
    assert map_day0 and chart_day0
    assert (
        drawn_width(page.locator(".map-panel")) > 300 and drawn_width(page.locator(".timeline-panel")) > 300
    )
    page.screenshot(path=str(tmp_path / "day0.png"), full_page=True)

    slider = page.locator(".v-slider").first
    slider.click()
    slider.press("End")
    page.get_by_text("(09 Dec 2022)").wait_for(timeout=20_000)
    deadline = time.monotonic() + 20
    while image_source(page.locator(".map-panel")) == map_day0 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert image_source(page.locator(".map-panel")) != map_day0, "the map did not change with the day"
    assert image_source(page.locator(".timeline-panel")) == chart_day0  # drawn once per run
    page.screenshot(path=str(tmp_path / "day5.png"), full_page=True)
    assert (tmp_path / "day5.png").stat().st_size > 10_000
    assert page.problems == []


def test_bad_values_and_oversized_runs_are_refused_in_the_page(server, page):
    page.goto(server.url + "/")
    page.locator(".param-citizens-legitimacy input").wait_for(timeout=30_000)
    set_parameter(page, "citizens.legitimacy", "1.5")
    message = page.get_by_text("citizens.legitimacy = 1.5: out of range, allowed range [0, 1]").first
    message.wait_for(timeout=10_000)
    assert page.locator(".run-button").is_disabled()

    set_parameter(page, "citizens.legitimacy", "0.7")
    message.wait_for(state="detached", timeout=10_000)
    set_parameter(page, "run.steps", "5000")
    page.locator(".run-button").click()
    page.get_by_text(f"above this server's cap of {MAX_TICKS} ticks").first.wait_for(timeout=10_000)
    assert page.locator(".map-panel").count() == 0
    assert page.problems == []


def test_a_stored_run_can_be_picked_and_shown(server, page):
    page.goto(server.url + "/")
    page.get_by_text(server.experiment_id).first.wait_for(timeout=30_000)
    page.locator(".stored-experiment").click()
    page.locator(".v-list-item").filter(has_text=server.experiment_id).click()
    page.locator(".stored-run").click()
    page.locator(".v-list-item").filter(has_text="seed 2").click()
    page.get_by_text("Show run").click()
    page.locator(".run-summary").wait_for(timeout=20_000)
    assert page.locator(".run-summary").inner_text().startswith(f"epstein-2002, seed 2: {STORED_STEPS} days")
    page.get_by_text("this world has no map").wait_for()
    assert drawn_width(page.locator(".timeline-panel")) > 300
    assert page.problems == []


def test_an_unknown_scenario_in_the_address_is_named_in_the_page(server, page):
    page.goto(server.url + "/?scenario=atlantis")
    page.get_by_text("scenario 'atlantis': unknown; built-in scenarios are").wait_for(timeout=30_000)
    assert page.problems == []
