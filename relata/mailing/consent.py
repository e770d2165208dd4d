"""Consent for marketing email: who may receive it, the suppression list, and the signed
unsubscribe links (RFC 2369 ``List-Unsubscribe``, RFC 8058 one-click).

The unsubscribe token is the recipient's address and contact id signed with the
installation's secret key (``django.core.signing``). It never expires: an unsubscribe
link must keep working in an email read months later. It reveals the address it was sent
to, which the holder of the email already knows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from relata.actions.ical import site_url
from relata.core.history import set_history_user
from relata.entities.models import Contact
from relata.mailing.models import Suppression, SuppressionReason

SALT = "relata.mailing.unsubscribe"


@dataclass(frozen=True)
class UnsubscribeTarget:
    address: str
    contact_id: int | None


def unsubscribe_token(address: str, contact_id: int | None) -> str:
    return signing.Signer(salt=SALT).sign_object({"a": address.lower(), "c": contact_id})


def read_token(token: str) -> UnsubscribeTarget | None:
    """Return what a token names, or None when it was not made by this installation."""
    try:
        data = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("a"), str):
        return None
    contact_id = data.get("c")
    return UnsubscribeTarget(
        address=data["a"], contact_id=contact_id if isinstance(contact_id, int) else None
    )


def unsubscribe_url(address: str, contact_id: int | None) -> str:
    path = reverse("mailing:unsubscribe", args=[unsubscribe_token(address, contact_id)])
    return f"{site_url()}{path}"


def suppressed_reasons(addresses: list[str]) -> dict[str, str]:
    """Return address (lower case) → suppression reason for the suppressed ones."""
    lowered = sorted({a.lower() for a in addresses if a})
    found: dict[str, str] = {}
    for start in range(0, len(lowered), 500):
        chunk = lowered[start : start + 500]
        found.update(Suppression.objects.filter(address__in=chunk).values_list("address", "reason"))
    return found


def suppress(address: str, reason: str, source: str = "") -> Suppression:
    """Add an address to the suppression list (idempotent: the first reason stays, except
    that a bounce replaces a softer reason, since a bounce stops service email too)."""
    address = address.strip().lower()
    existing = Suppression.objects.filter(address=address).first()
    if existing is not None:
        if reason == SuppressionReason.BOUNCED and existing.reason != reason:
            existing.reason = reason
            existing.source = source[:200]
            existing.save(update_fields=["reason", "source"])
        return existing
    try:
        with transaction.atomic():
            return Suppression.objects.create(address=address, reason=reason, source=source[:200])
    except IntegrityError:  # two unsubscribe clicks at once
        return Suppression.objects.get(address=address)


@transaction.atomic
def unsubscribe(target: UnsubscribeTarget, *, source: str) -> None:
    """Record an opt-out: the contact no longer accepts marketing email, and the address
    goes on the suppression list. Idempotent."""
    suppress(target.address, SuppressionReason.UNSUBSCRIBED, source)
    if target.contact_id is None:
        return
    contact = Contact.objects.select_for_update().filter(pk=target.contact_id).first()
    if contact is not None and contact.email_opt_in:
        contact.email_opt_in = False
        contact.email_opt_in_at = timezone.now()
        contact.email_opt_in_source = source[:100]
        set_history_user(contact, None)
        contact.save(update_fields=["email_opt_in", "email_opt_in_at", "email_opt_in_source"])
