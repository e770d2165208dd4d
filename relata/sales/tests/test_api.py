"""The integration API: upserts, idempotency, bulk all-or-nothing/partial, token scope."""

import datetime
import decimal

import pytest
from rest_framework.test import APIClient

from relata.api.services import token_create
from relata.entities.models import Entity
from relata.products.models import Product, ProductFamily
from relata.sales.models import Customer, Invoice, SalesOrder, SalesOrderLine

from .conftest import customer_payload

pytestmark = pytest.mark.django_db
BASE = "/api/v1/sales"


def _order(external_id="O1", customer="C001", lines=None, **overrides):
    data = {
        "external_id": external_id,
        "number": f"SO-{external_id}",
        "customer": customer,
        "date": "2026-10-01",
        "status": "open",
        "lines": lines
        if lines is not None
        else [
            {"line_number": 1, "product": "P1", "quantity": "2", "unit_price": "10.00"},
            {
                "line_number": 2,
                "description": "Freight",
                "quantity": "1",
                "unit_price": "5.55",
                "discount": "10",
            },
        ],
    }
    data.update(overrides)
    return data


@pytest.fixture
def product(erp):
    response = erp.put(
        f"{BASE}/products/P1",
        {
            "code": "P-1",
            "name": "Hammer",
            "unit_price": "10.00",
            "family": {"external_id": "F1", "name": "Tools"},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    return Product.objects.get(external_id="P1")


def test_put_customer_created_updated_unchanged(erp):
    response = erp.put(f"{BASE}/customers/C001", customer_payload(), format="json")
    assert response.status_code == 201, response.json()
    assert response.json() == {"external_id": "C001", "status": "created", "unchanged": False}
    customer = Customer.objects.get()
    stamp = customer.updated_at
    entity_history = customer.entity.history.count()

    response = erp.put(f"{BASE}/customers/C001", customer_payload(), format="json")
    assert response.status_code == 200
    assert response.json()["unchanged"] is True
    customer.refresh_from_db()
    assert customer.updated_at == stamp
    assert customer.entity.history.count() == entity_history
    assert Customer.objects.count() == 1 and Entity.objects.count() == 1

    response = erp.put(
        f"{BASE}/customers/C001", customer_payload(credit_limit="20000"), format="json"
    )
    assert response.json()["status"] == "updated"
    customer.refresh_from_db()
    assert customer.credit_limit == decimal.Decimal("20000.00")
    assert customer.updated_at > stamp


def test_put_external_id_mismatch_is_refused(erp):
    response = erp.put(f"{BASE}/customers/C001", customer_payload("OTHER"), format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "external_id"


def test_put_reports_field_errors(erp):
    response = erp.put(f"{BASE}/customers/C001", {"credit_limit": "x"}, format="json")
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"name", "credit_limit"} <= fields
    assert not Customer.objects.exists()


def test_product_upsert_writes_the_catalogue_idempotently(erp, product):
    assert product.family == ProductFamily.objects.get(external_id="F1")
    assert product.name_en == "Hammer" and product.unit_price == decimal.Decimal("10.00")
    history = product.history.count()
    body = {
        "code": "P-1",
        "name": "Hammer",
        "unit_price": "10.00",
        "family": {"external_id": "F1", "name": "Tools"},
    }
    response = erp.put(f"{BASE}/products/P1", body, format="json")
    assert response.json()["status"] == "unchanged"
    assert product.history.count() == history


def test_order_with_lines_and_computed_amounts(erp, product):
    erp.put(f"{BASE}/customers/C001", customer_payload(), format="json")
    response = erp.put(f"{BASE}/orders/O1", _order(), format="json")
    assert response.status_code == 201, response.json()
    order = SalesOrder.objects.get()
    lines = list(order.lines.order_by("line_number"))
    assert lines[0].product == product and lines[0].amount == decimal.Decimal("20.00")
    assert lines[1].amount == decimal.Decimal("5.00")  # 5.55 less 10 %, half-up
    assert order.total == decimal.Decimal("25.00")
    assert order.customer == Customer.objects.get()
    # Changing a line replaces the lines; sending it again changes nothing.
    changed = _order(
        lines=[{"line_number": 1, "product": "P1", "quantity": "3", "unit_price": "10.00"}]
    )
    assert erp.put(f"{BASE}/orders/O1", changed, format="json").json()["status"] == "updated"
    assert erp.put(f"{BASE}/orders/O1", changed, format="json").json()["status"] == "unchanged"
    assert SalesOrderLine.objects.count() == 1
    order.refresh_from_db()
    assert order.total == decimal.Decimal("30.00")


def test_unknown_references_are_per_record_errors(erp):
    erp.put(f"{BASE}/customers/C001", customer_payload(), format="json")
    response = erp.put(f"{BASE}/orders/O1", _order(customer="NOPE"), format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {e["field"] for e in errors} == {"customer", "lines.0.product"}
    assert not SalesOrder.objects.exists()


def test_invoice_with_order_and_due_date(erp, product):
    erp.put(f"{BASE}/customers/C001", customer_payload(), format="json")
    erp.put(f"{BASE}/orders/O1", _order(), format="json")
    body = {
        "number": "F-1",
        "customer": "C001",
        "order": "O1",
        "date": "2026-10-02",
        "due_date": "2026-11-01",
        "paid_amount": "5.00",
        "lines": [{"line_number": 1, "product": "P1", "quantity": "1", "unit_price": "12.10"}],
    }
    response = erp.put(f"{BASE}/invoices/I1", body, format="json")
    assert response.status_code == 201, response.json()
    invoice = Invoice.objects.get()
    assert invoice.order.external_id == "O1"
    assert invoice.total == decimal.Decimal("12.10")
    assert invoice.outstanding == decimal.Decimal("7.10")
    assert invoice.due_date == datetime.date(2026, 11, 1)
    response = erp.put(
        f"{BASE}/deliveries/D1",
        {
            "number": "A-1",
            "customer": "C001",
            "order": "O1",
            "date": "2026-10-03",
            "status": "shipped",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()


def _bad_batch():
    good = [customer_payload(f"C{i}", code=f"C{i}", tax_id="", name=f"Shop {i}") for i in range(5)]
    good[3]["credit_limit"] = "lots"
    good[1]["addresses"][1]["kind"] = "warehouse"
    return good


def test_bulk_all_or_nothing(erp):
    response = erp.post(f"{BASE}/customers/bulk/", _bad_batch(), format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["index"], e["field"]) for e in errors] == [
        (1, "addresses.1.kind"),
        (3, "credit_limit"),
    ]
    assert errors[1]["external_id"] == "C3"
    assert not Customer.objects.exists() and not Entity.objects.exists()


def test_bulk_partial_saves_the_good_ones(erp):
    response = erp.post(f"{BASE}/customers/bulk/?partial=true", _bad_batch(), format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["created"] == 3
    assert sorted(e["index"] for e in body["errors"]) == [1, 3]
    assert set(Customer.objects.values_list("external_id", flat=True)) == {"C0", "C2", "C4"}
    assert Entity.objects.count() == 3
    # The same call again: nothing changes.
    again = erp.post(f"{BASE}/customers/bulk/?partial=true", _bad_batch(), format="json").json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)


def test_bulk_over_the_limit_is_refused(erp):
    records = [{"external_id": f"C{i}", "name": "x"} for i in range(1001)]
    response = erp.post(f"{BASE}/customers/bulk/", records, format="json")
    assert response.status_code == 400
    assert "1000" in response.json()["detail"]
    assert not Customer.objects.exists()


def test_bulk_duplicate_external_ids_in_one_batch(erp):
    records = [{"external_id": "C1", "name": "a"}, {"external_id": "C1", "name": "b"}]
    response = erp.post(f"{BASE}/customers/bulk/", records, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["index"] == 1


def test_bulk_orders(erp, product):
    erp.put(f"{BASE}/customers/C001", customer_payload(), format="json")
    records = [_order(f"O{i}") for i in range(50)]
    body = erp.post(f"{BASE}/orders/bulk/", {"records": records}, format="json").json()
    assert body["created"] == 50
    assert SalesOrderLine.objects.count() == 100
    records[7]["status"] = "delivered"
    body = erp.post(f"{BASE}/orders/bulk/", records, format="json").json()
    assert (body["created"], body["updated"], body["unchanged"]) == (0, 1, 49)
    assert SalesOrder.objects.get(external_id="O7").status == "delivered"
    assert SalesOrderLine.objects.count() == 100


# --- Token scope ---------------------------------------------------------------------


def test_user_token_and_session_are_refused_on_sales(admin_user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_create(user=admin_user)}")
    assert client.get("/api/v1/entities/").status_code == 200
    response = client.put(f"{BASE}/customers/C001", customer_payload(), format="json")
    assert response.status_code == 403
    session = APIClient()
    session.force_login(admin_user)
    assert (
        session.put(f"{BASE}/customers/C001", customer_payload(), format="json").status_code == 403
    )
    assert not Customer.objects.exists()


def test_integration_token_is_refused_elsewhere(erp):
    assert erp.get("/api/v1/entities/").status_code == 401
    assert erp.get("/api/v1/cases/").status_code == 401
    assert erp.get("/api/v1/parameters/").status_code == 401


def test_bad_or_revoked_integration_token(token_pair, admin_user):
    from relata.sales.tokens import integration_token_revoke

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer rit_not-a-token")
    assert (
        client.put(f"{BASE}/customers/C001", customer_payload(), format="json").status_code == 401
    )
    integration_token_revoke(user=admin_user, token=token_pair[0])
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair[1]}")
    assert (
        client.put(f"{BASE}/customers/C001", customer_payload(), format="json").status_code == 401
    )
    anonymous = APIClient()
    assert (
        anonymous.put(f"{BASE}/customers/C001", customer_payload(), format="json").status_code
        == 401
    )


def test_only_administrators_create_integration_tokens(agent, admin_user):
    from django.core.exceptions import PermissionDenied, ValidationError

    from relata.sales.tokens import integration_token_create

    with pytest.raises(PermissionDenied):
        integration_token_create(user=agent, name="x")
    with pytest.raises(ValidationError):
        integration_token_create(user=admin_user, name="x", acts_as=agent)
