"""REST API of the product catalogue: every user reads it, administrators change it."""

from __future__ import annotations

import decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from relata.products.models import Product, ProductFamily

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db):
    software = ProductFamily.objects.create(code="software", name_en="Software", name_es="Software")
    services = ProductFamily.objects.create(
        code="services", name_en="Services", name_es="Servicios", order=1
    )
    ProductFamily.objects.create(code="legacy", name_en="Legacy", is_active=False, order=2)
    Product.objects.create(
        code="LIC",
        name_en="Licence",
        name_es="Licencia",
        family=software,
        unit_price=decimal.Decimal("100.00"),
    )
    Product.objects.create(code="SUP", name_en="Support", family=services, unit_price=50)
    Product.objects.create(code="OLD", name_en="Old box", is_active=False)
    return {"software": software, "services": services}


def codes(client, name: str = "product-list", **params) -> list[str]:
    response = client.get(reverse(name), params)
    assert response.status_code == 200, response.json()
    return [row["code"] for row in response.json()["results"]]


def test_every_user_reads_and_filters_the_products(api_client, reader, catalogue):
    api_client.force_authenticate(reader)

    assert codes(api_client) == ["LIC", "OLD", "SUP"]
    assert codes(api_client, family="software") == ["LIC"]
    assert codes(api_client, family=catalogue["services"].pk) == ["SUP"]
    assert codes(api_client, active="true") == ["LIC", "SUP"]
    assert codes(api_client, active="false") == ["OLD"]
    assert codes(api_client, search="licen") == ["LIC"]
    row = api_client.get(reverse("product-list"), {"search": "LIC"}).json()["results"][0]
    assert row["unit_price"] == "100.00"
    assert (row["family"], row["family_code"]) == (catalogue["software"].pk, "software")


def test_product_names_follow_the_request_language(api_client, agent, catalogue):
    api_client.force_authenticate(agent)

    rows = api_client.get(
        reverse("product-list"), {"search": "LIC"}, HTTP_ACCEPT_LANGUAGE="es"
    ).json()["results"]

    assert rows[0]["name"] == "Licencia"


def test_families(api_client, agent, catalogue):
    api_client.force_authenticate(agent)

    assert codes(api_client, "productfamily-list") == ["software", "services", "legacy"]
    assert codes(api_client, "productfamily-list", active="false") == ["legacy"]
    assert codes(api_client, "productfamily-list", search="servi") == ["services"]


@pytest.mark.parametrize(("params", "field"), [({"active": "maybe"}, "active")])
def test_bad_filters_are_400(api_client, agent, params, field):
    api_client.force_authenticate(agent)

    response = api_client.get(reverse("product-list"), params)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_an_administrator_creates_and_changes_products(api_client, admin_user, catalogue):
    api_client.force_authenticate(admin_user)

    created = api_client.post(
        reverse("product-list"),
        {"code": "TRN", "name_en": "Training", "family": "services", "unit_price": "300.00"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    changed = api_client.patch(
        reverse("product-detail", args=[created.json()["id"]]),
        {"unit_price": "320.00", "is_active": False, "family": None},
        format="json",
    )

    assert changed.status_code == 200, changed.json()
    product = Product.objects.get(code="TRN")
    assert (product.unit_price, product.is_active, product.family) == (
        decimal.Decimal("320.00"),
        False,
        None,
    )
    assert product.history.first().history_user == admin_user


def test_an_administrator_defines_families(api_client, admin_user):
    api_client.force_authenticate(admin_user)

    created = api_client.post(
        reverse("productfamily-list"), {"code": "hardware", "name_en": "Hardware"}, format="json"
    )
    changed = api_client.patch(
        reverse("productfamily-detail", args=[created.json()["id"]]),
        {"name_es": "Equipos"},
        format="json",
    )

    assert (created.status_code, changed.status_code) == (201, 200)
    assert ProductFamily.objects.get(code="hardware").name_es == "Equipos"


def test_bad_products_are_400(api_client, admin_user, catalogue):
    api_client.force_authenticate(admin_user)

    response = api_client.post(
        reverse("product-list"),
        {"code": "LIC", "name_en": "Again", "unit_price": "-1", "family": "nope"},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"family", "unit_price"}
    duplicate = api_client.post(
        reverse("product-list"), {"code": "LIC", "name_en": "Again"}, format="json"
    )
    assert duplicate.status_code == 400
    assert set(duplicate.json()["errors"]) == {"code"}
    assert Product.objects.count() == 3


@pytest.mark.parametrize("role", ["manager", "agent", "reader"])
def test_only_administrators_change_the_catalogue(request, api_client, catalogue, role):
    api_client.force_authenticate(request.getfixturevalue(role))
    product = Product.objects.get(code="LIC")

    created = api_client.post(
        reverse("product-list"), {"code": "NEW", "name_en": "New"}, format="json"
    )
    changed = api_client.patch(
        reverse("product-detail", args=[product.pk]), {"unit_price": "1.00"}, format="json"
    )
    family = api_client.post(
        reverse("productfamily-list"), {"code": "new", "name_en": "New"}, format="json"
    )

    assert (created.status_code, changed.status_code, family.status_code) == (403, 403, 403)
    assert created.json()["code"] == "permission_denied"
    assert not Product.objects.filter(code="NEW").exists()
    product.refresh_from_db()
    assert product.unit_price == decimal.Decimal("100.00")


def test_products_are_not_deleted(api_client, admin_user, catalogue):
    api_client.force_authenticate(admin_user)
    product = Product.objects.get(code="LIC")

    response = api_client.delete(reverse("product-detail", args=[product.pk]))

    assert response.status_code == 405
    assert Product.objects.filter(pk=product.pk).exists()


def test_the_product_list_takes_a_fixed_number_of_queries(
    api_client, agent, catalogue, django_assert_max_num_queries
):
    api_client.force_authenticate(agent)

    with CaptureQueriesContext(connection) as one:
        codes(api_client)
    for index in range(10):
        Product.objects.create(code=f"P{index}", name_en=f"P{index}", family=catalogue["software"])
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(codes(api_client)) == 13
