"""Reads of campaigns (every signed-in user may read them, to choose one on a case)."""

from __future__ import annotations

from django.db.models import Count, F, QuerySet

from relata.campaigns.models import Campaign


def campaigns(*, active_only: bool = True) -> QuerySet[Campaign]:
    """Return the campaigns, latest start first, those without dates last."""
    qs = Campaign.objects.order_by(F("starts_on").desc(nulls_last=True), "name", "pk")
    return qs.filter(is_active=True) if active_only else qs


def campaign_list(*, active_only: bool = False) -> QuerySet[Campaign]:
    """Return the campaigns with the number of their cases (``case_count``)."""
    return campaigns(active_only=active_only).annotate(case_count=Count("cases"))
