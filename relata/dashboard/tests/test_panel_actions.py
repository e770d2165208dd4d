"""The control panel's write fragments: complete and plan the next, reschedule, bulk
reassign, quick-add an action or an opportunity; read-only users and CSRF."""

from __future__ import annotations

import datetime
import decimal
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from relata.actions.models import Action, ActionStatus
from relata.cases.models import Case
from relata.core.models import Notification

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "panel-modal-content"}
D = datetime.timedelta(days=1)


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _events(response) -> dict:
    return json.loads(response.headers.get("HX-Trigger", "{}"))


# --- Complete and plan the next -----------------------------------------------------------------


def test_complete_form_loads_in_the_modal(client, agent, pn_action):
    action = pn_action(timezone.now() - D, subject="Call Acme")
    client.force_login(agent)

    response = client.get(reverse("dashboard:panel_complete", args=[action.pk]), **HX)

    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="panel-complete-form"' in body
    assert 'name="outcome"' in body
    assert 'name="next_subject"' in body
    assert "<html" not in body


def test_complete_and_plan_the_next(client, agent, pn_action, action_types):
    action = pn_action(timezone.now() - D, subject="Call Acme")
    next_start = (timezone.now() + 3 * D).replace(second=0, microsecond=0)
    client.force_login(agent)

    response = client.post(
        reverse("dashboard:panel_complete", args=[action.pk]),
        {
            "outcome": "Interested",
            "result_notes": "Wants a quote",
            "schedule_next": "on",
            "next_type": action_types["visit"].pk,
            "next_subject": "Visit Acme",
            "next_start": _local(next_start),
        },
        **HX,
    )

    action.refresh_from_db()
    follow_up = Action.objects.get(follows=action)
    assert response.status_code == 200
    assert set(_events(response)) == {"panelChanged", "panelClose"}
    assert action.status == ActionStatus.DONE
    assert action.outcome == "Interested"
    assert follow_up.subject == "Visit Acme"
    assert follow_up.start == next_start
    assert follow_up.status == ActionStatus.PLANNED
    assert follow_up.owner == agent


def test_complete_without_a_needed_outcome_shows_the_error(client, agent, pn_action):
    action = pn_action(timezone.now() - D, subject="Call Acme")  # calls need an outcome
    assert action.type.needs_outcome
    client.force_login(agent)

    response = client.post(
        reverse("dashboard:panel_complete", args=[action.pk]), {"outcome": ""}, **HX
    )

    action.refresh_from_db()
    assert response.status_code == 200
    assert "HX-Trigger" not in response.headers
    assert 'id="panel-form-errors"' in response.content.decode()
    assert action.status == ActionStatus.PLANNED
    assert not Action.objects.filter(follows=action).exists()


def test_complete_with_an_incomplete_next_action_changes_nothing(client, agent, pn_action):
    action = pn_action(timezone.now() - D, subject="Call Acme")
    client.force_login(agent)

    response = client.post(
        reverse("dashboard:panel_complete", args=[action.pk]),
        {"outcome": "ok", "schedule_next": "on", "next_subject": ""},
        **HX,
    )

    action.refresh_from_db()
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert action.status == ActionStatus.PLANNED


def test_complete_of_someone_elses_invisible_action_is_404(
    client, agent, other_agent, other_entity, pn_action
):
    action = pn_action(timezone.now(), user=other_agent, entity=other_entity)
    client.force_login(agent)

    response = client.post(reverse("dashboard:panel_complete", args=[action.pk]), {}, **HX)

    assert response.status_code == 404


# --- Reschedule ---------------------------------------------------------------------------------


