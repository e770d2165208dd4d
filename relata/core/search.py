"""Global search: each app registers a provider that applies the permission layer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from relata.core import selectors
from relata.core.models import User


@dataclass(frozen=True)
class SearchHit:
    title: str
    subtitle: str
    url: str
    icon: str


@dataclass(frozen=True)
class SearchGroup:
    label: str
    hits: list[SearchHit]


Provider = Callable[[User, str, int], SearchGroup | None]
_providers: list[Provider] = []
RESULTS_PER_GROUP = 10


def register(provider: Provider) -> Provider:
    _providers.append(provider)
    return provider


def search(*, user: User, query: str) -> list[SearchGroup]:
    """Return the groups of hits for ``query`` that ``user`` may see."""
    groups = (provider(user, query, RESULTS_PER_GROUP) for provider in _providers)
    return [g for g in groups if g and g.hits]


@register
def _users(user: User, query: str, limit: int) -> SearchGroup:
    from django.urls import reverse

    from relata.core.permissions import can_configure

    users = selectors.user_list(user=user, search=query)[:limit]
    return SearchGroup(
        str(_("Users")),
        [
            SearchHit(
                str(u),
                u.email or u.username,
                reverse("core:user_edit", args=[u.pk]) if can_configure(user) else "",
                "person",
            )
            for u in users
        ],
    )


@register
def _teams(user: User, query: str, limit: int) -> SearchGroup:
    teams = (
        selectors.team_list(user=user)
        .filter(Q(name__icontains=query) | Q(description__icontains=query))
        .order_by("name")[:limit]
    )
    return SearchGroup(
        str(_("Teams")),
        [
            SearchHit(
                t.name,
                str(_("%(count)d members") % {"count": t.member_count}),
                t.get_absolute_url(),
                "people",
            )
            for t in teams
        ],
    )
