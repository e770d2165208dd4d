"""Actions that belong to a case: the link's rules, the case's timeline and the form."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from relata.actions import services
from relata.actions.models import Action
from relata.cases import services as case_services
from relata.cases.models import CaseType
from relata.core.timeline import timeline_for


@pytest.fixture
def make_case(agent, entity):
    def make(entity=entity, user=agent, **data):
        return case_services.case_create(
            user=user,
            data={
                "case_type": CaseType.objects.get(code="opportunity"),
                "entity": entity,
                "subject": "Renewal 2031",
                **data,
            },
        )

    return make


def test_an_action_of_a_case_is_on_the_case_timeline(make_action, make_case, agent, other_agent):
    case = make_case()
    make_action(case=case, subject="Present the offer")
    make_action(subject="Unrelated call")
    titles = [event.title for event in timeline_for(case, 20, user=agent)]
    assert any("Present the offer" in title for title in titles)
    assert not any("Unrelated call" in title for title in titles)
    # someone who cannot see the action does not see it there
    assert not any(
        "Present the offer" in event.title for event in timeline_for(case, 20, user=other_agent)
    )


def test_the_case_must_be_of_the_actions_entity(
    make_action, make_case, admin_user, other_agent, other_entity
):
    case = make_case(entity=other_entity, user=other_agent)
    with pytest.raises(ValidationError) as error:
        make_action(case=case, user=admin_user)
    assert error.value.message_dict == {"case": ["The case must belong to the action's entity."]}


def test_a_case_the_user_cannot_see_is_refused(
    make_action, make_case, admin_user, other_agent, other_team
):
    # other_agent's case of agent's entity
    hidden = make_case(user=admin_user, owner=other_agent, team=other_team)
    with pytest.raises(ValidationError) as error:
        make_action(case=hidden)
    assert error.value.message_dict == {"case": ["You cannot see that case."]}
    assert not Action.objects.filter(case=hidden).exists()


def test_moving_the_action_to_another_entity_checks_its_case(
    make_action, make_case, agent, make_entity, team
):
    case = make_case()
    action = make_action(case=case)
    elsewhere = make_entity(agent, team, "Cobalt Retail SL")
    with pytest.raises(ValidationError) as error:
        services.action_update(user=agent, action=action, data={"entity": elsewhere})
    assert "case" in error.value.message_dict
    services.action_update(user=agent, action=action, data={"entity": elsewhere, "case": None})
    action.refresh_from_db()
    assert (action.entity, action.case) == (elsewhere, None)


def test_the_form_starts_from_the_case(client, agent, make_case, contact):
    case = make_case()
    case_services.case_update(user=agent, case=case, data={"contact": contact})
    client.force_login(agent)
    response = client.get(f"/actions/new/?case={case.pk}")
    form = response.context["form"]
    assert (form.initial["entity"], form.initial["case"], form.initial["contact"]) == (
        case.entity_id,
        case.pk,
        contact.pk,
    )
    assert case.number in response.content.decode()
