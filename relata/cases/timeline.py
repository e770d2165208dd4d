"""Cases on their entity's timeline, and status changes on the case's own."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _

from relata.cases.models import Case, CaseStatusChange
from relata.core import permissions, timeline
from relata.core.models import User
from relata.entities.models import Entity


def _case_event(case: Case) -> timeline.TimelineEvent:
    return timeline.TimelineEvent(
        when=case.opened_at,
        who=case.owner,
        kind=f"case-{case.status.meaning}",
        title=f"{case.case_type.name} {case.number}: {case.subject} · {case.status.name}",
        icon="briefcase",
    )


def _change_event(change: CaseStatusChange) -> timeline.TimelineEvent:
    if change.from_status is None:
        title = _("Opened in %(status)s") % {"status": change.to_status.name}
    else:
        title = _("Status: %(from)s → %(to)s") % {
            "from": change.from_status.name,
            "to": change.to_status.name,
        }
    return timeline.TimelineEvent(
        when=change.changed_at,
        who=change.changed_by,
        kind="case-status",
        title=title,
        icon="signpost-split",
    )


@timeline.register
def case_events(
    obj: models.Model, limit: int, user: User | None = None
) -> list[timeline.TimelineEvent]:
    if user is None:
        return []
    if isinstance(obj, Entity):
        cases = (
            permissions.scope(user, Case.objects.filter(entity=obj))
            .select_related("case_type", "status", "owner")
            .order_by("-opened_at", "-pk")[:limit]
        )
        return [_case_event(case) for case in cases]
    if isinstance(obj, Case):
        if not permissions.can_view(user, obj):
            return []
        changes = (
            CaseStatusChange.objects.filter(case=obj)
            .select_related("from_status", "to_status", "changed_by")
            .order_by("-changed_at", "-pk")[:limit]
        )
        return [_change_event(change) for change in changes]
    return []
