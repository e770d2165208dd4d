"""Product lines of opportunities: amounts, the case total, and all-or-nothing saving."""

from __future__ import annotations

import decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from relata.cases import services
from relata.cases.models import Case, CaseLine

D = decimal.Decimal


def test_line_amounts_and_the_case_total(make_case, products, agent):
    case = make_case()
    services.case_lines_set(
        user=agent,
        case=case,
        lines=[
            {"product": products["licence"], "quantity": D("2"), "discount": D("10")},
            {"product": products["training"], "quantity": D("1"), "unit_price": D("55.50")},
        ],
    )
    lines = list(CaseLine.objects.filter(case=case).order_by("order"))
    # 2 × 100.00 less 10 % = 180.00 (list price taken); 1 × 55.50 (price given) = 55.50
    assert [(line.unit_price, line.amount) for line in lines] == [
        (D("100.00"), D("180.00")),
        (D("55.50"), D("55.50")),
    ]
    assert Case.objects.get(pk=case.pk).amount == D("235.50")


def test_rounding_is_half_up_to_cents(make_case, products, agent):
    case = make_case()
    services.case_lines_set(
        user=agent,
        case=case,
        lines=[
            {
                "product": products["licence"],
                "quantity": D("3"),
                "unit_price": D("0.35"),
                "discount": D("50"),
            }
        ],
    )
    # 3 × 0.35 = 1.05; half of it 0.525 → 0.53
    assert CaseLine.objects.get(case=case).amount == D("0.53")


def test_setting_lines_again_replaces_them(make_case, products, agent):
    case = make_case()
    services.case_lines_set(user=agent, case=case, lines=[{"product": products["licence"]}])
    services.case_lines_set(
        user=agent, case=case, lines=[{"product": products["training"], "quantity": D("4")}]
    )
    assert list(CaseLine.objects.filter(case=case).values_list("product__code", "amount")) == [
        ("TRN-1", D("200.00"))
    ]
    assert Case.objects.get(pk=case.pk).amount == D("200.00")


def test_a_bad_line_saves_nothing_and_names_the_line(make_case, products, agent):
    case = make_case(amount=D("999.00"))
    services.case_lines_set(user=agent, case=case, lines=[{"product": products["licence"]}])
    with pytest.raises(ValidationError) as error:
        services.case_lines_set(
            user=agent,
            case=case,
            lines=[
                {"product": products["training"]},
                {"product": products["licence"], "quantity": D("0")},
                {"product": products["licence"], "discount": D("120")},
                {"product": None},
            ],
        )
    assert set(error.value.message_dict) == {
        "lines.1.quantity",
        "lines.2.discount",
        "lines.3.product",
    }
    # the earlier line and total stay
    assert list(CaseLine.objects.filter(case=case).values_list("product__code", flat=True)) == [
        "LIC-1"
    ]
    assert Case.objects.get(pk=case.pk).amount == D("100.00")


def test_removing_every_line_keeps_the_amount_entered(make_case, products, agent):
    case = make_case()
    services.case_lines_set(user=agent, case=case, lines=[{"product": products["licence"]}])
    services.case_lines_set(user=agent, case=case, lines=[])
    assert not CaseLine.objects.filter(case=case).exists()
    assert Case.objects.get(pk=case.pk).amount == D("100.00")


def test_only_opportunities_have_lines(make_case, products, agent):
    case = make_case(case_type="complaint")
    with pytest.raises(ValidationError) as error:
        services.case_lines_set(user=agent, case=case, lines=[{"product": products["licence"]}])
    assert error.value.message_dict == {"lines": ["Only sales opportunities have product lines."]}


def test_a_product_no_longer_sold_cannot_be_added_but_stays_on_old_lines(
    make_case, products, agent
):
    case = make_case()
    services.case_lines_set(user=agent, case=case, lines=[{"product": products["licence"]}])
    products["licence"].is_active = False
    products["licence"].save()
    products["training"].is_active = False
    products["training"].save()
    # the line already there may be kept (saved again with the form)
    services.case_lines_set(
        user=agent, case=case, lines=[{"product": products["licence"], "quantity": D("2")}]
    )
    assert Case.objects.get(pk=case.pk).amount == D("200.00")
    with pytest.raises(ValidationError) as error:
        services.case_lines_set(user=agent, case=case, lines=[{"product": products["training"]}])
    assert error.value.message_dict == {"lines.0.product": ["That product is no longer sold."]}


def test_lines_follow_the_case_permissions(make_case, products, other_agent, reader):
    case = make_case()
    for user in (other_agent, reader):
        with pytest.raises(PermissionDenied):
            services.case_lines_set(user=user, case=case, lines=[{"product": products["licence"]}])
    assert not CaseLine.objects.filter(case=case).exists()
