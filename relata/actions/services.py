"""Writes for commercial actions, their types, calendar feeds and reminder preferences.

Every change to an action goes through here: the permission layer decides who may do it,
the general parameter "finished actions may be edited" decides whether a done or cancelled
action can still change, and changes that other calendars must learn about raise the
action's ``sequence`` and queue the iTIP invitations once the transaction commits. A
change to a case's planned actions refreshes the case's ``next_action_at`` in the same
transaction (:func:`relata.cases.services.case_next_action_refresh`).
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.actions.models import (
    Action,
    ActionStatus,
    ActionType,
    CalendarFeed,
    Priority,
    ReminderPreference,
)
from relata.cases.services import case_next_action_refresh
from relata.core import permissions
from relata.core.effects import enqueue_on_commit
from relata.core.history import set_history_user
from relata.core.models import Notification, Role, Team, User
from relata.core.selectors import default_team, parameters_get
from relata.entities.models import Contact, Entity

ACTION_FIELDS = (
    "entity",
    "contact",
    "case",
    "type",
    "subject",
    "description",
    "start",
    "end",
    "all_day",
    "due_date",
    "priority",
    "location",
)
TYPE_FIELDS = (
    "code",
    "name_en",
    "name_es",
    "icon",
    "colour",
    "default_duration",
    "is_meeting",
    "needs_outcome",
    "order",
    "is_active",
)
FEED_TOKEN_BYTES = 32


# --- Action types ------------------------------------------------------------------------


@transaction.atomic
def action_type_create(*, user: User, data: dict[str, Any]) -> ActionType:
    permissions.ensure(permissions.can_configure(user))
    action_type = ActionType(**{k: v for k, v in data.items() if k in TYPE_FIELDS})
    action_type.full_clean()
    set_history_user(action_type, user)
    action_type.save()
    return action_type


@transaction.atomic
def action_type_update(*, user: User, action_type: ActionType, data: dict[str, Any]) -> ActionType:
    permissions.ensure(permissions.can_configure(user))
    for name, value in data.items():
        if name in TYPE_FIELDS:
            setattr(action_type, name, value)
    action_type.full_clean()
    set_history_user(action_type, user)
    action_type.save()
    return action_type


# --- Actions -----------------------------------------------------------------------------


def ensure_editable(user: User, action: Action) -> None:
    """Refuse changes to a finished action unless the parameters or the role allow them."""
    permissions.ensure(permissions.can_change(user, action))
    if (
        action.is_finished
        and not parameters_get().finished_actions_editable
        and not permissions.is_administrator(user)
    ):
        raise PermissionDenied(
            _(
                "This action is %(status)s and can no longer be changed: the general "
                "parameters do not allow editing finished actions."
            )
            % {"status": action.get_status_display().lower()}
        )


def _clean_times(data: dict[str, Any], action_type: ActionType | None) -> None:
    """Fill in and check start/end: an end defaults to the type's duration; all-day
    actions run from midnight to midnight in the current time zone."""
    start = data.get("start")
    if start is None:
        return
    end = data.get("end")
    if data.get("all_day"):
        local = timezone.localtime(start) if timezone.is_aware(start) else start
        day = local.date()
        local_end = timezone.localtime(end) if end and timezone.is_aware(end) else end or local
        last = local_end.date()
        if local_end.time() == datetime.time() and last > day:
            # A midnight end is exclusive (as stored, and as calendars send it): the
            # last day is the one before; otherwise each save would add a day.
            last -= datetime.timedelta(days=1)
        last = max(last, day)
        tz = timezone.get_current_timezone()
        data["start"] = datetime.datetime.combine(day, datetime.time(), tzinfo=tz)
        data["end"] = datetime.datetime.combine(
            last + datetime.timedelta(days=1), datetime.time(), tzinfo=tz
        )
        return
    if end is None:
        minutes = action_type.default_duration if action_type else 30
        data["end"] = start + datetime.timedelta(minutes=minutes)
    elif end < start:
        raise ValidationError({"end": _("The end must not be before the start.")})


def _check_links(user: User, data: dict[str, Any]) -> None:
    entity: Entity | None = data.get("entity")
    contact: Contact | None = data.get("contact")
    errors: dict[str, str] = {}
    if entity is not None and not permissions.can_view(user, entity):
        errors["entity"] = _("You cannot see that entity.")
    if contact is not None and entity is not None and contact.entity_id != entity.pk:
        errors["contact"] = _("The contact must belong to the action's entity.")
    case = data.get("case")
    if case is not None and "case" in data:
        if not permissions.can_view(user, case):
            errors["case"] = _("You cannot see that case.")
        elif entity is not None and case.entity_id != entity.pk:
            errors["case"] = _("The case must belong to the action's entity.")
    action_type: ActionType | None = data.get("type")
    if action_type is not None and not action_type.is_active and "type" in data:
        errors["type"] = _("That action type is no longer in use.")
    if "subject" in data and not (data.get("subject") or "").strip():
        errors["subject"] = _("Enter a subject.")
    if errors:
        raise ValidationError(errors)


def _check_attendees(user: User, contacts: Iterable[Contact] | None) -> None:
    """Refuse attending contacts the user may not see: they would be sent invitations."""
    hidden = [c for c in contacts or () if not permissions.can_view(user, c)]
    if hidden:
        raise ValidationError(
            {"attendee_contacts": _("You cannot see %(contact)s.") % {"contact": hidden[0]}}
        )


def _set_attendees(
    action: Action, users: Iterable[User] | None, contacts: Iterable[Contact] | None
) -> bool:
    """Replace the attendees given (None: leave as they are); return whether they changed."""
    changed = False
    if users is not None:
        new = {u.pk for u in users}
        if new != set(action.attendee_users.values_list("pk", flat=True)):
            action.attendee_users.set(new)
            changed = True
    if contacts is not None:
        new = {c.pk for c in contacts}
        if new != set(action.attendee_contacts.values_list("pk", flat=True)):
            action.attendee_contacts.set(new)
            changed = True
    return changed


def _notify_assignee(action: Action, by: User) -> None:
    if action.owner_id and action.owner_id != by.pk:
        Notification.objects.create(
            user_id=action.owner_id,
            title=_("%(user)s gave you an action: %(subject)s")
            % {"user": by, "subject": action.subject},
            url=action.get_absolute_url(),
        )


def _invite_on_commit(action: Action) -> None:
    if action.type.is_meeting or action.invitations.exists():
        from relata.actions import tasks

        enqueue_on_commit(tasks.invitations_send, action.pk)


@transaction.atomic
def action_create(
    *,
    user: User,
    data: dict[str, Any],
    attendee_users: Sequence[User] = (),
    attendee_contacts: Sequence[Contact] = (),
) -> Action:
    """Create an action; an agent's new action is theirs unless they give it to a team."""
    permissions.ensure(permissions.can_write(user))
    data = dict(data)
    _check_links(user, data)
    _check_attendees(user, attendee_contacts)
    action_type: ActionType | None = data.get("type")
    _clean_times(data, action_type)
    owner = data.pop("owner", None)
    team = data.pop("team", None)
    if owner is None and team is None and user.role in (Role.AGENT, Role.MANAGER):
        owner = user
    if team is None and owner is not None:
        team = default_team(owner)
    action = Action(
        **{k: v for k, v in data.items() if k in ACTION_FIELDS},
        owner=owner,
        team=team,
        created_by=user,
    )
    if not action.priority:
        action.priority = Priority.NORMAL
    if owner != user:
        permissions.ensure(
            permissions.can_reassign(user, action, owner)
            or (owner is None and team is not None and team.pk in permissions.team_ids(user)),
            _("You cannot give this action to that user."),
        )
    action.full_clean(exclude=["uid"])
    set_history_user(action, user)
    action.save()
    case_next_action_refresh([action.case_id])
    if action_type is not None and action_type.is_meeting:
        _set_attendees(action, attendee_users, attendee_contacts)
    _notify_assignee(action, user)
    _invite_on_commit(action)
    return action


