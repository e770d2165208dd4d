"""The permission layer: the one place that decides what a user may see and change.

Every view, API endpoint, export and search asks this module; none decides on its own.

Rules
-----
* Administrators see and change everything, configuration included.
* Managers see the records they own, the records of their teams (assigned to one of their
  teams, or owned by a member of one), and may change and reassign all of those.
* Agents see the same scope as a manager; they change the records they own and the
  unowned records assigned to one of their teams.
* Read-only users see the same scope as an agent and change nothing.
* Configuration (parameters, custom-field definitions, teams, users) is readable by every
  active user and changed only by administrators.

A model takes part by inheriting :class:`relata.core.models.OwnedModel` (fields
``owner`` and ``team``) or by naming its own fields in ``OWNER_FIELD`` / ``TEAM_FIELD``.
A model may also name a many-to-many to users in ``VIEWERS_FIELD`` (a meeting's attending
users): those users see the record too, without being able to change it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext as _
from rest_framework import permissions as drf_permissions

from relata.core.models import Role

if TYPE_CHECKING:
    from relata.core.models import User

M = TypeVar("M", bound=models.Model)


def _is_active(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_administrator(user: Any) -> bool:
    """Return whether the user administers the installation."""
    return _is_active(user) and (user.is_superuser or user.role == Role.ADMINISTRATOR)


def can_configure(user: Any) -> bool:
    """Return whether the user may change parameters, field definitions, teams and users."""
    return is_administrator(user)


def can_write(user: Any) -> bool:
    """Return whether the user may create or change CRM records at all."""
    return _is_active(user) and user.role != Role.READ_ONLY


def team_ids(user: User) -> frozenset[int]:
    """Return the ids of the user's active teams, cached on the user for the request."""
    cached = getattr(user, "_relata_team_ids", None)
    if cached is None:
        cached = frozenset(user.teams.filter(is_active=True).values_list("id", flat=True))
        user._relata_team_ids = cached
    return cached


def _fields(model: type[models.Model]) -> tuple[str, str | None]:
    """Return the lookups of the owner and team that decide who sees ``model``'s rows.

    A model whose rows belong to another record (a contact to its entity) names that
    relation in ``PERMISSION_PARENT`` and follows the parent's rules.
    """
    parent = getattr(model, "PERMISSION_PARENT", None)
    if parent:
        parent_model = model._meta.get_field(parent).related_model
        assert isinstance(parent_model, type)
        owner, team = _fields(parent_model)
        return f"{parent}__{owner}", f"{parent}__{team}" if team else None
    return getattr(model, "OWNER_FIELD", "owner"), getattr(model, "TEAM_FIELD", "team")


def _decider(obj: models.Model) -> models.Model:
    """Return the record whose owner and team decide about ``obj``."""
    parent = getattr(type(obj), "PERMISSION_PARENT", None)
    return _decider(getattr(obj, parent)) if parent else obj


def visible_q(user: User, model: type[models.Model]) -> models.Q:
    """Return the filter that limits ``model`` to the records ``user`` may see."""
    if is_administrator(user):
        return models.Q()
    if not _is_active(user):
        return models.Q(pk__in=[])
    owner_field, team_field = _fields(model)
    teams = team_ids(user)
    # Plain id lists rather than subqueries: PostgreSQL then combines two index scans
    # (owner, team) instead of reading the whole table to test an OR with a subplan.
    q = models.Q(**{f"{owner_field}__in": sorted({user.pk, *team_member_ids(user)})})
    if teams and team_field:
        q |= models.Q(**{f"{team_field}__in": sorted(teams)})
    viewers = getattr(model, "VIEWERS_FIELD", None)
    if viewers:
        q |= models.Q(pk__in=_viewed_ids(user, model, viewers))
    return q


def _viewed_ids(user: User, model: type[models.Model], viewers: str) -> list[int]:
    """Return the ids of ``model`` rows whose ``viewers`` include ``user``.

    A list rather than a subquery, for the same reason as the owner and team lists; a
    person attends hundreds of meetings, not millions. Not cached: attendance changes
    within a request (a service adds an attendee, then checks).
    """
    field = model._meta.get_field(viewers)
    assert isinstance(field, models.ManyToManyField)
    through: Any = field.remote_field.through
    return list(
        through.objects.filter(**{field.m2m_reverse_field_name(): user.pk}).values_list(
            field.m2m_field_name(), flat=True
        )
    )


