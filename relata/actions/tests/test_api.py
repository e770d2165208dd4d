"""REST API for action types and actions: permissions, validation, filters, the workflow
endpoints (complete, reassign, cancel, take) and the finished-actions parameter."""

from __future__ import annotations

import datetime

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openapi_spec_validator import validate

from relata.actions import services
from relata.actions.models import Action, ActionStatus, ActionType
from relata.actions.tests.conftest import START
from relata.core.models import Notification, User

pytestmark = pytest.mark.django_db

READ_ONLY_MESSAGE = (
    "This action is done and can no longer be changed: the general parameters do not "
    "allow editing finished actions."
)


def _list(client, **params):
    response = client.get(reverse("action-list"), params)
    assert response.status_code == 200, response.json()
    return [row["subject"] for row in response.json()["results"]]


def _detail(pk: int) -> str:
    return reverse("action-detail", args=[pk])


def _post(client, name: str, pk: int, body=None):
    return client.post(reverse(f"action-{name}", args=[pk]), body or {}, format="json")


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
    assert _list(api_client) == ["Mine"]
    assert api_client.get(_detail(mine.pk)).status_code == 200
    api_client.force_authenticate(other_agent)
    assert _list(api_client) == ["Theirs"]
    response = api_client.get(_detail(mine.pk))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert api_client.get(_detail(theirs.pk)).status_code == 200


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

    assert _list(api_client) == ALL
    assert _list(api_client, assignee=manager.pk) == ["Delta email"]
    assert _list(api_client, assignee="me") == ["Alpha call", "Bravo visit", "Echo meeting"]
    assert _list(api_client, assignee="none") == ["Charlie task"]
    assert _list(api_client, team=team.pk) == ALL
    assert _list(api_client, team=other_team.pk) == []
    assert _list(api_client, entity=entity.pk) == ALL
    assert _list(api_client, contact=contact.pk) == ["Bravo visit", "Echo meeting"]
    assert _list(api_client, type="visit") == ["Bravo visit"]
    assert _list(api_client, type=f"task,{action_types['email'].pk}") == [
        "Charlie task",
        "Delta email",
    ]
    assert _list(api_client, type=["task", "call"]) == ["Alpha call", "Charlie task"]
    assert _list(api_client, status="planned") == ["Bravo visit", "Charlie task", "Delta email"]
    assert _list(api_client, status="done,cancelled") == ["Alpha call", "Echo meeting"]
    assert _list(api_client, search="charlie") == ["Charlie task"]


def test_list_date_range(api_client, several, agent):
    api_client.force_authenticate(agent)

    # Dates: both days included.
    assert _list(api_client, **{"from": "2031-03-11", "to": "2031-03-12"}) == [
        "Bravo visit",
        "Charlie task",
    ]
    # Date-times with offsets: the actions overlapping [from, to).
    assert _list(
        api_client, **{"from": "2031-03-11T11:30:00+01:00", "to": "2031-03-12T11:00:00+01:00"}
    ) == ["Bravo visit"]
    # An unencoded "+" arrives as a space; it is read as the offset it was.
    assert _list(api_client, **{"from": "2031-03-13T11:00:00 01:00"}) == [
        "Delta email",
        "Echo meeting",
    ]
    assert _list(api_client, to="2031-03-10T10:00:00Z") == []
    assert _list(api_client, to="2031-03-10T10:00:01Z") == ["Alpha call"]


def test_list_ordering(api_client, several, agent):
    api_client.force_authenticate(agent)

    assert _list(api_client, ordering="-start") == ALL[::-1]
    assert _list(api_client, ordering="type") == [
        "Alpha call",
        "Delta email",
        "Bravo visit",
        "Echo meeting",
        "Charlie task",
    ]
    assert _list(api_client, ordering="-subject") == ALL[::-1]


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
        assert len(_list(api_client)) == 1

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
        assert len(_list(api_client)) == 8


def test_the_detail_shows_the_attendees(api_client, make_action, agent, manager, contact):
    meeting = make_action(type="meeting", attendee_users=[manager], attendee_contacts=[contact])
    api_client.force_authenticate(agent)

    body = api_client.get(_detail(meeting.pk)).json()

    assert (body["attendee_users"], body["attendee_contacts"]) == ([manager.pk], [contact.pk])


