"""Fixtures for the custom-field tests: a factory of definitions made through the service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from relata.customfields import services
from relata.customfields.models import FieldDefinition, FieldType, Target

COLOURS = [
    {"value": "red", "label_en": "Red", "label_es": "Rojo"},
    {"value": "green", "label_en": "Green", "label_es": "Verde"},
    {"value": "blue", "label_en": "Blue", "label_es": ""},
]


@pytest.fixture(autouse=True)
def _without_seeded_fields(request: pytest.FixtureRequest) -> None:
    """Start from no field at all: the engine's tests count the definitions they make.

    The cases app seeds five free-use fields per case type (R20); they are tested there.
    """
    if "db" in request.fixturenames or "transactional_db" in request.fixturenames:
        FieldDefinition.objects.all().delete()


@pytest.fixture
def make_field(admin_user) -> Callable[..., FieldDefinition]:
    """Return a function that defines a field as the administrator would."""

    def make(key: str, field_type: str = FieldType.TEXT, **kwargs: Any) -> FieldDefinition:
        kwargs.setdefault("target", Target.ENTITY)
        kwargs.setdefault("label_en", key.replace("_", " ").capitalize())
        if field_type in (FieldType.CHOICE, FieldType.MULTIPLE_CHOICE):
            kwargs.setdefault("choices", COLOURS)
        return services.field_definition_create(
            user=admin_user, key=key, field_type=field_type, **kwargs
        )

    return make
