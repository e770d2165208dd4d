"""Global search providers: entities (names, tax id, emails, phones, contact names) and
contacts (names, emails), through the permission-scoped selectors."""

from __future__ import annotations

from django.utils.translation import gettext as _

from relata.core.models import User
from relata.core.search import SearchGroup, SearchHit, register
from relata.entities import selectors
from relata.entities.models import Contact


@register
def entities(user: User, query: str, limit: int) -> SearchGroup:
    found = selectors.entity_list(user=user, search=query)[:limit]
    return SearchGroup(
        _("Entities"),
        [
            SearchHit(
                entity.display_name,
                " · ".join(
                    part
                    for part in (
                        entity.kind.label,
                        entity.tax_id,
                        entity.legal_name if entity.trade_name else "",
                    )
                    if part
                ),
                entity.get_absolute_url(),
                "building",
            )
            for entity in found
        ],
    )


@register
def contacts(user: User, query: str, limit: int) -> SearchGroup:
    found = selectors.contact_list(user=user, search=query)[:limit]

    def main_email(contact: Contact) -> str:
        emails = getattr(contact, "email_list", [])  # prefetched by the selector
        return emails[0].email if emails else ""

    return SearchGroup(
        _("Contacts"),
        [
            SearchHit(
                contact.full_name,
                " · ".join(
                    part
                    for part in (
                        contact.job_title,
                        contact.entity.display_name,
                        main_email(contact),
                    )
                    if part
                ),
                contact.get_absolute_url(),
                "person-vcard",
            )
            for contact in found
        ],
    )
