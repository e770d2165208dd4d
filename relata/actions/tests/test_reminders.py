"""Reminders: due by each user's preference, sent once, by email and in the application."""

from __future__ import annotations

import datetime
import socket

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from relata.actions import reminders, services, tasks
from relata.actions.models import Reminder, ReminderPreference
from relata.actions.tests.conftest import START
from relata.core.models import Notification

# The moment the tests look from: 20 minutes before START.
NOW = START - datetime.timedelta(minutes=20)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.RELATA_URL = "https://crm.example.com"


def prefer(user, minutes, *, by_email=True, in_app=True):
    return services.reminder_preference_update(
        user=user, minutes_before=minutes, by_email=by_email, in_app=in_app
    )


@pytest.fixture
def call(make_action):
    return make_action(subject="Call Acme", start=START)


def test_reminder_goes_when_the_notice_is_reached_and_only_once(agent, call):
    prefer(agent, 15)

    assert reminders.reminders_send(now=NOW) == 0  # 20 minutes away: not yet
    assert mail.outbox == []

    assert reminders.reminders_send(now=START - datetime.timedelta(minutes=15)) == 1
    assert reminders.reminders_send(now=START - datetime.timedelta(minutes=14)) == 0
    assert reminders.reminders_send(now=START - datetime.timedelta(minutes=1)) == 0

    (message,) = mail.outbox
    assert message.to == ["alex@example.com"]
    assert message.subject.startswith("Reminder: Call Acme, ")
    assert f"https://crm.example.com/actions/{call.pk}/" in message.body
    assert "Acme Trading SL" in message.body
    assert message.alternatives[0].mimetype == "text/html"
    (notification,) = Notification.objects.filter(user=agent)
    assert notification.title == "Reminder: Call Acme"
    assert notification.url == f"/actions/{call.pk}/"
    assert notification.read_at is None
    assert Reminder.objects.filter(action=call, user=agent, start=START).count() == 1


def test_a_restarted_worker_does_not_remind_again(agent, call):
    """A second process (or the worker after a restart) has nothing in memory; the rows
    alone must stop it."""
    prefer(agent, 30)
    reminders.reminders_send(now=NOW)

    reminders.reminders_send(now=NOW + datetime.timedelta(minutes=5))

    assert len(mail.outbox) == 1
    assert Notification.objects.filter(user=agent).count() == 1


def test_the_periodic_job_reminds_of_what_starts_soon_once(agent, make_action):
    soon = make_action(subject="Call soon", start=timezone.now() + datetime.timedelta(minutes=5))
    prefer(agent, 10)

    tasks.reminders_send_due.call_local()
    tasks.reminders_send_due.call_local()

    assert [m.subject.split(",")[0] for m in mail.outbox] == ["Reminder: Call soon"]
    assert Reminder.objects.get(user=agent).action == soon


def test_a_row_written_by_another_worker_in_between_wins(agent, call):
    prefer(agent, 30)
    (due,) = reminders.reminders_due(NOW)
    Reminder.objects.create(action=call, user=agent, start=call.start)  # the other worker

    assert reminders.reminder_send(due) is False
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_rescheduling_reminds_again(agent, call):
    prefer(agent, 30)
    reminders.reminders_send(now=NOW)
    later = START + datetime.timedelta(hours=2)

    services.action_reschedule(user=agent, action=call, start=later)
    reminders.reminders_send(now=NOW + datetime.timedelta(minutes=1))
    assert len(mail.outbox) == 1
    reminders.reminders_send(now=later - datetime.timedelta(minutes=10))

    assert len(mail.outbox) == 2
    assert Reminder.objects.filter(action=call, user=agent).count() == 2


def test_users_without_a_preference_or_channel_get_nothing(agent, manager, make_action):
    make_action(type="meeting", attendee_users=[manager])
    prefer(agent, None)
    prefer(manager, 30, by_email=False, in_app=False)

    assert reminders.reminders_send(now=NOW) == 0

    assert mail.outbox == []
    assert not Notification.objects.exists()
    assert not Reminder.objects.exists()


def test_attending_users_are_reminded_with_their_own_notice(
    agent, manager, reader, make_action, admin_user
):
    meeting = make_action(type="meeting", attendee_users=[manager, reader])
    prefer(agent, 10)
    prefer(manager, 30)
    prefer(admin_user, 60)  # not concerned by this meeting

    reminders.reminders_send(now=NOW)
    assert [m.to for m in mail.outbox] == [["maria@example.com"]]

    reminders.reminders_send(now=START - datetime.timedelta(minutes=10))
    assert sorted(m.to[0] for m in mail.outbox) == ["alex@example.com", "maria@example.com"]
    assert set(
        Reminder.objects.filter(action=meeting).values_list("user__username", flat=True)
    ) == {
        "alex",
        "maria",
    }


