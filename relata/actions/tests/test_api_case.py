"""Actions API and cases: the ``case`` field and the ``?case=`` filter."""

from __future__ import annotations

import pytest
from django.urls import reverse

from relata.actions.models import Action
from relata.actions.tests.api_support import api_detail, api_list
from relata.cases import services as case_services
from relata.cases.models import CaseType

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_case(agent, entity):
    def make(user=None, on=None, subject: str = "Renewal 2031"):
        return case_services.case_create(
            user=user or agent,
            data={
                "case_type": CaseType.objects.get(code="opportunity"),
                "entity": on or entity,
                "subject": subject,
            },
        )

    return make


def test_an_action_is_created_on_a_case_and_filtered_by_it(
    api_client, agent, entity, make_case, make_action
):
    case = make_case()
    make_action(subject="Not on the case")
    api_client.force_authenticate(agent)

    response = api_client.post(
        reverse("action-list"),
        {
            "entity": entity.pk,
            "case": case.pk,
            "type": "call",
            "subject": "Call about the offer",
            "start": "2031-03-10T10:00:00Z",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["case"] == case.pk
    assert Action.objects.get(pk=response.json()["id"]).case == case
    assert api_list(api_client, case=case.pk) == ["Call about the offer"]
    assert len(api_list(api_client)) == 2


def test_a_case_of_another_entity_is_400(
    api_client, agent, make_entity, team, make_case, make_action
):
    elsewhere = make_case(on=make_entity(agent, team, "Other Co"))
    action = make_action()
    api_client.force_authenticate(agent)

    created = api_client.post(
        reverse("action-list"),
        {
            "entity": action.entity_id,
            "case": elsewhere.pk,
            "type": "call",
            "subject": "Wrong case",
            "start": "2031-03-10T10:00:00Z",
        },
        format="json",
    )
    patched = api_client.patch(api_detail(action.pk), {"case": elsewhere.pk}, format="json")

    assert created.status_code == 400
    assert created.json()["errors"] == {"case": ["The case must belong to the action's entity."]}
    assert patched.status_code == 400
    assert list(patched.json()["errors"]) == ["case"]
    assert Action.objects.filter(case__isnull=False).count() == 0


def test_a_case_one_cannot_see_is_400(
    api_client, agent, other_agent, other_entity, make_case, make_action
):
    hidden = make_case(user=other_agent, on=other_entity)
    action = make_action()
    api_client.force_authenticate(agent)

    response = api_client.patch(api_detail(action.pk), {"case": hidden.pk}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"case": ["You cannot see that case."]}


def test_patch_links_and_unlinks_the_case(api_client, agent, make_case, make_action):
    case = make_case()
    action = make_action()
    api_client.force_authenticate(agent)

    linked = api_client.patch(api_detail(action.pk), {"case": case.pk}, format="json")
    assert linked.status_code == 200, linked.json()
    assert Action.objects.get(pk=action.pk).case == case
    unlinked = api_client.patch(api_detail(action.pk), {"case": None}, format="json")

    assert unlinked.status_code == 200
    assert unlinked.json()["case"] is None
    assert Action.objects.get(pk=action.pk).case is None


@pytest.mark.parametrize("value", ["abc", "-1"])
def test_a_bad_case_filter_is_400(api_client, agent, value):
    api_client.force_authenticate(agent)

    response = api_client.get(reverse("action-list"), {"case": value})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["case"]
