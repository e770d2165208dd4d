"""The ERP's product upserts: integration permission, adoption by code, idempotency."""

import decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from relata.products.models import Product, ProductFamily
from relata.products.services import family_upsert, product_create, product_upsert
from relata.sales.tokens import integration_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(admin_user):
    return integration_token_create(user=admin_user, name="ERP")[0]


def _data(**overrides):
    data = {
        "external_id": "P1",
        "code": "H-1",
        "name_en": "Hammer",
        "unit_price": decimal.Decimal("9.90"),
        "family": None,
    }
    data.update(overrides)
    return data


def test_needs_an_integration_token(admin_user):
    with pytest.raises(PermissionDenied):
        product_upsert(token=admin_user, data=_data())
    with pytest.raises(PermissionDenied):
        family_upsert(token=None, data={"external_id": "F1", "name_en": "Tools"})
    assert not Product.objects.exists()


def test_created_updated_unchanged_without_history_noise(token):
    product, status = product_upsert(token=token, data=_data())
    assert status == "created" and product.history.count() == 1
    assert product_upsert(token=token, data=_data())[1] == "unchanged"
    assert product.history.count() == 1
    product, status = product_upsert(token=token, data=_data(unit_price=decimal.Decimal("11")))
    assert status == "updated" and product.unit_price == decimal.Decimal("11.00")
    assert product.history.count() == 2
    assert product.history.first().history_user == token.acts_as


def test_a_crm_product_with_the_same_code_is_adopted(token, admin_user):
    crm = product_create(user=admin_user, data={"code": "H-1", "name_en": "Hammer (CRM)"})
    product, status = product_upsert(token=token, data=_data())
    assert product.pk == crm.pk and status == "updated"
    assert Product.objects.get().external_id == "P1"


def test_code_clash_with_another_erp_product(token):
    product_upsert(token=token, data=_data())
    with pytest.raises(ValidationError) as error:
        product_upsert(token=token, data=_data(external_id="P2"))
    assert "code" in error.value.message_dict


def test_family_upsert_and_price_kept_when_absent(token):
    family, status = family_upsert(token=token, data={"external_id": "F 1", "name_en": "Tools"})
    assert status == "created" and family.code == "f-1"
    product_upsert(token=token, data=_data(family=family))
    product, status = product_upsert(token=token, data=_data(family=family, unit_price=None))
    assert status == "unchanged" and product.unit_price == decimal.Decimal("9.90")
    assert ProductFamily.objects.get().products.get() == product
