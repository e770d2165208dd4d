"""``Case.next_action_at``: the start of a case's earliest planned action, kept by every
action service (and the agenda's drag) through ``case_next_action_refresh``."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from relata.actions import services
from relata.cases import services as case_services
from relata.cases.models import Case, CaseType

from .conftest import START

H = datetime.timedelta(hours=1)
D = datetime.timedelta(days=1)

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_case(agent, entity):
    def make(subject: str = "Renewal 2031"):
        return case_services.case_create(
            user=agent,
            data={
                "case_type": CaseType.objects.get(code="opportunity"),
                "entity": entity,
                "subject": subject,
            },
        )

    return make


def next_at(case: Case) -> datetime.datetime | None:
    return Case.objects.values_list("next_action_at", flat=True).get(pk=case.pk)


def test_a_new_case_has_no_next_action(make_case):
    assert next_at(make_case()) is None


def test_creating_planned_actions_sets_the_earliest(make_case, make_action):
    case = make_case()
    make_action(case=case, start=START + 2 * D)
    assert next_at(case) == START + 2 * D

    make_action(case=case, start=START + D)
    make_action(case=case, start=START + 3 * D)

    assert next_at(case) == START + D


def test_an_action_without_case_changes_no_case(make_case, make_action):
    case = make_case()
    make_action(start=START)
    assert next_at(case) is None


def test_completing_moves_to_the_next_one_or_clears(agent, make_case, make_action):
    case = make_case()
    first = make_action(case=case, start=START)
    second = make_action(case=case, start=START + D)

    services.action_complete(user=agent, action=first, outcome="ok")
    assert next_at(case) == START + D

    services.action_complete(user=agent, action=second, outcome="ok")
    assert next_at(case) is None


def test_completing_with_a_follow_up_on_the_case(agent, make_case, make_action, action_types):
    case = make_case()
    action = make_action(case=case, start=START)

    _done, follow_up = services.action_complete(
        user=agent,
        action=action,
        outcome="ok",
        next_action={
            "type": action_types["visit"],
            "subject": "Visit",
            "start": START + 5 * D,
            "case": case,
        },
    )

    assert follow_up is not None
    assert next_at(case) == START + 5 * D


def test_cancelling_clears(agent, make_case, make_action):
    case = make_case()
    action = make_action(case=case, start=START)

    services.action_cancel(user=agent, action=action)

    assert next_at(case) is None


def test_deleting_moves_to_the_next_one(agent, make_case, make_action):
    case = make_case()
    first = make_action(case=case, start=START)
    make_action(case=case, start=START + D)

    services.action_delete(user=agent, action=first)

    assert next_at(case) == START + D


def test_moving_the_action_to_another_case_updates_both(agent, make_case, make_action):
    old, new = make_case("Old"), make_case("New")
    action = make_action(case=old, start=START)
    make_action(case=new, start=START + 2 * D)

    services.action_update(user=agent, action=action, data={"case": new})

    assert next_at(old) is None
    assert next_at(new) == START


def test_unlinking_the_action_clears_the_case(agent, make_case, make_action):
    case = make_case()
    action = make_action(case=case, start=START)

    services.action_update(user=agent, action=action, data={"case": None})

    assert next_at(case) is None


def test_rescheduling_earlier_and_later(agent, make_case, make_action):
    case = make_case()
    action = make_action(case=case, start=START)
    make_action(case=case, start=START + D)

    services.action_reschedule(user=agent, action=action, start=START - D)
    assert next_at(case) == START - D

    services.action_reschedule(user=agent, action=action, start=START + 3 * D)
    assert next_at(case) == START + D


def test_reassigning_keeps_it(agent, manager, make_case, make_action):
    case = make_case()
    action = make_action(case=case, start=START)

    services.action_reassign(user=manager, actions=[action], owner=manager, team=None)

    assert next_at(case) == START


def test_the_agenda_drag_updates_it(client, agent, make_case, make_action):
    case = make_case()
    action = make_action(case=case, start=START)
    client.force_login(agent)

    response = client.post(
        reverse("actions:agenda_move", args=[action.pk]),
        {"start": "2031-03-08T09:00:00+00:00", "all_day": "false"},
    )

    assert response.status_code == 200
    assert next_at(case) == datetime.datetime(2031, 3, 8, 9, 0, tzinfo=datetime.UTC)


def test_refresh_recomputes_from_the_actions(make_case, make_action):
    case = make_case()
    make_action(case=case, start=START)
    Case.objects.filter(pk=case.pk).update(next_action_at=None)

    assert case_services.case_next_action_refresh([case.pk, None]) == 1
    assert next_at(case) == START
    assert case_services.case_next_action_refresh([]) == 0


def test_refresh_all_after_a_bulk_load(agent, make_case, make_action):
    with_action, stale = make_case("With an action"), make_case("Stale")
    action = make_action(case=with_action, start=START)
    Case.objects.filter(pk=with_action.pk).update(next_action_at=None)
    Case.objects.filter(pk=stale.pk).update(next_action_at=START)

    assert case_services.case_next_action_refresh_all() == 2

    assert next_at(with_action) == action.start
    assert next_at(stale) is None
