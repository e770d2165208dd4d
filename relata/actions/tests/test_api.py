"""REST API for action types and actions: permissions, validation, creating, reading and
filtering. The workflow and editing rules are in test_api_workflow.py."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from relata.actions import services
from relata.actions.models import Action, ActionType
from relata.actions.tests.api_support import api_detail, api_list
from relata.actions.tests.conftest import START
from relata.core.models import User

pytestmark = pytest.mark.django_db

# --- Action types ---------------------------------------------------------------------------


def test_every_user_reads_the_active_action_types(api_client, reader, action_types):
    ActionType.objects.filter(code="documentation").update(is_active=False)
    api_client.force_authenticate(reader)

    response = api_client.get(reverse("actiontype-list"))

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["code"] for r in rows] == [
        "call",
        "email",
        "visit",
        "presentation",
        "meeting",
        "task",
    ]
    assert rows[0] == {
        "id": action_types["call"].pk,
        "code": "call",
        "name": "Phone call",
        "name_en": "Phone call",
        "name_es": "Llamada telefónica",
        "icon": "telephone",
        "colour": "#0d6efd",
        "default_duration": 15,
        "is_meeting": False,
        "needs_outcome": True,
        "order": 0,
        "is_active": True,
    }


def test_the_type_name_follows_the_request_language(api_client, agent):
    api_client.force_authenticate(agent)

    response = api_client.get(reverse("actiontype-list"), HTTP_ACCEPT_LANGUAGE="es")

    assert response.json()["results"][0]["name"] == "Llamada telefónica"


def test_administrators_see_inactive_types_and_define_new_ones(api_client, admin_user):
    ActionType.objects.filter(code="documentation").update(is_active=False)
    api_client.force_authenticate(admin_user)

    assert len(api_client.get(reverse("actiontype-list")).json()["results"]) == 7
    created = api_client.post(
        reverse("actiontype-list"),
        {"code": "demo", "name_en": "Product demo", "is_meeting": True, "colour": "#112233"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    changed = api_client.patch(
        reverse("actiontype-detail", args=[created.json()["id"]]),
        {"default_duration": 45, "needs_outcome": True},
        format="json",
    )
    assert changed.status_code == 200
    demo = ActionType.objects.get(code="demo")
    assert (demo.is_meeting, demo.default_duration, demo.needs_outcome, demo.colour) == (
        True,
        45,
        True,
        "#112233",
    )


def test_action_types_are_not_deleted(api_client, admin_user, action_types):
    api_client.force_authenticate(admin_user)

    response = api_client.delete(reverse("actiontype-detail", args=[action_types["task"].pk]))

    assert response.status_code == 405
    assert ActionType.objects.filter(code="task").exists()


def test_bad_or_duplicate_types_are_400(api_client, admin_user):
    api_client.force_authenticate(admin_user)

    response = api_client.post(
        reverse("actiontype-list"),
        {"code": "call", "name_en": "Again", "colour": "red"},
        format="json",
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert sorted(errors) == ["code", "colour"]
    assert errors["colour"] == ["Enter a colour as #RRGGBB, for example #0d6efd."]
    assert ActionType.objects.count() == 7


@pytest.mark.parametrize("role", ["agent", "manager", "reader"])
def test_only_administrators_change_action_types(request, api_client, action_types, role):
    api_client.force_authenticate(request.getfixturevalue(role))

    created = api_client.post(
        reverse("actiontype-list"), {"code": "demo", "name_en": "Demo"}, format="json"
    )
    changed = api_client.patch(
        reverse("actiontype-detail", args=[action_types["call"].pk]),
        {"name_en": "Ring"},
        format="json",
    )

    assert (created.status_code, changed.status_code) == (403, 403)
    assert created.json() == {
        "detail": "Only administrators may change the configuration.",
        "code": "permission_denied",
    }
    assert ActionType.objects.get(code="call").name_en == "Phone call"
    assert not ActionType.objects.filter(code="demo").exists()


# --- Creating -------------------------------------------------------------------------------


def test_an_agent_creates_an_action_with_the_types_code(api_client, agent, team, entity, contact):
    api_client.force_authenticate(agent)

    response = api_client.post(
        reverse("action-list"),
        {
            "entity": entity.pk,
            "contact": contact.pk,
            "type": "call",
            "subject": "Call about the renewal",
            "start": "2031-03-10T10:00:00Z",
            "priority": "high",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    action = Action.objects.get()
    assert body["id"] == action.pk
    assert (action.owner, action.team, action.created_by) == (agent, team, agent)
    # Answered in the server's time zone, with its offset; the end from the type's duration.
    assert (body["start"], body["end"]) == (
        "2031-03-10T11:00:00+01:00",
        "2031-03-10T11:15:00+01:00",
    )
    assert {k: body[k] for k in ("entity", "entity_name", "contact", "type", "type_code")} == {
        "entity": entity.pk,
        "entity_name": "Acme Trading SL",
        "contact": contact.pk,
        "type": action.type_id,
        "type_code": "call",
    }
    assert (body["status"], body["priority"], body["owner"], body["team"]) == (
        "planned",
        "high",
        agent.pk,
        team.pk,
    )
    assert (body["sequence"], body["uid"], body["created_by"]) == (0, str(action.uid), agent.pk)
    assert (body["attendee_users"], body["attendee_contacts"]) == ([], [])


def test_a_meeting_with_attendees_by_type_id(
    api_client, agent, manager, entity, contact, action_types
):
    api_client.force_authenticate(agent)

    response = api_client.post(
        reverse("action-list"),
        {
            "entity": entity.pk,
            "type": action_types["meeting"].pk,
            "subject": "Kick-off",
            "start": "2031-03-10T10:00:00+01:00",
            "end": "2031-03-10T12:00:00+01:00",
            "location": "Their office",
            "attendee_users": [manager.pk],
            "attendee_contacts": [contact.pk],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["attendee_users"], body["attendee_contacts"]) == ([manager.pk], [contact.pk])
    meeting = Action.objects.get()
    assert list(meeting.attendee_users.all()) == [manager]
    assert meeting.end - meeting.start == datetime.timedelta(hours=2)


def test_an_all_day_action_by_date(api_client, agent, entity):
    api_client.force_authenticate(agent)

    response = api_client.post(
        reverse("action-list"),
        {
            "entity": entity.pk,
            "type": "task",
            "subject": "Prepare the offer",
            "start": "2031-03-10T15:00:00+01:00",
            "all_day": True,
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert (response.json()["start"], response.json()["end"]) == (
        "2031-03-10T00:00:00+01:00",
        "2031-03-11T00:00:00+01:00",
    )


def test_a_reader_cannot_create_actions(api_client, reader, entity):
    api_client.force_authenticate(reader)

    response = api_client.post(
        reverse("action-list"),
        {"entity": entity.pk, "type": "call", "subject": "X", "start": "2031-03-10T10:00:00Z"},
        format="json",
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Action.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"end": "2031-03-10T09:00:00Z"},
            {"end": ["The end must not be before the start."]},
        ),
        ({"subject": "   "}, {"subject": ["This field may not be blank."]}),
        ({"type": "nap"}, {"type": ["Unknown action type “nap”."]}),
        ({"type": 99999}, {"type": ["Unknown action type “99999”."]}),
        ({"type": "9" * 30}, {"type": [f"Unknown action type “{'9' * 30}”."]}),
        ({"type": True}, {"type": ["Give the action type's id or code."]}),
        ({"entity": 10**30}, None),
        ({"start": "next Monday"}, None),
        ({"priority": "urgent"}, {"priority": ['"urgent" is not a valid choice.']}),
    ],
)
def test_bad_input_is_400_with_field_messages(api_client, agent, entity, body, errors):
    api_client.force_authenticate(agent)

    response = api_client.post(
        reverse("action-list"),
        {
            "entity": entity.pk,
            "type": "call",
            "subject": "Call",
            "start": "2031-03-10T10:00:00Z",
            **body,
        },
        format="json",
    )

    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == "invalid"
    if errors is None:
        assert list(payload["errors"]) == [next(iter(body))]
    else:
        assert payload["errors"] == errors
        assert payload["detail"] == next(iter(errors.values()))[0]
    assert Action.objects.count() == 0


def test_an_entity_one_cannot_see_or_a_foreign_contact_is_400(
    api_client, agent, other_agent, entity, other_contact
):
    api_client.force_authenticate(other_agent)
    hidden = api_client.post(
        reverse("action-list"),
        {"entity": entity.pk, "type": "call", "subject": "X", "start": "2031-03-10T10:00:00Z"},
        format="json",
    )
    api_client.force_authenticate(agent)
    foreign = api_client.post(
        reverse("action-list"),
        {
            "entity": entity.pk,
            "contact": other_contact.pk,
            "type": "call",
            "subject": "X",
            "start": "2031-03-10T10:00:00Z",
        },
        format="json",
    )

    assert hidden.status_code == 400
    assert hidden.json()["errors"] == {"entity": ["You cannot see that entity."]}
    assert foreign.status_code == 400
    assert foreign.json()["errors"] == {
        "contact": ["The contact must belong to the action's entity."]
    }
    assert Action.objects.count() == 0


def test_an_agent_cannot_give_a_new_action_to_a_colleague(api_client, agent, manager, entity):
    api_client.force_authenticate(agent)

    response = api_client.post(
        reverse("action-list"),
        {
            "entity": entity.pk,
            "type": "call",
            "subject": "X",
            "start": "2031-03-10T10:00:00Z",
            "owner": manager.pk,
        },
        format="json",
    )

    assert response.status_code == 403
    assert response.json() == {
        "detail": "You cannot give this action to that user.",
        "code": "permission_denied",
    }
    assert Action.objects.count() == 0


# --- Reading and filtering --------------------------------------------------------------------


def test_each_user_lists_and_reads_the_actions_they_may_see(
    api_client, make_action, agent, other_agent, reader, other_entity
):
    mine = make_action(subject="Mine")
    theirs = make_action(user=other_agent, entity=other_entity, subject="Theirs")

    api_client.force_authenticate(reader)
    assert api_list(api_client) == ["Mine"]
    assert api_client.get(api_detail(mine.pk)).status_code == 200
    api_client.force_authenticate(other_agent)
    assert api_list(api_client) == ["Theirs"]
    response = api_client.get(api_detail(mine.pk))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert api_client.get(api_detail(theirs.pk)).status_code == 200


def test_the_list_needs_authentication(api_client):
    response = api_client.get(reverse("action-list"))

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.fixture
def several(make_action, agent, manager, team, contact):
    """Five actions a day apart; the first done, the last a cancelled meeting."""
    first = make_action(subject="Alpha call")
    make_action(
        subject="Bravo visit",
        type="visit",
        start=START + datetime.timedelta(days=1),
        contact=contact,
    )
    make_action(
        subject="Charlie task",
        type="task",
        start=START + datetime.timedelta(days=2),
        owner=None,
        team=team,
    )
    make_action(
        user=manager, subject="Delta email", type="email", start=START + datetime.timedelta(days=3)
    )
    services.action_complete(user=agent, action=first, outcome="OK")
    meeting = make_action(
        subject="Echo meeting",
        type="meeting",
        start=START + datetime.timedelta(days=4),
        attendee_contacts=[contact],
    )
    services.action_cancel(user=agent, action=meeting)


ALL = ["Alpha call", "Bravo visit", "Charlie task", "Delta email", "Echo meeting"]


def test_list_filters(
    api_client, several, agent, manager, team, other_team, entity, contact, action_types
):
    api_client.force_authenticate(agent)

    assert api_list(api_client) == ALL
    assert api_list(api_client, assignee=manager.pk) == ["Delta email"]
    assert api_list(api_client, assignee="me") == ["Alpha call", "Bravo visit", "Echo meeting"]
    assert api_list(api_client, assignee="none") == ["Charlie task"]
    assert api_list(api_client, team=team.pk) == ALL
    assert api_list(api_client, team=other_team.pk) == []
    assert api_list(api_client, entity=entity.pk) == ALL
    assert api_list(api_client, contact=contact.pk) == ["Bravo visit", "Echo meeting"]
    assert api_list(api_client, type="visit") == ["Bravo visit"]
    assert api_list(api_client, type=f"task,{action_types['email'].pk}") == [
        "Charlie task",
        "Delta email",
    ]
    assert api_list(api_client, type=["task", "call"]) == ["Alpha call", "Charlie task"]
    assert api_list(api_client, status="planned") == ["Bravo visit", "Charlie task", "Delta email"]
    assert api_list(api_client, status="done,cancelled") == ["Alpha call", "Echo meeting"]
    assert api_list(api_client, search="charlie") == ["Charlie task"]


def test_list_date_range(api_client, several, agent):
    api_client.force_authenticate(agent)

    # Dates: both days included.
    assert api_list(api_client, **{"from": "2031-03-11", "to": "2031-03-12"}) == [
        "Bravo visit",
        "Charlie task",
    ]
    # Date-times with offsets: the actions overlapping [from, to).
    assert api_list(
        api_client, **{"from": "2031-03-11T11:30:00+01:00", "to": "2031-03-12T11:00:00+01:00"}
    ) == ["Bravo visit"]
    # An unencoded "+" arrives as a space; it is read as the offset it was.
    assert api_list(api_client, **{"from": "2031-03-13T11:00:00 01:00"}) == [
        "Delta email",
        "Echo meeting",
    ]
    assert api_list(api_client, to="2031-03-10T10:00:00Z") == []
    assert api_list(api_client, to="2031-03-10T10:00:01Z") == ["Alpha call"]


def test_list_ordering(api_client, several, agent):
    api_client.force_authenticate(agent)

    assert api_list(api_client, ordering="-start") == ALL[::-1]
    assert api_list(api_client, ordering="type") == [
        "Alpha call",
        "Delta email",
        "Bravo visit",
        "Echo meeting",
        "Charlie task",
    ]
    assert api_list(api_client, ordering="-subject") == ALL[::-1]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"assignee": "someone"}, "assignee"),
        ({"team": "north"}, "team"),
        ({"entity": "-1"}, "entity"),
        ({"entity": "9" * 30}, "entity"),
        ({"type": "call,nap"}, "type"),
        ({"status": "open"}, "status"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2031-02-30"}, "to"),
        ({"ordering": "priority"}, "ordering"),
    ],
)
def test_bad_filters_are_400_not_500(api_client, agent, params, field):
    api_client.force_authenticate(agent)

    response = api_client.get(reverse("action-list"), params)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_the_list_takes_a_fixed_number_of_queries(
    api_client, make_action, agent, manager, contact, django_assert_num_queries
):
    make_action(type="meeting", attendee_users=[manager], attendee_contacts=[contact])
    # A fresh user each time: the permission layer caches the user's teams on the object.
    api_client.force_authenticate(User.objects.get(pk=agent.pk))
    with CaptureQueriesContext(connection) as one:
        assert len(api_list(api_client)) == 1

    for day in range(1, 8):
        make_action(
            type="meeting",
            start=START + datetime.timedelta(days=day),
            attendee_users=[manager, agent],
            attendee_contacts=[contact],
            contact=contact,
        )
    api_client.force_authenticate(User.objects.get(pk=agent.pk))
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(api_list(api_client)) == 8


def test_the_detail_shows_the_attendees(api_client, make_action, agent, manager, contact):
    meeting = make_action(type="meeting", attendee_users=[manager], attendee_contacts=[contact])
    api_client.force_authenticate(agent)

    body = api_client.get(api_detail(meeting.pk)).json()

    assert (body["attendee_users"], body["attendee_contacts"]) == ([manager.pk], [contact.pk])
