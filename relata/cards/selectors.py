"""Reads for card scans, and the existing entities a card may belong to.

Scans follow the permission layer: administrators see every scan; everyone else sees the
scans they made (a photo of someone's card is private until it becomes a contact), and a
saved scan's picture also to whoever may see its contact.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from relata.cards.models import CardScan
from relata.cards.parsing import LEGAL_FORMS, compact
from relata.core import permissions
from relata.core.models import User
from relata.core.normalize import normalize_tax_id
from relata.entities.models import EmailAddress, Entity

# Addresses at these domains say nothing about the company.
FREE_MAIL_DOMAINS = {
    "gmail.com",
    "googlemail.com",
    "hotmail.com",
    "hotmail.es",
    "outlook.com",
    "outlook.es",
    "live.com",
    "msn.com",
    "yahoo.com",
    "yahoo.es",
    "icloud.com",
    "me.com",
    "protonmail.com",
    "proton.me",
    "gmx.com",
    "telefonica.net",
}
MAX_MATCHES = 5


def scan_queryset(*, user: User) -> QuerySet[CardScan]:
    """Return the scans ``user`` may see and continue."""
    scans = CardScan.objects.select_related("created_by", "contact")
    if permissions.is_administrator(user):
        return scans
    if not user.is_authenticated or not user.is_active:
        return scans.none()
    return scans.filter(created_by=user)


def scan_get(*, user: User, pk: int) -> CardScan:
    """Return the scan ``pk`` if ``user`` may see it; raise ``CardScan.DoesNotExist``."""
    return scan_queryset(user=user).get(pk=pk)


def scan_list(*, user: User, limit: int = 10) -> list[CardScan]:
    """Return the user's latest scans (administrators: their own too, not everyone's)."""
    return list(CardScan.objects.filter(created_by=user).select_related("contact")[:limit])


def can_see_image(*, user: User, scan: CardScan) -> bool:
    """Return whether ``user`` may see the picture of ``scan``."""
    if permissions.is_administrator(user) or scan.created_by_id == user.pk:
        return True
    return scan.contact is not None and permissions.can_view(user, scan.contact)


@dataclass
class EntityMatch:
    entity: Entity
    reason: str
    can_change: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.entity.pk,
            "name": self.entity.display_name,
            "tax_id": self.entity.tax_id,
            "reason": self.reason,
        }


def _company_words(company: str) -> str:
    """Return the company name without its legal form: "Aceros del Norte S.L." → words."""
    words = [w for w in re.split(r"\s+", company.strip()) if w]
    while words and re.sub(r"[^a-z]", "", words[-1].lower()) in LEGAL_FORMS:
        words.pop()
    return " ".join(words).strip(" ,.")


def entity_matches(*, user: User, fields: dict[str, Any]) -> list[EntityMatch]:
    """Return the visible entities the card probably belongs to, best first.

    By tax id (certain), by the domain of a company email address, by the domain of the
    website, then by the company name.
    """
    visible = permissions.scope(user, Entity.objects.all())
    found: dict[int, EntityMatch] = {}

    def add(entities: QuerySet[Entity], reason: str) -> None:
        for entity in entities[:MAX_MATCHES]:
            if entity.pk not in found and len(found) < MAX_MATCHES:
                found[entity.pk] = EntityMatch(
                    entity=entity,
                    reason=reason,
                    can_change=permissions.can_change(user, entity),
                )

    tax_id = fields.get("tax_id") or ""
    if tax_id:
        # An unreadable tax id matches nothing.
        with contextlib.suppress(ValidationError):
            add(visible.filter(tax_id=normalize_tax_id(tax_id)), _("same tax id"))
    domains = []
    for email in fields.get("emails") or []:
        domain = email.rsplit("@", 1)[-1].lower()
        if domain and domain not in FREE_MAIL_DOMAINS and domain not in domains:
            domains.append(domain)
    for domain in domains:
        with_domain = EmailAddress.objects.filter(email__iendswith=f"@{domain}").values("entity_id")
        add(
            visible.filter(Q(pk__in=with_domain) | Q(website__icontains=domain)),
            _("email domain %(domain)s") % {"domain": domain},
        )
    website = fields.get("website") or ""
    host = website.split("://", 1)[-1].split("/")[0].removeprefix("www.")
    if host and host not in domains:
        add(visible.filter(website__icontains=host), _("website %(host)s") % {"host": host})
    company = _company_words(fields.get("company") or "")
    if len(compact(company)) >= 3:
        add(
            visible.filter(Q(legal_name__icontains=company) | Q(trade_name__icontains=company)),
            _("name"),
        )
    return list(found.values())
