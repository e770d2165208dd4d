"""Calendar invitations (iTIP over email, RFC 5546 and RFC 6047) for meeting-type actions.

:func:`invitations_send` compares who a meeting invites now with the :class:`Invitation`
rows (who was sent what, at which SEQUENCE) and mails only the difference:

* a METHOD:REQUEST to each invitee who has no row yet, or whose row is older than the
  action's ``sequence`` (the action changed since), or to everyone on ``resend``;
* a METHOD:CANCEL to each invitee no longer invited (removed from the meeting), and to
  everyone when the action is cancelled or stops being a meeting.

So it is idempotent: a second run finds every row current and sends nothing. A row is
written right after its email is accepted by the mail server; when the server refuses one
recipient the others still go, and the task fails so that the worker retries it, which
then mails only those left. The delivery is at-least-once: a worker that dies between the
mail server's "accepted" and the row's write sends that one email again on the retry,
which calendars take as the same update (same UID and SEQUENCE), not a second event.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from relata.actions import ical
from relata.actions.models import Action, ActionStatus, Invitation
from relata.core.models import User

logger = logging.getLogger(__name__)
# How long one job may hold an action's invitations for itself (see invitations_send).
LOCK_SECONDS = 120


class InvitationError(Exception):
    """Some invitations could not be sent; the task fails so that the worker retries."""


class InvitationEmail(EmailMultiAlternatives):
    """An email carrying an iTIP message the way mail programs expect it.

    ``multipart/mixed`` holding a ``multipart/alternative`` of text, HTML and
    ``text/calendar; method=…; charset=utf-8`` (what Gmail, Outlook and Apple Mail read to
    show the Accept / Decline card), and the same calendar as an ``invite.ics``
    attachment for the programs that only look at attachments.
    """

    def __init__(self, *, calendar: bytes, method: str, html: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.method = method
        self.attach_alternative(html, "text/html")
        self.attach_alternative(calendar.decode(), "text/calendar")
        self.attach("invite.ics", calendar, "application/ics")

    def message(self, **kwargs: Any) -> Any:
        message = super().message(**kwargs)
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                # The iTIP method is a parameter of the part's type (RFC 6047, section 2.4).
                part.set_param("method", self.method, requote=False)
        return message


def _language_of(attendee: ical.Attendee) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    language = ""
    if attendee.user is not None:
        language = attendee.user.language
    elif attendee.contact is not None:
        language = attendee.contact.language
    return language if language in codes else settings.LANGUAGE_CODE


def _when(action: Action) -> str:
    """Return the action's start as the recipient reads it (call with their language), with
    the time zone: a contact may live in another one."""
    zone = timezone.get_default_timezone()
    start = timezone.localtime(action.start, zone)
    if action.all_day:
        return formats.date_format(start.date(), "DATE_FORMAT")
    return f"{formats.date_format(start, 'DATETIME_FORMAT')} ({zone})"


def _invitation_email(
    action: Action,
    attendee: ical.Attendee,
    *,
    kind: str,
    everyone: list[ical.Attendee],
    base_url: str,
) -> InvitationEmail:
    """Build the email of one ``kind`` ("new", "update", "cancel", "uninvite") for one
    attendee, in the attendee's language."""
    internal = attendee.user is not None
    organizer = ical.organizer_of(action)
    with translation.override(_language_of(attendee)):
        when = _when(action)
        if kind in ("new", "update"):
            method = "REQUEST"
            calendar = ical.itip_request(
                action, internal=internal, language=translation.get_language(), base_url=base_url
            )
        else:
            method = "CANCEL"
            calendar = ical.itip_cancel(
                action,
                attendees=[attendee] if kind == "uninvite" else everyone,
                uninvite=kind == "uninvite",
                internal=internal,
                language=translation.get_language(),
                base_url=base_url,
            )
        subjects = {
            "new": _("Invitation: %(subject)s, %(when)s"),
            "update": _("Updated invitation: %(subject)s, %(when)s"),
            "cancel": _("Cancelled: %(subject)s, %(when)s"),
            "uninvite": _("No longer invited: %(subject)s, %(when)s"),
        }
        context = {
            "action": action,
            "attendee": attendee,
            "kind": kind,
            "when": when,
            "organizer": organizer,
            "internal": internal,
            "url": ical.action_url(action, base_url) if internal else "",
            "others": [a for a in everyone if a.email.lower() != attendee.email.lower()],
        }
        text = render_to_string("actions/email/invitation.txt", context)
        html = render_to_string("actions/email/invitation.html", context)
        subject = subjects[kind] % {"subject": action.subject, "when": when}
    reply_to = [organizer.email] if organizer is not None and organizer.email else []
    return InvitationEmail(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[attendee.email],
        reply_to=reply_to,
        calendar=calendar,
        method=method,
        html=html,
    )


