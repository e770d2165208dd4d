"""A case's links to its customer's orders, deliveries and invoices on the case's
timeline ("Linked invoice FV-0001"), for users who see the case and its entity."""

from __future__ import annotations

from collections.abc import Callable

from django.db import models
from django.utils.translation import gettext as _

from relata.cases.models import Case
from relata.core import permissions, timeline
from relata.core.models import User
from relata.sales import selectors_links
from relata.sales.models import SalesDocumentKind

# Whole sentences per kind, for the translators (functions: translated when shown).
_TITLES: dict[str, Callable[[], str]] = {
    SalesDocumentKind.ORDER: lambda: _("Linked order %(number)s"),
    SalesDocumentKind.DELIVERY: lambda: _("Linked delivery %(number)s"),
    SalesDocumentKind.INVOICE: lambda: _("Linked invoice %(number)s"),
}


@timeline.register
def case_link_events(
    obj: models.Model, limit: int, user: User | None = None
) -> list[timeline.TimelineEvent]:
    if user is None or not isinstance(obj, Case):
        return []
    if not permissions.can_view(user, obj) or not permissions.can_view(user, obj.entity):
        return []
    events = []
    for link in selectors_links.link_queryset(obj)[:limit]:
        document = link.document
        if document is None:
            continue
        row = selectors_links.document_row(document, obj.entity_id)
        events.append(
            timeline.TimelineEvent(
                when=link.created_at,
                who=link.created_by,
                kind="case-sales-link",
                title=_TITLES[row.kind]() % {"number": row.number},
                icon="link-45deg",
                url=row.url,
            )
        )
    return events
