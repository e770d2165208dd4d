"""Writes for users, teams and parameters: the only code that changes them."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.core import permissions
from relata.core.effects import on_commit
from relata.core.history import set_history_user
from relata.core.models import PARAMETER_FIELDS, CrmParameters, Notification, Role, Team, User
from relata.core.selectors import parameters_cache_clear, parameters_get


def model_update(*, instance: Any, fields: tuple[str, ...], data: dict[str, Any]) -> list[str]:
    """Set the given ``fields`` from ``data`` on ``instance``; validate and save the changed.

    Return the names of the fields that changed; nothing is saved when none did.
    """
    changed = [f for f in fields if f in data and getattr(instance, f) != data[f]]
    for name in changed:
        setattr(instance, name, data[name])
    if changed:
        instance.full_clean()
        instance.save()
    return changed


@transaction.atomic
def parameters_update(*, user: User, data: dict[str, Any]) -> CrmParameters:
    """Change the CRM general parameters; administrators only."""
    permissions.ensure(permissions.can_configure(user))
    params = CrmParameters.objects.select_for_update().get_or_create(pk=1)[0]
    set_history_user(params, user)
    model_update(instance=params, fields=PARAMETER_FIELDS, data=data)
    on_commit(parameters_cache_clear)
    parameters_cache_clear()
    return params


@transaction.atomic
def team_create(
    *, user: User, name: str, description: str = "", members: list[User] | None = None
) -> Team:
    permissions.ensure(permissions.can_configure(user))
    team = Team(name=name.strip(), description=description)
    set_history_user(team, user)
    team.full_clean()
    team.save()
    if members:
        team.members.set(members)
    return team


@transaction.atomic
def team_update(
    *, user: User, team: Team, data: dict[str, Any], members: list[User] | None = None
) -> Team:
    permissions.ensure(permissions.can_configure(user))
    set_history_user(team, user)
    if "name" in data:
        data = {**data, "name": data["name"].strip()}
    model_update(instance=team, fields=("name", "description", "is_active"), data=data)
    if members is not None:
        team.members.set(members)
    return team


@transaction.atomic
def team_delete(*, user: User, team: Team) -> None:
    """Delete a team; its records keep their owners and lose only the team."""
    permissions.ensure(permissions.can_configure(user))
    set_history_user(team, user)
    team.delete()


@transaction.atomic
def user_create(
    *,
    by: User | None,
    username: str,
    email: str = "",
    password: str | None,
    role: str = Role.AGENT,
    first_name: str = "",
    last_name: str = "",
    teams: list[Team] | None = None,
) -> User:
    """Create a user; ``by`` is None only for installation scripts."""
    if by is not None:
        permissions.ensure(permissions.can_configure(by))
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("A user with that username already exists.")})
    user = User(
        username=username,
        email=email,
        role=role,
        first_name=first_name,
        last_name=last_name,
        is_staff=role == Role.ADMINISTRATOR,
    )
    set_history_user(user, by)
    # Without a password the user chooses one through the reset email; Django sends that
    # email only to usable passwords, so set a random one that nobody knows.
    user.set_password(password or secrets.token_urlsafe(32))
    user.full_clean(exclude=["password"])
    user.save()
    if teams:
        user.teams.set(teams)
    return user


@transaction.atomic
def user_update(
    *, by: User, user: User, data: dict[str, Any], teams: list[Team] | None = None
) -> User:
    """Change a user's profile, role or teams (administrators), or one's own profile."""
    own_profile = by.pk == user.pk
    admin = permissions.can_configure(by)
    permissions.ensure(admin or own_profile)
    fields: tuple[str, ...] = ("first_name", "last_name", "email", "phone", "language")
    if admin:
        fields = ("username", *fields, "role", "is_active", "is_staff")
        if own_profile and data.get("role", user.role) != Role.ADMINISTRATOR:
            raise ValidationError({"role": _("You cannot remove your own administrator role.")})
        # The Django admin is for administrators only; it follows the role.
        role = data.get("role", user.role)
        data = {**data, "is_staff": role == Role.ADMINISTRATOR or user.is_superuser}
    set_history_user(user, by)
    model_update(instance=user, fields=fields, data=data)
    if admin and teams is not None:
        user.teams.set(teams)
    return user


def administrator_ensure(*, username: str = "admin", email: str = "") -> str | None:
    """Create the first administrator with a random password if no administrator exists.

    Return the password, to be shown once, or None when an administrator already exists.
    The password is stored only as Django's salted hash.
    """
    if (
        User.objects.filter(role=Role.ADMINISTRATOR, is_active=True).exists()
        or User.objects.filter(is_superuser=True).exists()
    ):
        return None
    password = secrets.token_urlsafe(12)
    with transaction.atomic():
        user = user_create(
            by=None,
            username=username,
            email=email,
            password=password,
            role=Role.ADMINISTRATOR,
            first_name="Admin",
        )
        user.is_superuser = True
        user.save(update_fields=["is_superuser"])
    parameters_get()
    return password


def notifications_mark_read(*, user: User, pks: list[int] | None = None) -> int:
    """Mark the user's unread notifications read (only ``pks`` when given); return how many.

    Filtering by ``user`` is what keeps anyone from touching another user's notifications.
    """
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if pks is not None:
        unread = unread.filter(pk__in=pks)
    return unread.update(read_at=timezone.now())