def _former_attendee(action: Action, email: str) -> ical.Attendee:
    """Return who an address belonged to, for a CANCEL to someone no longer invited."""
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is not None:
        return ical.Attendee(email=email, name=str(user), user=user)
    contact = next(
        (
            c
            for c in action.attendee_contacts.all()
            if ical.contact_email(c).lower() == email.lower()
        ),
        None,
    )
    if contact is None:
        from relata.entities.models import EmailAddress

        point = (
            EmailAddress.objects.filter(email__iexact=email, contact__isnull=False)
            .select_related("contact")
            .first()
        )
        contact = point.contact if point is not None else None
    name = contact.full_name if contact is not None else ""
    return ical.Attendee(email=email, name=name, contact=contact)


def invitations_send(action_id: int, resend: bool = False) -> int:
    """Send the invitations and cancellations an action's change calls for; return how many.

    Two quick changes of one meeting queue two jobs; when two workers take them at once,
    the second finds the first one's lock and fails, to be retried a minute later, when
    there is nothing left to send. The lock expires by itself, so a worker killed while
    holding it delays the invitations of that meeting by two minutes, not for ever.
    """
    key = f"actions:invitations:{action_id}"
    if not cache.add(key, "locked", LOCK_SECONDS):
        raise InvitationError(f"Action {action_id}: invitations being sent by another worker.")
    try:
        return _send(action_id, resend)
    finally:
        cache.delete(key)


def _send(action_id: int, resend: bool) -> int:
    action = ical.with_attendees(Action.objects.filter(pk=action_id)).first()
    if action is None:
        return 0
    base_url = ical.site_url()
    meeting_off = action.status == ActionStatus.CANCELLED or not action.type.is_meeting
    wanted = {} if meeting_off else {a.email.lower(): a for a in ical.attendees_of(action)}
    rows = {row.email.lower(): row for row in action.invitations.all()}

    outbox: list[tuple[ical.Attendee, str, Invitation | None]] = []
    for key, attendee in wanted.items():
        row = rows.get(key)
        if row is None or row.cancelled:
            outbox.append((attendee, "new", row))
        elif resend or row.sequence < action.sequence:
            outbox.append((attendee, "update", row))
    leaving = [row for key, row in rows.items() if key not in wanted and not row.cancelled]
    for row in leaving:
        outbox.append(
            (_former_attendee(action, row.email), "cancel" if meeting_off else "uninvite", row)
        )
    if not outbox:
        return 0

    # A whole-meeting CANCEL names everyone who held the invitation.
    everyone = [attendee for attendee, kind, _row in outbox if kind == "cancel"] or list(
        wanted.values()
    )
    sent, failed = 0, []
    with get_connection() as connection:
        for attendee, kind, row in outbox:
            message = _invitation_email(
                action, attendee, kind=kind, everyone=everyone, base_url=base_url
            )
            message.connection = connection
            try:
                message.send()
            except Exception:
                logger.exception(
                    "Invitation for action %s to %s not sent", action.pk, attendee.email
                )
                failed.append(attendee.email)
                continue
            sent += 1
            if row is None:
                row = Invitation(action=action, email=attendee.email)
            row.sequence = action.sequence
            row.cancelled = kind in ("cancel", "uninvite")
            row.save()
    if failed:
        raise InvitationError(
            f"Action {action.pk}: invitations to {', '.join(failed)} not sent; to be retried."
        )
    return sent
