"""The "Sales (ERP)" panel of the entity page: exact figures on a hand-built customer,
the empty state, permissions and a bounded number of queries."""

from __future__ import annotations

import datetime
import decimal
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from relata.products.models import Product, ProductFamily
from relata.sales import selectors
from relata.sales.models import (
    Customer,
    Delivery,
    DeliveryStatus,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    OrderStatus,
    SalesOrder,
)

pytestmark = pytest.mark.django_db
D = decimal.Decimal


def _now():
    return timezone.now()


def make_customer(entity, external_id="C1", **fields):
    defaults = {
        "name": "Acme Trading SL",
        "code": "C-0001",
        "payment_terms": "60 days",
        "price_list": "WHOLESALE",
        "credit_limit": D("1000.00"),
        "commercial_conditions": {"discount": 5, "free_shipping_from": 300},
        "updated_at": _now(),
    }
    defaults.update(fields)
    return Customer.objects.create(external_id=external_id, entity=entity, **defaults)


def make_invoice(customer, number, date, total, *, paid="0", due=None, status="open", lines=()):
    invoice = Invoice.objects.create(
        external_id=f"I-{number}",
        number=number,
        customer=customer,
        date=date,
        due_date=due,
        total=D(total),
        paid_amount=D(paid),
        status=status,
        updated_at=_now(),
    )
    for n, (product, amount) in enumerate(lines, start=1):
        InvoiceLine.objects.create(
            invoice=invoice,
            line_number=n,
            product=product,
            description=product.name_en if product else "Freight",
            quantity=D("1"),
            unit_price=D(amount),
            amount=D(amount),
        )
    return invoice


def make_order(customer, number, date, total, status=OrderStatus.OPEN):
    return SalesOrder.objects.create(
        external_id=f"O-{number}",
        number=number,
        customer=customer,
        date=date,
        total=D(total),
        status=status,
        updated_at=_now(),
    )


@pytest.fixture
def families(db):
    """Eight families with one product each, F1 … F8."""
    result = []
    for n in range(1, 9):
        family = ProductFamily.objects.create(
            code=f"f{n}", name_en=f"Family {n}", name_es=f"Familia {n}"
        )
        result.append(
            Product.objects.create(
                code=f"P{n}", name_en=f"Product {n}", family=family, unit_price="1"
            )
        )
    return result


@pytest.fixture
def sales(entity, families):
    """A customer of ``entity`` with invoices this year and last year, open and delivered
    orders, pending and delivered deliveries."""
    today = timezone.localdate()
    year = today.year
    customer = make_customer(entity)
    p = families
    # This year: January 1st (always past) and today.
    make_invoice(
        customer,
        "F-1",
        datetime.date(year, 1, 1),
        "1100.00",
        paid="1100.00",
        status=InvoiceStatus.PAID,
        lines=[(p[0], "400.00"), (p[1], "300.00"), (p[2], "200.00"), (p[3], "100.00"),
               (p[4], "50.00"), (p[5], "30.00"), (p[6], "15.00"), (p[7], "5.00")],
    )  # fmt: skip
    make_invoice(
        customer,
        "F-2",
        today,
        "300.00",
        paid="100.00",
        due=today - datetime.timedelta(days=1),  # overdue: 200.00 outstanding
        lines=[(p[0], "300.00")],
    )
    make_invoice(
        customer, "F-3", today, "150.00", due=today + datetime.timedelta(days=30)
    )  # unpaid, not overdue
    make_invoice(customer, "F-X", today, "999.00", status=InvoiceStatus.CANCELLED)
    # Last year: January (in the same period as this year) and December.
    make_invoice(
        customer, "F-L1", datetime.date(year - 1, 1, 20), "800.00", paid="800.00", status="paid"
    )
    make_invoice(
        customer, "F-L2", datetime.date(year - 1, 12, 20), "500.00", paid="500.00", status="paid"
    )
    for n in range(7):
        make_order(customer, f"SO-{n}", today - datetime.timedelta(days=n), "100.00")
    make_order(
        customer,
        "SO-P",
        today - datetime.timedelta(days=8),
        "40.00",
        OrderStatus.PARTIALLY_DELIVERED,
    )
    make_order(customer, "SO-D", today - datetime.timedelta(days=9), "70.00", OrderStatus.DELIVERED)
    Delivery.objects.create(
        external_id="D1", number="A-1", customer=customer, date=today, updated_at=_now()
    )
    Delivery.objects.create(
        external_id="D2",
        number="A-2",
        customer=customer,
        date=today,
        status=DeliveryStatus.DELIVERED,
        updated_at=_now(),
    )
    return customer


def expected_months(today):
    this_year = [D("0.00")] * 12
    this_year[0] += D("1100.00")
    this_year[today.month - 1] += D("450.00")
    last_year = [D("0.00")] * 12
    last_year[0] = D("800.00")
    last_year[11] = D("500.00")
    return this_year, last_year