# --- Changing and deleting --------------------------------------------------------------------


def test_the_owner_patches_an_action_and_the_sequence_rises(api_client, make_action, agent):
    action = make_action()
    api_client.force_authenticate(agent)

    response = api_client.patch(
        _detail(action.pk), {"subject": "Renewal, second call", "priority": "low"}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["subject"], response.json()["sequence"]) == (
        "Renewal, second call",
        1,
    )
    action.refresh_from_db()
    assert (action.subject, action.priority, action.sequence) == ("Renewal, second call", "low", 1)


def test_patch_replaces_the_attendees(api_client, make_action, agent, manager, reader, contact):
    meeting = make_action(type="meeting", attendee_users=[manager])
    api_client.force_authenticate(agent)

    response = api_client.patch(
        _detail(meeting.pk),
        {"attendee_users": [reader.pk], "attendee_contacts": [contact.pk]},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["attendee_users"], response.json()["attendee_contacts"]) == (
        [reader.pk],
        [contact.pk],
    )
    assert response.json()["sequence"] == 1


def test_put_changes_the_whole_action(api_client, make_action, agent, entity):
    action = make_action()
    api_client.force_authenticate(agent)

    response = api_client.put(
        _detail(action.pk),
        {
            "entity": entity.pk,
            "type": "email",
            "subject": "Send the prices",
            "start": "2031-03-11T09:00:00+01:00",
            "end": "2031-03-11T09:30:00+01:00",
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    action.refresh_from_db()
    assert (action.type.code, action.subject) == ("email", "Send the prices")
    assert action.end - action.start == datetime.timedelta(minutes=30)


@pytest.mark.parametrize(
    ("role", "status_code"),
    [("admin_user", 200), ("manager", 200), ("agent", 200), ("reader", 403), ("other_agent", 404)],
)
def test_who_may_patch_an_agents_action(request, api_client, make_action, role, status_code):
    action = make_action(subject="Original")
    api_client.force_authenticate(request.getfixturevalue(role))

    response = api_client.patch(_detail(action.pk), {"subject": "Changed"}, format="json")

    assert response.status_code == status_code
    action.refresh_from_db()
    assert action.subject == ("Changed" if status_code == 200 else "Original")


def test_an_agent_cannot_patch_a_colleagues_action(api_client, make_action, agent, manager):
    action = make_action(user=manager, subject="Manager's")
    api_client.force_authenticate(agent)

    response = api_client.patch(_detail(action.pk), {"subject": "Mine now"}, format="json")

    assert response.status_code == 403
    assert Action.objects.get(pk=action.pk).subject == "Manager's"


def test_patching_the_owner_reassigns_with_history_and_notification(
    api_client, make_action, manager, agent, reader
):
    action = make_action(subject="Quote")
    api_client.force_authenticate(manager)

    response = api_client.patch(
        _detail(action.pk), {"owner": reader.pk, "subject": "Quote v2"}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["owner"], response.json()["subject"]) == (reader.pk, "Quote v2")
    latest = action.history.order_by("-history_id").first()
    assert (latest.history_user, latest.owner_id) == (manager, reader.pk)
    assert Notification.objects.get().user == reader


def test_a_refused_reassignment_in_a_patch_changes_nothing(api_client, make_action, agent, manager):
    action = make_action(subject="Quote")
    api_client.force_authenticate(agent)

    response = api_client.patch(
        _detail(action.pk), {"owner": manager.pk, "subject": "Quote v2"}, format="json"
    )

    assert response.status_code == 403
    action.refresh_from_db()
    assert (action.owner, action.subject, action.sequence) == (agent, "Quote", 0)


def test_delete(api_client, make_action, agent, reader):
    action = make_action()
    api_client.force_authenticate(reader)
    assert api_client.delete(_detail(action.pk)).status_code == 403

    api_client.force_authenticate(agent)
    assert api_client.delete(_detail(action.pk)).status_code == 204
    assert not Action.objects.filter(pk=action.pk).exists()


# --- Finished actions -------------------------------------------------------------------------


@pytest.fixture
def done(make_action, agent):
    action = make_action(subject="Done call")
    services.action_complete(user=agent, action=action, outcome="Interested")
    return action


@pytest.mark.parametrize("role", ["agent", "manager"])
def test_when_off_a_done_action_is_read_only_in_the_api(api_client, done, request, role):
    api_client.force_authenticate(request.getfixturevalue(role))

    responses = [
        api_client.patch(_detail(done.pk), {"subject": "Changed"}, format="json"),
        api_client.delete(_detail(done.pk)),
        _post(api_client, "cancel", done.pk),
    ]

    for response in responses:
        assert response.status_code == 403
        assert response.json() == {"detail": READ_ONLY_MESSAGE, "code": "permission_denied"}
    done.refresh_from_db()
    assert (done.subject, done.status) == ("Done call", ActionStatus.DONE)


def test_when_off_an_administrator_still_edits_a_done_action(api_client, done, admin_user):
    api_client.force_authenticate(admin_user)

    response = api_client.patch(_detail(done.pk), {"outcome": "Signed"}, format="json")

    assert response.status_code == 200
    assert response.json()["outcome"] == "Signed"


def test_when_on_the_owner_edits_a_done_action_in_the_api(
    api_client, done, agent, admin_user, other_agent
):
    api_client.force_authenticate(admin_user)
    assert (
        api_client.patch(
            reverse("api-parameters"), {"finished_actions_editable": True}, format="json"
        ).status_code
        == 200
    )
    api_client.force_authenticate(agent)

    response = api_client.patch(
        _detail(done.pk), {"outcome": "Signed", "result_notes": "Two years"}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["outcome"], response.json()["result_notes"]) == ("Signed", "Two years")
    assert response.json()["status"] == "done"
    api_client.force_authenticate(other_agent)
    assert api_client.patch(_detail(done.pk), {"outcome": "X"}, format="json").status_code == 404


# --- complete/ --------------------------------------------------------------------------------


def test_complete_and_schedule_the_next_action(api_client, make_action, agent, team, contact):
    action = make_action(contact=contact)
    api_client.force_authenticate(agent)

    response = _post(
        api_client,
        "complete",
        action.pk,
        {
            "outcome": "Wants a visit",
            "result_notes": "Bring samples",
            "next_action": {
                "type": "visit",
                "subject": "Visit with samples",
                "start": "2031-03-17T10:00:00+01:00",
            },
        },
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["action"]["id"], body["action"]["status"], body["action"]["outcome"]) == (
        action.pk,
        "done",
        "Wants a visit",
    )
    assert body["action"]["result_notes"] == "Bring samples"
    assert body["action"]["done_at"] is not None
    follow_up = Action.objects.get(follows=action)
    assert body["next_action"]["id"] == follow_up.pk
    assert body["next_action"]["follows"] == action.pk
    assert (
        body["next_action"]["entity"],
        body["next_action"]["contact"],
        body["next_action"]["owner"],
        body["next_action"]["team"],
        body["next_action"]["type_code"],
        body["next_action"]["start"],
        body["next_action"]["end"],
    ) == (
        action.entity_id,
        contact.pk,
        agent.pk,
        team.pk,
        "visit",
        "2031-03-17T10:00:00+01:00",
        "2031-03-17T11:00:00+01:00",
    )


def test_complete_without_a_next_action(api_client, make_action, agent, action_types):
    action = make_action(type="task")
    api_client.force_authenticate(agent)

    response = _post(api_client, "complete", action.pk)

    assert response.status_code == 200
    assert (response.json()["action"]["status"], response.json()["next_action"]) == ("done", None)


def test_complete_without_a_needed_outcome_is_400(api_client, make_action, agent):
    action = make_action(type="call")
    api_client.force_authenticate(agent)

    response = _post(api_client, "complete", action.pk, {"outcome": ""})

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Enter the outcome: actions of type Phone call need one.",
        "code": "invalid",
        "errors": {"outcome": ["Enter the outcome: actions of type Phone call need one."]},
    }
    assert Action.objects.get(pk=action.pk).status == ActionStatus.PLANNED


def test_the_next_actions_errors_are_under_next_action(api_client, make_action, agent):
    action = make_action()
    api_client.force_authenticate(agent)

    missing = _post(
        api_client, "complete", action.pk, {"outcome": "OK", "next_action": {"type": "call"}}
    )
    backwards = _post(
        api_client,
        "complete",
        action.pk,
        {
            "outcome": "OK",
            "next_action": {
                "type": "call",
                "subject": "Next",
                "start": "2031-03-17T10:00:00Z",
                "end": "2031-03-17T09:00:00Z",
            },
        },
    )

    assert missing.status_code == 400
    assert missing.json()["errors"] == {
        "next_action": {
            "subject": ["This field is required."],
            "start": ["This field is required."],
        }
    }
    assert backwards.status_code == 400
    assert backwards.json()["errors"] == {
        "next_action": {"end": ["The end must not be before the start."]}
    }
    action.refresh_from_db()
    assert action.status == ActionStatus.PLANNED
    assert Action.objects.count() == 1


def test_completing_twice_is_400(api_client, done, agent):
    api_client.force_authenticate(agent)

    response = _post(api_client, "complete", done.pk, {"outcome": "Again"})

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "status": ["Only a planned action can be completed; this one is done."]
    }


