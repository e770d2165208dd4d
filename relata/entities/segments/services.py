"""Writes of segments: create, change, delete. A segment belongs to its creator; sharing it
means giving it one of the creator's teams, whose members then see (and use) it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from relata.core import permissions
from relata.core.history import set_history_user
from relata.core.models import Team, User
from relata.core.services import model_update
from relata.entities.models import Segment
from relata.entities.segments.conditions import definition_clean
from relata.entities.services import FieldErrors

NAME_MAX_LENGTH = 100
SEGMENT_FIELDS = ("name", "description", "definition", "team")


def _check_team(user: User, team: Team | None, errors: FieldErrors) -> None:
    """A segment may be shared with one of the user's active teams (any, for administrators)."""
    if team is None:
        return
    if not team.is_active:
        errors.add("team", _("The team “%(name)s” is not active.") % {"name": team.name})
    elif not permissions.is_administrator(user) and team.pk not in permissions.team_ids(user):
        errors.add("team", _("You can share a segment only with one of your teams."))


def _clean(user: User, data: dict[str, Any], errors: FieldErrors) -> dict[str, Any]:
    data = {k: v for k, v in data.items() if k in SEGMENT_FIELDS}
    if "name" in data:
        data["name"] = str(data["name"] or "").strip()
        if not data["name"]:
            errors.add("name", _("Enter a name."))
        elif len(data["name"]) > NAME_MAX_LENGTH:
            errors.add("name", _("Use at most %(max)d characters.") % {"max": NAME_MAX_LENGTH})
    if "description" in data:
        data["description"] = str(data["description"] or "").strip()
    if "definition" in data:
        try:
            data["definition"] = definition_clean(data["definition"])
        except ValidationError as error:
            errors.add("definition", error)
    if "team" in data:
        _check_team(user, data["team"], errors)
    return data


@transaction.atomic
def segment_create(
    *,
    user: User,
    name: str,
    definition: Any,
    description: str = "",
    team: Team | None = None,
) -> Segment:
    """Save a segment of ``user``'s; with ``team``, shared with that team."""
    permissions.ensure(permissions.can_write(user))
    errors = FieldErrors()
    data = _clean(
        user,
        {"name": name, "description": description, "definition": definition, "team": team},
        errors,
    )
    errors.raise_if_any()
    segment = Segment(owner=user, **data)
    set_history_user(segment, user)
    segment.full_clean()
    segment.save()
    return segment


@transaction.atomic
def segment_update(*, user: User, segment: Segment, data: dict[str, Any]) -> Segment:
    """Change a segment's name, description, conditions or team (absent keys stay)."""
    permissions.ensure(permissions.can_change(user, segment))
    errors = FieldErrors()
    data = _clean(user, data, errors)
    if "team" in data and data["team"] == segment.team:
        data.pop("team")  # keeping a team one no longer belongs to is not a change
        errors.errors.pop("team", None)
    errors.raise_if_any()
    set_history_user(segment, user)
    model_update(instance=segment, fields=SEGMENT_FIELDS, data=data)
    return segment


@transaction.atomic
def segment_delete(*, user: User, segment: Segment) -> None:
    permissions.ensure(permissions.can_change(user, segment))
    set_history_user(segment, user)
    try:
        with transaction.atomic():
            segment.delete()
    except ProtectedError as error:
        names = ", ".join(sorted({str(obj) for obj in error.protected_objects}))
        raise ValidationError(
            _(
                "The segment is the target of the campaigns %(names)s: choose another "
                "target on them first."
            )
            % {"names": names}
        ) from error
