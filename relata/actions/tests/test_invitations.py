"""iTIP invitations, received by a real SMTP server (aiosmtpd) and parsed back.

The services queue ``tasks.invitations_send`` on commit; the tests let the commit happen
(``django_capture_on_commit_callbacks(execute=True)``) and Huey runs the task inline.
"""

from __future__ import annotations

import datetime
import socket

import icalendar
import pytest

from relata.actions import invitations, services
from relata.actions.models import Invitation
from relata.actions.tests.conftest import START
from relata.entities.models import EmailAddress


@pytest.fixture(autouse=True)
def _site(settings):
    settings.RELATA_URL = "https://crm.example.com"
    settings.DEFAULT_FROM_EMAIL = "Relata <crm@example.com>"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a service call and then what it queued on commit (the invitation task)."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


@pytest.fixture
def guest(contact):
    EmailAddress.objects.create(
        entity=contact.entity, contact=contact, email="carmen@acme.example", is_main=True
    )
    EmailAddress.objects.create(
        entity=contact.entity, contact=contact, email="carmen.old@acme.example"
    )
    return contact


@pytest.fixture
def meeting(committed, make_action, manager, guest):
    return committed(
        make_action,
        type="meeting",
        subject="Kick-off",
        description="Internal: they are unhappy with the last delivery.",
        location="Room 2",
        attendee_users=[manager],
        attendee_contacts=[guest],
    )


def _calendar_part(message):
    """Return (the text/calendar alternative part, its parsed calendar)."""
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return parts[0], icalendar.Calendar.from_ical(parts[0].get_content())


def _by_recipient(messages) -> dict[str, object]:
    found = {}
    for message in messages:
        (recipient,) = message["X-Envelope-To"].split(", ")
        assert recipient not in found, f"two emails to {recipient}"
        found[recipient] = message
    return found


def _event(message) -> icalendar.Event:
    _part, calendar = _calendar_part(message)
    (event,) = calendar.walk("VEVENT")
    return event


def test_meeting_invites_assignee_attendee_and_contact_with_a_request(smtp_server, meeting):
    received = _by_recipient(smtp_server)

    assert set(received) == {"alex@example.com", "maria@example.com", "carmen@acme.example"}
    for address, message in received.items():
        assert message["From"] == "Relata <crm@example.com>"
        assert message["Reply-To"] == "alex@example.com"
        assert message["Subject"].startswith("Invitation: Kick-off, ")
        part, calendar = _calendar_part(message)
        assert part.get_param("method") == "REQUEST"
        assert part.get_content_charset() == "utf-8"
        assert calendar["METHOD"] == "REQUEST"
        event = _event(message)
        assert str(event["UID"]) == f"{meeting.uid}@crm.example.com"
        assert event["SEQUENCE"] == 0
        assert event["DTSTART"].dt == START
        assert event["DTSTART"].params["TZID"] == "Europe/Madrid"
        attendees = {str(a).removeprefix("mailto:") for a in event["ATTENDEE"]}
        assert attendees == {"alex@example.com", "maria@example.com", "carmen@acme.example"}
        assert address in attendees
        assert str(event["ORGANIZER"]) == "mailto:alex@example.com"
        # The same calendar travels as an invite.ics attachment, and a readable body.
        attachments = list(message.iter_attachments())
        assert [a.get_filename() for a in attachments] == ["invite.ics"]
        assert icalendar.Calendar.from_ical(attachments[0].get_content())["METHOD"] == "REQUEST"
        types = [p.get_content_type() for p in message.walk()]
        assert types[:5] == [
            "multipart/mixed",
            "multipart/alternative",
            "text/plain",
            "text/html",
            "text/calendar",
        ]
        assert "Kick-off" in message.get_body(("plain",)).get_content()
    assert Invitation.objects.filter(action=meeting, sequence=0, cancelled=False).count() == 3


def test_the_contact_does_not_receive_internal_notes(smtp_server, meeting):
    received = _by_recipient(smtp_server)

    contact_mail = received["carmen@acme.example"]
    assert "DESCRIPTION" not in _event(contact_mail)
    assert "unhappy" not in contact_mail.get_body(("plain",)).get_content()
    assert "unhappy" not in contact_mail.get_body(("html",)).get_content()
    assert "unhappy" in str(_event(received["maria@example.com"])["DESCRIPTION"])


def test_a_change_sends_the_same_uid_with_a_higher_sequence(smtp_server, committed, meeting, agent):
    first = _by_recipient(smtp_server)
    smtp_server.clear()

    new_start = START + datetime.timedelta(days=1)
    committed(services.action_reschedule, user=agent, action=meeting, start=new_start)

    second = _by_recipient(smtp_server)
    assert set(second) == set(first)
    for address, message in second.items():
        event = _event(message)
        assert event["UID"] == _event(first[address])["UID"]
        assert event["SEQUENCE"] == 1
        assert event["DTSTART"].dt == new_start
        assert message["Subject"].startswith("Updated invitation: Kick-off, ")


def test_running_the_job_again_sends_nothing(smtp_server, meeting):
    smtp_server.clear()

    assert invitations.invitations_send(meeting.pk) == 0
    assert invitations.invitations_send(meeting.pk) == 0

    assert smtp_server == []


def test_resend_sends_the_current_invitation_to_everyone(smtp_server, committed, meeting, agent):
    smtp_server.clear()

    committed(services.invitations_resend, user=agent, action=meeting)

    assert len(smtp_server) == 3
    assert {_event(m)["SEQUENCE"] for m in smtp_server} == {0}


