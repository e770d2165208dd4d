"""Fixtures for the entities app: classification lists and a few entities."""

from __future__ import annotations

import pytest

from relata.entities.models import EntityKind, KindMeaning, Source, Zone


@pytest.fixture
def kinds(db):
    return {
        "customer": EntityKind.objects.create(
            code="customer", label_en="Customer", label_es="Cliente", meaning=KindMeaning.CUSTOMER
        ),
        "prospect": EntityKind.objects.create(
            code="prospect",
            label_en="Prospect",
            label_es="Cliente potencial",
            meaning=KindMeaning.PROSPECT,
        ),
    }


@pytest.fixture
def zone(db):
    return Zone.objects.create(code="north", label_en="North", label_es="Norte")


@pytest.fixture
def source(db):
    return Source.objects.create(code="web", label_en="Website", label_es="Web")
