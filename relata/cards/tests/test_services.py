"""The card-scan services: permissions, idempotence, failures, saving."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from relata.cards import services
from relata.cards.models import CardScan
from relata.cards.tests.conftest import jpeg_bytes
from relata.entities.models import Contact

pytestmark = pytest.mark.django_db

FIELDS = {"given_name": "Ana", "family_name": "Ruiz"}


def done_scan(user) -> CardScan:
    scan = services.card_scan_create(user=user, data=jpeg_bytes(), background=False)
    return services.card_scan_run(scan_id=scan.pk)


def test_read_only_user_cannot_create_a_scan(reader):
    with pytest.raises(PermissionDenied):
        services.card_scan_create(user=reader, data=jpeg_bytes())
    assert CardScan.objects.count() == 0


def test_queued_reading_runs_on_commit(agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        scan = services.card_scan_create(user=agent, data=jpeg_bytes())

    assert scan.status == CardScan.Status.PENDING
    assert len(callbacks) == 1
    callbacks[0]()  # Huey is immediate in tests: the task runs now
    scan.refresh_from_db()
    assert (scan.status, scan.error) == (CardScan.Status.DONE, "")
    assert scan.result["fields"]["emails"] == []


def test_run_is_idempotent(agent):
    scan = done_scan(agent)
    updated = scan.updated_at

    again = services.card_scan_run(scan_id=scan.pk)

    assert again.status == CardScan.Status.DONE
    assert again.updated_at == updated


def test_missing_tesseract_fails_the_scan_with_a_message(agent, monkeypatch):
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    scan = services.card_scan_create(user=agent, data=jpeg_bytes(), background=False)

    scan = services.card_scan_run(scan_id=scan.pk)

    assert scan.status == CardScan.Status.FAILED
    assert scan.error.startswith("The text recognition is not available:")


def test_save_into_an_entity_the_user_cannot_change_is_refused(agent, other_agent, kinds):
    from relata.entities.services import entity_create

    theirs = entity_create(user=other_agent, data={"kind": kinds["customer"], "legal_name": "X"})
    scan = done_scan(agent)

    with pytest.raises(PermissionDenied):
        services.card_scan_save(
            user=agent, scan=scan, entity=theirs, contact_data={"first_name": "Ana"}
        )
    assert Contact.objects.count() == 0


def test_only_the_scanner_saves_and_only_once(agent, manager, kinds):
    scan = done_scan(agent)
    new = {"kind": kinds["prospect"], "legal_name": "Ruiz Hermanos"}

    with pytest.raises(PermissionDenied):
        services.card_scan_save(
            user=manager, scan=scan, entity=None, new_entity=new, contact_data=FIELDS
        )
    contact = services.card_scan_save(
        user=agent,
        scan=scan,
        entity=None,
        new_entity=new,
        contact_data={"first_name": "Ana", "last_name": "Ruiz"},
        phones=[{"number": "+34612345678", "label": "mobile"}],
    )
    with pytest.raises(ValidationError, match="already been saved"):
        services.card_scan_save(
            user=agent, scan=scan, entity=contact.entity, contact_data={"first_name": "Ana"}
        )

    assert contact.entity.legal_name == "Ruiz Hermanos"
    assert contact.entity.owner == agent
    assert Contact.objects.count() == 1
    scan.refresh_from_db()
    assert (scan.status, scan.contact) == (CardScan.Status.SAVED, contact)


def test_a_bad_contact_rolls_back_the_new_entity(agent, kinds):
    from relata.entities.models import Entity

    scan = done_scan(agent)

    with pytest.raises(ValidationError):
        services.card_scan_save(
            user=agent,
            scan=scan,
            entity=None,
            new_entity={"kind": kinds["prospect"], "legal_name": "Ruiz Hermanos"},
            contact_data={"first_name": ""},
        )
    assert Entity.objects.count() == 0
    scan.refresh_from_db()
    assert scan.status == CardScan.Status.DONE
