"""The agenda page, its events JSON and the move endpoint of drag-and-drop and resize."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from relata.actions.models import Action, ActionStatus
from relata.actions.tests.conftest import START
from relata.core.models import Role

pytestmark = pytest.mark.django_db

RANGE = {"start": "2031-03-10T00:00:00+01:00", "end": "2031-03-17T00:00:00+01:00"}


@pytest.fixture
def colleague(team):
    from conftest import _make_user

    return _make_user("cleo", Role.AGENT, [team])


def events(client, **params):
    response = client.get(reverse("actions:agenda_events"), {**RANGE, **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_agenda_page_renders_the_calendar(client, agent, action_types):
    client.force_login(agent)

    response = client.get(reverse("actions:agenda"))

    html = response.content.decode()
    config = json.loads(html.split('id="agenda-config" type="application/json">')[1].split("<")[0])
    assert response.status_code == 200
    assert 'id="agenda"' in html
    assert "vendor/fullcalendar-6.1.21/index.global.min.js" in html
    assert "actions/agenda.js" in html
    assert config["eventsUrl"] == reverse("actions:agenda_events")
    assert config["createUrl"] == reverse("actions:create")
    assert config["businessHours"] == {
        "daysOfWeek": [1, 2, 3, 4, 5],
        "startTime": "09:00",
        "endTime": "18:00",
    }
    assert response.context["nav_current"] == "agenda"
    assert reverse("actions:feed_settings") in html
    assert reverse("actions:reminder_settings") in html
    # Colour by type: a legend with each active type's colour.
    assert f"--type-colour: {action_types['visit'].colour}" in html


def test_reader_agenda_cannot_create(client, reader):
    client.force_login(reader)

    response = client.get(reverse("actions:agenda"))

    assert b'"createUrl": ""' in response.content


def test_events_are_my_visible_actions_in_the_range(
    client, agent, colleague, other_agent, other_entity, make_action, action_types
):
    mine = make_action(subject="Mine", type="visit")
    make_action(subject="Next month", start=START + datetime.timedelta(days=40))
    make_action(subject="Cleo's", user=colleague)
    make_action(subject="Hidden", user=other_agent, entity=other_entity)
    client.force_login(agent)

    result = events(client)

    assert [e["title"] for e in result] == ["Mine"]
    event = result[0]
    assert event["id"] == str(mine.pk)
    assert event["url"] == mine.get_absolute_url()
    assert event["start"] == "2031-03-10T11:00:00+01:00"
    assert event["backgroundColor"] == action_types["visit"].colour
    assert event["editable"] is True
    assert event["extendedProps"]["entity"] == "Acme Trading SL"


def test_events_of_a_colleague_and_of_a_team(
    client, agent, colleague, team, other_agent, other_entity, make_action, manager
):
    make_action(subject="Mine")
    make_action(subject="Cleo's", user=colleague)
    make_action(subject="Team's", user=manager, owner=None, team=team)
    make_action(subject="Olga's", user=other_agent, entity=other_entity)
    client.force_login(agent)

    of_colleague = events(client, owner=colleague.pk)
    of_team = events(client, team=team.pk)
    of_stranger = events(client, owner=other_agent.pk)

    assert [(e["title"], e["editable"]) for e in of_colleague] == [("Cleo's", False)]
    assert {e["title"] for e in of_team} == {"Mine", "Cleo's", "Team's"}
    assert of_stranger == []


def test_events_filter_by_type_and_leave_out_cancelled(client, agent, make_action, action_types):
    make_action(subject="Call")
    make_action(subject="Visit", type="visit")
    cancelled = make_action(subject="Cancelled", type="visit")
    Action.objects.filter(pk=cancelled.pk).update(status=ActionStatus.CANCELLED)
    client.force_login(agent)

    result = events(client, types=f"{action_types['visit'].pk},{action_types['meeting'].pk}")

    assert [e["title"] for e in result] == ["Visit"]


@pytest.mark.parametrize(
    "params",
    [
        {"start": "yesterday"},
        {"end": ""},
        {"start": "2031-03-17", "end": "2031-03-10"},
        {"start": "2031-01-01", "end": "2031-06-01"},
        {"owner": "me"},
        {"types": "1,x"},
        {"start": "0001-01-01T00:00:00", "end": "0001-01-02T00:00:00"},
    ],
)
def test_events_bad_input_is_a_400(client, agent, params):
    client.force_login(agent)

    response = client.get(reverse("actions:agenda_events"), {**RANGE, **params})

    assert response.status_code == 400
    assert response.json()["error"]


def test_events_query_count_does_not_grow(client, manager, agent, colleague, make_action):
    make_action(subject="First")
    client.force_login(manager)
    url = reverse("actions:agenda_events")
    params = {**RANGE, "team": agent.teams.get().pk}
    client.get(url, params)  # warm the parameters cache
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(url, params).json()) == 1
    for day in range(6):
        make_action(
            subject=f"More {day}", user=colleague, start=START + datetime.timedelta(days=day % 5)
        )

    with CaptureQueriesContext(connection) as seven:
        assert len(client.get(url, params).json()) == 7

    assert len(seven) == len(one)


def test_events_exact_query_count(client, agent, make_action, django_assert_num_queries):
    for day in range(5):
        make_action(subject=f"Call {day}", start=START + datetime.timedelta(days=day))
    client.force_login(agent)
    client.get(reverse("actions:agenda_events"), RANGE)  # warm the parameters cache

    # Session, user, the user's teams, their members, the meetings they attend, the actions.
    with django_assert_num_queries(6):
        assert len(events(client)) == 5


# --- Move ---------------------------------------------------------------------------------


def move(client, action, **data):
    return client.post(reverse("actions:agenda_move", args=[action.pk]), data)


def test_drag_moves_the_action_and_keeps_its_duration(client, agent, make_action, action_types):
    action = make_action()
    sequence = action.sequence
    client.force_login(agent)

    response = move(client, action, start="2031-03-12T16:30:00+01:00", all_day="false")

    assert response.status_code == 200
    action.refresh_from_db()
    assert action.start == datetime.datetime(2031, 3, 12, 15, 30, tzinfo=datetime.UTC)
    assert action.end - action.start == datetime.timedelta(
        minutes=action_types["call"].default_duration
    )
    assert action.sequence == sequence + 1
    assert response.json()["start"] == "2031-03-12T16:30:00+01:00"


def test_resize_changes_the_end(client, agent, make_action):
    action = make_action()
    client.force_login(agent)

    response = move(
        client, action, start="2031-03-10T11:00:00+01:00", end="2031-03-10T12:30:00+01:00"
    )

    assert response.status_code == 200
    action.refresh_from_db()
    assert action.end - action.start == datetime.timedelta(minutes=90)


def test_drag_into_the_all_day_row_and_back(client, agent, make_action, action_types):
    action = make_action()
    client.force_login(agent)

    to_day = move(client, action, start="2031-03-13", all_day="true")
    action.refresh_from_db()
    whole_day = (action.all_day, action.end - action.start)
    again = move(client, action, start="2031-03-14", end="2031-03-15", all_day="true")
    action.refresh_from_db()
    still_one_day = action.end - action.start
    back = move(client, action, start="2031-03-14T09:00:00+01:00", all_day="false")
    action.refresh_from_db()

    assert (to_day.status_code, again.status_code, back.status_code) == (200, 200, 200)
    assert whole_day == (True, datetime.timedelta(days=1))
    assert still_one_day == datetime.timedelta(days=1)
    # Out of the all-day row, the action takes its type's usual duration.
    duration = datetime.timedelta(minutes=action_types["call"].default_duration)
    assert (action.all_day, action.end - action.start) == (False, duration)


def test_move_refused_for_a_colleagues_action(client, agent, colleague, make_action):
    action = make_action(user=colleague)
    client.force_login(agent)

    response = move(client, action, start="2031-03-12T16:30:00+01:00")

    assert response.status_code == 403
    assert response.json()["error"]
    action.refresh_from_db()
    assert action.start == START


def test_move_refused_for_a_reader(client, reader, make_action):
    action = make_action()
    client.force_login(reader)

    response = move(client, action, start="2031-03-12T16:30:00+01:00")

    assert response.status_code == 403
    action.refresh_from_db()
    assert action.start == START


def test_move_of_a_finished_action_says_why(client, agent, make_action, finished_actions_editable):
    finished_actions_editable(False)
    action = make_action()
    Action.objects.filter(pk=action.pk).update(status=ActionStatus.DONE)
    client.force_login(agent)

    response = move(client, action, start="2031-03-12T16:30:00+01:00")

    assert response.status_code == 403
    assert "do not allow editing finished actions" in response.json()["error"]


def test_move_of_an_invisible_action_is_a_404(client, other_agent, make_action):
    action = make_action()
    client.force_login(other_agent)

    response = move(client, action, start="2031-03-12T16:30:00+01:00")

    assert response.status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"start": "soon"},
        {"start": "2031-03-12T10:00:00+01:00", "end": "later"},
        {"start": "2031-03-12T10:00:00+01:00", "all_day": "maybe"},
        {"start": "2031-03-12T10:00:00+01:00", "end": "2031-03-12T09:00:00+01:00"},
        {"start": "9999-12-31T23:00:00-05:00"},
    ],
)
def test_move_bad_input_is_a_400(client, agent, make_action, data):
    action = make_action()
    client.force_login(agent)

    response = move(client, action, **data)

    assert response.status_code == 400
    assert response.json()["error"]
    action.refresh_from_db()
    assert action.start == START


def test_move_needs_post_and_a_login(client, agent, make_action):
    action = make_action()
    url = reverse("actions:agenda_move", args=[action.pk])

    assert client.post(url, {"start": "2031-03-12T10:00"}).status_code == 302
    client.force_login(agent)
    assert client.get(url).status_code == 405