@transaction.atomic
def action_update(
    *,
    user: User,
    action: Action,
    data: dict[str, Any],
    attendee_users: Sequence[User] | None = None,
    attendee_contacts: Sequence[Contact] | None = None,
) -> Action:
    """Change an action's fields; fields absent from ``data`` stay as they are."""
    ensure_editable(user, action)
    data = {k: v for k, v in data.items() if k in (*ACTION_FIELDS, "outcome", "result_notes")}
    if "type" in data and data["type"] == action.type:
        data.pop("type")
    merged = {name: getattr(action, name) for name in ("entity", "contact", "case", "type")}
    merged.update({k: v for k, v in data.items() if k in ("entity", "contact", "case", "type")})
    # The type is checked only when it changes: an action keeps a type no longer in use.
    # The case is checked when it or the entity changes (it must stay the entity's).
    if "case" in data and data["case"] == action.case:
        data.pop("case")
    checked = {
        k: v
        for k, v in merged.items()
        if (k != "type" or "type" in data) and (k != "case" or {"case", "entity"} & data.keys())
    }
    _check_links(user, {**checked, **{k: v for k, v in data.items() if k == "subject"}})
    _check_attendees(user, attendee_contacts)
    if {"start", "end", "all_day"} & data.keys():
        times = {
            "start": data.get("start", action.start),
            "end": data.get("end", action.end),
            "all_day": data.get("all_day", action.all_day),
        }
        _clean_times(times, merged["type"])
        data.update(times)
    before = {name: getattr(action, name) for name in Action.ICAL_FIELDS}
    before_case = (action.case_id, action.start, action.status)
    for name, value in data.items():
        setattr(action, name, value)
    action.full_clean(exclude=["uid"])
    is_meeting = action.type.is_meeting
    attendees_changed = _set_attendees(
        action,
        attendee_users if is_meeting else None,
        attendee_contacts if is_meeting else None,
    )
    calendar_changed = attendees_changed or any(
        getattr(action, name) != value for name, value in before.items()
    )
    if calendar_changed:
        action.sequence += 1
    set_history_user(action, user)
    action.save()
    if before_case != (action.case_id, action.start, action.status):
        # The old case too when the action moves to another one.
        case_next_action_refresh([before_case[0], action.case_id])
    if calendar_changed:
        _invite_on_commit(action)
    return action


