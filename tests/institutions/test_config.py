"""Every parameter is typed, ranged and says where its value comes from."""

import pytest
from pydantic import BaseModel, ValidationError

from uprising.institutions import BLOCS, InstitutionsConfig
from uprising.institutions.config import EarlyElectionStances, VacancyStances, field_name


def leaf_fields(model, prefix=""):
    for name, field in model.model_fields.items():
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            yield from leaf_fields(field.annotation, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", field


def test_there_is_one_stance_per_bloc_on_each_axis():
    expected = {field_name(b) for b in BLOCS}
    assert set(VacancyStances.model_fields) == expected
    assert set(EarlyElectionStances.model_fields) == expected


def test_every_field_has_a_range_and_says_whether_it_is_sourced_calibrated_or_assumed():
    for path, field in leaf_fields(InstitutionsConfig):
        bounds = {type(m).__name__ for m in field.metadata}
        assert field.annotation is bool or {"Ge", "Le"} <= bounds, path  # a switch has no range
        text = field.description or ""
        assert any(w in text for w in ("sourced", "calibrated", "assumed", "scale convention")), path


def test_unknown_fields_and_out_of_range_values_are_refused():
    with pytest.raises(ValidationError):
        InstitutionsConfig(whip=1.0)
    config = InstitutionsConfig()
    with pytest.raises(ValidationError):
        config.noise = -1.0
    with pytest.raises(ValidationError):
        config.vacancy_stance.FP = 50.0