def test_reschedule_by_one_day_keeps_the_duration(client, agent, pn_action):
    start = (timezone.now() - D).replace(second=0, microsecond=0)
    action = pn_action(start, subject="Call", end=start + datetime.timedelta(minutes=45))
    client.force_login(agent)

    response = client.post(
        reverse("dashboard:panel_reschedule", args=[action.pk]),
        {"shift": "day"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="panel-status",
    )

    action.refresh_from_db()
    assert response.status_code == 200
    assert "panelChanged" in _events(response)
    assert timezone.localtime(action.start) == timezone.localtime(start) + D
    assert action.end - action.start == datetime.timedelta(minutes=45)


def test_reschedule_to_a_chosen_start(client, agent, pn_action):
    action = pn_action(timezone.now() - D, subject="Call")
    new_start = (timezone.now() + 5 * D).replace(second=0, microsecond=0)
    client.force_login(agent)

    response = client.post(
        reverse("dashboard:panel_reschedule", args=[action.pk]),
        {"start": _local(new_start)},
        **HX,
    )

    action.refresh_from_db()
    assert response.status_code == 200
    assert action.start == new_start


def test_reschedule_without_a_start_shows_the_error(client, agent, pn_action):
    start = timezone.now() - D
    action = pn_action(start, subject="Call")
    client.force_login(agent)

    response = client.post(reverse("dashboard:panel_reschedule", args=[action.pk]), {}, **HX)

    action.refresh_from_db()
    assert response.status_code == 200
    assert "Choose the new start." in response.content.decode()
    assert action.start == start


# --- Bulk reassign ------------------------------------------------------------------------------


def test_manager_reassigns_two_actions_to_a_colleague(client, manager, agent, pn_action):
    first = pn_action(timezone.now() + D, subject="First", user=manager)
    second = pn_action(timezone.now() + 2 * D, subject="Second", user=manager)
    client.force_login(manager)

    response = client.post(
        reverse("dashboard:panel_reassign"),
        {"ids": [first.pk, second.pk], "owner": agent.pk},
        HTTP_HX_REQUEST="true",
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert response.status_code == 200
    assert "2 actions were reassigned." in response.content.decode()
    assert "panelChanged" in _events(response)
    assert (first.owner, second.owner) == (agent, agent)
    for action in (first, second):
        latest = action.history.order_by("-history_date", "-history_id").first()
        assert latest.owner_id == agent.pk
        assert latest.history_user == manager
    assert Notification.objects.filter(user=agent).count() == 2


def test_refused_bulk_reassign_changes_nothing(
    client, manager, agent, other_agent, pn_action, pn_finished_locked
):
    open_one = pn_action(timezone.now() + D, subject="Open", user=manager)
    done = pn_action(timezone.now() - D, subject="Finished", user=manager)
    from relata.actions import services

    services.action_complete(user=manager, action=done, outcome="ok")
    client.force_login(manager)

    response = client.post(
        reverse("dashboard:panel_reassign"),
        {"ids": [open_one.pk, done.pk], "owner": agent.pk},
        HTTP_HX_REQUEST="true",
    )

    open_one.refresh_from_db()
    done.refresh_from_db()
    body = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was changed" in body
    assert 'data-ok="0"' in body
    assert "HX-Trigger" not in response.headers
    assert (open_one.owner, done.owner) == (manager, manager)
    assert not Notification.objects.filter(user=agent).exists()


def test_bulk_reassign_to_someone_outside_the_team_is_refused(
    client, manager, other_agent, pn_action
):
    action = pn_action(timezone.now() + D, subject="Mine", user=manager)
    client.force_login(manager)

    response = client.post(
        reverse("dashboard:panel_reassign"),
        {"ids": [action.pk], "owner": other_agent.pk},
        HTTP_HX_REQUEST="true",
    )

    action.refresh_from_db()
    assert "Nothing was changed" in response.content.decode()
    assert action.owner == manager


def test_bulk_reassign_without_selection(client, manager, agent):
    client.force_login(manager)

    response = client.post(
        reverse("dashboard:panel_reassign"), {"owner": agent.pk}, HTTP_HX_REQUEST="true"
    )

    assert "Select at least one action first." in response.content.decode()


def test_agents_cannot_bulk_reassign(client, agent, manager, pn_action):
    action = pn_action(timezone.now() + D, subject="Mine")
    client.force_login(agent)

    response = client.post(
        reverse("dashboard:panel_reassign"), {"ids": [action.pk], "owner": manager.pk}
    )

    action.refresh_from_db()
    assert response.status_code == 403
    assert action.owner == agent


# --- Quick add ----------------------------------------------------------------------------------


def test_quick_add_an_action(client, agent, entity, action_types):
    start = (timezone.now() + 2 * D).replace(second=0, microsecond=0)
    client.force_login(agent)

    response = client.post(
        reverse("dashboard:panel_action_new"),
        {
            "type": action_types["call"].pk,
            "subject": "Call back",
            "entity": entity.pk,
            "start": _local(start),
            "duration": "20",
        },
        **HX,
    )

    action = Action.objects.get(subject="Call back")
    assert response.status_code == 200
    assert "panelChanged" in _events(response)
    assert (action.owner, action.entity, action.start) == (agent, entity, start)
    assert action.end - action.start == datetime.timedelta(minutes=20)


def test_quick_add_an_action_for_an_opportunity_links_it(client, agent, make_case, action_types):
    case = make_case(subject="Needs a step")
    client.force_login(agent)
    form = client.get(reverse("dashboard:panel_action_new"), {"case": case.pk}, **HX)
    assert f'value="{case.entity_id}" selected' in form.content.decode()

    client.post(
        reverse("dashboard:panel_action_new"),
        {
            "type": action_types["call"].pk,
            "subject": "Next step",
            "entity": case.entity_id,
            "case": case.pk,
            "start": _local(timezone.now() + D),
        },
        **HX,
    )

    assert Action.objects.get(subject="Next step").case == case


def test_quick_add_an_action_with_errors(client, agent, other_entity, action_types):
    client.force_login(agent)

    response = client.post(
        reverse("dashboard:panel_action_new"),
        {"type": action_types["call"].pk, "subject": "", "entity": other_entity.pk, "start": ""},
        **HX,
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="panel-form-errors"' in body
    assert "HX-Trigger" not in response.headers
    assert not Action.objects.exists()


def test_quick_add_an_opportunity(client, agent, entity, case_types):
    client.force_login(agent)

    response = client.post(
        reverse("dashboard:panel_opportunity_new"),
        {
            "subject": "New deal",
            "entity": entity.pk,
            "amount": "2500.00",
            "expected_close_date": (timezone.localdate() + 30 * D).isoformat(),
        },
        **HX,
    )

    case = Case.objects.get(subject="New deal")
    assert response.status_code == 200
    assert case.number in _events(response)["panelChanged"]["message"]
    assert case.case_type == case_types["opportunity"]
    assert case.amount == decimal.Decimal("2500.00")
    assert case.owner == agent


def test_quick_add_an_opportunity_with_errors(client, agent, entity):
    client.force_login(agent)

    response = client.post(
        reverse("dashboard:panel_opportunity_new"),
        {"subject": "Bad", "entity": entity.pk, "amount": "-5"},
        **HX,
    )

    assert response.status_code == 200
    assert 'id="panel-form-errors"' in response.content.decode()
    assert not Case.objects.filter(subject="Bad").exists()


# --- Read-only users and CSRF -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name", ["panel_action_new", "panel_opportunity_new", "panel_reassign"]
)
def test_read_only_user_cannot_post(client, reader, url_name):
    client.force_login(reader)

    assert client.post(reverse(f"dashboard:{url_name}"), {}).status_code == 403


def test_read_only_user_cannot_complete(client, reader, agent, pn_action):
    action = pn_action(timezone.now() - D)
    client.force_login(reader)

    response = client.post(reverse("dashboard:panel_complete", args=[action.pk]), {"outcome": "x"})

    action.refresh_from_db()
    assert response.status_code == 403
    assert action.status == ActionStatus.PLANNED


def test_csrf_is_enforced(agent, pn_action):
    action = pn_action(timezone.now() - D)
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)

    response = client.post(
        reverse("dashboard:panel_reschedule", args=[action.pk]), {"shift": "day"}
    )

    assert response.status_code == 403
    action.refresh_from_db()
    assert action.start < timezone.now()
