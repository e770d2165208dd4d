"""The "Campaigns" card of the entity page (the 360° view): the campaigns the entity has
taken part in, through its cases and its actions (emails to a campaign's targets
included), each with what the viewer may see of them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import models
from django.db.models import Count
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

from relata.actions.selectors import action_queryset
from relata.campaigns.models import Campaign
from relata.cases.selectors import case_queryset
from relata.core import panels
from relata.core.models import User
from relata.entities.models import Entity

PANEL_SIZE = 10


@dataclass
class EntityCampaign:
    campaign: Campaign
    cases: int = 0
    actions: int = 0
    cases_url: str = ""


def entity_campaigns(*, user: User, entity: Entity) -> list[EntityCampaign]:
    """Return the campaigns of ``entity``'s visible cases and actions, latest first, with
    how many of each (two grouped queries)."""
    found: dict[int, EntityCampaign] = {}
    counts = (
        ("cases", case_queryset(user=user)),
        ("actions", action_queryset(user=user)),
    )
    rows: dict[str, dict[int, int]] = {}
    for name, queryset in counts:
        grouped = (
            queryset.filter(entity=entity, campaign__isnull=False)
            .order_by()
            .values("campaign_id")
            .annotate(count=Count("pk"))
        )
        rows[name] = {row["campaign_id"]: row["count"] for row in grouped}
    ids = set(rows["cases"]) | set(rows["actions"])
    cases_list = reverse("cases:list")
    for campaign in Campaign.objects.filter(pk__in=ids):
        query = urlencode({"entity": entity.pk, "campaign": campaign.pk, "open": 0})
        found[campaign.pk] = EntityCampaign(
            campaign=campaign,
            cases=rows["cases"].get(campaign.pk, 0),
            actions=rows["actions"].get(campaign.pk, 0),
            cases_url=f"{cases_list}?{query}",
        )
    return sorted(
        found.values(),
        key=lambda row: (
            row.campaign.starts_on is not None,  # undated last
            row.campaign.starts_on or datetime.date.min,
            row.campaign.pk,
        ),
        reverse=True,
    )


@panels.register("entity_detail", order=45)
def entity_panel(request: HttpRequest, obj: models.Model) -> str:
    if not isinstance(obj, Entity) or not isinstance(request.user, User):
        return ""
    rows = entity_campaigns(user=request.user, entity=obj)
    return render_to_string(
        "dashboard/entity_campaigns.html",
        {"rows": rows[:PANEL_SIZE], "total": len(rows)},
        request=request,
    )
