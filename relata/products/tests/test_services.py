"""The catalogue services: validation and who may change the catalogue."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from relata.products import selectors, services
from relata.products.models import Product, ProductFamily

pytestmark = pytest.mark.django_db


def test_admin_creates_a_family_and_a_product_recorded_in_history(admin_user):
    family = services.family_create(
        user=admin_user, data={"code": "software", "name_en": "Software", "external_id": ""}
    )
    product = services.product_create(
        user=admin_user,
        data={
            "code": "LIC-1",
            "name_en": "Licence",
            "family": family,
            "unit_price": Decimal("99.90"),
        },
    )

    assert family.external_id is None
    assert Product.objects.get(pk=product.pk).unit_price == Decimal("99.90")
    assert product.history.first().history_user == admin_user


def test_a_negative_price_is_refused(admin_user):
    with pytest.raises(ValidationError) as error:
        services.product_create(
            user=admin_user, data={"code": "X-1", "name_en": "X", "unit_price": Decimal("-1")}
        )

    assert "unit_price" in error.value.message_dict
    assert not Product.objects.exists()


def test_a_duplicate_product_code_is_refused(admin_user):
    services.product_create(user=admin_user, data={"code": "LIC-1", "name_en": "Licence"})

    with pytest.raises(ValidationError) as error:
        services.product_create(user=admin_user, data={"code": "LIC-1", "name_en": "Other"})

    assert "code" in error.value.message_dict
    assert Product.objects.count() == 1


@pytest.mark.parametrize("role", ["manager", "agent", "reader"])
def test_only_administrators_change_the_catalogue(request, role, admin_user):
    user = request.getfixturevalue(role)
    family = services.family_create(user=admin_user, data={"code": "hw", "name_en": "Hardware"})

    with pytest.raises(PermissionDenied):
        services.product_create(user=user, data={"code": "P-1", "name_en": "P"})
    with pytest.raises(PermissionDenied):
        services.family_update(user=user, family=family, data={"name_en": "Kit"})

    assert not Product.objects.exists()
    assert ProductFamily.objects.get(pk=family.pk).name_en == "Hardware"


def test_the_settings_list_filters_by_state_family_and_search(admin_user):
    family = services.family_create(user=admin_user, data={"code": "sw", "name_en": "Software"})
    licence = services.product_create(
        user=admin_user, data={"code": "LIC-1", "name_en": "Licence", "family": family}
    )
    old = services.product_create(
        user=admin_user, data={"code": "OLD-1", "name_en": "Old licence", "is_active": False}
    )

    assert list(selectors.product_list()) == [licence]
    assert list(selectors.product_list(state="inactive")) == [old]
    assert list(selectors.product_list(state="all", search="licence")) == [licence, old]
    assert list(selectors.product_list(state="all", family=family)) == [licence]
    assert [(f.code, f.product_count) for f in selectors.family_list()] == [("sw", 1)]