@pytest.mark.parametrize(
    ("role", "status_code"), [("reader", 403), ("other_agent", 404), ("manager", 200)]
)
def test_who_may_complete(request, api_client, make_action, role, status_code):
    action = make_action()
    api_client.force_authenticate(request.getfixturevalue(role))

    response = _post(api_client, "complete", action.pk, {"outcome": "OK"})

    assert response.status_code == status_code
    expected = ActionStatus.DONE if status_code == 200 else ActionStatus.PLANNED
    assert Action.objects.get(pk=action.pk).status == expected


# --- reassign/, take/, cancel/ --------------------------------------------------------------------


def test_a_manager_reassigns_through_the_api(api_client, make_action, manager, reader, team):
    action = make_action(subject="Quote")
    api_client.force_authenticate(manager)

    response = _post(api_client, "reassign", action.pk, {"owner": reader.pk})

    assert response.status_code == 200, response.json()
    assert (response.json()["owner"], response.json()["team"], response.json()["sequence"]) == (
        reader.pk,
        team.pk,
        1,
    )
    latest = action.history.order_by("-history_id").first()
    assert (latest.history_user, latest.owner_id) == (manager, reader.pk)
    assert Notification.objects.get().user == reader


def test_reassigning_to_the_team_only(api_client, make_action, manager, team):
    action = make_action()
    api_client.force_authenticate(manager)

    response = _post(api_client, "reassign", action.pk, {"owner": None, "team": team.pk})

    assert response.status_code == 200
    assert (response.json()["owner"], response.json()["team"]) == (None, team.pk)


