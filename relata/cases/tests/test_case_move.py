from __future__ import annotations

import datetime
import decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from relata.cases import services
from relata.cases.models import Case, CaseStatusChange


def _move(case, status, user, **kwargs):
    return services.case_move(user=user, case=case, status=status, **kwargs)


def test_a_move_records_who_from_to_and_the_time_in_the_previous_status(make_case, statuses, agent):
    case = make_case()
    opened = CaseStatusChange.objects.get(case=case)
    # given the case has been in its first status for 90 minutes
    CaseStatusChange.objects.filter(pk=opened.pk).update(
        changed_at=opened.changed_at - datetime.timedelta(minutes=90)
    )
    # when it moves
    _move(case, statuses("opportunity", "presenting_solutions"), agent)
    # then the change says from, to, by whom and 5,400 seconds in the previous status
    change = CaseStatusChange.objects.filter(case=case).order_by("-pk").first()
    assert (change.from_status.code, change.to_status.code, change.changed_by) == (
        "identifying_needs",
        "presenting_solutions",
        agent,
    )
    assert 5400 <= change.seconds_in_previous < 5460
    assert Case.objects.get(pk=case.pk).status.code == "presenting_solutions"


def test_allowed_next_statuses_are_enforced_when_set(make_case, statuses, agent):
    needs = statuses("opportunity", "identifying_needs")
    needs.allowed_next.set([statuses("opportunity", "presenting_solutions")])
    case = make_case()
    with pytest.raises(ValidationError) as error:
        _move(case, statuses("opportunity", "decision"), agent)
    assert error.value.message_dict == {
        "status": ["A case in “Identifying needs” cannot move to “Decision”."]
    }
    assert Case.objects.get(pk=case.pk).status == needs
    assert CaseStatusChange.objects.filter(case=case).count() == 1
    _move(case, statuses("opportunity", "presenting_solutions"), agent)
    assert Case.objects.get(pk=case.pk).status.code == "presenting_solutions"


def test_an_empty_allowed_next_allows_any_status_of_the_type(make_case, statuses, agent):
    case = make_case()
    _move(case, statuses("opportunity", "decision_postponed"), agent)
    assert Case.objects.get(pk=case.pk).status.code == "decision_postponed"


def test_a_status_of_another_type_is_refused(make_case, statuses, agent):
    case = make_case()
    with pytest.raises(ValidationError) as error:
        _move(case, statuses("complaint", "resolved"), agent)
    assert error.value.message_dict == {"status": ["That status belongs to another case type."]}


def test_winning_an_opportunity_requires_an_amount(make_case, statuses, agent):
    case = make_case()
    won = statuses("opportunity", "won")
    with pytest.raises(ValidationError) as error:
        _move(case, won, agent)
    assert error.value.message_dict == {
        "amount": ["Enter the amount before marking the opportunity as won."]
    }
    assert Case.objects.get(pk=case.pk).closed_at is None
    _move(case, won, agent, amount=decimal.Decimal("1500.00"))
    saved = Case.objects.get(pk=case.pk)
    assert (saved.status, saved.amount, saved.effective_probability) == (
        won,
        decimal.Decimal("1500.00"),
        100,
    )
    assert saved.closed_at is not None


def test_losing_requires_a_reason(make_case, statuses, agent):
    case = make_case()
    lost = statuses("opportunity", "lost")
    with pytest.raises(ValidationError) as error:
        _move(case, lost, agent, lost_reason="   ")
    assert error.value.message_dict == {"lost_reason": ["Enter why the case was lost."]}
    _move(case, lost, agent, lost_reason="Price")
    saved = Case.objects.get(pk=case.pk)
    assert (saved.status, saved.lost_reason, saved.effective_probability) == (lost, "Price", 0)


def test_closing_sets_closed_at_and_reopening_clears_it(make_case, statuses, agent):
    case = make_case(case_type="complaint")
    _move(case, statuses("complaint", "resolved"), agent, resolution="Replaced the unit")
    closed = Case.objects.get(pk=case.pk)
    assert closed.closed_at is not None
    assert closed.resolution == "Replaced the unit"
    # moving between final statuses keeps the first closing time
    _move(closed, statuses("complaint", "rejected"), agent)
    assert Case.objects.get(pk=case.pk).closed_at == closed.closed_at
    _move(closed, statuses("complaint", "investigating"), agent)
    assert Case.objects.get(pk=case.pk).closed_at is None


def test_moving_to_the_current_status_is_refused(make_case, statuses, agent):
    case = make_case()
    with pytest.raises(ValidationError) as error:
        _move(case, statuses("opportunity", "identifying_needs"), agent)
    assert error.value.message_dict == {"status": ["The case is already in that status."]}


def test_a_move_is_in_the_case_history_with_its_author(make_case, statuses, manager):
    case = make_case()
    _move(case, statuses("opportunity", "decision"), manager)
    latest = case.history.order_by("-history_id").first()
    assert (latest.history_user, latest.status_id) == (
        manager,
        statuses("opportunity", "decision").pk,
    )


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
def test_who_may_move_a_case(request, make_case, statuses, role, allowed):
    case = make_case()
    user = request.getfixturevalue(role)
    decision = statuses("opportunity", "decision")
    if allowed:
        _move(case, decision, user)
        assert Case.objects.get(pk=case.pk).status == decision
    else:
        with pytest.raises(PermissionDenied):
            _move(case, decision, user)
        assert Case.objects.get(pk=case.pk).status.code == "identifying_needs"
        assert CaseStatusChange.objects.filter(case=case).count() == 1
