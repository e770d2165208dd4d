"""Actions on the timeline of their entity, contact and case."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from relata.actions.models import Action, ActionStatus
from relata.cases.models import Case
from relata.core import permissions, timeline
from relata.core.models import User
from relata.entities.models import Contact, Entity


def _event(action: Action) -> timeline.TimelineEvent:
    status = "" if action.status == ActionStatus.PLANNED else f" · {action.get_status_display()}"
    outcome = f" — {action.outcome}" if action.outcome else ""
    return timeline.TimelineEvent(
        when=action.start,
        who=action.owner,
        kind=f"action-{action.status}",
        title=f"{action.type.name}: {action.subject}{status}{outcome}",
        icon=action.type.icon,
        url=action.get_absolute_url(),
    )


@timeline.register
def action_events(
    obj: models.Model, limit: int, user: User | None = None
) -> list[timeline.TimelineEvent]:
    if user is None:
        return []
    if isinstance(obj, Entity):
        q = Q(entity=obj)
    elif isinstance(obj, Contact):
        q = Q(contact=obj) | Q(attendee_contacts=obj)
    elif isinstance(obj, Case):
        q = Q(case=obj)
    else:
        return []
    actions = (
        permissions.scope(user, Action.objects.filter(q))
        .select_related("type", "owner")
        .distinct()
        .order_by("-start", "-pk")[:limit]
    )
    return [_event(action) for action in actions]
