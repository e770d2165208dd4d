"""The secret iCalendar feed, its settings page and the ``.ics`` download of one action."""

from __future__ import annotations

import datetime

import icalendar
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from relata.actions import services
from relata.actions.models import CalendarFeed
from relata.actions.tests.conftest import START


@pytest.fixture(autouse=True)
def _site(settings):
    settings.RELATA_URL = "https://crm.example.com"


@pytest.fixture
def token(agent):
    return services.calendar_feed_renew(user=agent)


@pytest.fixture
def agenda(make_action, agent, manager, other_agent, other_entity, contact):
    """The agent's own actions, a meeting they attend, and actions that are not theirs."""
    own = [
        make_action(subject="Call Acme", start=START),
        make_action(type="visit", subject="Visit Acme", start=START + datetime.timedelta(days=1)),
        make_action(
            type="task",
            subject="Prepare offer",
            start=START + datetime.timedelta(days=2),
            all_day=True,
        ),
    ]
    attending = make_action(
        user=manager,
        type="meeting",
        subject="Team meeting",
        start=START + datetime.timedelta(days=3),
        attendee_users=[agent],
    )
    cancelled = make_action(subject="Cancelled call", start=START + datetime.timedelta(days=4))
    services.action_cancel(user=agent, action=cancelled)
    not_mine = [
        make_action(user=manager, subject="Manager's call"),
        make_action(user=other_agent, entity=other_entity, subject="Other team's call"),
    ]
    old = make_action(subject="Long ago", start=timezone.now() - datetime.timedelta(days=400))
    return {"shown": [*own, attending], "hidden": [cancelled, *not_mine, old]}


