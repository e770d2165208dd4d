"""The 360° view's drill-down pages: lists (filters, sorting, pagination), order and
invoice details, and who may see them."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from relata.sales.models import Delivery, InvoiceStatus, OrderStatus, SalesOrder, SalesOrderLine
from relata.sales.views_360 import PAGE_SIZE

from .test_360_panel import D, _now, families, make_customer, make_invoice, make_order, sales  # noqa: F401

pytestmark = pytest.mark.django_db


def pages(entity, sales):
    order = SalesOrder.objects.get(number="SO-0")
    invoice = sales.invoices.get(number="F-2")
    return [
        reverse("sales:entity_orders", args=[entity.pk]),
        reverse("sales:entity_invoices", args=[entity.pk]),
        reverse("sales:entity_deliveries", args=[entity.pk]),
        reverse("sales:order_detail", args=[order.pk]),
        reverse("sales:invoice_detail", args=[invoice.pk]),
    ]


def test_who_cannot_see_the_entity_gets_404_everywhere(
    client, other_agent, reader, agent, admin_user, manager, entity, sales
):
    urls = pages(entity, sales)
    client.force_login(other_agent)
    for url in urls:
        assert client.get(url).status_code == 404, url
    for user in (reader, agent, manager, admin_user):
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (user.username, url)
            assert "The ERP is the source of truth" in response.content.decode()


def test_anonymous_is_sent_to_log_in(client, entity, sales):
    for url in pages(entity, sales):
        assert client.get(url).status_code == 302


def test_order_list_filters_and_sorts(client, agent, entity, sales):
    client.force_login(agent)
    url = reverse("sales:entity_orders", args=[entity.pk])
    html = client.get(url).content.decode()
    assert "9 records" in html
    assert "SO-D" in html
    html = client.get(url, {"status": "open"}).content.decode()
    assert "8 records" in html and "SO-D" not in html
    rows = client.get(url, {"sort": "amount"}).context["page_obj"].object_list
    assert [o.total for o in rows][:2] == [D("40.00"), D("70.00")]
    rows = client.get(url, {"sort": "-number"}).context["page_obj"].object_list
    assert rows[0].number == "SO-P"
    rows = client.get(url, {"sort": "nonsense"}).context["page_obj"].object_list
    assert rows[0].date >= rows[-1].date


def test_invoice_list_unpaid_overdue_and_month(client, agent, entity, sales):
    client.force_login(agent)
    url = reverse("sales:entity_invoices", args=[entity.pk])
    numbers = {i.number for i in client.get(url).context["page_obj"].object_list}
    assert numbers == {"F-1", "F-2", "F-3", "F-X", "F-L1", "F-L2"}
    unpaid = client.get(url, {"status": "unpaid"}).context["page_obj"].object_list
    assert {i.number for i in unpaid} == {"F-2", "F-3"}
    response = client.get(url, {"status": "overdue"})
    assert [i.number for i in response.context["page_obj"].object_list] == ["F-2"]
    assert "Overdue" in response.content.decode()
    year = timezone.localdate().year
    response = client.get(url, {"month": f"{year - 1}-12"})
    assert [i.number for i in response.context["page_obj"].object_list] == ["F-L2"]
    assert 'id="month-filter"' in response.content.decode()
    # A bad month is ignored rather than an error.
    assert client.get(url, {"month": "soon"}).status_code == 200


def test_delivery_list_pending(client, agent, entity, sales):
    client.force_login(agent)
    url = reverse("sales:entity_deliveries", args=[entity.pk])
    assert len(client.get(url).context["page_obj"].object_list) == 2
    pending = client.get(url, {"status": "pending"}).context["page_obj"].object_list
    assert [d.number for d in pending] == ["A-1"]


def test_lists_paginate(client, agent, entity, sales):
    today = timezone.localdate()
    for n in range(PAGE_SIZE + 5):
        make_order(sales, f"SO-page-{n:02d}", today - datetime.timedelta(days=30), "1.00")
    client.force_login(agent)
    url = reverse("sales:entity_orders", args=[entity.pk])
    first = client.get(url)
    assert len(first.context["page_obj"].object_list) == PAGE_SIZE
    assert 'rel="next"' in first.content.decode()
    second = client.get(url, {"page": 2})
    total = 9 + PAGE_SIZE + 5
    assert len(second.context["page_obj"].object_list) == total - PAGE_SIZE
    assert f"{PAGE_SIZE + 1}–{total} of {total}" in second.content.decode()


def test_lists_of_an_unlinked_entity_say_so(client, agent, entity):
    client.force_login(agent)
    response = client.get(reverse("sales:entity_invoices", args=[entity.pk]))
    assert response.status_code == 200
    assert "Not linked to an ERP customer" in response.content.decode()


def test_order_detail_shows_its_lines(client, agent, entity, sales, families):
    order = SalesOrder.objects.get(number="SO-0")
    SalesOrderLine.objects.create(
        order=order,
        line_number=1,
        product=families[0],
        description="Product 1",
        quantity=D("2"),
        unit_price=D("40.00"),
        discount=D("10"),
        amount=D("72.00"),
        delivered_quantity=D("1"),
    )
    SalesOrderLine.objects.create(
        order=order, line_number=2, description="Freight", quantity=D("1"), amount=D("28.00")
    )
    Delivery.objects.create(
        external_id="D-SO0",
        number="A-SO0",
        customer=sales,
        order=order,
        date=timezone.localdate(),
        updated_at=_now(),
    )
    client.force_login(agent)
    html = client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert "Product 1" in html and "Family 1" in html and "Freight" in html
    assert "72.00" in html and "A-SO0" in html
    assert order.get_status_display() in html


def test_invoice_detail(client, agent, entity, sales):
    invoice = sales.invoices.get(number="F-2")
    client.force_login(agent)
    html = client.get(reverse("sales:invoice_detail", args=[invoice.pk])).content.decode()
    assert 'id="invoice-overdue"' in html
    assert "200.00" in html  # outstanding
    assert "Product 1" in html
    paid = sales.invoices.get(number="F-1")
    html = client.get(reverse("sales:invoice_detail", args=[paid.pk])).content.decode()
    assert 'id="invoice-overdue"' not in html
    assert str(InvoiceStatus.PAID.label) in html


def test_other_customers_documents_are_not_listed(client, agent, entity, other_entity, sales):
    other = make_customer(other_entity, external_id="C2", name="Boreal")
    make_order(other, "SO-OTHER", timezone.localdate(), "5.00", OrderStatus.OPEN)
    make_invoice(other, "F-OTHER", timezone.localdate(), "5.00")
    client.force_login(agent)
    html = client.get(reverse("sales:entity_orders", args=[entity.pk])).content.decode()
    assert "SO-OTHER" not in html
    html = client.get(reverse("sales:entity_invoices", args=[entity.pk])).content.decode()
    assert "F-OTHER" not in html
    assert client.get(reverse("sales:entity_orders", args=[other_entity.pk])).status_code == 404