def team_member_ids(user: User) -> frozenset[int]:
    """Return the ids of the active members of the user's teams, cached for the request."""
    cached = getattr(user, "_relata_member_ids", None)
    if cached is None:
        teams = team_ids(user)
        if teams:
            from relata.core.models import User as UserModel

            cached = frozenset(
                UserModel.objects.filter(teams__in=teams).values_list("id", flat=True)
            )
        else:
            cached = frozenset()
        user._relata_member_ids = cached
    return cached


def scope(user: User, queryset: models.QuerySet[M]) -> models.QuerySet[M]:
    """Return ``queryset`` limited to what ``user`` may see."""
    if is_administrator(user):
        return queryset
    return queryset.filter(visible_q(user, queryset.model))


def _owner_id(obj: models.Model) -> int | None:
    obj = _decider(obj)
    owner_field, _team = _fields(type(obj))
    return getattr(obj, f"{owner_field}_id", None)


def _team_id(obj: models.Model) -> int | None:
    obj = _decider(obj)
    _owner, team_field = _fields(type(obj))
    return getattr(obj, f"{team_field}_id", None) if team_field else None


def can_view(user: User, obj: models.Model) -> bool:
    """Return whether ``user`` may see ``obj``."""
    if is_administrator(user):
        return True
    if not _is_active(user):
        return False
    owner_id, team_id = _owner_id(obj), _team_id(obj)
    if owner_id == user.pk:
        return True
    teams = team_ids(user)
    if team_id is not None and team_id in teams:
        return True
    if owner_id is not None and teams:
        from relata.core.models import User as UserModel

        if UserModel.objects.filter(pk=owner_id, teams__in=teams).exists():
            return True
    viewers = getattr(type(obj), "VIEWERS_FIELD", None)
    if viewers and obj.pk is not None:
        return getattr(obj, viewers).filter(pk=user.pk).exists()
    return False


def can_change(user: User, obj: models.Model) -> bool:
    """Return whether ``user`` may change (or delete) ``obj``."""
    if is_administrator(user):
        return True
    if not can_write(user) or not can_view(user, obj):
        return False
    if user.role == Role.MANAGER:
        return True
    owner_id = _owner_id(obj)
    return owner_id == user.pk or (owner_id is None and _team_id(obj) in team_ids(user))


def can_reassign(user: User, obj: models.Model, to_user: User | None) -> bool:
    """Return whether ``user`` may give ``obj`` to ``to_user`` (None: leave unowned)."""
    if is_administrator(user):
        return True
    if not can_change(user, obj):
        return False
    if user.role == Role.MANAGER:
        return (
            to_user is None
            or to_user.pk == user.pk
            or bool(team_ids(user) & set(to_user.teams.values_list("id", flat=True)))
        )
    # Agents may take a record or hand back their own; giving work away is a manager's call.
    return to_user is not None and to_user.pk == user.pk


def ensure(allowed: bool, message: str | None = None) -> None:
    """Raise ``PermissionDenied`` unless ``allowed``; services call this before writing."""
    if not allowed:
        raise PermissionDenied(message or _("You do not have permission to do this."))


# --- Django REST framework -----------------------------------------------------------


class ConfigurationPermission(drf_permissions.BasePermission):
    """Read for every active user; write for administrators only."""

    message = "Only administrators may change the configuration."

    def has_permission(self, request: Any, view: Any) -> bool:
        if not _is_active(request.user):
            return False
        if request.method in drf_permissions.SAFE_METHODS:
            return True
        return can_configure(request.user)


class RecordPermission(drf_permissions.BasePermission):
    """Object-level check for owned CRM records through this module's rules."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if not _is_active(request.user):
            return False
        return request.method in drf_permissions.SAFE_METHODS or can_write(request.user)

    def has_object_permission(self, request: Any, view: Any, obj: models.Model) -> bool:
        if request.method in drf_permissions.SAFE_METHODS:
            return can_view(request.user, obj)
        return can_change(request.user, obj)
