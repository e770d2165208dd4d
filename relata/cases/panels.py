"""The "Cases" card of the entity page: its open cases first, then the recently closed,
and buttons to open a new opportunity or case."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db import models
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

from relata.cases import selectors
from relata.cases.models import Case, StatusMeaning
from relata.core import panels, permissions
from relata.core.models import User
from relata.entities.models import Entity

PANEL_SIZE = 10


def entity_cases(*, user: User, entity: Entity) -> tuple[list[Case], int]:
    """Return up to :data:`PANEL_SIZE` visible cases of ``entity`` (open first, newest
    first in each group) and how many cases of it the user may see."""
    qs = selectors.case_list(user=user, entity=entity)
    open_cases = list(qs.filter(status__meaning=StatusMeaning.OPEN)[:PANEL_SIZE])
    closed: list[Case] = []
    if len(open_cases) < PANEL_SIZE:
        closed = list(
            qs.exclude(status__meaning=StatusMeaning.OPEN).order_by("-closed_at", "-pk")[
                : PANEL_SIZE - len(open_cases)
            ]
        )
    return [*open_cases, *closed], qs.count()


@panels.register("entity_detail", order=20)
def entity_panel(request: HttpRequest, obj: models.Model) -> str:
    if not isinstance(obj, Entity) or not isinstance(request.user, User):
        return ""
    cases, total = entity_cases(user=request.user, entity=obj)
    can_create = permissions.can_write(request.user)
    create_url = reverse("cases:create")
    return render_to_string(
        "cases/entity_panel.html",
        {
            "cases": cases,
            "total": total,
            "entity": obj,
            "list_url": f"{reverse('cases:list')}?{urlencode({'entity': obj.pk, 'open': 0})}",
            "opportunity_url": (
                f"{create_url}?{urlencode({'entity': obj.pk, 'case_type': 'opportunity'})}"
                if can_create
                else ""
            ),
            "case_url": f"{create_url}?{urlencode({'entity': obj.pk})}" if can_create else "",
        },
        request=request,
    )
