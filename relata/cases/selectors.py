"""Reads for cases, case types and statuses; every read of cases applies the permission
layer."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from relata.cases.models import Case, CaseStatus, CaseType, StatusMeaning
from relata.core import permissions
from relata.core.models import Team, User
from relata.entities.models import Entity


def case_types(*, active_only: bool = True) -> QuerySet[CaseType]:
    qs = CaseType.objects.all()
    return qs.filter(is_active=True) if active_only else qs


def case_statuses(*, case_type: CaseType | int, active_only: bool = True) -> QuerySet[CaseStatus]:
    """Return the statuses of a type in the type's order."""
    qs = CaseStatus.objects.filter(case_type=case_type).order_by("order", "pk")
    return qs.filter(is_active=True) if active_only else qs


def case_queryset(*, user: User) -> QuerySet[Case]:
    """Return every case ``user`` may see, with what lists show of it."""
    return permissions.scope(user, Case.objects.all()).select_related(
        "case_type", "status", "entity", "contact", "owner", "team"
    )


def case_get(*, user: User, pk: int) -> Case:
    """Return one visible case (``Case.DoesNotExist`` otherwise)."""
    return case_queryset(user=user).get(pk=pk)


def search_q(text: str) -> Q:
    """Return the filter of a case search: words of the number, subject or entity names."""
    text = text.strip()
    if not text:
        return Q()
    return (
        Q(number__icontains=text)
        | Q(subject__icontains=text)
        | Q(entity__legal_name__icontains=text)
        | Q(entity__trade_name__icontains=text)
    )


def case_list(
    *,
    user: User,
    case_type: CaseType | int | None = None,
    statuses: list[Any] | None = None,
    owner: User | int | str | None = None,
    team: Team | int | None = None,
    entity: Entity | int | None = None,
    campaign: Any = None,
    open_only: bool = False,
    search: str = "",
) -> QuerySet[Case]:
    """Return the visible cases matching the filters, newest first.

    ``owner`` is a user, an id, or ``"none"`` for cases assigned to a team only.
    """
    qs = case_queryset(user=user)
    if case_type:
        qs = qs.filter(case_type=case_type)
    if statuses:
        qs = qs.filter(status__in=statuses)
    if owner == "none":
        qs = qs.filter(owner__isnull=True)
    elif isinstance(owner, User | int):
        qs = qs.filter(owner=owner)
    if campaign:
        qs = qs.filter(campaign=campaign)
    if search.strip():
        qs = qs.filter(search_q(search))
    if team:
        qs = qs.filter(team=team)
    if entity:
        qs = qs.filter(entity=entity)
    if open_only:
        qs = qs.filter(status__meaning=StatusMeaning.OPEN)
    return qs.order_by("-opened_at", "-pk")
