"""POST /api/v1/cases/{id}/move/: the status rules, and who may move a case."""

from __future__ import annotations

import decimal

import pytest
from django.urls import reverse

from relata.cases.models import Case, CaseStatusChange

pytestmark = pytest.mark.django_db


def move(client, case, **body):
    return client.post(reverse("case-move", args=[case.pk]), body, format="json")


def stored_status(case) -> str:
    return Case.objects.get(pk=case.pk).status.code


def test_move_by_code_records_the_change(api_client, make_case, agent):
    case = make_case()
    api_client.force_authenticate(agent)

    response = move(api_client, case, status="presenting_solutions")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"]["code"] == "presenting_solutions"
    # The status's default probability, as no probability is set on the case.
    assert (body["probability"], body["effective_probability"]) == (None, 30)
    change = CaseStatusChange.objects.filter(case=case).latest("pk")
    assert change.from_status is not None
    assert (change.from_status.code, change.to_status.code, change.changed_by) == (
        "identifying_needs",
        "presenting_solutions",
        agent,
    )


def test_move_by_id(api_client, make_case, agent, statuses):
    case = make_case()
    api_client.force_authenticate(agent)

    response = move(api_client, case, status=statuses("opportunity", "decision").pk)

    assert response.status_code == 200
    assert stored_status(case) == "decision"


def test_allowed_next_statuses_are_enforced(api_client, make_case, agent, statuses):
    statuses("opportunity", "identifying_needs").allowed_next.set(
        [statuses("opportunity", "presenting_solutions")]
    )
    case = make_case()
    api_client.force_authenticate(agent)

    refused = move(api_client, case, status="decision")
    allowed = move(api_client, case, status="presenting_solutions")

    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "status": ["A case in “Identifying needs” cannot move to “Decision”."]
    }
    assert allowed.status_code == 200
    assert stored_status(case) == "presenting_solutions"


def test_winning_needs_an_amount(api_client, make_case, agent):
    case = make_case()
    api_client.force_authenticate(agent)

    without = move(api_client, case, status="won")
    zero = move(api_client, case, status="won", amount="0")
    assert stored_status(case) == "identifying_needs"
    won = move(api_client, case, status="won", amount="1200.50")

    assert without.status_code == 400
    assert without.json()["errors"] == {
        "amount": ["Enter the amount before marking the opportunity as won."]
    }
    assert zero.status_code == 400
    assert won.status_code == 200, won.json()
    body = won.json()
    assert (body["amount"], body["status"]["meaning"]) == ("1200.50", "won")
    assert (body["effective_probability"], body["weighted_amount"]) == (100, "1200.50")
    assert body["closed_at"] is not None


def test_an_amount_already_on_the_case_wins_it(api_client, make_case, agent):
    case = make_case(amount=decimal.Decimal("900"))
    api_client.force_authenticate(agent)

    assert move(api_client, case, status="won").status_code == 200
    assert stored_status(case) == "won"


def test_losing_needs_a_reason(api_client, make_case, agent):
    case = make_case()
    api_client.force_authenticate(agent)

    without = move(api_client, case, status="lost", lost_reason="  ")
    lost = move(api_client, case, status="lost", lost_reason="Price")

    assert without.status_code == 400
    assert without.json()["errors"] == {"lost_reason": ["Enter why the case was lost."]}
    assert lost.status_code == 200
    assert lost.json()["lost_reason"] == "Price"
    assert stored_status(case) == "lost"


def test_closing_an_after_sales_case_with_its_resolution(api_client, make_case, agent):
    case = make_case(case_type="complaint")
    api_client.force_authenticate(agent)

    response = move(api_client, case, status="resolved", resolution="Replaced the unit.")

    assert response.status_code == 200
    assert (response.json()["status"]["meaning"], response.json()["resolution"]) == (
        "closed",
        "Replaced the unit.",
    )


def test_a_status_of_another_type_is_refused(api_client, make_case, agent, statuses):
    case = make_case()
    api_client.force_authenticate(agent)

    by_id = move(api_client, case, status=statuses("complaint", "received").pk)
    by_code = move(api_client, case, status="received")

    assert by_id.status_code == 400
    assert by_id.json()["errors"] == {"status": ["That status belongs to another case type."]}
    assert by_code.status_code == 400
    assert by_code.json()["errors"] == {"status": ["Unknown status “received” for this case type."]}
    assert stored_status(case) == "identifying_needs"


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "status"), ({"status": "decision", "amount": "abc"}, "amount")],
)
def test_bad_bodies_are_400(api_client, make_case, agent, body, field):
    case = make_case()
    api_client.force_authenticate(agent)

    response = api_client.post(reverse("case-move", args=[case.pk]), body, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


@pytest.mark.parametrize(
    ("role", "status_code"),
    [("admin_user", 200), ("manager", 200), ("reader", 403), ("other_agent", 404)],
)
def test_who_may_move_an_agents_case(request, api_client, make_case, role, status_code):
    case = make_case()
    api_client.force_authenticate(request.getfixturevalue(role))

    response = move(api_client, case, status="decision")

    assert response.status_code == status_code
    assert stored_status(case) == ("decision" if status_code == 200 else "identifying_needs")


def test_an_agent_sees_but_cannot_move_a_colleagues_case(api_client, make_case, manager, agent):
    case = make_case(user=manager)
    api_client.force_authenticate(agent)

    response = move(api_client, case, status="decision")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert stored_status(case) == "identifying_needs"