def test_channels_follow_the_preference(agent, manager, make_action):
    make_action(type="meeting", attendee_users=[manager])
    prefer(agent, 30, by_email=False, in_app=True)
    prefer(manager, 30, by_email=True, in_app=False)

    reminders.reminders_send(now=NOW)

    assert [m.to for m in mail.outbox] == [["maria@example.com"]]
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["alex"]


def test_finished_all_day_and_long_past_actions_are_not_reminded(agent, make_action):
    done = make_action(subject="Done")
    services.action_complete(user=agent, action=done, outcome="Reached")
    cancelled = make_action(subject="Cancelled")
    services.action_cancel(user=agent, action=cancelled)
    make_action(subject="All day", all_day=True, type="task")
    make_action(subject="Started an hour ago", start=NOW - datetime.timedelta(hours=1))
    prefer(agent, 24 * 60)

    assert reminders.reminders_send(now=NOW) == 0
    assert mail.outbox == []


def test_reminder_email_follows_the_users_language(agent, call):
    agent.language = "es"
    agent.save()
    prefer(agent, 30)

    reminders.reminders_send(now=NOW)

    (message,) = mail.outbox
    assert "Llamada telefónica" in message.body  # the type's Spanish name
    assert "marzo" in message.body  # the date, in Spanish


def test_email_failure_after_the_row_is_written_is_not_retried_and_falls_back_in_app(
    settings, agent, call
):
    """At most once: the row is committed before the email goes; a failed email is not
    sent again by a later run, and the user is told in the application instead."""
    with socket.socket() as sock:  # a port where nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    prefer(agent, 30, by_email=True, in_app=False)

    assert reminders.reminders_send(now=NOW) == 1

    assert Reminder.objects.filter(action=call, user=agent).count() == 1
    (notification,) = Notification.objects.filter(user=agent)
    assert notification.title == "Reminder: Call Acme"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert reminders.reminders_send(now=NOW + datetime.timedelta(minutes=1)) == 0
    assert mail.outbox == []


def test_reminders_reach_a_real_mail_server(smtp_server, agent, call):
    prefer(agent, 30)

    reminders.reminders_send(now=NOW)

    (message,) = smtp_server
    assert message["X-Envelope-To"] == "alex@example.com"
    assert message["Subject"].startswith("Reminder: Call Acme, ")
    assert message["Auto-Submitted"] == "auto-generated"
    assert "Call Acme" in message.get_body(("html",)).get_content()


def test_finding_due_reminders_costs_the_same_for_many_actions(agent, manager, make_action):
    prefer(agent, 30)
    prefer(manager, 30)
    make_action(type="meeting", attendee_users=[manager])
    with CaptureQueriesContext(connection) as few:
        reminders.reminders_due(NOW)
    for minute in range(1, 9):
        make_action(
            type="meeting",
            start=START + datetime.timedelta(minutes=minute),
            attendee_users=[manager],
        )
    with CaptureQueriesContext(connection) as many:
        due = reminders.reminders_due(NOW + datetime.timedelta(minutes=9))

    assert len(due) == 18
    assert len(many) == len(few)


# --- The settings page ---------------------------------------------------------------------


def test_settings_page_saves_the_preference(client, agent):
    client.force_login(agent)

    page = client.get(reverse("actions:reminder_settings"))
    assert page.status_code == 200
    response = client.post(
        reverse("actions:reminder_settings"), {"minutes_before": "15", "by_email": "on"}
    )

    assert response.status_code == 302
    preference = ReminderPreference.objects.get(user=agent)
    assert (preference.minutes_before, preference.by_email, preference.in_app) == (15, True, False)


def test_settings_page_turns_reminders_off(client, agent):
    prefer(agent, 15)
    client.force_login(agent)

    client.post(reverse("actions:reminder_settings"), {"minutes_before": "", "in_app": "on"})

    assert ReminderPreference.objects.get(user=agent).minutes_before is None


@pytest.mark.parametrize(
    "data",
    [
        {"minutes_before": "15"},  # no channel
        {"minutes_before": "7", "by_email": "on"},  # not an offered choice
        {"minutes_before": "abc", "by_email": "on"},
    ],
)
def test_settings_page_refuses_bad_input_with_a_form_error(client, agent, data):
    client.force_login(agent)

    response = client.post(reverse("actions:reminder_settings"), data)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not ReminderPreference.objects.filter(user=agent).exists()


def test_settings_page_keeps_a_notice_set_elsewhere(client, agent):
    prefer(agent, 45)
    client.force_login(agent)

    page = client.get(reverse("actions:reminder_settings"))

    assert b'value="45" selected' in page.content


def test_settings_page_needs_login(client):
    response = client.get(reverse("actions:reminder_settings"))

    assert response.status_code == 302
