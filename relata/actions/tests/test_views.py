"""Action pages through the test client: list, form, detail and its buttons, completing
with the next action and the finished-actions parameter (the action types settings and
the panels are in test_views_types_panels.py)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from relata.actions.models import Action, ActionStatus, ActionType
from relata.actions.tests.conftest import START
from relata.core.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(team):
    """Another agent of ``team``: ``agent`` sees their actions but cannot change them."""
    from conftest import _make_user

    return _make_user("cleo", Role.AGENT, [team])


def local(moment: datetime.datetime) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


# --- List ---------------------------------------------------------------------------------


def test_list_shows_my_planned_actions_by_default(client, agent, make_action, colleague):
    mine = make_action(subject="Call Acme")
    make_action(subject="Old call", user=agent).__class__.objects.filter(subject="Old call").update(
        status=ActionStatus.DONE
    )
    make_action(subject="Cleo's visit", user=colleague, type="visit")
    client.force_login(agent)

    response = client.get(reverse("actions:list"))

    assert response.status_code == 200
    assert [a.pk for a in response.context["page_obj"]] == [mine.pk]
    assert b"Call Acme" in response.content
    assert b"Cleo&#x27;s visit" not in response.content


def test_list_scope_all_and_filters(client, agent, make_action, colleague, action_types):
    call = make_action(subject="Call Acme")
    visit = make_action(subject="Visit Acme", user=colleague, type="visit")
    client.force_login(agent)

    everything = client.get(reverse("actions:list"), {"scope": "all", "status": ""})
    by_type = client.get(
        reverse("actions:list"),
        {"scope": "all", "status": "", "type": action_types["visit"].pk},
    )
    by_search = client.get(reverse("actions:list"), {"scope": "all", "status": "", "q": "call"})
    by_dates = client.get(
        reverse("actions:list"),
        {"scope": "all", "status": "", "date_from": "2031-03-11", "date_to": "2031-03-12"},
    )

    assert {a.pk for a in everything.context["page_obj"]} == {call.pk, visit.pk}
    assert [a.pk for a in by_type.context["page_obj"]] == [visit.pk]
    assert [a.pk for a in by_search.context["page_obj"]] == [call.pk]
    assert list(by_dates.context["page_obj"]) == []
    assert b"No actions match" in by_dates.content


def test_list_filters_answer_htmx_with_the_rows_only(client, agent, make_action):
    make_action(subject="Call Acme")
    client.force_login(agent)

    response = client.get(
        reverse("actions:list"),
        {"scope": "mine", "status": "planned", "q": "acme"},
        headers={"HX-Request": "true", "HX-Target": "action-rows"},
    )

    html = response.content.decode()
    assert "Call Acme" in html
    assert "<html" not in html
    assert 'id="action-filters"' not in html


def test_list_hides_invisible_actions(client, other_agent, make_action, agent):
    make_action(subject="Call Acme")
    client.force_login(other_agent)

    response = client.get(reverse("actions:list"), {"scope": "all", "status": ""})

    assert list(response.context["page_obj"]) == []
    assert b"Call Acme" not in response.content


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "31/02/2031", "type": "x", "page": "last", "sort": "nonsense"},
        {"scope": "everyone", "status": "maybe"},
    ],
)
def test_list_survives_bad_filters(client, agent, make_action, params):
    make_action()
    client.force_login(agent)

    response = client.get(reverse("actions:list"), params)

    assert response.status_code == 200


def test_create_ignores_a_bad_start(client, agent, entity):
    client.force_login(agent)

    for start in ("tomorrow", "0001-01-01T00:00", "2031-02-30"):
        response = client.get(reverse("actions:create"), {"entity": entity.pk, "start": start})
        assert response.status_code == 200


def test_list_empty_state_and_reader_cannot_create(client, reader):
    client.force_login(reader)

    response = client.get(reverse("actions:list"))

    assert response.status_code == 200
    assert b"Nothing planned" in response.content
    assert b'id="new-action"' not in response.content
    assert "reassign_form" not in response.context


def test_list_sorts_and_paginates(client, agent, make_action):
    for day in range(30):
        make_action(subject=f"Call {day:02d}", start=START + datetime.timedelta(days=day))
    client.force_login(agent)

    first = client.get(reverse("actions:list"), {"sort": "-start"})
    second = client.get(reverse("actions:list"), {"sort": "-start", "page": 2})

    assert first.context["page_obj"][0].subject == "Call 29"
    assert len(first.context["page_obj"]) == 25
    assert [a.subject for a in second.context["page_obj"]] == [
        f"Call {d:02d}" for d in range(4, -1, -1)
    ]


def test_list_query_count_does_not_grow(client, manager, agent, contact, make_action):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_action(subject="First", contact=contact)
    client.force_login(manager)
    url = reverse("actions:list")
    client.get(url, {"scope": "all"})
    with CaptureQueriesContext(connection) as one:
        client.get(url, {"scope": "all"})
    for day in range(5):
        make_action(
            subject=f"More {day}", contact=contact, start=START + datetime.timedelta(days=day)
        )

    with CaptureQueriesContext(connection) as six:
        response = client.get(url, {"scope": "all"})

    assert response.context["page_obj"].paginator.count == 6
    assert len(six) == len(one)


def test_manager_reassigns_in_bulk(client, manager, agent, colleague, make_action):
    first, second = make_action(subject="One"), make_action(subject="Two")
    client.force_login(manager)

    response = client.post(
        reverse("actions:bulk_reassign"),
        {"ids": [first.pk, second.pk], "owner": colleague.pk},
    )

    assert response.status_code == 302
    assert set(Action.objects.values_list("owner_id", flat=True)) == {colleague.pk}


def test_agent_cannot_reassign_in_bulk(client, agent, colleague, make_action):
    action = make_action()
    client.force_login(agent)

    response = client.post(
        reverse("actions:bulk_reassign"), {"ids": [action.pk], "owner": colleague.pk}
    )

    assert response.status_code == 403
    action.refresh_from_db()
    assert action.owner == agent


# --- Create and edit ----------------------------------------------------------------------


def test_create_form_preselects_entity_contact_and_start(client, agent, entity, contact):
    client.force_login(agent)

    response = client.get(
        reverse("actions:create"),
        {"entity": entity.pk, "contact": contact.pk, "start": "2031-03-12T09:30:00+01:00"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<option value="{entity.pk}" selected>Acme Trading SL</option>' in html
    assert f'<option value="{contact.pk}" selected>Carmen Ruiz</option>' in html
    assert 'value="2031-03-12T09:30"' in html  # Madrid is UTC+1 in March
    assert 'data-duration="30"' in html


def test_agent_schedules_a_meeting_with_attendees(
    client, agent, colleague, entity, contact, action_types
):
    client.force_login(agent)

    response = client.post(
        reverse("actions:create"),
        {
            "entity": entity.pk,
            "contact": contact.pk,
            "type": action_types["visit"].pk,
            "subject": "Visit the plant",
            "start": "2031-03-12T10:00",
            "end": "",
            "priority": "high",
            "location": "Bilbao",
            "attendee_users": [colleague.pk],
            "attendee_contacts": [contact.pk],
            "owner": agent.pk,
        },
    )

    action = Action.objects.get()
    assert response.status_code == 302
    assert response["Location"] == action.get_absolute_url()
    assert (action.subject, action.owner, action.location, action.priority) == (
        "Visit the plant",
        agent,
        "Bilbao",
        "high",
    )
    assert action.end - action.start == datetime.timedelta(
        minutes=action_types["visit"].default_duration
    )
    assert list(action.attendee_users.all()) == [colleague]
    assert list(action.attendee_contacts.all()) == [contact]


def test_create_refuses_an_invisible_entity_on_the_form(client, agent, other_entity, action_types):
    client.force_login(agent)

    response = client.post(
        reverse("actions:create"),
        {
            "entity": other_entity.pk,
            "type": action_types["call"].pk,
            "subject": "Call",
            "start": "2031-03-12T10:00",
            "priority": "normal",
        },
    )

    assert response.status_code == 200
    assert "entity" in response.context["form"].errors
    assert Action.objects.count() == 0


def test_create_shows_service_errors_on_the_form(client, agent, entity, action_types):
    client.force_login(agent)

    response = client.post(
        reverse("actions:create"),
        {
            "entity": entity.pk,
            "type": action_types["call"].pk,
            "subject": "Call",
            "start": "2031-03-12T10:00",
            "end": "2031-03-12T09:00",
            "priority": "normal",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["end"] == ["The end must not be before the start."]
    assert Action.objects.count() == 0


def test_reader_cannot_open_the_create_form(client, reader):
    client.force_login(reader)

    assert client.get(reverse("actions:create")).status_code == 403


def test_entity_search_and_contact_fragments(client, agent, entity, other_entity, contact):
    from relata.entities.services import search_text_refresh

    search_text_refresh(entity)
    search_text_refresh(other_entity)
    client.force_login(agent)

    options = client.get(reverse("actions:entity_options"), {"entity_search": "s"})
    fields = client.get(reverse("actions:entity_fields"), {"entity": entity.pk})

    assert f'value="{entity.pk}"' in options.content.decode()
    assert f'value="{other_entity.pk}"' not in options.content.decode()
    assert "Carmen Ruiz" in fields.content.decode()
    assert 'hx-swap-oob="true"' in fields.content.decode()


def _edit_data(action: Action, **changes):
    data = {
        "entity": action.entity_id,
        "type": action.type_id,
        "subject": action.subject,
        "start": local(action.start),
        "end": local(action.end),
        "priority": action.priority,
        "owner": action.owner_id or "",
        "team": action.team_id or "",
    }
    data.update(changes)
    return data


def test_owner_edits_the_action(client, agent, make_action):
    action = make_action()
    client.force_login(agent)

    response = client.post(
        reverse("actions:edit", args=[action.pk]), _edit_data(action, subject="New subject")
    )

    assert response.status_code == 302
    action.refresh_from_db()
    assert action.subject == "New subject"


def test_agent_cannot_edit_a_colleagues_action(client, agent, colleague, make_action):
    action = make_action(user=colleague, subject="Cleo's call")
    client.force_login(agent)

    assert client.get(action.get_absolute_url()).status_code == 200
    assert client.get(reverse("actions:edit", args=[action.pk])).status_code == 403
    response = client.post(
        reverse("actions:edit", args=[action.pk]), _edit_data(action, subject="Hijacked")
    )

    assert response.status_code == 403
    action.refresh_from_db()
    assert action.subject == "Cleo's call"


def test_an_invisible_action_is_not_found(client, other_agent, make_action):
    action = make_action()
    client.force_login(other_agent)

    assert client.get(action.get_absolute_url()).status_code == 404
    assert client.post(reverse("actions:delete", args=[action.pk])).status_code == 404


def _finish(action: Action) -> None:
    Action.objects.filter(pk=action.pk).update(status=ActionStatus.DONE, outcome="Interested")
    action.refresh_from_db()


def test_finished_action_is_read_only_with_a_message(
    client, agent, make_action, finished_actions_editable
):
    finished_actions_editable(False)
    action = make_action()
    _finish(action)
    client.force_login(agent)

    page = client.get(reverse("actions:edit", args=[action.pk]))
    detail = client.get(action.get_absolute_url())
    post = client.post(
        reverse("actions:edit", args=[action.pk]), _edit_data(action, subject="Changed")
    )

    message = (
        "can no longer be changed: the general parameters do not allow editing finished actions"
    )
    assert page.status_code == 200
    assert message in page.content.decode()
    assert b"<fieldset disabled>" in page.content
    assert b'id="save-action"' not in page.content
    assert message in detail.content.decode()
    assert b'id="edit-action"' not in detail.content
    assert post.status_code == 403
    action.refresh_from_db()
    assert action.subject == "Call about the renewal"


def test_administrator_edits_a_finished_action_with_the_parameter_off(
    client, admin_user, make_action, finished_actions_editable
):
    finished_actions_editable(False)
    action = make_action()
    _finish(action)
    client.force_login(admin_user)

    response = client.post(
        reverse("actions:edit", args=[action.pk]), _edit_data(action, subject="Fixed typo")
    )

    assert response.status_code == 302
    action.refresh_from_db()
    assert action.subject == "Fixed typo"


def test_parameter_on_lets_the_owner_edit_a_finished_action(
    client, agent, make_action, finished_actions_editable
):
    finished_actions_editable(True)
    action = make_action()
    _finish(action)
    client.force_login(agent)

    response = client.post(
        reverse("actions:edit", args=[action.pk]), _edit_data(action, subject="Edited later")
    )

    assert response.status_code == 302
    action.refresh_from_db()
    assert action.subject == "Edited later"


def test_edit_reassigns_through_the_service(client, manager, colleague, make_action):
    action = make_action()
    client.force_login(manager)

    response = client.post(
        reverse("actions:edit", args=[action.pk]), _edit_data(action, owner=colleague.pk)
    )

    assert response.status_code == 302
    action.refresh_from_db()
    assert action.owner == colleague


# --- Detail and buttons -------------------------------------------------------------------


def test_detail_shows_status_buttons_and_history(client, agent, make_action):
    action = make_action()
    client.force_login(agent)

    response = client.get(action.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="action-status-{action.pk}"' in html
    for button in ("complete-action", "edit-action", "cancel-action", "delete-action"):
        assert f'id="{button}"' in html
    assert reverse("actions:ics", args=[action.pk]) in html
    assert len(response.context["events"]) == 1  # the creation


def test_reader_sees_the_detail_without_buttons(client, reader, make_action):
    action = make_action()
    client.force_login(reader)

    response = client.get(action.get_absolute_url())

    assert response.status_code == 200
    for button in ("complete-action", "edit-action", "cancel-action", "delete-action"):
        assert f'id="{button}"'.encode() not in response.content
    assert client.post(reverse("actions:cancel", args=[action.pk])).status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.PLANNED


def test_cancel_take_and_delete(client, agent, team, make_action, manager):
    action = make_action()
    team_action = make_action(user=manager, owner=None, team=team, subject="For anyone")
    client.force_login(agent)

    assert b'id="take-action"' in client.get(team_action.get_absolute_url()).content
    client.post(reverse("actions:take", args=[team_action.pk]))
    client.post(reverse("actions:cancel", args=[action.pk]))

    team_action.refresh_from_db()
    action.refresh_from_db()
    assert team_action.owner == agent
    assert action.status == ActionStatus.CANCELLED

    response = client.post(reverse("actions:delete", args=[team_action.pk]))
    assert response.status_code == 302
    assert response["Location"] == team_action.entity.get_absolute_url()
    assert not Action.objects.filter(pk=team_action.pk).exists()


def test_reassign_one_action(client, manager, colleague, make_action):
    action = make_action()
    client.force_login(manager)

    client.post(reverse("actions:reassign", args=[action.pk]), {"owner": colleague.pk})

    action.refresh_from_db()
    assert action.owner == colleague


# --- Complete -----------------------------------------------------------------------------


def test_complete_needs_the_outcome_when_the_type_does(client, agent, make_action, action_types):
    ActionType.objects.filter(pk=action_types["visit"].pk).update(needs_outcome=True)
    action = make_action(type="visit")
    client.force_login(agent)

    response = client.post(reverse("actions:complete", args=[action.pk]), {"outcome": ""})

    assert response.status_code == 200
    assert response.context["form"].errors["outcome"]
    action.refresh_from_db()
    assert action.status == ActionStatus.PLANNED


def test_complete_and_schedule_next_in_one_submit(client, agent, make_action, action_types):
    action = make_action(type="visit")
    client.force_login(agent)

    response = client.post(
        reverse("actions:complete", args=[action.pk]),
        {
            "outcome": "Wants an offer",
            "result_notes": "Send prices by Friday",
            "schedule_next": "on",
            "next_type": action_types["documentation"].pk,
            "next_subject": "Send the offer",
            "next_start": "2031-03-14T09:00",
        },
    )

    action.refresh_from_db()
    follow_up = Action.objects.get(follows=action)
    assert response.status_code == 302
    assert response["Location"] == follow_up.get_absolute_url()
    assert (action.status, action.outcome, action.result_notes) == (
        ActionStatus.DONE,
        "Wants an offer",
        "Send prices by Friday",
    )
    assert (follow_up.subject, follow_up.type, follow_up.entity, follow_up.owner) == (
        "Send the offer",
        action_types["documentation"],
        action.entity,
        agent,
    )
    assert local(follow_up.start) == "2031-03-14T09:00"


def test_complete_next_action_errors_stay_on_its_fields(client, agent, make_action):
    action = make_action()
    client.force_login(agent)

    response = client.post(
        reverse("actions:complete", args=[action.pk]),
        {"outcome": "Done", "schedule_next": "on", "next_subject": "", "next_start": ""},
    )

    form = response.context["form"]
    assert response.status_code == 200
    assert set(form.errors) == {"next_type", "next_subject", "next_start"}
    action.refresh_from_db()
    assert action.status == ActionStatus.PLANNED


def test_reader_cannot_complete(client, reader, make_action):
    action = make_action()
    client.force_login(reader)

    assert client.get(reverse("actions:complete", args=[action.pk])).status_code == 403
    assert client.post(reverse("actions:complete", args=[action.pk]), {}).status_code == 403
