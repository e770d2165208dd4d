"""The "Business card" panel of the contact page: the photo the contact was scanned from."""

from __future__ import annotations

from django.db import models
from django.http import HttpRequest
from django.template.loader import render_to_string

from relata.cards.models import CardScan
from relata.core import panels, permissions
from relata.core.models import User
from relata.entities.models import Contact


@panels.register("contact_detail", order=30)
def contact_card_panel(request: HttpRequest, obj: models.Model) -> str:
    user = request.user
    if not isinstance(obj, Contact) or not isinstance(user, User):
        return ""
    # The contact page has already checked that the viewer may see the contact, and its
    # card goes with it; checked again here so that the panel never relies on that.
    if not permissions.can_view(user, obj):
        return ""
    scan = CardScan.objects.filter(contact=obj).order_by("-created_at").first()
    if scan is None:
        return ""
    return render_to_string("cards/panel.html", {"scan": scan}, request=request)
