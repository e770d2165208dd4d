"""Reads of campaigns (every signed-in user may read them, to choose one on a case)."""

from __future__ import annotations

from django.db.models import Count, F, QuerySet

from relata.campaigns.models import Campaign


def campaigns(*, active_only: bool = True) -> QuerySet[Campaign]:
    """Return the campaigns, latest start first, those without dates last."""
    qs = Campaign.objects.order_by(F("starts_on").desc(nulls_last=True), "name", "pk")
    return qs.filter(is_active=True) if active_only else qs


def campaign_list(*, active_only: bool = False) -> QuerySet[Campaign]:
    """Return the campaigns with the number of their cases (``case_count``) and their
    target segment."""
    return (
        campaigns(active_only=active_only)
        .select_related("target_segment")
        .annotate(case_count=Count("cases"))
    )


def campaign_get(*, pk: int) -> Campaign:
    """Return one campaign (every user may read them) or raise ``Campaign.DoesNotExist``."""
    return Campaign.objects.select_related("target_segment").get(pk=pk)
