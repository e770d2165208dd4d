"""Reminders of planned actions, by email and in the application, per user preference.

The worker runs :func:`reminders_send` every minute. An action is due for a user (its
assignee, or a user attending the meeting) when its start is at most the user's
``minutes_before`` away; users without a preference, or with neither channel on, get none.

Sent once: the :class:`Reminder` row (unique per action, user and start) is written, in its
own transaction, before anything goes out; a run that finds the row skips the reminder,
whether it is the same run's second pass, a second worker or the worker after a restart.
A reschedule gives the action a new start, so it is reminded of again.

The email is at-most-once: it goes after the row is committed, so a crash or a mail
server failure at that moment loses that one email rather than sending it twice later. A
failed email is logged, and the user gets the in-app notification instead (even with that
channel off), so the reminder is not lost altogether; so does a user who chose email but
has no address.

All-day actions are not reminded of: "15 minutes before" an all-day action would be
15 minutes before midnight.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from relata.actions import ical
from relata.actions.models import Action, ActionStatus, Reminder, ReminderPreference
from relata.core.models import Notification, User

logger = logging.getLogger(__name__)

# How late a reminder may still go out, for a worker that was down when it was due.
GRACE = datetime.timedelta(minutes=10)


@dataclass(frozen=True)
class Due:
    action: Action
    user: User
    preference: ReminderPreference


def reminders_due(now: datetime.datetime) -> list[Due]:
    """Return the reminders due at ``now`` that have not been sent.

    Three queries whatever the number of users: the longest notice anyone asked for, the
    planned actions starting within it (the status/start index), and the preferences of
    the people concerned; then one more for the reminders already sent.
    """
    preferences = ReminderPreference.objects.filter(
        Q(by_email=True) | Q(in_app=True), minutes_before__isnull=False, user__is_active=True
    )
    longest = preferences.aggregate(longest=Max("minutes_before"))["longest"]
    if longest is None:
        return []
    actions = list(
        Action.objects.filter(
            status=ActionStatus.PLANNED,
            all_day=False,
            start__gt=now - GRACE,
            start__lte=now + datetime.timedelta(minutes=longest),
        )
        .select_related("type", "entity", "contact", "owner")
        .prefetch_related("attendee_users")
    )
    if not actions:
        return []
    people = {a.owner_id for a in actions if a.owner_id} | {
        u.pk for a in actions for u in a.attendee_users.all()
    }
    by_user = {p.user_id: p for p in preferences.filter(user_id__in=people).select_related("user")}
    sent = set(
        Reminder.objects.filter(action__in=[a.pk for a in actions]).values_list(
            "action_id", "user_id", "start"
        )
    )
    due = []
    for action in actions:
        ids = dict.fromkeys([action.owner_id, *(u.pk for u in action.attendee_users.all())])
        for user_id in ids:
            preference = by_user.get(user_id) if user_id else None
            if preference is None or preference.minutes_before is None:
                continue
            if action.start - datetime.timedelta(minutes=preference.minutes_before) > now:
                continue
            if (action.pk, user_id, action.start) in sent:
                continue
            due.append(Due(action=action, user=preference.user, preference=preference))
    return due


def _when(action: Action) -> str:
    start = timezone.localtime(action.start, timezone.get_default_timezone())
    return formats.date_format(start, "DATETIME_FORMAT")


def _notify(due: Due) -> None:
    action = due.action
    Notification.objects.create(
        user=due.user,
        title=(_("Reminder: %(subject)s") % {"subject": action.subject})[:200],
        body=_("%(type)s with %(entity)s, %(when)s")
        % {"type": action.type.name, "entity": action.entity, "when": _when(action)},
        url=action.get_absolute_url(),
    )


def _email(due: Due) -> EmailMultiAlternatives:
    action = due.action
    base_url = ical.site_url()
    context = {
        "action": action,
        "user": due.user,
        "when": _when(action),
        "url": ical.action_url(action, base_url),
        "settings_url": base_url + reverse("actions:reminder_settings"),
    }
    subject = _("Reminder: %(subject)s, %(when)s") % {
        "subject": action.subject,
        "when": context["when"],
    }
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string("actions/email/reminder.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[due.user.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(
        render_to_string("actions/email/reminder.html", context), "text/html"
    )
    return message


def reminder_send(due: Due) -> bool:
    """Send one reminder unless it was sent already; return whether this call sent it."""
    with transaction.atomic():
        _reminder, created = Reminder.objects.get_or_create(
            action=due.action, user=due.user, start=due.action.start
        )
        if not created:
            return False
        with translation.override(due.user.language or settings.LANGUAGE_CODE):
            if due.preference.in_app:
                _notify(due)
    with translation.override(due.user.language or settings.LANGUAGE_CODE):
        emailed = False
        if due.preference.by_email and due.user.email:
            try:
                _email(due).send()
                emailed = True
            except Exception:
                logger.exception(
                    "Reminder email for action %s to user %s not sent", due.action.pk, due.user.pk
                )
        if not emailed and not due.preference.in_app:
            # The email did not go (or the user has no address): remind them here instead.
            _notify(due)
    return True


def reminders_send(now: datetime.datetime | None = None) -> int:
    """Send every reminder due at ``now`` (default: the present); return how many went."""
    now = now or timezone.now()
    return sum(reminder_send(due) for due in reminders_due(now))
