"""iCalendar (RFC 5545) and iTIP (RFC 5546) for actions, built with the ``icalendar`` library.

One action is one VEVENT everywhere: in the user's subscribed feed, in the ``.ics`` download
and in the invitations mailed to a meeting's attendees. Its UID (``<action.uid>@<host>``)
never changes and its SEQUENCE is the action's ``sequence``, which the services raise on
every change other calendars must learn about; that is how Google Calendar, Outlook and
Apple Calendar recognise an update or a cancellation of an event they already hold.

Times are written in the installation's time zone (``TIME_ZONE``) with a matching VTIMEZONE,
so that an event keeps its wall-clock time across daylight-saving changes; all-day actions
are dates (``VALUE=DATE``, the end exclusive).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Prefetch, QuerySet
from django.urls import get_script_prefix, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar.enums import STATUS

from relata.actions import selectors
from relata.actions.models import Action, ActionStatus, Priority
from relata.core.models import User
from relata.entities.models import Contact

PRODID = "-//Relata//Relata CRM//EN"
# How often subscribed calendars should fetch the feed again (Google decides on its own).
FEED_REFRESH = datetime.timedelta(hours=1)
ICAL_PRIORITY = {Priority.HIGH: 1, Priority.NORMAL: 5, Priority.LOW: 9}


# --- Addresses and links -----------------------------------------------------------------


def configured_url() -> str:
    """Return ``RELATA_URL``, the address Relata is reached at ("" when not set)."""
    return str(getattr(settings, "RELATA_URL", "") or "").rstrip("/")


def site_url() -> str:
    """Return the address Relata is reached at, without a trailing slash.

    ``RELATA_URL`` when set; otherwise the first concrete host of ``ALLOWED_HOSTS`` (the
    worker that sends invitations has no request to take the address from).
    """
    configured = configured_url()
    if configured:
        return configured
    scheme = "https" if getattr(settings, "HTTPS", False) else "http"
    for host in settings.ALLOWED_HOSTS:
        if host and not host.startswith((".", "*")):
            return f"{scheme}://{host}"
    return f"{scheme}://localhost"


def uid_host() -> str:
    """Return the host name that ends every action's UID: the configured one, or "relata".

    Only configuration decides it, never a request, so the UID of an action is the same in
    the feed, the download and the invitations.
    """
    return urlsplit(configured_url()).hostname or "relata"


def action_uid(action: Action) -> str:
    return f"{action.uid}@{uid_host()}"


PK_PLACEHOLDER = 987654321


@functools.lru_cache(maxsize=8)
def _detail_path_template(script_prefix: str) -> str:
    # reverse() costs about as much as building the event; a feed has thousands.
    return reverse("actions:detail", args=[PK_PLACEHOLDER])


def action_url(action: Action, base_url: str | None = None) -> str:
    """Return the absolute address of the action's page."""
    base = base_url if base_url is not None else site_url()
    path = _detail_path_template(get_script_prefix()).replace(str(PK_PLACEHOLDER), str(action.pk))
    return f"{base.rstrip('/')}{path}"


def contact_email(contact: Contact) -> str:
    """Return the contact's main email address ("" when it has none).

    Reads ``contact.emails.all()``, so a prefetch of ``emails`` saves the query.
    """
    emails = list(contact.emails.all())
    main = [e for e in emails if e.is_main] or emails
    return main[0].email if main else ""


def organizer_of(action: Action) -> User | None:
    """Return the action's organiser: its assignee, else its creator."""
    return action.owner or action.created_by


def organizer_address(action: Action) -> icalendar.vCalAddress:
    user = organizer_of(action)
    if user is not None and user.email:
        return icalendar.vCalAddress.new(user.email, cn=str(user))
    # No one with an address: the invitations' sender stands in, as iTIP needs an organiser.
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return icalendar.vCalAddress.new(address or "relata@localhost", cn=name or "Relata")


@dataclass(frozen=True)
class Attendee:
    """Someone invited to a meeting: a user or a contact with an email address."""

    email: str
    name: str
    user: User | None = None
    contact: Contact | None = None


