"""Cases API writes: create with lines (all or nothing), custom fields per type, update,
reassign, and that cases are not deleted. Reads are in test_api.py, moves in
test_api_move.py."""

from __future__ import annotations

import decimal

import pytest
from django.urls import reverse

from relata.cases.models import Case, CaseLine, CaseSequence
from relata.customfields.services import field_definition_create
from relata.products.models import Product, ProductFamily

pytestmark = pytest.mark.django_db

LIST = "case-list"


def detail(pk: int) -> str:
    return reverse("case-detail", args=[pk])


@pytest.fixture
def products(db):
    family = ProductFamily.objects.create(code="software", name_en="Software")
    licence = Product.objects.create(
        code="LIC", name_en="Licence", family=family, unit_price=decimal.Decimal("100.00")
    )
    support = Product.objects.create(
        code="SUP", name_en="Support", family=family, unit_price=decimal.Decimal("50.00")
    )
    return {"licence": licence, "support": support}


def test_an_agent_creates_an_opportunity_with_lines(
    api_client, agent, team, entity, contact, products
):
    api_client.force_authenticate(agent)

    response = api_client.post(
        reverse(LIST),
        {
            "case_type": "opportunity",
            "entity": entity.pk,
            "contact": contact.pk,
            "subject": "Licences 2031",
            "custom": {"free_text_1": "via fair"},
            "lines": [
                {"product": products["licence"].pk, "quantity": "2", "discount": "10"},
                {"product": products["support"].pk, "description": "First year"},
            ],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    # 2 × 100 less 10 % + 1 × 50 (the product's price) = 230.00
    assert body["amount"] == "230.00"
    assert [(line["product_code"], line["amount"]) for line in body["lines"]] == [
        ("LIC", "180.00"),
        ("SUP", "50.00"),
    ]
    assert body["lines"][1]["unit_price"] == "50.00"
    assert body["number"].startswith("OPP-")
    assert body["case_type"]["code"] == "opportunity"
    assert body["status"]["code"] == "identifying_needs"
    assert body["entity"] == {"id": entity.pk, "name": "Acme Trading SL"}
    assert body["contact"] == {"id": contact.pk, "name": "Carmen Ruiz"}
    assert (body["owner"]["id"], body["team"]["id"]) == (agent.pk, team.pk)
    assert body["custom"] == {"free_text_1": "via fair"}
    assert body["url"].endswith(detail(body["id"]))
    case = Case.objects.get(pk=body["id"])
    assert case.amount == decimal.Decimal("230.00")
    assert case.lines.count() == 2


@pytest.mark.parametrize(
    ("bad_line", "key"),
    [
        ({"quantity": "0"}, "lines.1.quantity"),
        ({"discount": "150"}, "lines.1.discount"),
    ],
)
def test_a_bad_line_saves_nothing(api_client, agent, entity, products, bad_line, key):
    api_client.force_authenticate(agent)

    response = api_client.post(
        reverse(LIST),
        {
            "case_type": "opportunity",
            "entity": entity.pk,
            "subject": "Half an offer",
            "lines": [
                {"product": products["licence"].pk},
                {"product": products["support"].pk, **bad_line},
            ],
        },
        format="json",
    )

    assert response.status_code == 400, response.json()
    assert list(response.json()["errors"]) == [key]
    assert response.json()["code"] == "invalid"
    assert Case.objects.count() == 0
    assert CaseLine.objects.count() == 0
    # The number was not taken either: the next case is still the first of the year.
    assert not CaseSequence.objects.filter(last_value__gt=0).exists()


def test_an_unknown_product_is_named_by_its_line(api_client, agent, entity, products):
    api_client.force_authenticate(agent)

    response = api_client.post(
        reverse(LIST),
        {
            "case_type": "opportunity",
            "entity": entity.pk,
            "subject": "Offer",
            "lines": [{"product": products["licence"].pk}, {"product": 999999}],
        },
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["lines.1.product"]
    assert Case.objects.count() == 0


def test_lines_on_a_complaint_are_refused_and_nothing_is_saved(api_client, agent, entity, products):
    api_client.force_authenticate(agent)

    response = api_client.post(
        reverse(LIST),
        {
            "case_type": "complaint",
            "entity": entity.pk,
            "subject": "Broken screen",
            "lines": [{"product": products["licence"].pk}],
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"lines": ["Only sales opportunities have product lines."]}
    assert Case.objects.count() == 0


@pytest.fixture
def budget_field(admin_user, case_types):
    """An extra integer field on opportunities only."""
    return field_definition_create(
        user=admin_user,
        target="case",
        scope="opportunity",
        key="budget",
        label_en="Budget",
        field_type="integer",
    )


def test_custom_fields_follow_the_case_type(api_client, agent, entity, budget_field):
    api_client.force_authenticate(agent)

    def create(case_type: str, custom: dict):
        return api_client.post(
            reverse(LIST),
            {"case_type": case_type, "entity": entity.pk, "subject": "X", "custom": custom},
            format="json",
        )

    opportunity = create("opportunity", {"budget": 5000, "free_yes_no": True})
    complaint = create("complaint", {"budget": 5000})
    complaint_free = create("complaint", {"free_text_1": "Angry", "free_number": "2.5"})

    assert opportunity.status_code == 201, opportunity.json()
    assert opportunity.json()["custom"] == {"budget": 5000, "free_yes_no": True}
    assert complaint.status_code == 400
    assert list(complaint.json()["errors"]) == ["custom.budget"]
    assert complaint_free.status_code == 201, complaint_free.json()
    assert complaint_free.json()["custom"] == {"free_text_1": "Angry", "free_number": "2.5"}
    assert Case.objects.count() == 2


def test_a_bad_custom_value_is_named_by_its_key(api_client, agent, entity):
    api_client.force_authenticate(agent)

    response = api_client.post(
        reverse(LIST),
        {
            "case_type": "incident",
            "entity": entity.pk,
            "subject": "X",
            "custom": {"free_date": "someday", "free_text_1": "ok"},
        },
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["custom.free_date"]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"case_type", "entity", "subject"}),
        ({"case_type": "nap", "subject": "X"}, {"case_type"}),
        ({"case_type": "opportunity", "subject": "X", "probability": 120}, {"probability"}),
        ({"case_type": "opportunity", "subject": "X", "status": "won"}, {"status"}),
        ({"case_type": "opportunity", "subject": "X", "status": "received"}, {"status"}),
        ({"case_type": "opportunity", "subject": "X", "custom": [1]}, {"custom"}),
    ],
)
def test_bad_input_is_400_with_field_messages(api_client, agent, entity, body, errors):
    api_client.force_authenticate(agent)
    if "subject" in body and "entity" not in body:
        body = {**body, "entity": entity.pk}

    response = api_client.post(reverse(LIST), body, format="json")

    assert response.status_code == 400, response.json()
    assert set(response.json()["errors"]) == errors
    assert Case.objects.count() == 0


def test_a_case_may_start_in_an_open_status_given_by_code(api_client, agent, entity):
    api_client.force_authenticate(agent)

    response = api_client.post(
        reverse(LIST),
        {"case_type": "opportunity", "entity": entity.pk, "subject": "X", "status": "decision"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["status"]["code"] == "decision"


def test_a_reader_cannot_create_and_an_invisible_entity_is_400(
    api_client, reader, agent, other_entity
):
    api_client.force_authenticate(reader)
    denied = api_client.post(
        reverse(LIST),
        {"case_type": "lead", "entity": other_entity.pk, "subject": "X"},
        format="json",
    )
    api_client.force_authenticate(agent)
    hidden = api_client.post(
        reverse(LIST),
        {"case_type": "lead", "entity": other_entity.pk, "subject": "X"},
        format="json",
    )

    assert denied.status_code == 403
    assert hidden.status_code == 400
    assert hidden.json()["errors"] == {"entity": ["You cannot see that entity."]}
    assert Case.objects.count() == 0


# --- Update ----------------------------------------------------------------------------------


def test_patch_changes_fields_replaces_lines_and_merges_custom(
    api_client, agent, make_case, products
):
    case = make_case(custom={"free_text_1": "keep", "free_text_2": "change"})
    api_client.force_authenticate(agent)

    response = api_client.patch(
        detail(case.pk),
        {
            "subject": "Renewal 2032",
            "probability": 35,
            "custom": {"free_text_2": "changed", "free_number": "7"},
            "lines": [{"product": products["support"].pk, "quantity": "3"}],
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["subject"], body["probability"], body["amount"]) == ("Renewal 2032", 35, "150.00")
    assert body["custom"] == {"free_text_1": "keep", "free_text_2": "changed", "free_number": "7"}
    assert [line["product_code"] for line in body["lines"]] == ["SUP"]
    case.refresh_from_db()
    assert case.subject == "Renewal 2032"
    assert case.lines.count() == 1


def test_patch_without_lines_keeps_them(api_client, agent, make_case, products):
    case = make_case()
    api_client.force_authenticate(agent)
    api_client.patch(
        detail(case.pk), {"lines": [{"product": products["licence"].pk}]}, format="json"
    )

    response = api_client.patch(detail(case.pk), {"description": "More"}, format="json")

    assert response.status_code == 200
    assert [line["amount"] for line in response.json()["lines"]] == ["100.00"]


def test_the_status_is_not_changed_by_patch(api_client, agent, make_case):
    case = make_case()
    api_client.force_authenticate(agent)

    response = api_client.patch(detail(case.pk), {"status": "decision"}, format="json")
    same = api_client.patch(detail(case.pk), {"status": "identifying_needs"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "status": [f"The status changes through POST /api/v1/cases/{case.pk}/move/."]
    }
    assert same.status_code == 200
    case.refresh_from_db()
    assert case.status.code == "identifying_needs"


def test_the_type_cannot_change_and_a_bad_line_changes_nothing(
    api_client, agent, make_case, products
):
    case = make_case()
    api_client.force_authenticate(agent)

    retyped = api_client.patch(detail(case.pk), {"case_type": "complaint"}, format="json")
    bad_line = api_client.patch(
        detail(case.pk),
        {"subject": "Changed", "lines": [{"product": products["licence"].pk, "quantity": "-1"}]},
        format="json",
    )

    assert retyped.status_code == 400
    assert list(retyped.json()["errors"]) == ["case_type"]
    assert bad_line.status_code == 400
    assert list(bad_line.json()["errors"]) == ["lines.0.quantity"]
    case.refresh_from_db()
    assert case.subject == "Renewal 2031"


def test_put_needs_the_whole_case(api_client, agent, make_case, entity):
    case = make_case()
    api_client.force_authenticate(agent)

    partial = api_client.put(detail(case.pk), {"subject": "Only this"}, format="json")
    whole = api_client.put(
        detail(case.pk),
        {"case_type": "opportunity", "entity": entity.pk, "subject": "Whole", "priority": "high"},
        format="json",
    )

    assert partial.status_code == 400
    assert set(partial.json()["errors"]) == {"case_type", "entity"}
    assert whole.status_code == 200
    assert (whole.json()["subject"], whole.json()["priority"]) == ("Whole", "high")


@pytest.mark.parametrize(("role", "status_code"), [("manager", 200), ("reader", 403)])
def test_who_may_patch_an_agents_case(request, api_client, make_case, role, status_code):
    case = make_case()
    api_client.force_authenticate(request.getfixturevalue(role))

    response = api_client.patch(detail(case.pk), {"subject": "Changed"}, format="json")

    assert response.status_code == status_code
    case.refresh_from_db()
    assert (case.subject == "Changed") is (status_code == 200)


def test_an_agent_cannot_patch_a_colleagues_case_they_see(api_client, make_case, agent, manager):
    case = make_case(user=manager)
    api_client.force_authenticate(agent)

    assert api_client.get(detail(case.pk)).status_code == 200
    response = api_client.patch(detail(case.pk), {"subject": "Mine now"}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_patching_the_owner_reassigns(api_client, make_case, manager, agent, team):
    case = make_case()
    api_client.force_authenticate(manager)

    response = api_client.patch(detail(case.pk), {"owner": manager.pk}, format="json")

    assert response.status_code == 200
    assert response.json()["owner"]["id"] == manager.pk
    assert response.json()["team"]["id"] == team.pk


# --- Reassign and delete ---------------------------------------------------------------------


def test_reassign(api_client, make_case, manager, agent, other_agent, team):
    case = make_case()
    url = reverse("case-reassign", args=[case.pk])

    api_client.force_authenticate(agent)
    refused = api_client.post(url, {"owner": manager.pk}, format="json")
    empty = api_client.post(url, {}, format="json")
    api_client.force_authenticate(manager)
    to_team = api_client.post(url, {"owner": None, "team": team.pk}, format="json")
    elsewhere = api_client.post(url, {"owner": other_agent.pk}, format="json")

    assert refused.status_code == 403
    assert empty.status_code == 400
    assert list(empty.json()["errors"]) == ["owner"]
    assert to_team.status_code == 200, to_team.json()
    assert (to_team.json()["owner"], to_team.json()["team"]["id"]) == (None, team.pk)
    assert elsewhere.status_code == 403
    case.refresh_from_db()
    assert (case.owner, case.team) == (None, team)


@pytest.mark.parametrize("role", ["admin_user", "agent"])
def test_cases_are_not_deleted(request, api_client, make_case, role):
    case = make_case()
    api_client.force_authenticate(request.getfixturevalue(role))

    response = api_client.delete(detail(case.pk))

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert Case.objects.filter(pk=case.pk).exists()
