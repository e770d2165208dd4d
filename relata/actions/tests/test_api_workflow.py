"""REST API for actions: changing and deleting, the finished-actions parameter, the workflow
endpoints (complete, reassign, cancel, take), the schema, links and types on update."""

from __future__ import annotations

import datetime

import pytest
import yaml
from django.urls import reverse
from openapi_spec_validator import validate

from relata.actions import services
from relata.actions.models import Action, ActionStatus, ActionType
from relata.actions.tests.api_support import READ_ONLY_MESSAGE, api_detail, api_post
from relata.core.models import Notification

pytestmark = pytest.mark.django_db

# --- Changing and deleting --------------------------------------------------------------------


def test_the_owner_patches_an_action_and_the_sequence_rises(api_client, make_action, agent):
    action = make_action()
    api_client.force_authenticate(agent)

    response = api_client.patch(
        api_detail(action.pk), {"subject": "Renewal, second call", "priority": "low"}, format="json"
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
        api_detail(meeting.pk),
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
        api_detail(action.pk),
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

    response = api_client.patch(api_detail(action.pk), {"subject": "Changed"}, format="json")

    assert response.status_code == status_code
    action.refresh_from_db()
    assert action.subject == ("Changed" if status_code == 200 else "Original")


def test_an_agent_cannot_patch_a_colleagues_action(api_client, make_action, agent, manager):
    action = make_action(user=manager, subject="Manager's")
    api_client.force_authenticate(agent)

    response = api_client.patch(api_detail(action.pk), {"subject": "Mine now"}, format="json")

    assert response.status_code == 403
    assert Action.objects.get(pk=action.pk).subject == "Manager's"


def test_patching_the_owner_reassigns_with_history_and_notification(
    api_client, make_action, manager, agent, reader
):
    action = make_action(subject="Quote")
    api_client.force_authenticate(manager)

    response = api_client.patch(
        api_detail(action.pk), {"owner": reader.pk, "subject": "Quote v2"}, format="json"
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
        api_detail(action.pk), {"owner": manager.pk, "subject": "Quote v2"}, format="json"
    )

    assert response.status_code == 403
    action.refresh_from_db()
    assert (action.owner, action.subject, action.sequence) == (agent, "Quote", 0)


def test_delete(api_client, make_action, agent, reader):
    action = make_action()
    api_client.force_authenticate(reader)
    assert api_client.delete(api_detail(action.pk)).status_code == 403

    api_client.force_authenticate(agent)
    assert api_client.delete(api_detail(action.pk)).status_code == 204
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
        api_client.patch(api_detail(done.pk), {"subject": "Changed"}, format="json"),
        api_client.delete(api_detail(done.pk)),
        api_post(api_client, "cancel", done.pk),
    ]

    for response in responses:
        assert response.status_code == 403
        assert response.json() == {"detail": READ_ONLY_MESSAGE, "code": "permission_denied"}
    done.refresh_from_db()
    assert (done.subject, done.status) == ("Done call", ActionStatus.DONE)


def test_when_off_an_administrator_still_edits_a_done_action(api_client, done, admin_user):
    api_client.force_authenticate(admin_user)

    response = api_client.patch(api_detail(done.pk), {"outcome": "Signed"}, format="json")

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
        api_detail(done.pk), {"outcome": "Signed", "result_notes": "Two years"}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["outcome"], response.json()["result_notes"]) == ("Signed", "Two years")
    assert response.json()["status"] == "done"
    api_client.force_authenticate(other_agent)
    assert api_client.patch(api_detail(done.pk), {"outcome": "X"}, format="json").status_code == 404


# --- complete/ --------------------------------------------------------------------------------


def test_complete_and_schedule_the_next_action(api_client, make_action, agent, team, contact):
    action = make_action(contact=contact)
    api_client.force_authenticate(agent)

    response = api_post(
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

    response = api_post(api_client, "complete", action.pk)

    assert response.status_code == 200
    assert (response.json()["action"]["status"], response.json()["next_action"]) == ("done", None)


def test_complete_without_a_needed_outcome_is_400(api_client, make_action, agent):
    action = make_action(type="call")
    api_client.force_authenticate(agent)

    response = api_post(api_client, "complete", action.pk, {"outcome": ""})

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

    missing = api_post(
        api_client, "complete", action.pk, {"outcome": "OK", "next_action": {"type": "call"}}
    )
    backwards = api_post(
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

    response = api_post(api_client, "complete", done.pk, {"outcome": "Again"})

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

    response = api_post(api_client, "complete", action.pk, {"outcome": "OK"})

    assert response.status_code == status_code
    expected = ActionStatus.DONE if status_code == 200 else ActionStatus.PLANNED
    assert Action.objects.get(pk=action.pk).status == expected


# --- reassign/, take/, cancel/ --------------------------------------------------------------------


def test_a_manager_reassigns_through_the_api(api_client, make_action, manager, reader, team):
    action = make_action(subject="Quote")
    api_client.force_authenticate(manager)

    response = api_post(api_client, "reassign", action.pk, {"owner": reader.pk})

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

    response = api_post(api_client, "reassign", action.pk, {"owner": None, "team": team.pk})

    assert response.status_code == 200
    assert (response.json()["owner"], response.json()["team"]) == (None, team.pk)


def test_reassign_refusals(api_client, make_action, agent, manager, other_agent):
    action = make_action(subject="Quote")
    api_client.force_authenticate(agent)
    agent_gives = api_post(api_client, "reassign", action.pk, {"owner": manager.pk})
    api_client.force_authenticate(manager)
    outside = api_post(api_client, "reassign", action.pk, {"owner": other_agent.pk})
    empty = api_post(api_client, "reassign", action.pk, {})

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
    assert api_post(api_client, "cancel", action.pk).status_code == 403

    api_client.force_authenticate(agent)
    response = api_post(api_client, "cancel", action.pk, {"reason": "They closed for August"})

    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["result_notes"]) == (
        "cancelled",
        "They closed for August",
    )
    assert response.json()["sequence"] == 1
    # Cancelled is finished: with the parameter off, the agent cannot cancel it again.
    again = api_post(api_client, "cancel", action.pk)
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
        api_detail(meeting.pk), {"attendee_contacts": [contact.pk, other_contact.pk]}, format="json"
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

    to_inactive = api_client.patch(api_detail(call.pk), {"type": "email"}, format="json")
    kept = api_client.patch(api_detail(email.pk), {"subject": "Still an email"}, format="json")

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

    response = api_client.patch(api_detail(action.pk), {"owner": reader.pk}, format="json")

    assert response.status_code == 200, response.json()
    assert action.history.count() == 2
    assert Action.objects.get(pk=action.pk).sequence == 1
