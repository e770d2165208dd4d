"""The iCalendar of actions: one event per action, read back with the icalendar parser."""

from __future__ import annotations

import datetime
import zoneinfo

import icalendar
import pytest

from relata.actions import ical, services
from relata.actions.tests.conftest import START
from relata.entities.models import EmailAddress

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")


@pytest.fixture(autouse=True)
def _site(settings):
    settings.RELATA_URL = "https://crm.example.com"
    settings.TIME_ZONE = "Europe/Madrid"


@pytest.fixture
def contact_with_email(contact):
    EmailAddress.objects.create(
        entity=contact.entity, contact=contact, email="carmen@acme.example", is_main=True
    )
    return contact


@pytest.fixture
def meeting(make_action, manager, contact_with_email):
    return make_action(
        type="visit",
        subject="Quarterly review",
        description="Bring the new price list.",
        location="Calle Mayor 1, Madrid",
        contact=contact_with_email,
        attendee_users=[manager],
        attendee_contacts=[contact_with_email],
    )


def _one_event(data: bytes) -> icalendar.Event:
    calendar = icalendar.Calendar.from_ical(data)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    return events[0]


def _addresses(event: icalendar.Event, name: str) -> dict[str, icalendar.vCalAddress]:
    values = event.get(name)
    values = values if isinstance(values, list) else [values]
    return {str(v).lower().removeprefix("mailto:"): v for v in values if v is not None}


def test_event_of_a_meeting_carries_every_calendar_field(meeting, agent, manager):
    event = _one_event(ical.action_calendar(meeting))

    assert str(event["UID"]) == f"{meeting.uid}@crm.example.com"
    assert event["SEQUENCE"] == 0
    assert event["SUMMARY"] == "Quarterly review"
    assert event["LOCATION"] == "Calle Mayor 1, Madrid"
    assert event["STATUS"] == "CONFIRMED"
    assert event.categories == ["Visit"]
    assert str(event["URL"]) == f"https://crm.example.com/actions/{meeting.pk}/"
    assert event["DTSTART"].params["TZID"] == "Europe/Madrid"
    assert event.start == START.astimezone(MADRID)
    assert event.end == START.astimezone(MADRID) + datetime.timedelta(minutes=60)
    description = str(event["DESCRIPTION"])
    assert "Acme Trading SL" in description
    assert "Carmen Ruiz" in description
    assert "Bring the new price list." in description
    assert f"https://crm.example.com/actions/{meeting.pk}/" in description
    organizer = event["ORGANIZER"]
    assert str(organizer) == "mailto:alex@example.com"
    assert organizer.params["CN"] == "Alex"
    attendees = _addresses(event, "ATTENDEE")
    assert set(attendees) == {"alex@example.com", "maria@example.com", "carmen@acme.example"}
    guest = attendees["carmen@acme.example"]
    assert guest.params["CN"] == "Carmen Ruiz"
    assert guest.params["ROLE"] == "REQ-PARTICIPANT"
    assert guest.params["PARTSTAT"] == "NEEDS-ACTION"
    assert guest.params["RSVP"] == "TRUE"
    assert attendees["maria@example.com"].params["PARTSTAT"] == "NEEDS-ACTION"
    # The organiser attends as the chair, already accepted.
    assert attendees["alex@example.com"].params["ROLE"] == "CHAIR"
    assert attendees["alex@example.com"].params["PARTSTAT"] == "ACCEPTED"


def test_calendar_has_prodid_version_and_the_timezone_the_event_uses(meeting):
    calendar = icalendar.Calendar.from_ical(ical.action_calendar(meeting))

    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == ical.PRODID
    assert "METHOD" not in calendar  # a download is a plain object, not an iTIP message
    zones = [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")]
    assert zones == ["Europe/Madrid"]
    assert calendar.get_missing_tzids() == set()


def test_uid_host_defaults_to_relata_without_a_configured_address(settings, meeting):
    settings.RELATA_URL = ""

    event = _one_event(ical.action_calendar(meeting))

    assert str(event["UID"]) == f"{meeting.uid}@relata"


def test_all_day_action_is_dates_with_an_exclusive_end(make_action):
    action = make_action(type="task", subject="Prepare offer", all_day=True)

    event = _one_event(ical.action_calendar(action))

    assert event["DTSTART"].params["VALUE"] == "DATE"
    local_day = START.astimezone(MADRID).date()
    assert event.start == local_day
    assert event.end == local_day + datetime.timedelta(days=1)
    assert event["TRANSP"] == "TRANSPARENT"


def test_a_call_has_no_attendees_and_its_creator_organises_a_team_action(
    make_action, manager, team
):
    action = make_action(user=manager, owner=None, team=team, subject="Call back")

    event = _one_event(ical.action_calendar(action))

    assert "ATTENDEE" not in event
    assert str(event["ORGANIZER"]) == "mailto:maria@example.com"


def test_sequence_and_status_follow_the_action(meeting, agent):
    services.action_update(user=agent, action=meeting, data={"subject": "Quarterly review (2)"})
    services.action_cancel(user=agent, action=meeting)

    event = _one_event(ical.action_calendar(meeting))

    assert event["SEQUENCE"] == 2
    assert event["STATUS"] == "CANCELLED"
    assert event["SUMMARY"] == "Quarterly review (2)"


def test_itip_request_and_cancel_carry_their_method(meeting):
    request = icalendar.Calendar.from_ical(ical.itip_request(meeting))
    cancel = icalendar.Calendar.from_ical(ical.itip_cancel(meeting))

    assert request["METHOD"] == "REQUEST"
    assert cancel["METHOD"] == "CANCEL"
    request_event, cancel_event = request.walk("VEVENT")[0], cancel.walk("VEVENT")[0]
    assert request_event["UID"] == cancel_event["UID"]
    assert request_event["STATUS"] == "CONFIRMED"
    assert cancel_event["STATUS"] == "CANCELLED"


def test_uninviting_one_attendee_names_only_them_and_has_no_status(meeting, manager):
    leaving = ical.Attendee(email=manager.email, name=str(manager), user=manager)

    event = _one_event(ical.itip_cancel(meeting, attendees=[leaving], uninvite=True))

    assert set(_addresses(event, "ATTENDEE")) == {"maria@example.com"}
    assert "STATUS" not in event  # RFC 5546 3.2.5: the meeting itself goes on


def test_event_for_a_contact_leaves_out_internal_notes_and_link(meeting):
    event = _one_event(ical.itip_request(meeting, internal=False))

    assert "DESCRIPTION" not in event
    assert "URL" not in event
    assert event["SUMMARY"] == "Quarterly review"


def test_type_name_follows_the_language(meeting):
    event = _one_event(ical.itip_request(meeting, language="es"))

    assert event.categories == ["Visita"]
