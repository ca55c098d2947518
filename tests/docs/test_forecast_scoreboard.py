"""docs/validation.md's scoreboard is the one the forecast files give, and the frozen forecasts
were committed before the data they are scored on (git's history says so)."""

from __future__ import annotations

from types import ModuleType

import pytest

from tests.docs.conftest import load_docs_script
from uprising.forecast.files import read_forecast

# The forecasts issue 17 asked to freeze before their months' observations entered the repository.
FROZEN = (
    "peru-2022-23_fit-2022-12-31_made-2026-12-05a",
    "peru-2022-23_fit-2022-12-31_made-2026-12-05b",
    "peru-2023_fit-2023-03-31_made-2026-12-05",
    "peru-2023_fit-2023-03-31_made-2026-12-05b",
)


@pytest.fixture(scope="module")
def scoreboard() -> ModuleType:
    module = load_docs_script("forecast_scoreboard")
    try:
        module.check_history()
    except module.NoHistory as err:
        pytest.skip(f"needs a full git clone: {err}")
    return module


def test_the_committed_scoreboard_is_the_one_the_files_give(scoreboard):
    text = scoreboard.VALIDATION_MD.read_text()
    assert scoreboard.updated(text, scoreboard.rows()) == text, (
        "docs/validation.md's scoreboard is stale: run python docs/forecast_scoreboard.py"
    )


@pytest.mark.parametrize("name", FROZEN)
def test_a_frozen_forecast_came_before_its_data(scoreboard, name):
    path = scoreboard.FORECASTS / f"{name}.json"
    _, scored = scoreboard.observed_folders(read_forecast(path))
    assert [folder.name for folder in scored] != ["observed"]  # scored on later months' data
    assert scoreboard.kind_of(path, scored) == "frozen"


def test_a_forecast_made_after_its_data_is_not_called_frozen(scoreboard):
    path = scoreboard.FORECASTS / "peru-2022_fit-2022-12-15_made-2026-12-06.json"
    _, scored = scoreboard.observed_folders(read_forecast(path))
    assert scoreboard.kind_of(path, scored) == "made after its data"
