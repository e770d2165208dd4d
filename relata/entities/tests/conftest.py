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


# --- Import, export and vCard tests ------------------------------------------------------


@pytest.fixture
def customer(db):
    return EntityKind.objects.create(
        code="customer", label_en="Customer", label_es="Cliente", meaning=KindMeaning.CUSTOMER
    )


@pytest.fixture
def prospect(db):
    return EntityKind.objects.create(
        code="prospect",
        label_en="Prospect",
        label_es="Cliente potencial",
        meaning=KindMeaning.PROSPECT,
    )


@pytest.fixture
def media(settings, tmp_path):
    """Keep uploaded files in the test's own folder."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def step(client, django_capture_on_commit_callbacks):
    """Make a request that starts a background job, let the job run (tests run Huey
    inline once the transaction would commit), and return the page that follows: the
    report, or the redirect after a successful import."""

    def step(url: str, method: str = "get"):
        with django_capture_on_commit_callbacks(execute=True):
            first = getattr(client, method)(url)
        assert first.status_code in (200, 302)
        return client.get(url)

    return step
