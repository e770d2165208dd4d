"""Settings → Products and Product families through the pages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from relata.products.models import Product, ProductFamily

pytestmark = pytest.mark.django_db

PRODUCT = {
    "code": "LIC-1",
    "name_en": "Licence",
    "name_es": "Licencia",
    "family": "",
    "description": "",
    "unit_price": "1250.50",
    "currency": "EUR",
    "external_id": "",
    "is_active": "on",
}
FAMILY = {
    "code": "software",
    "name_en": "Software",
    "name_es": "",
    "external_id": "",
    "order": "1",
    "is_active": "on",
}


@pytest.fixture
def family(db):
    return ProductFamily.objects.create(code="services", name_en="Services")


def test_admin_creates_and_edits_a_product(client, admin_user, family):
    client.force_login(admin_user)

    created = client.post(reverse("products:product_create"), {**PRODUCT, "family": family.pk})
    product = Product.objects.get(code="LIC-1")
    edited = client.post(
        reverse("products:product_edit", args=[product.pk]),
        {**PRODUCT, "family": family.pk, "unit_price": "1300", "is_active": ""},
    )

    product.refresh_from_db()
    assert (created.status_code, edited.status_code) == (302, 302)
    assert created["Location"] == reverse("products:product_list")
    assert (product.family, product.unit_price, product.is_active) == (
        family,
        Decimal("1300.00"),
        False,
    )
    assert product.external_id is None


def test_the_product_form_refuses_a_negative_price_and_a_duplicate_code(client, admin_user):
    client.force_login(admin_user)
    Product.objects.create(code="LIC-1", name_en="Licence")

    negative = client.post(
        reverse("products:product_create"), {**PRODUCT, "code": "NEW-1", "unit_price": "-5"}
    )
    duplicate = client.post(reverse("products:product_create"), PRODUCT)

    assert negative.status_code == 200
    assert "Ensure this value is greater than or equal to 0." in negative.content.decode()
    assert duplicate.status_code == 200
    assert "Product with this Code already exists." in duplicate.content.decode()
    assert Product.objects.count() == 1


def test_the_list_shows_formatted_prices_and_filters(client, admin_user, family):
    client.force_login(admin_user)
    Product.objects.create(code="LIC-1", name_en="Licence", unit_price="1250.50", family=family)
    Product.objects.create(code="OLD-1", name_en="Old kit", unit_price="10", is_active=False)

    active = client.get(reverse("products:product_list"))
    inactive = client.get(reverse("products:product_list"), {"state": "inactive"})
    searched = client.get(reverse("products:product_list"), {"q": "nothing-like-this"})
    by_family = client.get(reverse("products:product_list"), {"family": family.pk, "state": "all"})

    assert active.status_code == 200
    assert "€1,250.50" in active.content.decode()
    assert [p.code for p, _price in active.context["rows"]] == ["LIC-1"]
    assert [p.code for p, _price in inactive.context["rows"]] == ["OLD-1"]
    assert "No products match" in searched.content.decode()
    assert [p.code for p, _price in by_family.context["rows"]] == ["LIC-1"]
    assert active.context["nav_current"] == "settings"


def test_the_list_paginates(client, admin_user):
    client.force_login(admin_user)
    Product.objects.bulk_create(
        Product(code=f"P-{i:02d}", name_en=f"Product {i:02d}") for i in range(30)
    )

    second = client.get(reverse("products:product_list"), {"page": 2})

    assert len(second.context["rows"]) == 5
    assert "26–30 of 30" in second.content.decode()


def test_the_empty_catalogue_invites_to_add_a_product(client, admin_user):
    client.force_login(admin_user)

    page = client.get(reverse("products:product_list")).content.decode()

    assert "No products yet" in page
    assert reverse("products:product_create") in page


def test_admin_creates_and_edits_a_family(client, admin_user):
    client.force_login(admin_user)

    created = client.post(reverse("products:family_create"), FAMILY)
    family = ProductFamily.objects.get(code="software")
    edited = client.post(
        reverse("products:family_edit", args=[family.pk]), {**FAMILY, "name_es": "Programas"}
    )
    listed = client.get(reverse("products:family_list"))

    family.refresh_from_db()
    assert (created.status_code, edited.status_code) == (302, 302)
    assert family.name_es == "Programas"
    assert "Programas" in listed.content.decode()


def test_a_duplicate_family_code_is_refused(client, admin_user, family):
    client.force_login(admin_user)

    response = client.post(reverse("products:family_create"), {**FAMILY, "code": "services"})

    assert response.status_code == 200
    assert "Product family with this Code already exists." in response.content.decode()
    assert ProductFamily.objects.count() == 1


@pytest.mark.parametrize("role", ["manager", "agent", "reader"])
def test_only_administrators_reach_the_catalogue_pages(client, request, role, family):
    client.force_login(request.getfixturevalue(role))
    product = Product.objects.create(code="LIC-1", name_en="Licence")

    responses = [
        client.get(reverse("products:product_list")),
        client.get(reverse("products:product_create")),
        client.post(reverse("products:product_create"), {**PRODUCT, "code": "NEW-1"}),
        client.get(reverse("products:product_edit", args=[product.pk])),
        client.post(reverse("products:product_edit", args=[product.pk]), PRODUCT),
        client.get(reverse("products:family_list")),
        client.get(reverse("products:family_create")),
        client.post(reverse("products:family_create"), FAMILY),
        client.get(reverse("products:family_edit", args=[family.pk])),
        client.post(reverse("products:family_edit", args=[family.pk]), FAMILY),
    ]

    assert [r.status_code for r in responses] == [403] * 10
    assert list(Product.objects.values_list("code", flat=True)) == ["LIC-1"]
    assert list(ProductFamily.objects.values_list("code", flat=True)) == ["services"]
