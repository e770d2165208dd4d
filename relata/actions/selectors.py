"""Reads for actions and action types; every one applies the permission layer."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from relata.actions.models import Action, ActionStatus, ActionType
from relata.core import permissions
from relata.core.models import Team, User
from relata.entities.models import Contact, Entity

ACTION_SORTS = {
    "start": ("start", "pk"),
    "-start": ("-start", "-pk"),
    "subject": ("subject", "pk"),
    "-subject": ("-subject", "-pk"),
    "type": ("type__order", "start"),
    "-type": ("-type__order", "start"),
    "status": ("status", "start"),
    "-status": ("-status", "start"),
    "owner": ("owner__username", "start"),
    "-owner": ("-owner__username", "start"),
}


def action_types(*, active_only: bool = True) -> QuerySet[ActionType]:
    qs = ActionType.objects.all()
    return qs.filter(is_active=True) if active_only else qs


def action_queryset(*, user: User) -> QuerySet[Action]:
    """Return every action ``user`` may see, with what lists and calendars show of it."""
    return permissions.scope(user, Action.objects.all()).select_related(
        "type", "entity", "contact", "owner", "team"
    )


def action_get(*, user: User, pk: int) -> Action:
    """Return one visible action (``Action.DoesNotExist`` otherwise)."""
    return action_queryset(user=user).get(pk=pk)


def _moment(value: datetime.datetime | datetime.date) -> datetime.datetime:
    """Return a date as the aware midnight that starts it in the current time zone."""
    if isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.combine(value, datetime.time(), tzinfo=timezone.get_current_timezone())


def action_list(
    *,
    user: User,
    owner: User | int | None = None,
    team: Team | int | None = None,
    entity: Entity | int | None = None,
    contact: Contact | int | None = None,
    types: list[Any] | None = None,
    statuses: list[str] | None = None,
    start_from: datetime.datetime | datetime.date | None = None,
    start_to: datetime.datetime | datetime.date | None = None,
    search: str = "",
    sort: str = "start",
) -> QuerySet[Action]:
    """Return the visible actions matching the filters (the list, the API, the agenda).

    The date range selects the actions that overlap ``[start_from, start_to)``.
    """
    qs = action_queryset(user=user)
    if owner:
        qs = qs.filter(owner=owner)
    if team:
        qs = qs.filter(team=team)
    if entity:
        qs = qs.filter(entity=entity)
    if contact:
        qs = qs.filter(Q(contact=contact) | Q(attendee_contacts=contact)).distinct()
    if types:
        qs = qs.filter(type__in=types)
    if statuses:
        qs = qs.filter(status__in=statuses)
    if start_from is not None:
        qs = qs.filter(end__gt=_moment(start_from))
    if start_to is not None:
        qs = qs.filter(start__lt=_moment(start_to))
    if search:
        qs = qs.filter(
            Q(subject__icontains=search)
            | Q(entity__legal_name__icontains=search)
            | Q(entity__trade_name__icontains=search)
        )
    return qs.order_by(*ACTION_SORTS.get(sort, ACTION_SORTS["start"]))


def agenda_actions(
    *,
    user: User,
    start: datetime.datetime,
    end: datetime.datetime,
    owner: int | None = None,
    team: int | None = None,
    types: list[int] | None = None,
    include_cancelled: bool = False,
) -> QuerySet[Action]:
    """Return the visible actions overlapping ``[start, end)`` for the calendar.

    Without an owner or a team, the agenda is the user's own: assigned to them, or to one
    of their teams without a person yet.
    """
    qs = action_queryset(user=user).filter(start__lt=end, end__gt=start)
    if owner:
        qs = qs.filter(owner_id=owner)
    elif team:
        qs = qs.filter(team_id=team)
    else:
        qs = qs.filter(
            Q(owner=user)
            | Q(owner__isnull=True, team_id__in=permissions.team_ids(user))
            | Q(attendee_users=user)
        ).distinct()
    if types:
        qs = qs.filter(type_id__in=types)
    if not include_cancelled:
        qs = qs.exclude(status=ActionStatus.CANCELLED)
    return qs.order_by("start", "pk")


def entity_actions(*, user: User, entity: Entity) -> tuple[list[Action], list[Action]]:
    """Return the entity's planned actions (soonest first) and its recent finished ones."""
    qs = action_queryset(user=user).filter(entity=entity)
    planned = list(qs.filter(status=ActionStatus.PLANNED).order_by("start", "pk")[:10])
    recent = list(qs.exclude(status=ActionStatus.PLANNED).order_by("-start", "-pk")[:5])
    return planned, recent


def feed_actions(*, user: User, days_back: int = 90) -> QuerySet[Action]:
    """Return what a user's iCalendar feed carries: their actions from ``days_back`` days
    ago onward, and the meetings they attend."""
    since = datetime.datetime.now(tz=datetime.UTC) - datetime.timedelta(days=days_back)
    return (
        Action.objects.filter(Q(owner=user) | Q(attendee_users=user), end__gte=since)
        .select_related("type", "entity", "contact", "owner")
        .distinct()
        .order_by("start", "pk")
    )
