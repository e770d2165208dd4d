from __future__ import annotations

import datetime
import decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from relata.cases.models import CaseStatusChange


def test_a_new_case_starts_in_the_first_open_status(make_case, agent, team, statuses):
    case = make_case()
    assert case.status == statuses("opportunity", "identifying_needs")
    assert (case.owner, case.team, case.created_by) == (agent, team, agent)
    assert case.currency == "EUR"
    assert case.closed_at is None
    changes = list(
        CaseStatusChange.objects.filter(case=case).values_list(
            "from_status", "to_status", "changed_by", "seconds_in_previous"
        )
    )
    assert changes == [(None, case.status.pk, agent.pk, None)]


def test_after_sales_cases_are_due_after_the_service_level(make_case):
    incident = make_case(case_type="incident")
    opportunity = make_case()
    assert incident.due_at - incident.opened_at == datetime.timedelta(hours=24)
    assert opportunity.due_at is None


def test_probability_defaults_from_the_status_and_can_be_overridden(make_case, statuses):
    case = make_case()
    assert case.probability is None
    assert case.effective_probability == 10
    overridden = make_case(probability=45, status=statuses("opportunity", "decision"))
    assert overridden.effective_probability == 45


def test_a_probability_above_100_is_refused(make_case):
    with pytest.raises(ValidationError) as error:
        make_case(probability=101)
    assert set(error.value.message_dict) == {"probability"}


def test_a_case_cannot_start_in_a_final_status(make_case, statuses):
    with pytest.raises(ValidationError) as error:
        make_case(status=statuses("opportunity", "won"), amount=decimal.Decimal("10"))
    assert error.value.message_dict == {"status": ["Choose an open status of the case's type."]}


def test_a_status_of_another_type_is_refused(make_case, statuses):
    with pytest.raises(ValidationError) as error:
        make_case(status=statuses("complaint", "received"))
    assert set(error.value.message_dict) == {"status"}


def test_the_contact_must_belong_to_the_entity(make_case, other_entity):
    from relata.entities.models import Contact

    stranger = Contact.objects.create(entity=other_entity, first_name="Oscar", last_name="Vidal")
    with pytest.raises(ValidationError) as error:
        make_case(contact=stranger)
    assert error.value.message_dict == {
        "contact": ["The contact must belong to the case's entity."]
    }


def test_an_empty_subject_is_refused(make_case):
    with pytest.raises(ValidationError) as error:
        make_case(subject="  ")
    assert error.value.message_dict == {"subject": ["Enter a subject."]}


def test_a_reader_cannot_create_a_case(make_case, reader):
    with pytest.raises(PermissionDenied):
        make_case(user=reader)


def test_an_agent_cannot_open_a_case_on_an_entity_they_cannot_see(make_case, other_entity):
    with pytest.raises(ValidationError) as error:
        make_case(entity=other_entity)
    assert error.value.message_dict == {"entity": ["You cannot see that entity."]}


def test_an_agent_cannot_give_a_new_case_to_someone_else(make_case, manager):
    from relata.cases.models import Case

    with pytest.raises(PermissionDenied):
        make_case(owner=manager)
    assert Case.objects.count() == 0


def test_a_manager_gives_a_new_case_to_a_team_member(make_case, manager, agent):
    case = make_case(user=manager, owner=agent)
    assert (case.owner, case.created_by) == (agent, manager)


def test_an_inactive_type_is_refused(make_case, case_types):
    lead = case_types["lead"]
    lead.is_active = False
    lead.save()
    with pytest.raises(ValidationError) as error:
        make_case(case_type=lead)
    assert error.value.message_dict == {"case_type": ["That case type is no longer in use."]}


def test_custom_fields_of_the_case_type_are_cleaned(make_case, admin_user):
    from relata.customfields.models import FieldDefinition

    FieldDefinition.objects.create(
        target="case", scope="opportunity", key="budget", label_en="Budget", field_type="integer"
    )
    case = make_case(custom={"budget": "1200"})
    assert case.custom == {"budget": 1200}
    with pytest.raises(ValidationError) as error:
        make_case(case_type="complaint", custom={"budget": "5"})
    assert set(error.value.message_dict) == {"custom.budget"}
