from __future__ import annotations

import decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from relata.cases import services
from relata.cases.models import Case


def test_update_changes_fields_but_not_the_status(make_case, agent, statuses):
    case = make_case()
    services.case_update(
        user=agent,
        case=case,
        data={
            "subject": "Renewal 2032",
            "amount": decimal.Decimal("900.50"),
            "probability": 35,
            "status": statuses("opportunity", "won"),
        },
    )
    saved = Case.objects.get(pk=case.pk)
    assert (saved.subject, saved.amount, saved.effective_probability, saved.status.code) == (
        "Renewal 2032",
        decimal.Decimal("900.50"),
        35,
        "identifying_needs",
    )


def test_clearing_the_override_returns_to_the_status_probability(make_case, agent):
    case = make_case(probability=80)
    services.case_update(user=agent, case=case, data={"probability": None})
    assert Case.objects.get(pk=case.pk).effective_probability == 10


def test_a_negative_amount_is_refused(make_case, agent):
    case = make_case()
    with pytest.raises(ValidationError) as error:
        services.case_update(user=agent, case=case, data={"amount": decimal.Decimal("-1")})
    assert set(error.value.message_dict) == {"amount"}


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("admin_user", True),
        ("manager", True),
        ("agent", True),
        ("other_agent", False),
        ("reader", False),
    ],
)
def test_who_may_update_a_case(request, make_case, role, allowed):
    case = make_case()
    user = request.getfixturevalue(role)
    if allowed:
        services.case_update(user=user, case=case, data={"subject": "Changed"})
        assert Case.objects.get(pk=case.pk).subject == "Changed"
    else:
        with pytest.raises(PermissionDenied):
            services.case_update(user=user, case=case, data={"subject": "Changed"})
        assert Case.objects.get(pk=case.pk).subject == "Renewal 2031"


def test_a_manager_reassigns_within_the_team(make_case, manager, agent, team):
    case = make_case()
    services.case_reassign(user=manager, case=case, owner=manager)
    saved = Case.objects.get(pk=case.pk)
    assert (saved.owner, saved.team) == (manager, team)
    assert saved.history.order_by("-history_id").first().history_user == manager


def test_an_agent_cannot_give_their_case_away(make_case, agent, manager):
    case = make_case()
    with pytest.raises(PermissionDenied):
        services.case_reassign(user=agent, case=case, owner=manager)
    assert Case.objects.get(pk=case.pk).owner == agent


def test_a_manager_cannot_give_a_case_outside_their_teams(make_case, manager, other_agent):
    case = make_case()
    with pytest.raises(PermissionDenied):
        services.case_reassign(user=manager, case=case, owner=other_agent)
    assert Case.objects.get(pk=case.pk).owner_id != other_agent.pk


def test_an_administrator_reassigns_anywhere(make_case, admin_user, other_agent, other_team):
    case = make_case()
    services.case_reassign(user=admin_user, case=case, owner=other_agent)
    saved = Case.objects.get(pk=case.pk)
    assert (saved.owner, saved.team) == (other_agent, other_team)