def test_reassign_refusals(api_client, make_action, agent, manager, other_agent):
    action = make_action(subject="Quote")
    api_client.force_authenticate(agent)
    agent_gives = _post(api_client, "reassign", action.pk, {"owner": manager.pk})
    api_client.force_authenticate(manager)
    outside = _post(api_client, "reassign", action.pk, {"owner": other_agent.pk})
    empty = _post(api_client, "reassign", action.pk, {})

    assert agent_gives.status_code == 403
    assert agent_gives.json()["detail"] == "You cannot give “Quote” to that user."
    assert outside.status_code == 403
    assert empty.status_code == 400
    assert empty.json()["errors"] == {"owner": ["Choose a user or a team."]}
    action.refresh_from_db()
    assert (action.owner, action.sequence) == (agent, 0)
    assert Notification.objects.count() == 0


def test_any_member_takes_a_team_action(api_client, make_action, manager, agent, team):
    action = make_action(user=manager, owner=None, team=team)
    api_client.force_authenticate(agent)

    response = api_client.post(reverse("action-take", args=[action.pk]))

    assert response.status_code == 200, response.json()
    assert (response.json()["owner"], response.json()["team"]) == (agent.pk, team.pk)


@pytest.mark.parametrize(("role", "status_code"), [("reader", 403), ("other_agent", 404)])
def test_who_may_not_take(request, api_client, make_action, team, role, status_code):
    action = make_action(owner=None, team=team)
    api_client.force_authenticate(request.getfixturevalue(role))

    response = api_client.post(reverse("action-take", args=[action.pk]))

    assert response.status_code == status_code
    assert Action.objects.get(pk=action.pk).owner is None