@transaction.atomic
def action_reschedule(
    *,
    user: User,
    action: Action,
    start: datetime.datetime,
    end: datetime.datetime | None = None,
    all_day: bool | None = None,
) -> Action:
    """Move an action (the agenda's drag and resize); the duration stays when no end."""
    if end is None:
        end = start + (action.end - action.start)
    data: dict[str, Any] = {"start": start, "end": end}
    if all_day is not None:
        data["all_day"] = all_day
    return action_update(user=user, action=action, data=data)


@transaction.atomic
def action_complete(
    *,
    user: User,
    action: Action,
    outcome: str = "",
    result_notes: str = "",
    next_action: dict[str, Any] | None = None,
) -> tuple[Action, Action | None]:
    """Mark an action done with its outcome and, in the same step, plan the next one.

    The next action follows the done one: same entity and contact unless ``next_action``
    says otherwise, and the same assignee unless it names another.
    """
    permissions.ensure(permissions.can_change(user, action))
    if action.status != ActionStatus.PLANNED:
        raise ValidationError(
            {
                "status": _("Only a planned action can be completed; this one is %(status)s.")
                % {"status": action.get_status_display().lower()}
            }
        )
    outcome = (outcome or "").strip()
    if action.type.needs_outcome and not outcome:
        raise ValidationError(
            {
                "outcome": _("Enter the outcome: actions of type %(type)s need one.")
                % {"type": action.type.name}
            }
        )
    action.status = ActionStatus.DONE
    action.outcome = outcome[:200]
    action.result_notes = (result_notes or "").strip()
    action.done_at = timezone.now()
    set_history_user(action, user)
    action.save()
    # The follow-up (action_create) refreshes its own case after this.
    case_next_action_refresh([action.case_id])
    follow_up = None
    if next_action is not None:
        data = {"entity": action.entity, "contact": action.contact, **next_action}
        if "owner" not in data and "team" not in data:
            data["owner"], data["team"] = action.owner, action.team
        try:
            follow_up = action_create(user=user, data=data)
        except ValidationError as error:
            # Say which form the problem belongs to: the next action, not the done one.
            raise ValidationError(
                {f"next_{k}": v for k, v in error.message_dict.items()}
            ) from error
        follow_up.follows = action
        follow_up.save(update_fields=["follows"])
    return action, follow_up