def test_summary_figures(sales):
    today = timezone.localdate()
    summary = selectors.customer_360(sales, today)
    this_year, last_year = expected_months(today)
    assert summary["sales_by_month"]["this_year"] == this_year
    assert summary["sales_by_month"]["last_year"] == last_year
    assert summary["sales_this_year"] == D("1550.00")
    assert summary["sales_last_year"] == D("1300.00")
    ytd = D("800.00") + (D("500.00") if today.month == 12 else D("0"))
    assert summary["sales_last_year_to_date"] == ytd
    assert summary["change"] == ((D("1550") - ytd) * 100 / ytd).quantize(D("0.1"))
    families = summary["families"]
    assert [f["name"] for f in families[:6]] == [f"Family {n}" for n in range(1, 7)]
    assert families[0]["total"] == D("700.00")  # 400 + 300 (F-2)
    assert families[6]["is_other"] and families[6]["total"] == D("20.00")  # 15 + 5
    assert len(families) == 7
    assert summary["open_orders"]["count"] == 8
    assert summary["open_orders"]["amount"] == D("740.00")
    assert len(summary["open_orders"]["items"]) == 5
    assert summary["pending_deliveries"]["count"] == 1
    assert summary["unpaid_invoices"]["count"] == 2
    assert summary["unpaid_invoices"]["amount"] == D("350.00")
    assert summary["overdue_invoices"] == {"count": 1, "amount": D("200.00")}
    assert [i.number for i in summary["overdue_items"]] == ["F-2"]
    assert summary["credit"]["available"] == D("650.00")
    assert summary["credit"]["used_percent"] == 35


def test_same_figures_as_the_api_summary(sales, django_assert_max_num_queries):
    """The panel's figures (one aggregate) agree with the API's summary."""
    today = timezone.localdate()
    with django_assert_max_num_queries(9):
        panel = selectors.customer_360(sales, today)
    api = selectors.customer_summary(sales, today)
    for key in (
        "sales_by_month",
        "sales_this_year",
        "sales_last_year",
        "sales_last_year_to_date",
        "overdue_invoices",
        "sales_by_family",
    ):
        assert panel[key] == api[key], key
    for block in ("open_orders", "pending_deliveries", "unpaid_invoices"):
        assert {k: v for k, v in panel[block].items() if k != "items"} == {
            k: v for k, v in api[block].items() if k != "items"
        }
        assert panel[block]["items"] == api[block]["items"][: selectors.PANEL_ROWS]
    assert {k: panel["credit"][k] for k in api["credit"]} == api["credit"]


def test_panel_on_the_entity_page(client, agent, entity, sales):
    client.force_login(agent)
    response = client.get(entity.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    panel = html[html.index('id="sales-panel"') :]
    panel = panel[: panel.index("</section>")]
    assert "1,550.00" in panel  # sales this year
    assert "1,300.00" in panel  # last year, whole
    assert "60 days" in panel and "WHOLESALE" in panel
    assert "Free shipping from" in panel and "300" in panel
    assert 'id="sales-overdue"' in panel and "200.00" in panel
    for url in (
        reverse("sales:entity_orders", args=[entity.pk]),
        reverse("sales:entity_invoices", args=[entity.pk]),
        reverse("sales:entity_deliveries", args=[entity.pk]),
    ):
        assert url in panel
    assert panel.count(reverse("sales:order_detail", args=[0]).replace("/0/", "/")) >= 5
    # The chart's data are the selector's numbers, with a drill-down link per bar.
    match = re.search(r'<script id="sales-chart-\d+" type="application/json">(.*?)</script>', html)
    assert match is not None
    config = json.loads(match.group(1))
    this_year, last_year = expected_months(timezone.localdate())
    assert config["datasets"][1]["data"] == [float(v) for v in this_year]
    assert config["datasets"][0]["data"] == [float(v) for v in last_year]
    year = timezone.localdate().year
    assert config["datasets"][1]["links"][0].endswith(f"?month={year}-01")
    assert "chart.umd.min.js" in panel


def test_panel_in_spanish(client, agent, entity, sales):
    agent.language = "es"
    agent.save(update_fields=["language"])
    client.force_login(agent)
    with translation.override("es"):
        response = client.get(entity.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert 'id="sales-panel"' in response.content.decode()


def test_empty_state_for_an_unlinked_entity(client, agent, entity):
    client.force_login(agent)
    html = client.get(entity.get_absolute_url()).content.decode()
    assert 'id="sales-not-linked"' in html
    assert "Not linked to an ERP customer" in html
    assert "sales-chart" not in html


def test_panel_hidden_from_who_cannot_see(client, other_agent, entity, sales):
    client.force_login(other_agent)
    assert client.get(entity.get_absolute_url()).status_code == 404


def test_entity_page_query_count_is_bounded(
    client, agent, admin_user, entity, sales, django_assert_max_num_queries
):
    """The page's queries do not grow with the customer's volume (and stay few)."""
    today = timezone.localdate()
    counts = {}
    for user in (agent, admin_user):
        client.force_login(user)
        client.get(entity.get_absolute_url())
        with CaptureQueriesContext(connection) as captured:
            client.get(entity.get_absolute_url())
        counts[user.pk] = len(captured.captured_queries)
        assert counts[user.pk] <= 45
    order = SalesOrder.objects.filter(customer=sales).first()
    for n in range(30):
        make_order(sales, f"SO-more-{n}", today, "10.00")
        make_invoice(sales, f"F-more-{n}", today, "10.00", due=today - datetime.timedelta(days=2))
        Delivery.objects.create(
            external_id=f"D-more-{n}",
            number=f"A-more-{n}",
            customer=sales,
            order=order,
            date=today,
            updated_at=_now(),
        )
    for user in (agent, admin_user):
        client.force_login(user)
        # + 1: the pending deliveries now have orders, read in one query.
        with django_assert_max_num_queries(counts[user.pk] + 1):
            assert client.get(entity.get_absolute_url()).status_code == 200
