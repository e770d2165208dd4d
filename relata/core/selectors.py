"""Reads for users, teams and parameters; every list applies the permission layer."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from django.core.cache import cache
from django.db.models import Count, Prefetch, QuerySet

from relata.core import permissions
from relata.core.models import CrmParameters, Team, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django_stubs_ext import WithAnnotations

PARAMETERS_CACHE_KEY = "relata:parameters:v1"


class TeamCounts(TypedDict):
    member_count: int


def parameters_get() -> CrmParameters:
    """Return the CRM general parameters, creating the row with defaults if missing."""
    params = cache.get(PARAMETERS_CACHE_KEY)
    if params is None:
        params, _created = CrmParameters.objects.get_or_create(pk=1)
        cache.set(PARAMETERS_CACHE_KEY, params, 300)
    return params


def parameters_cache_clear() -> None:
    cache.delete(PARAMETERS_CACHE_KEY)


def user_list(*, user: User | AnonymousUser, search: str = "") -> QuerySet[User]:
    """Return active users the given user may see: all for configuration purposes.

    Every active user may see who else works in the CRM (to assign work); only
    administrators see inactive accounts.
    Anonymous users (the API schema generator) get the active users too.
    """
    qs = (
        User.objects.all()
        if permissions.is_administrator(user)
        else User.objects.filter(is_active=True)
    )
    if search:
        from django.db.models import Q

        qs = qs.filter(
            Q(username__icontains=search)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | Q(email__icontains=search)
        )
    return qs.prefetch_related(Prefetch("teams", queryset=Team.objects.only("id", "name")))


def team_list(*, user: User | AnonymousUser) -> QuerySet[WithAnnotations[Team, TeamCounts]]:
    """Return the teams with their member counts."""
    qs = (
        Team.objects.all()
        if permissions.is_administrator(user)
        else Team.objects.filter(is_active=True)
    )
    return qs.annotate(member_count=Count("members", distinct=True))


def team_members(*, team: Team) -> QuerySet[User]:
    return team.members.filter(is_active=True).order_by("first_name", "last_name", "username")


def default_team(user: User) -> Team | None:
    """Return the team a record given to ``user`` goes with: their only active team, if
    they have exactly one (with several, the person assigning chooses)."""
    teams = list(user.teams.filter(is_active=True)[:2])
    return teams[0] if len(teams) == 1 else None


def colleagues(user: User) -> QuerySet[User]:
    """Return the active users whose work ``user`` may look at (an agenda, a board's owner
    filter): everyone for administrators, else themselves and the members of their teams."""
    qs = User.objects.filter(is_active=True)
    if not permissions.is_administrator(user):
        qs = qs.filter(pk__in=sorted({user.pk, *permissions.team_member_ids(user)}))
    return qs.order_by("first_name", "last_name", "username")
