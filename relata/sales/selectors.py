"""Reads of the ERP sales data for CRM users: permission-scoped querysets and the
figures of an entity's 360° view.

A user sees an ERP customer, and its orders, deliveries and invoices, when they see the
linked entity; unlinked customers only administrators see. "Sales" are invoiced amounts
(invoices not cancelled), by invoice date.
"""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.db.models import Count, DecimalField, F, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from relata.core import permissions
from relata.core.models import User
from relata.entities.models import Entity
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

ZERO = Value(decimal.Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))
OPEN_ORDER_STATUSES = (OrderStatus.OPEN, OrderStatus.PARTIALLY_DELIVERED)
LIST_LIMIT = 10


def customer_queryset(user: User) -> QuerySet[Customer]:
    return permissions.scope(user, Customer.objects.select_related("entity"))


def order_queryset(user: User) -> QuerySet[SalesOrder]:
    return permissions.scope(user, SalesOrder.objects.select_related("customer"))


def delivery_queryset(user: User) -> QuerySet[Delivery]:
    return permissions.scope(user, Delivery.objects.select_related("customer", "order"))


def invoice_queryset(user: User) -> QuerySet[Invoice]:
    return permissions.scope(user, Invoice.objects.select_related("customer", "order"))


def entity_customer(user: User, entity: Entity) -> Customer | None:
    """The ERP customer linked to ``entity``, if the user may see the entity."""
    if not permissions.can_view(user, entity):
        return None
    return Customer.objects.filter(entity=entity).first()


def _monthly(invoices: QuerySet[Invoice], year: int) -> list[decimal.Decimal]:
    months = [decimal.Decimal("0.00")] * 12
    rows = (
        invoices.filter(date__year=year)
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(total=Sum("total"))
    )
    for row in rows:
        month = row["month"]
        months[month.month - 1] = row["total"] or decimal.Decimal("0.00")
    return months


def customer_summary(customer: Customer, today: datetime.date | None = None) -> dict[str, Any]:
    """The sales figures of the 360° view; a fixed number of queries whatever the volume."""
    today = today or timezone.localdate()
    invoices = Invoice.objects.filter(customer=customer).exclude(status=InvoiceStatus.CANCELLED)
    this_year = _monthly(invoices, today.year)
    last_year = _monthly(invoices, today.year - 1)
    families = list(
        InvoiceLine.objects.filter(invoice__in=invoices, invoice__date__year=today.year)
        .values("product__family_id", "product__family__name_en", "product__family__name_es")
        .annotate(total=Sum("amount"))
        .order_by("-total")
    )
    orders = SalesOrder.objects.filter(customer=customer, status__in=OPEN_ORDER_STATUSES)
    deliveries = Delivery.objects.filter(customer=customer).exclude(status=DeliveryStatus.DELIVERED)
    unpaid = invoices.filter(total__gt=F("paid_amount"))
    unpaid_totals = unpaid.aggregate(
        count=Count("id"), amount=Coalesce(Sum(F("total") - F("paid_amount")), ZERO)
    )
    overdue_totals = unpaid.filter(due_date__lt=today).aggregate(
        count=Count("id"), amount=Coalesce(Sum(F("total") - F("paid_amount")), ZERO)
    )
    order_totals = orders.aggregate(count=Count("id"), amount=Coalesce(Sum("total"), ZERO))
    outstanding = unpaid_totals["amount"]
    credit_limit = customer.credit_limit
    return {
        "customer": customer,
        "year": today.year,
        "sales_by_month": {"this_year": this_year, "last_year": last_year},
        "sales_this_year": sum(this_year, decimal.Decimal("0.00")),
        "sales_last_year": sum(last_year, decimal.Decimal("0.00")),
        "sales_last_year_to_date": sum(last_year[: today.month], decimal.Decimal("0.00")),
        "sales_by_family": [
            {
                "family_id": row["product__family_id"],
                "name_en": row["product__family__name_en"] or "",
                "name_es": row["product__family__name_es"] or "",
                "total": row["total"],
            }
            for row in families
        ],
        "open_orders": {
            **order_totals,
            "items": list(orders.order_by("-date", "-id")[:LIST_LIMIT]),
        },
        "pending_deliveries": {
            "count": deliveries.count(),
            "items": list(deliveries.order_by("date", "id")[:LIST_LIMIT]),
        },
        "unpaid_invoices": {
            **unpaid_totals,
            "items": list(unpaid.order_by("due_date", "id")[:LIST_LIMIT]),
        },
        "overdue_invoices": overdue_totals,
        "credit": {
            "limit": credit_limit,
            "outstanding": outstanding,
            "available": None if credit_limit is None else credit_limit - outstanding,
        },
    }