def test_removing_an_attendee_sends_them_a_cancel(
    smtp_server, committed, meeting, agent, manager, guest
):
    smtp_server.clear()

    committed(
        services.action_update,
        user=agent,
        action=meeting,
        data={},
        attendee_users=[],
        attendee_contacts=[guest],
    )

    received = _by_recipient(smtp_server)
    assert set(received) == {"alex@example.com", "maria@example.com", "carmen@acme.example"}
    part, calendar = _calendar_part(received["maria@example.com"])
    assert part.get_param("method") == "CANCEL"
    assert calendar["METHOD"] == "CANCEL"
    event = _event(received["maria@example.com"])
    assert str(event["UID"]) == f"{meeting.uid}@crm.example.com"
    assert event["SEQUENCE"] == 1
    assert str(event["ATTENDEE"]) == "mailto:maria@example.com"
    assert "STATUS" not in event
    # The others learn the new guest list through an update.
    for address in ("alex@example.com", "carmen@acme.example"):
        assert _calendar_part(received[address])[1]["METHOD"] == "REQUEST"
        assert "maria@example.com" not in str(_event(received[address])["ATTENDEE"])
    assert Invitation.objects.get(action=meeting, email="maria@example.com").cancelled

    smtp_server.clear()
    assert invitations.invitations_send(meeting.pk) == 0
    assert smtp_server == []


def test_cancelling_the_meeting_sends_everyone_one_cancel(smtp_server, committed, meeting, agent):
    smtp_server.clear()

    committed(services.action_cancel, user=agent, action=meeting)
    invitations.invitations_send(meeting.pk)

    received = _by_recipient(smtp_server)
    assert set(received) == {"alex@example.com", "maria@example.com", "carmen@acme.example"}
    for message in received.values():
        assert message["Subject"].startswith("Cancelled: Kick-off, ")
        part, calendar = _calendar_part(message)
        assert part.get_param("method") == "CANCEL"
        assert calendar["METHOD"] == "CANCEL"
        event = _event(message)
        assert event["STATUS"] == "CANCELLED"
        assert event["SEQUENCE"] == 1
        assert len(event["ATTENDEE"]) == 3
    assert set(Invitation.objects.filter(action=meeting).values_list("cancelled", flat=True)) == {
        True
    }


def test_a_call_sends_no_invitation(smtp_server, committed, make_action, manager):
    action = committed(make_action, type="call", attendee_users=[manager])

    assert invitations.invitations_send(action.pk) == 0
    assert smtp_server == []


def test_an_added_attendee_is_invited_at_the_current_sequence(
    smtp_server, committed, meeting, agent, manager, guest, reader
):
    smtp_server.clear()

    committed(
        services.action_update,
        user=agent,
        action=meeting,
        data={},
        attendee_users=[manager, reader],
        attendee_contacts=[guest],
    )

    received = _by_recipient(smtp_server)
    assert received["rita@example.com"]["Subject"].startswith("Invitation: Kick-off")
    assert _event(received["rita@example.com"])["SEQUENCE"] == 1
    assert received["maria@example.com"]["Subject"].startswith("Updated invitation:")


def test_each_user_reads_the_invitation_in_their_language(
    smtp_server, committed, make_action, manager
):
    manager.language = "es"
    manager.save()

    committed(make_action, type="meeting", subject="Kick-off", attendee_users=[manager])

    received = _by_recipient(smtp_server)
    assert _event(received["maria@example.com"]).categories == ["Reunión"]
    assert _event(received["alex@example.com"]).categories == ["Meeting"]


def test_a_mail_server_failure_leaves_the_invitations_to_the_retry(
    settings, smtp_server, make_action, manager, guest
):
    real_port = settings.EMAIL_PORT
    with socket.socket() as sock:  # a port where nothing listens
        sock.bind(("127.0.0.1", 0))
        settings.EMAIL_PORT = sock.getsockname()[1]
    action = make_action(type="meeting", attendee_users=[manager], attendee_contacts=[guest])

    with pytest.raises(OSError):
        invitations.invitations_send(action.pk)
    assert not Invitation.objects.filter(action=action).exists()

    settings.EMAIL_PORT = real_port
    assert invitations.invitations_send(action.pk) == 3
    assert len(smtp_server) == 3
    assert invitations.invitations_send(action.pk) == 0


def test_a_second_worker_on_the_same_meeting_waits_for_its_retry(smtp_server, make_action, manager):
    from django.core.cache import cache

    action = make_action(type="meeting", attendee_users=[manager])
    cache.add(f"actions:invitations:{action.pk}", "locked", 60)  # another worker at it

    with pytest.raises(invitations.InvitationError):
        invitations.invitations_send(action.pk)
    assert smtp_server == []

    cache.delete(f"actions:invitations:{action.pk}")
    assert invitations.invitations_send(action.pk) == 2


def test_a_meeting_with_invitations_out_is_cancelled_before_it_is_deleted(
    smtp_server, committed, meeting, agent, admin_user
):
    from django.core.exceptions import ValidationError

    from relata.actions.models import Action

    with pytest.raises(ValidationError, match="cancel it first"):
        services.action_delete(user=agent, action=meeting)
    assert Action.objects.filter(pk=meeting.pk).exists()
    committed(services.action_cancel, user=agent, action=Action.objects.get(pk=meeting.pk))
    # Cancelled is finished: with the default parameters only an administrator deletes it.
    services.action_delete(user=admin_user, action=Action.objects.get(pk=meeting.pk))
    assert not Action.objects.filter(pk=meeting.pk).exists()
