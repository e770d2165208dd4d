"""Template helpers of the action pages."""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone

from relata.actions.models import Action

register = template.Library()


@register.filter
def last_day(action: Action) -> datetime.date:
    """Return the last day of an all-day action (its stored end is the next midnight)."""
    return timezone.localtime(action.end - datetime.timedelta(minutes=1)).date()


@register.filter
def same_day(action: Action) -> bool:
    """Return whether the action starts and ends on the same local day."""
    if action.all_day:
        return last_day(action) == timezone.localtime(action.start).date()
    return timezone.localtime(action.start).date() == timezone.localtime(action.end).date()
