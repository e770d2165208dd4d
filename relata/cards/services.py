"""Writes for card scanning: upload a picture, read it, save the reviewed contact.

Reading a card takes about a second of CPU, so the web page queues it (Huey) and polls;
the API and the command read it at once. The picture stays with the scan, and the scan
points at the contact it became, so the original card is kept with the contact.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from relata.cards import imaging
from relata.cards.models import CardScan
from relata.cards.ocr import OcrUnavailableError
from relata.cards.recognition import recognise
from relata.core import permissions
from relata.core.effects import enqueue_on_commit
from relata.core.models import User
from relata.core.normalize import default_region
from relata.entities import services as entity_services
from relata.entities.models import Contact, Entity

logger = logging.getLogger(__name__)


def _ensure_own(user: User, scan: CardScan) -> None:
    """Only the user who scanned a card (or an administrator) continues its scan."""
    permissions.ensure(
        permissions.is_administrator(user)
        or (permissions.can_write(user) and scan.created_by_id == user.pk)
    )


@transaction.atomic
def card_scan_create(
    *, user: User, data: bytes, filename: str = "", background: bool = True
) -> CardScan:
    """Check and store an uploaded card picture; queue its reading when ``background``.

    Raise ``ValidationError`` (with a message for the user) for a file that is not a
    usable picture, ``PermissionDenied`` for a user who may not create contacts.
    """
    permissions.ensure(
        permissions.can_write(user), _("You do not have permission to create contacts.")
    )
    checked = imaging.check_image(data)
    scan = CardScan(created_by=user, original_name=(filename or "")[-255:])
    scan.image.save(f"{uuid.uuid4().hex}.{checked.extension}", ContentFile(data), save=False)
    scan.save()
    if background:
        from relata.cards.tasks import card_scan_process

        enqueue_on_commit(card_scan_process, scan.pk)
    return scan


def card_scan_run(*, scan_id: int) -> CardScan:
    """Read the card of a scan and store the proposed fields; idempotent.

    Runs outside a transaction: the recognition takes a second and must not hold a write
    lock. A failure is stored on the scan (status "failed"), never raised.
    """
    scan = CardScan.objects.get(pk=scan_id)
    if scan.status in (CardScan.Status.DONE, CardScan.Status.SAVED):
        return scan
    CardScan.objects.filter(pk=scan.pk).update(status=CardScan.Status.RUNNING)
    try:
        with scan.image.open("rb") as stored:
            checked = imaging.check_image(stored.read())
        recognition = recognise(checked.image, region=default_region())
    except ValidationError as error:
        scan.status, scan.error = CardScan.Status.FAILED, " ".join(error.messages)
    except (OcrUnavailableError, OSError) as error:
        logger.exception("Card scan %s could not be read", scan.pk)
        scan.status = CardScan.Status.FAILED
        scan.error = _("The text recognition is not available: %(error)s") % {"error": error}
    else:
        scan.status, scan.error = CardScan.Status.DONE, ""
        scan.result = recognition.as_result()
    scan.save(update_fields=["status", "error", "result", "updated_at"])
    return scan


@transaction.atomic
def card_scan_save(
    *,
    user: User,
    scan: CardScan,
    entity: Entity | None,
    new_entity: dict[str, Any] | None = None,
    address: dict[str, Any] | None = None,
    contact_data: dict[str, Any],
    emails: Sequence[dict[str, Any]] = (),
    phones: Sequence[dict[str, Any]] = (),
    custom: dict[str, Any] | None = None,
) -> Contact:
    """Save the reviewed card as a contact of ``entity``, or of a new entity.

    ``new_entity`` holds the new entity's fields (``kind``, ``legal_name``, ``tax_id``,
    ``website``) when ``entity`` is None; ``address`` its address.
    """
    _ensure_own(user, scan)
    scan = CardScan.objects.select_for_update().get(pk=scan.pk)
    if scan.status == CardScan.Status.SAVED:
        raise ValidationError(_("This card has already been saved as a contact."))
    if entity is None:
        if not new_entity:
            raise ValidationError({"entity": _("Choose an entity or create a new one.")})
        entity = entity_services.entity_create(
            user=user,
            data=new_entity,
            emails=[],
            phones=[],
            addresses=[{**address, "is_main": True}] if address else [],
        )
    elif not permissions.can_change(user, entity):
        raise PermissionDenied(_("You cannot add contacts to %(name)s.") % {"name": entity})
    contact = entity_services.contact_create(
        user=user, entity=entity, data=contact_data, emails=emails, phones=phones, custom=custom
    )
    scan.contact = contact
    scan.status = CardScan.Status.SAVED
    scan.save(update_fields=["contact", "status", "updated_at"])
    return contact
