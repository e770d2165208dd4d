"""The case form through the test client: creating opportunities with product lines (all
or nothing), editing lines, the type's custom fields, the reload on type change and who
may create."""

from __future__ import annotations

import decimal

import pytest
from django.urls import reverse

from relata.cases.models import Case, CaseLine

pytestmark = pytest.mark.django_db
D = decimal.Decimal


def form_data(case_type, entity, lines=(), initial_forms=0, **extra):
    data = {
        "case_type": case_type.pk,
        "entity": entity.pk,
        "subject": "Fleet renewal",
        "priority": "normal",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": str(initial_forms),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for index, line in enumerate(lines):
        for key, value in line.items():
            data[f"lines-{index}-{key}"] = value
    data.update(extra)
    return data


def test_create_opportunity_with_two_lines(client, agent, entity, case_types, products):
    client.force_login(agent)
    data = form_data(
        case_types["opportunity"],
        entity,
        lines=[
            {"product": products["licence"].pk, "quantity": "3", "discount": "10"},
            {"product": products["training"].pk, "quantity": "2", "unit_price": "45.50"},
        ],
        amount="1",
    )

    response = client.post(reverse("cases:create"), data)

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.pk])
    assert list(case.lines.values_list("product__code", "unit_price", "amount")) == [
        ("LIC-1", D("100.00"), D("270.00")),
        ("TRN-1", D("45.50"), D("91.00")),
    ]
    assert case.amount == D("361.00")
    assert case.owner == agent
    detail = client.get(response["Location"]).content.decode()
    assert "361.00" in detail


def test_a_bad_line_saves_nothing_and_shows_the_error(client, agent, entity, case_types, products):
    client.force_login(agent)
    data = form_data(
        case_types["opportunity"],
        entity,
        lines=[
            {"product": products["licence"].pk, "quantity": "1"},
            {"product": products["training"].pk, "quantity": "0"},
        ],
    )

    response = client.post(reverse("cases:create"), data)

    assert response.status_code == 200
    assert Case.objects.count() == 0
    assert CaseLine.objects.count() == 0
    line_forms = response.context["lines"].forms
    assert line_forms[1].errors["quantity"]
    assert not line_forms[0].errors
    assert "Nothing was saved" in response.content.decode()


def test_a_line_without_product_is_refused(client, agent, entity, case_types, products):
    client.force_login(agent)
    data = form_data(case_types["opportunity"], entity, lines=[{"product": "", "unit_price": "12"}])

    response = client.post(reverse("cases:create"), data)

    assert Case.objects.count() == 0
    assert response.context["lines"].forms[0].errors["product"] == ["Choose a product."]


def test_blank_and_deleted_rows_are_ignored(client, agent, entity, case_types, products):
    client.force_login(agent)
    data = form_data(
        case_types["opportunity"],
        entity,
        lines=[
            {"product": "", "quantity": "1"},
            {"product": products["licence"].pk, "quantity": "1", "DELETE": "on"},
            {"product": products["training"].pk, "quantity": "1"},
        ],
    )

    client.post(reverse("cases:create"), data)

    case = Case.objects.get()
    assert list(case.lines.values_list("product__code", flat=True)) == ["TRN-1"]
    assert case.amount == D("50.00")


def test_edit_replaces_the_lines(client, agent, entity, case_types, products, make_case):
    from relata.cases import services

    case = make_case()
    services.case_lines_set(user=agent, case=case, lines=[{"product": products["licence"]}])
    client.force_login(agent)
    page = client.get(reverse("cases:edit", args=[case.pk]))
    assert page.context["lines"].forms[0].initial["product"] == products["licence"]
    data = form_data(
        case_types["opportunity"],
        entity,
        initial_forms=1,
        lines=[
            {"product": products["licence"].pk, "quantity": "1", "DELETE": "on"},
            {"product": products["training"].pk, "quantity": "4", "discount": "50"},
        ],
        subject="Renewal, smaller",
    )

    response = client.post(reverse("cases:edit", args=[case.pk]), data)

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.subject == "Renewal, smaller"
    assert list(case.lines.values_list("product__code", "amount")) == [("TRN-1", D("100.00"))]
    assert case.amount == D("100.00")


def test_edit_with_a_bad_line_keeps_the_case_as_it_was(
    client, agent, entity, case_types, products, make_case
):
    from relata.cases import services

    case = make_case()
    services.case_lines_set(user=agent, case=case, lines=[{"product": products["licence"]}])
    client.force_login(agent)
    data = form_data(
        case_types["opportunity"],
        entity,
        initial_forms=1,
        lines=[{"product": products["licence"].pk, "quantity": "1", "discount": "120"}],
        subject="Changed subject",
    )

    response = client.post(reverse("cases:edit", args=[case.pk]), data)

    assert response.status_code == 200
    assert response.context["lines"].forms[0].errors["discount"]
    case.refresh_from_db()
    assert case.subject == "Renewal 2031"
    assert list(case.lines.values_list("product__code", "amount")) == [("LIC-1", D("100.00"))]


