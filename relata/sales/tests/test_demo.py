"""The ERP sales demo step: customers linked through the upsert services, and 360° figures
that add up."""

from __future__ import annotations

import decimal
import json
import re

import pytest
from django.utils import timezone

from relata.core import demo_runner
from relata.sales import selectors
from relata.sales.models import Customer, Delivery, Invoice, InvoiceStatus, SalesOrder

pytestmark = pytest.mark.django_db(transaction=False)


def test_demo_links_customers_with_consistent_figures(client):
    ctx = demo_runner.run(seed=11, entities=100, show_progress=False)
    customers = list(Customer.objects.exclude(entity=None).select_related("entity"))
    assert customers, ctx.notes
    assert any("ERP sales" in note for note in ctx.notes)
    assert SalesOrder.objects.filter(customer__in=customers).exists()
    assert Delivery.objects.exclude(status="delivered").exists()
    today = timezone.localdate()
    unpaid = Invoice.objects.exclude(status=InvoiceStatus.CANCELLED).filter(paid_amount=0)
    assert unpaid.filter(due_date__lt=today).exists()  # some overdue
    # The busiest linked customer: the sum of its invoices by month is the chart's data.
    customer = max(customers, key=lambda c: c.invoices.count())
    expected = {
        today.year: [decimal.Decimal("0.00")] * 12,
        today.year - 1: [decimal.Decimal("0.00")] * 12,
    }
    for invoice in customer.invoices.exclude(status=InvoiceStatus.CANCELLED):
        if invoice.date.year in expected:
            expected[invoice.date.year][invoice.date.month - 1] += invoice.total
    summary = selectors.customer_360(customer, today)
    assert summary["sales_by_month"]["this_year"] == expected[today.year]
    assert summary["sales_by_month"]["last_year"] == expected[today.year - 1]
    assert sum(f["total"] for f in summary["families"]) == summary["sales_this_year"]
    entity = customer.entity
    client.force_login(entity.owner)
    html = client.get(entity.get_absolute_url()).content.decode()
    match = re.search(r'<script id="sales-chart-\d+" type="application/json">(.*?)</script>', html)
    assert match is not None
    config = json.loads(match.group(1))
    assert config["datasets"][1]["data"] == [float(v) for v in expected[today.year]]
    assert config["datasets"][0]["data"] == [float(v) for v in expected[today.year - 1]]
