"""Global search provider: actions by subject, through the permission-scoped selector."""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from relata.actions import selectors
from relata.core.models import User
from relata.core.search import SearchGroup, SearchHit, register


@register
def actions(user: User, query: str, limit: int) -> SearchGroup:
    found = selectors.action_list(user=user, search=query, sort="-start")[:limit]
    return SearchGroup(
        _("Actions"),
        [
            SearchHit(
                action.subject,
                " · ".join(
                    (
                        action.type.name,
                        action.entity.display_name,
                        formats.date_format(
                            timezone.localtime(action.start), "SHORT_DATETIME_FORMAT"
                        ),
                    )
                ),
                action.get_absolute_url(),
                action.type.icon,
            )
            for action in found
        ],
    )