def _events(response) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_feed_carries_the_users_actions_and_meetings(client, token, agenda):
    response = client.get(reverse("actions:feed", args=[token]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == "-//Relata//Relata CRM//EN"
    assert str(calendar["X-WR-CALNAME"]) == "Relata: Alex"
    assert calendar["REFRESH-INTERVAL"].dt == datetime.timedelta(hours=1)
    assert "X-PUBLISHED-TTL" in calendar
    assert calendar.get_missing_tzids() == set()
    events = _events(response)
    expected = {f"{a.uid}@crm.example.com": a for a in agenda["shown"]}
    assert set(events) == set(expected)
    for uid, action in expected.items():
        event = events[uid]
        assert event["SUMMARY"] == action.subject
        if action.all_day:
            assert event.start == timezone.localtime(action.start).date()
        else:
            assert event.start == action.start
        assert event["SEQUENCE"] == action.sequence


def test_feed_query_count_does_not_grow_with_the_actions(client, token, make_action, manager):
    url = reverse("actions:feed", args=[token])
    make_action(type="meeting", attendee_users=[manager])
    client.get(url)  # the first read records the use; compare the next ones
    cache.clear()  # measure building the feed, not reading it from the cache
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for day in range(1, 8):
        make_action(
            type="meeting", start=START + datetime.timedelta(days=day), attendee_users=[manager]
        )
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    assert len(_events(response)) == 8
    assert len(many) == len(few)


def test_feed_is_rebuilt_only_when_an_action_changes(client, token, agent, make_action):
    url = reverse("actions:feed", args=[token])
    action = make_action(subject="First subject")
    client.get(url)  # records the use
    cache.clear()
    with CaptureQueriesContext(connection) as built:
        client.get(url)
    with CaptureQueriesContext(connection) as cached:
        again = client.get(url)
    assert len(cached) < len(built)  # the actions and their attendees are not read again
    assert b"First subject" in again.content

    services.action_update(user=agent, action=action, data={"subject": "Second subject"})
    changed = client.get(url)

    assert b"Second subject" in changed.content
    assert b"First subject" not in changed.content


@pytest.mark.parametrize("bad", ["nope", "A" * 43, "../../etc"])
def test_unknown_token_is_404(client, token, bad):
    assert client.get(f"/calendar/{bad}.ics").status_code == 404


def test_revoked_or_replaced_token_is_404(client, agent, token):
    url = reverse("actions:feed", args=[token])
    assert client.get(url).status_code == 200

    new_token = services.calendar_feed_renew(user=agent)
    assert client.get(url).status_code == 404
    assert client.get(reverse("actions:feed", args=[new_token])).status_code == 200

    services.calendar_feed_revoke(user=agent)
    assert client.get(reverse("actions:feed", args=[new_token])).status_code == 404


def test_feed_of_a_deactivated_user_is_404(client, agent, token):
    agent.is_active = False
    agent.save()

    assert client.get(reverse("actions:feed", args=[token])).status_code == 404


def test_only_the_digest_of_the_token_is_stored(agent, token):
    feed = CalendarFeed.objects.get(user=agent)

    assert token not in feed.token_digest
    assert feed.token_digest == services.feed_token_digest(token)


def test_use_is_recorded_at_most_once_a_minute(client, agent, token):
    url = reverse("actions:feed", args=[token])

    client.get(url)
    first = CalendarFeed.objects.get(user=agent).last_used_at
    client.get(url)
    assert CalendarFeed.objects.get(user=agent).last_used_at == first
    assert first is not None and timezone.now() - first < datetime.timedelta(seconds=30)

    earlier = first - datetime.timedelta(minutes=2)
    CalendarFeed.objects.filter(user=agent).update(last_used_at=earlier)
    client.get(url)
    assert CalendarFeed.objects.get(user=agent).last_used_at > first


def test_feed_is_private_to_caches_and_answers_304_when_unchanged(client, token, agenda):
    url = reverse("actions:feed", args=[token])

    response = client.get(url)
    assert "private" in response["Cache-Control"]
    assert "max-age=300" in response["Cache-Control"]
    again = client.get(url, headers={"if-none-match": response["ETag"]})

    assert again.status_code == 304
    assert again.content == b""


def test_feed_answers_head_and_refuses_post(client, token):
    url = reverse("actions:feed", args=[token])

    assert client.head(url).status_code == 200
    assert client.post(url).status_code == 405


# --- The settings page ---------------------------------------------------------------------


def test_settings_page_needs_login(client):
    response = client.get(reverse("actions:feed_settings"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_creating_the_feed_shows_its_address_once(client, agent, agenda):
    client.force_login(agent)

    page = client.get(reverse("actions:feed_settings"))
    assert page.status_code == 200
    assert b'id="create-feed"' in page.content

    created = client.post(reverse("actions:feed_settings"))
    assert created.status_code == 200
    assert "no-store" in created["Cache-Control"] or "no-cache" in created["Cache-Control"]
    url = created.context["feed_url"]
    assert url.startswith("https://crm.example.com/calendar/")
    assert url.encode() in created.content
    assert created.context["webcal_url"] == "webcal://" + url.removeprefix("https://")
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert client.get(reverse("actions:feed", args=[token])).status_code == 200

    later = client.get(reverse("actions:feed_settings"))
    assert token.encode() not in later.content
    assert b'id="renew-feed"' in later.content


def test_renewing_replaces_the_address(client, agent, token):
    client.force_login(agent)

    renewed = client.post(reverse("actions:feed_settings"))

    assert renewed.context["renewed"] is True
    assert client.get(reverse("actions:feed", args=[token])).status_code == 404
    new_token = renewed.context["feed_url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert new_token != token
    assert client.get(reverse("actions:feed", args=[new_token])).status_code == 200


def test_revoking_asks_first_then_stops_the_feed(client, agent, token):
    client.force_login(agent)

    asked = client.get(reverse("actions:feed_revoke"))
    assert asked.status_code == 200
    assert b'id="confirm-revoke"' in asked.content
    assert CalendarFeed.objects.filter(user=agent).exists()

    done = client.post(reverse("actions:feed_revoke"))
    assert done.status_code == 302
    assert not CalendarFeed.objects.filter(user=agent).exists()
    assert client.get(reverse("actions:feed", args=[token])).status_code == 404


def test_revoking_touches_only_the_users_own_feed(client, agent, manager, token):
    other_token = services.calendar_feed_renew(user=manager)
    client.force_login(agent)

    client.post(reverse("actions:feed_revoke"))

    assert client.get(reverse("actions:feed", args=[other_token])).status_code == 200


# --- One action's .ics ----------------------------------------------------------------------


def test_download_of_one_action(client, agent, make_action):
    action = make_action(type="visit", subject="Visit Acme / north", location="Bilbao")
    client.force_login(agent)

    response = client.get(reverse("actions:ics", args=[action.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="visit-acme-north.ics"'
    calendar = icalendar.Calendar.from_ical(response.content)
    assert "METHOD" not in calendar
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"{action.uid}@crm.example.com"
    assert event["LOCATION"] == "Bilbao"
    assert event.start == START


def test_download_is_refused_to_who_cannot_see_the_action(client, other_agent, make_action):
    action = make_action()
    client.force_login(other_agent)

    response = client.get(reverse("actions:ics", args=[action.pk]))

    assert response.status_code == 404
    assert b"BEGIN:VCALENDAR" not in response.content


def test_download_for_an_attending_user_and_needs_login(client, make_action, other_agent):
    action = make_action(type="meeting", attendee_users=[other_agent])

    assert client.get(reverse("actions:ics", args=[action.pk])).status_code == 302
    client.force_login(other_agent)
    assert client.get(reverse("actions:ics", args=[action.pk])).status_code == 200
