"""The rule around the sensitive-facts detector, without a database: the setting that chooses
the categories, the visibility a note gets, the warnings, and the names the API lists."""

from __future__ import annotations

from typing import get_args

import pytest
from pydantic import ValidationError

from app import privacy
from app.config import Settings
from app.db.models import Visibility
from app.domain import sensitivity
from app.schemas.notes import SensitiveCategory

HEALTH = "Meg is undergoing chemotherapy this spring."


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_the_special_categories_are_detected_by_default_and_the_setting_adds_to_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert settings().sensitive_categories == privacy.DEFAULT_CATEGORIES
    monkeypatch.setenv("TACIT_SENSITIVE_CATEGORIES", " Family, financial_distress ,")
    assert settings().sensitive_categories == frozenset(privacy.ALL_CATEGORIES)
    monkeypatch.setenv("TACIT_SENSITIVE_CATEGORIES", "")
    assert settings().sensitive_categories == privacy.DEFAULT_CATEGORIES


def test_an_unknown_category_stops_start_up_naming_the_nearest() -> None:
    with pytest.raises(ValidationError, match="unknown sensitive category 'famly'") as refused:
        settings(sensitive_categories="famly")
    assert "did you mean 'family'" in str(refused.value)
    assert "financial_distress" in str(refused.value)  # every valid name is listed


def test_the_api_lists_the_detectors_names_and_every_name_has_words() -> None:
    assert get_args(SensitiveCategory) == privacy.ALL_CATEGORIES
    assert set(sensitivity.LABELS) == set(privacy.ALL_CATEGORIES)


def test_no_chosen_visibility_is_private_for_a_sensitive_note_and_team_otherwise() -> None:
    assert sensitivity.visibility_for(None, ["health"]) == Visibility.private
    assert sensitivity.visibility_for(None, []) == Visibility.team
    assert sensitivity.visibility_for(Visibility.company, ["health"]) == Visibility.company


def test_a_warning_only_for_a_sensitive_note_wider_than_private() -> None:
    assert sensitivity.warnings_for([], Visibility.company) == []
    assert sensitivity.warnings_for(["health"], Visibility.private) == []
    [warning] = sensitivity.warnings_for(["health", "trade_union"], Visibility.company)
    assert (warning.code, warning.categories) == (
        "sensitive_not_private",
        ("health", "trade_union"),
    )
    assert "(health, trade-union membership)" in warning.message
    assert "everyone can read it" in warning.message


def test_check_tells_what_saving_would_do() -> None:
    found = sensitivity.check(HEALTH, None, sensitivity.SPECIAL_ONLY)
    assert (found.sensitive, found.visibility, found.warnings) == (
        ["health"],
        Visibility.private,
        [],
    )
    wider = sensitivity.check(HEALTH, Visibility.team, sensitivity.SPECIAL_ONLY)
    assert [w.visibility for w in wider.warnings] == [Visibility.team]