def test_custom_free_use_field_is_saved_on_create(client, agent, entity, case_types):
    client.force_login(agent)
    data = form_data(
        case_types["complaint"], entity, cf_free_text_1="Batch 42", cf_free_number="7.5"
    )

    response = client.post(reverse("cases:create"), data)

    assert response.status_code == 302
    case = Case.objects.get()
    assert case.case_type.code == "complaint"
    assert case.custom["free_text_1"] == "Batch 42"
    assert D(str(case.custom["free_number"])) == D("7.5")
    assert case.due_at is not None or case.case_type.service_level_hours is None
    detail = client.get(response["Location"]).content.decode()
    assert "Batch 42" in detail


def test_the_form_follows_the_chosen_type(client, agent, entity, case_types):
    client.force_login(agent)

    opportunity = client.get(
        reverse("cases:create"), {"entity": entity.pk, "case_type": "opportunity"}
    )
    complaint = client.get(
        reverse("cases:create"), {"entity": entity.pk, "case_type": case_types["complaint"].pk}
    )
    untyped = client.get(reverse("cases:create"))

    assert "amount" in opportunity.context["form"].fields
    assert 'id="lines"' in opportunity.content.decode()
    assert opportunity.context["form"].chosen_entity == entity
    assert "amount" not in complaint.context["form"].fields
    assert "cf_free_text_1" in complaint.context["form"].fields
    assert 'id="lines"' not in complaint.content.decode()
    assert 'name="subject"' not in untyped.content.decode()


def test_changing_the_type_reloads_the_form_keeping_the_values(
    client, agent, entity, case_types, contact
):
    client.force_login(agent)
    data = {
        "case_type": case_types["complaint"].pk,
        "entity": entity.pk,
        "subject": "Typed before",
        "refresh": "type",
    }

    response = client.post(
        reverse("cases:create"),
        data,
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="case-form-body",
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'value="Typed before"' in body
    assert "Carmen Ruiz" in body  # the entity's contacts
    assert "is-invalid" not in body
    assert Case.objects.count() == 0


def test_add_line_without_javascript_adds_a_row(client, agent, entity, case_types, products):
    client.force_login(agent)
    data = form_data(
        case_types["opportunity"],
        entity,
        lines=[{"product": products["licence"].pk, "quantity": "2"}],
        refresh="add_line",
    )

    response = client.post(reverse("cases:create"), data)

    forms = response.context["lines"].forms
    assert len(forms) == 2
    assert str(forms[0].initial["product"]) == str(products["licence"].pk)
    assert Case.objects.count() == 0


def test_reader_cannot_create(client, reader, entity, case_types):
    client.force_login(reader)

    page = client.get(reverse("cases:create"))
    post = client.post(reverse("cases:create"), form_data(case_types["complaint"], entity))

    assert page.status_code == 403
    assert post.status_code == 403
    assert Case.objects.count() == 0


def test_agent_cannot_open_a_case_for_an_invisible_entity(client, agent, other_entity, case_types):
    client.force_login(agent)

    response = client.post(
        reverse("cases:create"), form_data(case_types["complaint"], other_entity)
    )

    assert response.status_code == 200
    assert response.context["form"].errors["entity"]
    assert Case.objects.count() == 0


def test_edit_of_a_case_the_user_cannot_change_is_403(client, reader, make_case, case_types):
    case = make_case()
    client.force_login(reader)

    response = client.post(
        reverse("cases:edit", args=[case.pk]),
        form_data(case_types["opportunity"], case.entity, subject="Hijacked"),
    )

    assert response.status_code == 403
    case.refresh_from_db()
    assert case.subject == "Renewal 2031"


def test_entity_finder_lists_visible_entities_only(client, agent, entity, other_entity):
    from relata.entities.models import Entity

    # The fixtures create entities directly; the services would fill the search column.
    Entity.objects.filter(pk=entity.pk).update(search_text="acme trading sl")
    Entity.objects.filter(pk=other_entity.pk).update(search_text="boreal logistics sa")
    client.force_login(agent)

    mine = client.get(reverse("cases:entity_options"), {"entity_search": "acme"})
    theirs = client.get(reverse("cases:entity_options"), {"entity_search": "boreal"})

    assert f'value="{entity.pk}"' in mine.content.decode()
    assert f'value="{other_entity.pk}"' not in theirs.content.decode()
