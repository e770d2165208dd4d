"""Cases API reads: who sees what, the list's filters and ordering, the answer's fields,
and a fixed number of queries per page. Writes are in test_api_writes.py."""

from __future__ import annotations

import datetime
import decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from relata.campaigns.models import Campaign
from relata.cases import services
from relata.cases.models import Case
from relata.core.models import User
from relata.products.models import Product

pytestmark = pytest.mark.django_db


def subjects(client, **params) -> list[str]:
    response = client.get(reverse("case-list"), params)
    assert response.status_code == 200, response.json()
    return [row["subject"] for row in response.json()["results"]]


def detail(pk: int) -> str:
    return reverse("case-detail", args=[pk])


# --- Who sees what ----------------------------------------------------------------------------


@pytest.fixture
def three(make_case, make_entity, manager, other_agent, team, other_entity):
    """The agent's case, a manager's case in the team, and the other team's case."""
    mine = make_case(subject="Mine")
    managers = make_case(
        user=manager, entity=make_entity(manager, team, "Manager Co"), subject="Managers"
    )
    theirs = make_case(user=other_agent, entity=other_entity, subject="Theirs")
    return mine, managers, theirs


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("admin_user", ["Theirs", "Managers", "Mine"]),
        ("manager", ["Managers", "Mine"]),
        ("agent", ["Managers", "Mine"]),
        ("reader", ["Managers", "Mine"]),
        ("other_agent", ["Theirs"]),
    ],
)
def test_each_role_lists_the_cases_it_may_see(request, api_client, three, role, visible):
    api_client.force_authenticate(request.getfixturevalue(role))

    assert subjects(api_client) == visible


def test_an_invisible_case_is_404(api_client, three, agent, other_agent):
    mine, _managers, theirs = three

    api_client.force_authenticate(agent)
    hidden = api_client.get(detail(theirs.pk))
    hidden_move = api_client.post(
        reverse("case-move", args=[theirs.pk]), {"status": "decision"}, format="json"
    )
    hidden_patch = api_client.patch(detail(theirs.pk), {"subject": "X"}, format="json")
    api_client.force_authenticate(other_agent)

    assert hidden.status_code == 404
    assert hidden.json()["code"] == "not_found"
    assert (hidden_move.status_code, hidden_patch.status_code) == (404, 404)
    assert api_client.get(detail(mine.pk)).status_code == 404
    assert api_client.get(detail(theirs.pk)).status_code == 200


def test_the_list_needs_authentication(api_client):
    response = api_client.get(reverse("case-list"))

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# --- The answer -------------------------------------------------------------------------------


def test_the_detail_shows_the_case(api_client, make_case, agent, statuses, contact):
    campaign = Campaign.objects.create(code="spring", name="Spring fair")
    case = make_case(
        contact=contact, amount=decimal.Decimal("1000.00"), campaign=campaign, priority="high"
    )
    api_client.force_authenticate(agent)

    body = api_client.get(detail(case.pk)).json()

    assert body["number"] == case.number
    assert body["case_type"] == {
        "id": case.case_type_id,
        "code": "opportunity",
        "name": "Sales opportunity",
    }
    assert body["status"] == {
        "id": statuses("opportunity", "identifying_needs").pk,
        "code": "identifying_needs",
        "name": "Identifying needs",
        "meaning": "open",
        "colour": "#0dcaf0",
    }
    assert body["campaign"] == {"id": campaign.pk, "name": "Spring fair"}
    assert (body["amount"], body["currency"], body["priority"]) == ("1000.00", "EUR", "high")
    assert (body["lost_reason"], body["resolution"], body["closed_at"]) == ("", "", None)
    assert body["custom"] == {}
    assert body["lines"] == []


def test_the_names_follow_the_request_language(api_client, make_case, agent):
    case = make_case()
    api_client.force_authenticate(agent)

    body = api_client.get(detail(case.pk), HTTP_ACCEPT_LANGUAGE="es").json()

    assert (body["case_type"]["name"], body["status"]["name"]) == (
        "Oportunidad de venta",
        "Identificación de necesidades",
    )


def test_probability_defaults_from_the_status_unless_overridden(api_client, make_case, agent):
    default = make_case(amount=decimal.Decimal("1000.00"))
    overridden = make_case(amount=decimal.Decimal("1000.00"), probability=45)
    api_client.force_authenticate(agent)

    first = api_client.get(detail(default.pk)).json()
    second = api_client.get(detail(overridden.pk)).json()

    assert (first["probability"], first["effective_probability"]) == (None, 10)
    assert first["weighted_amount"] == "100.00"
    assert (second["probability"], second["effective_probability"]) == (45, 45)
    assert second["weighted_amount"] == "450.00"


def test_an_after_sales_case_has_its_due_date(api_client, make_case, agent):
    case = make_case(case_type="incident")
    api_client.force_authenticate(agent)

    body = api_client.get(detail(case.pk)).json()

    assert body["due_at"] is not None
    assert body["case_type"]["code"] == "incident"
    assert body["status"]["code"] == "reported"


# --- Filters and ordering ---------------------------------------------------------------------


