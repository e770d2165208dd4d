"""The "Actions" card of the entity, contact and case pages: planned and recent actions and a
button to schedule one."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db import models
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

from relata.actions import selectors
from relata.actions.models import Action, ActionStatus
from relata.cases.models import Case
from relata.core import panels, permissions
from relata.core.models import User
from relata.entities.models import Contact, Entity


def _render(
    request: HttpRequest,
    planned: list[Action],
    recent: list[Action],
    query: dict[str, int],
    back: str,
) -> str:
    user = request.user
    assert isinstance(user, User)
    return render_to_string(
        "actions/panel.html",
        {
            "planned": planned,
            "recent": recent,
            "schedule_url": (
                f"{reverse('actions:create')}?{urlencode({**query, 'next': back})}"
                if permissions.can_write(user)
                else ""
            ),
        },
        request=request,
    )


@panels.register("entity_detail", order=10)
def entity_panel(request: HttpRequest, obj: models.Model) -> str:
    if not isinstance(obj, Entity) or not isinstance(request.user, User):
        return ""
    planned, recent = selectors.entity_actions(user=request.user, entity=obj)
    return _render(request, planned, recent, {"entity": obj.pk}, obj.get_absolute_url())


@panels.register("contact_detail", order=10)
def contact_panel(request: HttpRequest, obj: models.Model) -> str:
    if not isinstance(obj, Contact) or not isinstance(request.user, User):
        return ""
    qs = selectors.action_list(user=request.user, contact=obj)
    planned = list(qs.filter(status=ActionStatus.PLANNED).order_by("start", "pk")[:10])
    recent = list(qs.exclude(status=ActionStatus.PLANNED).order_by("-start", "-pk")[:5])
    return _render(
        request,
        planned,
        recent,
        {"entity": obj.entity_id, "contact": obj.pk},
        obj.get_absolute_url(),
    )


@panels.register("case_detail", order=10)
def case_panel(request: HttpRequest, obj: models.Model) -> str:
    if not isinstance(obj, Case) or not isinstance(request.user, User):
        return ""
    qs = selectors.action_list(user=request.user).filter(case=obj)
    planned = list(qs.filter(status=ActionStatus.PLANNED).order_by("start", "pk")[:10])
    recent = list(qs.exclude(status=ActionStatus.PLANNED).order_by("-start", "-pk")[:5])
    query = {"case": obj.pk}
    return _render(request, planned, recent, query, reverse("cases:detail", args=[obj.pk]))
