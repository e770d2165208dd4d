"""Saved views: named sets of list filters (the query string of a list page).

A user saves the filters of a list (``cases``, later ``entities``, ``actions``…) under a
name, optionally shared with every user of that list. Applying one only fills in the
filters: each user still sees only the records the permission layer lets them see.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from relata.core import permissions
from relata.core.models import SavedView, User

# Parameters that are not filters: the page number changes as the list grows.
IGNORED_PARAMETERS = frozenset({"page", "csrfmiddlewaretoken"})
QUERY_MAX_LENGTH = 2000


def query_normalize(query: str) -> str:
    """Return ``query`` without the page number and empty values, in a stable order."""
    pairs = [
        (key, value)
        for key, value in parse_qsl(query.lstrip("?"), keep_blank_values=True)
        if key not in IGNORED_PARAMETERS and value != ""
    ]
    return urlencode(sorted(pairs))


# --- Reads --------------------------------------------------------------------------------


def saved_view_list(*, user: User, view: str) -> QuerySet[SavedView]:
    """Return the views of list ``view`` that ``user`` may apply: theirs and the shared ones."""
    return (
        SavedView.objects.filter(Q(user=user) | Q(is_shared=True), view=view)
        .select_related("user")
        .order_by("name", "pk")
    )


def saved_view_get(*, user: User, pk: int) -> SavedView:
    """Return a view ``user`` may apply (``SavedView.DoesNotExist`` otherwise)."""
    return SavedView.objects.filter(Q(user=user) | Q(is_shared=True)).get(pk=pk)


def can_delete(user: User, saved_view: SavedView) -> bool:
    """Return whether ``user`` may delete ``saved_view``: their own, or any for admins."""
    return saved_view.user_id == user.pk or permissions.is_administrator(user)


# --- Writes -------------------------------------------------------------------------------


@transaction.atomic
def saved_view_save(
    *, user: User, view: str, name: str, query: str, is_shared: bool = False
) -> SavedView:
    """Save the filters ``query`` of list ``view`` under ``name``.

    Saving again under a name the user already has replaces that view's filters.
    """
    name = (name or "").strip()
    view = (view or "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Enter a name for the view.")
    elif len(name) > 100:
        errors["name"] = _("Use at most 100 characters.")
    if not view or len(view) > 50:
        errors["view"] = _("Unknown list.")
    query = query_normalize(query or "")
    if len(query) > QUERY_MAX_LENGTH:
        errors["query"] = _("These filters are too long to save.")
    if errors:
        raise ValidationError(errors)
    saved, _created = SavedView.objects.update_or_create(
        user=user, view=view, name=name, defaults={"query": query, "is_shared": is_shared}
    )
    return saved


@transaction.atomic
def saved_view_delete(*, user: User, saved_view: SavedView) -> None:
    """Delete a saved view; only its owner (or an administrator) may."""
    permissions.ensure(can_delete(user, saved_view), _("You can only delete your own views."))
    saved_view.delete()