@pytest.fixture
def several(make_case, make_entity, agent, manager, team, contact, statuses):
    """Five visible cases of different types, owners, dates and amounts."""
    campaign = Campaign.objects.create(code="spring", name="Spring fair")
    other = make_entity(agent, team, "Zenith Foods SL")
    cases = {
        "Alpha": make_case(
            subject="Alpha",
            amount=decimal.Decimal("300"),
            expected_close_date=datetime.date(2031, 3, 1),
            contact=contact,
        ),
        "Bravo": make_case(
            subject="Bravo",
            case_type="complaint",
            entity=other,
            expected_close_date=datetime.date(2031, 4, 1),
        ),
        "Charlie": make_case(
            subject="Charlie",
            amount=decimal.Decimal("100"),
            owner=None,
            team=team,
            campaign=campaign,
        ),
        "Delta": make_case(user=manager, subject="Delta", amount=decimal.Decimal("200")),
        "Echo": make_case(subject="Echo", case_type="lead"),
    }
    services.case_move(
        user=agent, case=cases["Echo"], status=statuses("lead", "discarded"), lost_reason="No"
    )
    # Opened a day apart, Alpha first.
    base = datetime.datetime(2031, 1, 1, 9, tzinfo=datetime.UTC)
    for offset, case in enumerate(cases.values()):
        Case.objects.filter(pk=case.pk).update(opened_at=base + datetime.timedelta(days=offset))
    return {name: Case.objects.get(pk=c.pk) for name, c in cases.items()}


def test_list_filters(
    api_client, several, agent, manager, team, other_team, entity, contact, case_types, statuses
):
    api_client.force_authenticate(agent)
    campaign = several["Charlie"].campaign

    assert subjects(api_client) == ["Echo", "Delta", "Charlie", "Bravo", "Alpha"]
    assert subjects(api_client, case_type="complaint") == ["Bravo"]
    assert subjects(api_client, case_type=f"lead,{case_types['complaint'].pk}") == [
        "Echo",
        "Bravo",
    ]
    assert subjects(api_client, status="discarded") == ["Echo"]
    assert subjects(api_client, status=statuses("complaint", "received").pk) == ["Bravo"]
    assert subjects(api_client, owner="me") == ["Echo", "Bravo", "Alpha"]
    assert subjects(api_client, owner=manager.pk) == ["Delta"]
    assert subjects(api_client, owner="none") == ["Charlie"]
    assert len(subjects(api_client, team=team.pk)) == 5
    assert subjects(api_client, team=other_team.pk) == []
    assert subjects(api_client, entity=entity.pk) == ["Echo", "Delta", "Charlie", "Alpha"]
    assert subjects(api_client, contact=contact.pk) == ["Alpha"]
    assert subjects(api_client, campaign=campaign.pk) == ["Charlie"]
    assert subjects(api_client, open="false") == ["Echo"]
    assert subjects(api_client, open="true") == ["Delta", "Charlie", "Bravo", "Alpha"]
    assert subjects(api_client, expected_close_from="2031-03-02") == ["Bravo"]
    assert subjects(api_client, expected_close_to="2031-03-01") == ["Alpha"]
    assert subjects(api_client, search="zenith") == ["Bravo"]
    assert subjects(api_client, search=several["Delta"].number) == ["Delta"]
    assert subjects(api_client, search="charl") == ["Charlie"]


def test_list_ordering(api_client, several, agent):
    api_client.force_authenticate(agent)

    assert subjects(api_client, ordering="opened_at") == [
        "Alpha",
        "Bravo",
        "Charlie",
        "Delta",
        "Echo",
    ]
    assert subjects(api_client, ordering="-amount")[:3] == ["Alpha", "Delta", "Charlie"]
    assert subjects(api_client, ordering="expected_close_date")[:2] == ["Alpha", "Bravo"]
    numbers = [
        row["number"]
        for row in api_client.get(reverse("case-list"), {"ordering": "number"}).json()["results"]
    ]
    assert numbers == sorted(numbers)


def test_pagination(api_client, several, agent):
    api_client.force_authenticate(agent)

    body = api_client.get(reverse("case-list"), {"page_size": 2, "page": 2}).json()

    assert body["count"] == 5
    assert [row["subject"] for row in body["results"]] == ["Charlie", "Bravo"]
    assert "page=3" in body["next"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"case_type": "nap"}, "case_type"),
        ({"status": "sleeping"}, "status"),
        ({"owner": "someone"}, "owner"),
        ({"team": "north"}, "team"),
        ({"entity": "9" * 30}, "entity"),
        ({"open": "maybe"}, "open"),
        ({"expected_close_from": "2031-02-30"}, "expected_close_from"),
        ({"ordering": "subject"}, "ordering"),
    ],
)
def test_bad_filters_are_400_not_500(api_client, agent, params, field):
    api_client.force_authenticate(agent)

    response = api_client.get(reverse("case-list"), params)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_the_list_takes_a_fixed_number_of_queries(
    api_client, make_case, agent, contact, django_assert_num_queries
):
    product = Product.objects.create(code="LIC", name_en="Licence", unit_price=10)
    campaign = Campaign.objects.create(code="spring", name="Spring fair")

    def one_more(index: int) -> None:
        case = make_case(
            subject=f"Case {index}",
            contact=contact,
            campaign=campaign,
            custom={"free_text_1": "x"},
        )
        services.case_lines_set(
            user=agent, case=case, lines=[{"product": product}, {"product": product}]
        )

    one_more(0)
    # A fresh user each time: the permission layer caches the user's teams on the object.
    api_client.force_authenticate(User.objects.get(pk=agent.pk))
    with CaptureQueriesContext(connection) as one:
        assert len(subjects(api_client)) == 1

    for index in range(1, 8):
        one_more(index)
    make_case(case_type="complaint", subject="Complaint")
    api_client.force_authenticate(User.objects.get(pk=agent.pk))
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(subjects(api_client)) == 9