@transaction.atomic
def action_cancel(*, user: User, action: Action, reason: str = "") -> Action:
    """Cancel a planned action; meeting attendees receive a METHOD:CANCEL."""
    ensure_editable(user, action)
    if action.status == ActionStatus.CANCELLED:
        return action
    action.status = ActionStatus.CANCELLED
    if reason:
        action.result_notes = reason.strip()
    action.sequence += 1
    set_history_user(action, user)
    action.save()
    case_next_action_refresh([action.case_id])
    _invite_on_commit(action)
    return action


@transaction.atomic
def action_reassign(
    *, user: User, actions: Iterable[Action], owner: User | None, team: Team | None
) -> int:
    """Give actions to a user and/or a team, all or none; return how many changed.

    Each change is a history row (who, when, from whom to whom); the new assignee is
    notified. A finished action is reassigned only where it may still be edited.
    """
    if owner is None and team is None:
        raise ValidationError({"owner": _("Choose a user or a team.")})
    changed = 0
    for action in actions:
        ensure_editable(user, action)
        allowed = permissions.can_reassign(user, action, owner) or (
            owner is None and team is not None and team.pk in permissions.team_ids(user)
        )
        permissions.ensure(
            allowed,
            _("You cannot give “%(subject)s” to that user.") % {"subject": action.subject},
        )
        # Each action's own team (not the previous action's) when only an owner is given.
        new_team = team
        if owner is not None and team is None:
            new_team = action.team if action.team_id in _team_ids_of(owner) else default_team(owner)
        if (action.owner_id, action.team_id) == (
            getattr(owner, "pk", None),
            getattr(new_team, "pk", None),
        ):
            continue
        action.owner, action.team = owner, new_team
        action.sequence += 1
        set_history_user(action, user)
        action.save(update_fields=["owner", "team", "sequence", "updated_at"])
        _notify_assignee(action, user)
        _invite_on_commit(action)
        changed += 1
    return changed


def _team_ids_of(user: User) -> set[int]:
    return set(user.teams.filter(is_active=True).values_list("pk", flat=True))


@transaction.atomic
def action_take(*, user: User, action: Action) -> Action:
    """Let a member of the action's team take it for themselves."""
    action_reassign(user=user, actions=[action], owner=user, team=action.team)
    return action


@transaction.atomic
def action_delete(*, user: User, action: Action) -> None:
    """Delete an action. A meeting whose invitations are out must be cancelled first, so
    that the attendees' calendars are told before the record (and its UID) is gone."""
    ensure_editable(user, action)
    if action.invitations.filter(cancelled=False).exists():
        raise ValidationError(
            {
                "status": _(
                    "Invitations to this meeting were sent: cancel it first, so that the "
                    "attendees' calendars drop it, then delete it."
                )
            }
        )
    set_history_user(action, user)
    case_id = action.case_id
    action.delete()
    case_next_action_refresh([case_id])


def invitations_resend(*, user: User, action: Action) -> None:
    """Send the current invitation again to every attendee (the "notify" button)."""
    permissions.ensure(permissions.can_change(user, action))
    if not action.type.is_meeting:
        raise ValidationError({"type": _("Only meetings send calendar invitations.")})
    from relata.actions import tasks

    enqueue_on_commit(tasks.invitations_send, action.pk, True)


# --- Calendar feed and reminders ----------------------------------------------------------


def feed_token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_renew(*, user: User) -> str:
    """Create (or replace) the user's secret feed token and return it; it is shown once."""
    token = secrets.token_urlsafe(FEED_TOKEN_BYTES)
    CalendarFeed.objects.update_or_create(
        user=user,
        defaults={"token_digest": feed_token_digest(token), "last_used_at": None},
    )
    return token


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> None:
    CalendarFeed.objects.filter(user=user).delete()


@transaction.atomic
def reminder_preference_update(
    *, user: User, minutes_before: int | None, by_email: bool, in_app: bool
) -> ReminderPreference:
    if minutes_before is not None and not 0 <= minutes_before <= 7 * 24 * 60:
        raise ValidationError(
            {"minutes_before": _("Choose between 0 minutes and one week before.")}
        )
    preference, _created = ReminderPreference.objects.update_or_create(
        user=user,
        defaults={"minutes_before": minutes_before, "by_email": by_email, "in_app": in_app},
    )
    return preference
