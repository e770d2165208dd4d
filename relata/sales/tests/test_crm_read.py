"""CRM users' read access to the sales data and the 360° summary figures."""

import datetime
import decimal

import pytest
from rest_framework.test import APIClient

from relata.sales import selectors, upsert
from relata.sales.models import Customer

from .conftest import customer_payload

pytestmark = pytest.mark.django_db
D = decimal.Decimal
TODAY = datetime.date(2026, 6, 15)


@pytest.fixture
def loaded(token, agent, team, admin_user):
    from relata.sales.linking import link_setting_update
    from relata.sales.models import Master

    link_setting_update(
        user=admin_user,
        master=Master.CUSTOMERS,
        creates_entity=True,
        default_owner=agent,
        default_team=team,
    )

    def put(kind, records):
        result = upsert.upsert_batch(token=token, kind=kind, records=records)
        assert not result.errors, result.errors

    put("customers", [customer_payload()])
    put(
        "products",
        [
            {
                "external_id": "P1",
                "code": "P-1",
                "name": "Hammer",
                "family": {"external_id": "F1", "name": "Tools"},
            }
        ],
    )
    put(
        "orders",
        [
            {
                "external_id": "O1",
                "number": "SO-1",
                "customer": "C001",
                "date": "2026-06-01",
                "lines": [
                    {"line_number": 1, "product": "P1", "quantity": "1", "unit_price": "100"}
                ],
            },
            {
                "external_id": "O2",
                "number": "SO-2",
                "customer": "C001",
                "date": "2026-02-01",
                "status": "delivered",
                "total": "50",
            },
        ],
    )
    put(
        "deliveries",
        [
            {
                "external_id": "D1",
                "number": "A-1",
                "customer": "C001",
                "order": "O1",
                "date": "2026-06-10",
                "status": "shipped",
            },
        ],
    )
    put(
        "invoices",
        [
            {
                "external_id": "I1",
                "number": "F-1",
                "customer": "C001",
                "date": "2026-02-03",
                "due_date": "2026-03-03",
                "paid_amount": "0",
                "lines": [
                    {"line_number": 1, "product": "P1", "quantity": "3", "unit_price": "100"}
                ],
            },
            {
                "external_id": "I2",
                "number": "F-2",
                "customer": "C001",
                "date": "2026-06-02",
                "due_date": "2026-07-02",
                "total": "200",
                "paid_amount": "200",
                "status": "paid",
            },
            {
                "external_id": "I3",
                "number": "F-3",
                "customer": "C001",
                "date": "2025-06-02",
                "total": "80",
                "paid_amount": "80",
                "status": "paid",
            },
            {
                "external_id": "I4",
                "number": "F-4",
                "customer": "C001",
                "date": "2026-05-02",
                "total": "999",
                "status": "cancelled",
            },
        ],
    )
    return Customer.objects.get()


def test_summary_figures(loaded):
    summary = selectors.customer_summary(loaded, today=TODAY)
    assert summary["sales_by_month"]["this_year"][1] == D("300.00")  # February
    assert summary["sales_by_month"]["this_year"][5] == D("200.00")  # June
    assert summary["sales_by_month"]["this_year"][4] == D("0.00")  # the cancelled one
    assert summary["sales_this_year"] == D("500.00")
    assert summary["sales_last_year"] == D("80.00")
    assert summary["sales_by_family"][0]["name_en"] == "Tools"
    assert summary["sales_by_family"][0]["total"] == D("300.00")
    assert summary["open_orders"]["count"] == 1
    assert summary["open_orders"]["amount"] == D("100.00")
    assert summary["pending_deliveries"]["count"] == 1
    assert summary["unpaid_invoices"]["count"] == 1
    assert summary["unpaid_invoices"]["amount"] == D("300.00")
    assert summary["overdue_invoices"] == {"count": 1, "amount": D("300.00")}
    assert summary["credit"] == {
        "limit": D("15000.00"),
        "outstanding": D("300.00"),
        "available": D("14700.00"),
    }


def test_summary_query_count_is_fixed(loaded, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        selectors.customer_summary(loaded, today=TODAY)


def test_visibility_follows_the_entity(loaded, agent, other_agent):
    mine, theirs = APIClient(), APIClient()
    mine.force_authenticate(agent)
    theirs.force_authenticate(other_agent)
    entity = loaded.entity
    assert len(mine.get("/api/v1/sales/crm/orders/").json()["results"]) == 2
    assert theirs.get("/api/v1/sales/crm/orders/").json()["results"] == []
    assert theirs.get("/api/v1/sales/crm/invoices/").json()["results"] == []
    assert theirs.get(f"/api/v1/sales/crm/customers/{loaded.pk}/").status_code == 404
    invoice = mine.get(f"/api/v1/sales/crm/invoices/?entity={entity.pk}").json()["results"]
    assert {i["number"] for i in invoice} == {"F-1", "F-2", "F-3", "F-4"}
    summary = mine.get(f"/api/v1/sales/crm/entities/{entity.pk}/summary/")
    assert summary.status_code == 200
    assert summary.json()["open_orders"]["items"][0]["number"] == "SO-1"
    assert theirs.get(f"/api/v1/sales/crm/entities/{entity.pk}/summary/").status_code == 404


def test_integration_token_cannot_read_crm_side(loaded, erp):
    assert erp.get("/api/v1/sales/crm/orders/").status_code == 401


def test_unlinked_customers_only_for_administrators(token, admin_user, agent):
    from relata.sales.linking import link_setting_update
    from relata.sales.models import Master

    link_setting_update(user=admin_user, master=Master.CUSTOMERS, creates_entity=False)
    upsert.upsert_batch(token=token, kind="customers", records=[customer_payload()])
    admin, user = APIClient(), APIClient()
    admin.force_authenticate(admin_user)
    user.force_authenticate(agent)
    assert len(admin.get("/api/v1/sales/crm/customers/").json()["results"]) == 1
    assert user.get("/api/v1/sales/crm/customers/").json()["results"] == []