def attendees_of(action: Action) -> list[Attendee]:
    """Return the people a meeting invites, with an address, without repeats: the assignee
    first, then attending users, then attending contacts (each by their main email).

    Inactive users are left out. An action of a type that is not a meeting invites no one.
    """
    if not action.type.is_meeting:
        return []
    found: dict[str, Attendee] = {}

    def add(attendee: Attendee) -> None:
        key = attendee.email.strip().lower()
        if key and key not in found:
            found[key] = attendee

    users = [action.owner] if action.owner is not None else []
    users += list(action.attendee_users.all())
    for user in users:
        if user.is_active and user.email:
            add(Attendee(email=user.email, name=str(user), user=user))
    for contact in action.attendee_contacts.all():
        address = contact_email(contact)
        if address:
            add(Attendee(email=address, name=contact.full_name, contact=contact))
    return list(found.values())


# --- Events and calendars -----------------------------------------------------------------


def _local(moment: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(moment, timezone.get_default_timezone())


def _event_times(action: Action) -> tuple[datetime.date, datetime.date]:
    if action.all_day:
        first = _local(action.start).date()
        after = _local(action.end).date()
        # The end of an all-day event is the day after its last one (exclusive).
        return first, max(after, first + datetime.timedelta(days=1))
    return _local(action.start), _local(action.end)


def _description(action: Action, base_url: str | None) -> str:
    lines = [_("Entity: %(name)s") % {"name": action.entity}]
    if action.contact is not None:
        lines.append(_("Contact: %(name)s") % {"name": action.contact})
    if action.description:
        lines += ["", action.description]
    lines += ["", _("Open in Relata: %(url)s") % {"url": action_url(action, base_url)}]
    return "\n".join(lines)


def action_event(
    action: Action,
    *,
    method: str | None = None,
    attendees: Iterable[Attendee] | None = None,
    uninvite: bool = False,
    internal: bool = True,
    base_url: str | None = None,
) -> icalendar.Event:
    """Return the VEVENT of an action.

    ``method`` is the iTIP method of the calendar it goes into ("REQUEST", "CANCEL"; None
    for a feed or a download): with a method, DTSTAMP is the moment of sending; without
    one it is the last change, as RFC 5545 says. ``attendees`` replaces the ATTENDEE list.
    ``uninvite`` marks a CANCEL that only removes those attendees from a meeting that still
    takes place: RFC 5546 (3.2.5) then forbids STATUS. An event for people outside the
    company (``internal=False``: contacts) leaves out the action's notes and its link.
    """
    start, end = _event_times(action)
    organizer = organizer_address(action)
    status: STATUS | None
    if uninvite:
        status = None
    elif action.status == ActionStatus.CANCELLED or method == "CANCEL":
        status = STATUS.CANCELLED
    else:
        status = STATUS.CONFIRMED
    if attendees is None:
        attendees = attendees_of(action)
    lines = []
    for attendee in attendees:
        is_organizer = attendee.email.lower() == str(organizer).lower().removeprefix("mailto:")
        lines.append(
            icalendar.vCalAddress.new(
                attendee.email,
                cn=attendee.name,
                cutype="INDIVIDUAL",
                role="CHAIR" if is_organizer else "REQ-PARTICIPANT",
                partstat="ACCEPTED" if is_organizer else "NEEDS-ACTION",
                rsvp=not is_organizer,
            )
        )
    event = icalendar.Event.new(
        uid=action_uid(action),
        sequence=action.sequence,
        stamp=timezone.now() if method else action.updated_at,
        created=action.created_at,
        last_modified=action.updated_at,
        start=start,
        end=end,
        summary=action.subject,
        description=_description(action, base_url) if internal else None,
        location=action.location or None,
        status=status,
        organizer=organizer,
        attendees=lines or None,
        categories=[action.type.name],
        priority=ICAL_PRIORITY.get(Priority(action.priority), 5),
        url=action_url(action, base_url) if internal else None,
    )
    # Busy time for meetings and visits; calls and tasks do not block the day.
    event.add(
        "TRANSP", "OPAQUE" if action.type.is_meeting and not action.all_day else "TRANSPARENT"
    )
    return event


def _calendar(
    events: list[icalendar.Event], *, method: str | None = None, name: str | None = None
) -> icalendar.Calendar:
    calendar = icalendar.Calendar.new(
        prodid=PRODID,
        method=method,
        name=name,
        refresh_interval=FEED_REFRESH if name else None,
        subcomponents=events,
    )
    # A calendar UID (RFC 7986) would change on every build; nothing needs one here.
    calendar.pop("UID", None)
    if name:
        calendar.add("X-PUBLISHED-TTL", FEED_REFRESH)
    _add_timezones(calendar, events)
    return calendar


def _add_timezones(calendar: icalendar.Calendar, events: list[icalendar.Event]) -> None:
    """Add the VTIMEZONE of the installation's zone, covering the events' years only."""
    years = [e.start.year for e in events if isinstance(e.start, datetime.datetime)]
    if not years:
        return
    calendar.add_missing_timezones(
        first_date=datetime.date(min(years) - 1, 1, 1),
        last_date=datetime.date(max(years) + 2, 1, 1),
    )
    # Timezones go first, as most readers expect them before the events using them.
    calendar.subcomponents.sort(key=lambda c: c.name != "VTIMEZONE")


def with_attendees(actions: QuerySet[Action]) -> QuerySet[Action]:
    """Return ``actions`` with what their events show loaded in a fixed number of queries."""
    return actions.select_related(
        "type", "entity", "contact", "owner", "created_by"
    ).prefetch_related(
        "attendee_users",
        Prefetch("attendee_contacts", queryset=Contact.objects.prefetch_related("emails")),
    )


def _language(user: User | None) -> str:
    return (user.language if user is not None else "") or settings.LANGUAGE_CODE


def feed_calendar(user: User, *, base_url: str | None = None) -> bytes:
    """Return the user's subscribed calendar: their actions and the meetings they attend.

    Cancelled actions are left out, so subscribed calendars drop them at the next refresh.
    """
    actions = with_attendees(
        selectors.feed_actions(user=user).exclude(status=ActionStatus.CANCELLED)
    )
    with translation.override(_language(user)):
        events = [action_event(action, base_url=base_url) for action in actions]
        name = _("Relata: %(user)s") % {"user": user}
        return _calendar(events, name=name).to_ical()


FEED_CACHE_SECONDS = 3600


def feed_calendar_cached(user: User, *, base_url: str | None = None) -> bytes:
    """Return :func:`feed_calendar`, rebuilt only when the user's actions changed.

    Calendar programs poll every few minutes and a busy agent's feed holds thousands of
    events (about half a millisecond each to build), so the body is cached under a key
    that changes with any change to those actions (their count and latest update), the
    day (the feed's window moves daily), the language and the address. Renaming an
    entity shows at the next change or within the hour.
    """
    stamp = (
        selectors.feed_actions(user=user)
        .exclude(status=ActionStatus.CANCELLED)
        .order_by()
        .aggregate(count=Count("pk", distinct=True), last=Max("updated_at"))
    )
    key = (
        "relata:feed:"
        + hashlib.sha256(
            "|".join(
                str(part)
                for part in (
                    user.pk,
                    stamp["count"],
                    stamp["last"],
                    timezone.localdate(),
                    _language(user),
                    base_url,
                )
            ).encode()
        ).hexdigest()
    )
    body = cache.get(key)
    if body is None:
        body = feed_calendar(user, base_url=base_url)
        cache.set(key, body, FEED_CACHE_SECONDS)
    return body


def action_calendar(
    action: Action, *, user: User | None = None, base_url: str | None = None
) -> bytes:
    """Return one action as an ``.ics`` file to import (no METHOD, like a CalDAV object)."""
    with translation.override(_language(user)):
        return _calendar([action_event(action, base_url=base_url)]).to_ical()


def itip_request(
    action: Action,
    *,
    internal: bool = True,
    language: str | None = None,
    base_url: str | None = None,
) -> bytes:
    """Return the METHOD:REQUEST calendar that invites to (or updates) a meeting."""
    with translation.override(language or settings.LANGUAGE_CODE):
        event = action_event(action, method="REQUEST", internal=internal, base_url=base_url)
        return _calendar([event], method="REQUEST").to_ical()


def itip_cancel(
    action: Action,
    *,
    attendees: Iterable[Attendee] | None = None,
    uninvite: bool = False,
    internal: bool = True,
    language: str | None = None,
    base_url: str | None = None,
) -> bytes:
    """Return the METHOD:CANCEL calendar: the meeting is off, or (``uninvite``) the
    ``attendees`` named are no longer invited to it."""
    with translation.override(language or settings.LANGUAGE_CODE):
        event = action_event(
            action,
            method="CANCEL",
            attendees=attendees,
            uninvite=uninvite,
            internal=internal,
            base_url=base_url,
        )
        return _calendar([event], method="CANCEL").to_ical()