def test_an_agent_cannot_take_a_colleagues_action(api_client, make_action, manager, agent):
    action = make_action(user=manager)
    api_client.force_authenticate(agent)

    response = api_client.post(reverse("action-take", args=[action.pk]))

    assert response.status_code == 403
    assert Action.objects.get(pk=action.pk).owner == manager


def test_cancel(api_client, make_action, agent, reader):
    action = make_action()
    api_client.force_authenticate(reader)
    assert _post(api_client, "cancel", action.pk).status_code == 403

    api_client.force_authenticate(agent)
    response = _post(api_client, "cancel", action.pk, {"reason": "They closed for August"})

    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["result_notes"]) == (
        "cancelled",
        "They closed for August",
    )
    assert response.json()["sequence"] == 1
    # Cancelled is finished: with the parameter off, the agent cannot cancel it again.
    again = _post(api_client, "cancel", action.pk)
    assert again.status_code == 403
    assert "cancelled and can no longer be changed" in again.json()["detail"]


# --- Schema ---------------------------------------------------------------------------------


def test_the_schema_describes_the_action_endpoints_and_is_valid(api_client, agent):
    api_client.force_authenticate(agent)

    spec = yaml.safe_load(api_client.get(reverse("api-schema")).content)

    validate(spec)
    paths = spec["paths"]
    for path in (
        "/api/v1/action-types/",
        "/api/v1/action-types/{id}/",
        "/api/v1/actions/",
        "/api/v1/actions/{id}/",
        "/api/v1/actions/{id}/complete/",
        "/api/v1/actions/{id}/reassign/",
        "/api/v1/actions/{id}/cancel/",
        "/api/v1/actions/{id}/take/",
    ):
        assert path in paths, path
    names = {p["name"] for p in paths["/api/v1/actions/"]["get"]["parameters"]}
    assert {"assignee", "team", "entity", "contact", "type", "status", "from", "to"} <= names
    assert "delete" not in paths["/api/v1/action-types/{id}/"]


# --- Links and types on update ------------------------------------------------------------------


def test_an_attending_contact_one_cannot_see_is_400(
    api_client, make_action, agent, contact, other_contact
):
    meeting = make_action(type="meeting", attendee_contacts=[contact])
    api_client.force_authenticate(agent)

    response = api_client.patch(
        _detail(meeting.pk), {"attendee_contacts": [contact.pk, other_contact.pk]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"attendee_contacts": ["You cannot see Oscar Vidal."]}
    assert list(meeting.attendee_contacts.all()) == [contact]


def test_an_inactive_type_is_refused_on_change_but_kept_by_its_actions(
    api_client, make_action, agent, action_types
):
    email = make_action(type="email")
    call = make_action(type="call")
    ActionType.objects.filter(code="email").update(is_active=False)
    api_client.force_authenticate(agent)

    to_inactive = api_client.patch(_detail(call.pk), {"type": "email"}, format="json")
    kept = api_client.patch(_detail(email.pk), {"subject": "Still an email"}, format="json")

    assert to_inactive.status_code == 400
    assert to_inactive.json()["errors"] == {"type": ["That action type is no longer in use."]}
    assert kept.status_code == 200, kept.json()
    assert (kept.json()["subject"], kept.json()["type_code"]) == ("Still an email", "email")


def test_administrators_filter_types_by_activity(api_client, admin_user):
    ActionType.objects.filter(code__in=["documentation", "presentation"]).update(is_active=False)
    api_client.force_authenticate(admin_user)

    response = api_client.get(reverse("actiontype-list"), {"is_active": "false"})

    assert [r["code"] for r in response.json()["results"]] == ["documentation", "presentation"]


def test_patching_only_the_owner_adds_one_history_row(api_client, make_action, manager, reader):
    action = make_action()
    api_client.force_authenticate(manager)

    response = api_client.patch(_detail(action.pk), {"owner": reader.pk}, format="json")

    assert response.status_code == 200, response.json()
    assert action.history.count() == 2
    assert Action.objects.get(pk=action.pk).sequence == 1
