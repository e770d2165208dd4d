"""Reads of segments and of the entities they select; all permission-scoped.

A user sees their own segments and those shared with one of their teams (administrators
see all). A segment's entities are always those the *viewing* user may see: a segment
shared with a team shows each member only their part of it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from relata.core import permissions
from relata.core.models import User
from relata.entities.models import Entity, Segment
from relata.entities.segments.conditions import definition_q
from relata.entities.selectors import entity_queryset


def segment_list(*, user: User) -> QuerySet[Segment]:
    """Return the segments ``user`` may use: their own and their teams' shared ones."""
    qs = permissions.scope(user, Segment.objects.all())
    if not permissions.is_administrator(user):
        # The permission layer also shows records owned by team mates; a segment that is
        # not shared stays its owner's.
        qs = qs.filter(Q(owner=user) | Q(team__in=permissions.team_ids(user)))
    return qs.select_related("owner", "team").order_by("name", "id")


def segment_get(*, user: User, pk: int) -> Segment:
    """Return one segment ``user`` may use, or raise ``Segment.DoesNotExist``."""
    return segment_list(user=user).get(pk=pk)


def _definition(segment: Segment | None, definition: Any) -> Any:
    if segment is not None:
        return segment.definition
    return definition


def segment_entities(
    *, user: User, segment: Segment | None = None, definition: Any = None
) -> QuerySet[Entity]:
    """Return the entities ``user`` may see that match the segment (or a definition).

    Raises ``ValidationError`` when the definition does not fit any more.
    """
    q = definition_q(_definition(segment, definition), user=user)
    return entity_queryset(user=user).filter(q).order_by("legal_name", "id")


def segment_count(*, user: User, segment: Segment | None = None, definition: Any = None) -> int:
    """Return how many entities ``user`` may see match the segment (or a definition)."""
    q = definition_q(_definition(segment, definition), user=user)
    return permissions.scope(user, Entity.objects.filter(q)).count()
