"""The "Emails" card of the entity, contact and case pages: the latest messages with their
delivery status, and a "Send email" button."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

from relata.cases.models import Case
from relata.core import panels, permissions
from relata.core.models import User
from relata.entities.models import Contact, Entity
from relata.mailing import selectors

LATEST = 5


def _render(request: HttpRequest, user: User, filters: dict[str, Any], query: str) -> str:
    emails = selectors.email_list(user=user, **filters)
    return render_to_string(
        "mailing/panel.html",
        {
            "emails": list(emails[:LATEST]),
            "total": emails.count(),
            "all_url": f"{reverse('mailing:outbox')}?{query}",
            "compose_url": (
                f"{reverse('mailing:compose')}?{query}" if permissions.can_write(user) else ""
            ),
        },
        request=request,
    )


@panels.register("entity_detail", order=40)
def entity_panel(request: HttpRequest, obj: models.Model) -> str:
    if not isinstance(obj, Entity) or not isinstance(request.user, User):
        return ""
    return _render(request, request.user, {"entity": obj.pk}, f"entity={obj.pk}")


@panels.register("contact_detail", order=40)
def contact_panel(request: HttpRequest, obj: models.Model) -> str:
    if not isinstance(obj, Contact) or not isinstance(request.user, User):
        return ""
    return _render(request, request.user, {"contact": obj.pk}, f"contact={obj.pk}")


@panels.register("case_detail", order=40)
def case_panel(request: HttpRequest, obj: models.Model) -> str:
    if not isinstance(obj, Case) or not isinstance(request.user, User):
        return ""
    return _render(request, request.user, {"case": obj.pk}, f"case={obj.pk}")
