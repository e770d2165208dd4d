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

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from relata.core import permissions
from relata.core.localized import localized
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
    SalesOrderLine,
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


# --- The 360° view of an entity: the panel's figures and the drill-down lists ------------

PANEL_ROWS = 5
ZERO_DECIMAL = decimal.Decimal("0.00")
TOP_FAMILIES = 6
HUNDRED = decimal.Decimal("100")


def percent_change(current: decimal.Decimal, previous: decimal.Decimal) -> decimal.Decimal | None:
    """The change from ``previous`` to ``current`` in percent (1 decimal); None from zero."""
    if not previous:
        return None
    return ((current - previous) * HUNDRED / previous).quantize(
        decimal.Decimal("0.1"), rounding=decimal.ROUND_HALF_UP
    )


def _top_families(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The :data:`TOP_FAMILIES` best families and one "other" row for the rest (and for
    lines without a family)."""
    named = [r for r in rows if r["family_id"] is not None]
    top = named[:TOP_FAMILIES]
    chosen = {id(r) for r in top}
    rest = [r for r in rows if id(r) not in chosen]
    result = [
        {
            "family_id": r["family_id"],
            "name": localized(r["name_en"], r["name_es"]),
            "total": r["total"] or decimal.Decimal("0.00"),
        }
        for r in top
    ]
    other = sum((r["total"] or decimal.Decimal("0.00") for r in rest), decimal.Decimal("0.00"))
    if other:
        result.append({"family_id": None, "name": "", "total": other, "is_other": True})
    total = sum((r["total"] for r in result), decimal.Decimal("0.00"))
    for row in result:
        row["share"] = (
            (row["total"] * HUNDRED / total).quantize(decimal.Decimal("0.1")) if total else None
        )
    return result


def _invoice_figures(customer: Customer, today: datetime.date) -> dict[str, Any]:
    """Sales by month of this year and last, and the unpaid and overdue totals: one query
    grouped by month over the customer's invoices that count (not cancelled), on the
    (customer, date) index, whose rows are summed here."""
    money = DecimalField(max_digits=14, decimal_places=2)
    outstanding = ExpressionWrapper(F("total") - F("paid_amount"), output_field=money)
    two_years = Q(
        date__gte=datetime.date(today.year - 1, 1, 1), date__lt=datetime.date(today.year + 1, 1, 1)
    )
    unpaid = Q(total__gt=F("paid_amount"))
    overdue = unpaid & Q(due_date__lt=today)
    rows = (
        Invoice.objects.filter(customer=customer)
        .exclude(status=InvoiceStatus.CANCELLED)
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(
            sales=Sum("total", filter=two_years),
            unpaid_count=Count("id", filter=unpaid),
            unpaid_amount=Sum(outstanding, filter=unpaid),
            overdue_count=Count("id", filter=overdue),
            overdue_amount=Sum(outstanding, filter=overdue),
        )
        .order_by()
    )
    months = {today.year - 1: [ZERO_DECIMAL] * 12, today.year: [ZERO_DECIMAL] * 12}
    unpaid_count = overdue_count = 0
    unpaid_amount = overdue_amount = ZERO_DECIMAL
    for row in rows:
        month = row["month"]
        if month.year in months and row["sales"] is not None:
            months[month.year][month.month - 1] = row["sales"]
        unpaid_count += row["unpaid_count"]
        unpaid_amount += row["unpaid_amount"] or ZERO_DECIMAL
        overdue_count += row["overdue_count"]
        overdue_amount += row["overdue_amount"] or ZERO_DECIMAL
    return {
        "this_year": months[today.year],
        "last_year": months[today.year - 1],
        "unpaid": {"count": unpaid_count, "amount": unpaid_amount},
        "overdue": {"count": overdue_count, "amount": overdue_amount},
    }


def _family_sales(customer: Customer, year: int) -> list[dict[str, Any]]:
    """This year's invoiced amounts by product family, largest first."""
    rows = (
        InvoiceLine.objects.filter(
            invoice__customer=customer,
            invoice__date__gte=datetime.date(year, 1, 1),
            invoice__date__lt=datetime.date(year + 1, 1, 1),
        )
        .exclude(invoice__status=InvoiceStatus.CANCELLED)
        .values("product__family_id", "product__family__name_en", "product__family__name_es")
        .annotate(total=Sum("amount"))
        .order_by("-total")
    )
    return [
        {
            "family_id": row["product__family_id"],
            "name_en": row["product__family__name_en"] or "",
            "name_es": row["product__family__name_es"] or "",
            "total": row["total"],
        }
        for row in rows
    ]


def customer_360(customer: Customer, today: datetime.date | None = None) -> dict[str, Any]:
    """The figures of :func:`customer_summary` (same keys, same rules) shaped for the entity
    page: the first :data:`PANEL_ROWS` rows of each list, the change against the same
    period last year, the families grouped (top six and the rest), the credit used.

    Seven queries whatever the customer's volume: one for the invoice figures (see
    :func:`_invoice_figures`), one for the families, and the totals and first rows of the
    open orders, pending deliveries and unpaid invoices. (Window functions would fold each
    list's count into its rows, but make PostgreSQL read every row of the list.)
    """
    today = today or timezone.localdate()
    zero = decimal.Decimal("0.00")
    figures = _invoice_figures(customer, today)
    this_year, last_year = figures["this_year"], figures["last_year"]
    by_family = _family_sales(customer, today.year)
    orders = SalesOrder.objects.filter(customer=customer, status__in=OPEN_ORDER_STATUSES)
    deliveries = Delivery.objects.filter(customer=customer).exclude(status=DeliveryStatus.DELIVERED)
    unpaid_items = list(
        Invoice.objects.filter(customer=customer, total__gt=F("paid_amount"))
        .exclude(status=InvoiceStatus.CANCELLED)
        .order_by(F("due_date").asc(nulls_last=True), "id")[:PANEL_ROWS]
    )
    outstanding = figures["unpaid"]["amount"]
    limit = customer.credit_limit
    sales_this_year = sum(this_year, zero)
    last_year_to_date = sum(last_year[: today.month], zero)
    return {
        "customer": customer,
        "year": today.year,
        "today": today,
        "sales_by_month": {"this_year": this_year, "last_year": last_year},
        "sales_this_year": sales_this_year,
        "sales_last_year": sum(last_year, zero),
        "sales_last_year_to_date": last_year_to_date,
        "change": percent_change(sales_this_year, last_year_to_date),
        "sales_by_family": by_family,
        "families": _top_families(by_family),
        "open_orders": {
            **orders.aggregate(count=Count("id"), amount=Coalesce(Sum("total"), ZERO)),
            "items": list(orders.order_by("-date", "-id")[:PANEL_ROWS]),
        },
        "pending_deliveries": {
            "count": deliveries.count(),
            # The panel names each delivery's order: joined, not one query per row.
            "items": list(deliveries.select_related("order").order_by("date", "id")[:PANEL_ROWS]),
        },
        "unpaid_invoices": {**figures["unpaid"], "items": unpaid_items},
        "overdue_invoices": figures["overdue"],
        "overdue_items": [i for i in unpaid_items if i.due_date and i.due_date < today],
        "credit": {
            "limit": limit,
            "outstanding": outstanding,
            "available": None if limit is None else limit - outstanding,
            "over_limit": limit is not None and outstanding > limit,
            "used_percent": min(int(outstanding * HUNDRED / limit), 100) if limit else None,
        },
    }


# Sortable columns of the lists: the ``sort`` parameter (``-`` for descending) → field.
ORDER_SORTS = {"date": "date", "number": "number", "amount": "total"}
INVOICE_SORTS = {"date": "date", "number": "number", "amount": "total", "due": "due_date"}
DELIVERY_SORTS = {"date": "date", "number": "number"}


def _sorted(qs: QuerySet[Any], sorts: dict[str, str], sort: str) -> QuerySet[Any]:
    field = sorts.get(sort.lstrip("-"))
    if field is None:
        return qs.order_by("-date", "-id")
    if sort.startswith("-"):
        return qs.order_by(F(field).desc(nulls_last=True), "-id")
    return qs.order_by(F(field).asc(nulls_last=True), "id")


def customer_orders(
    customer: Customer, *, status: str = "", sort: str = ""
) -> QuerySet[SalesOrder]:
    """The customer's orders; ``status`` "open" keeps the open and partially delivered."""
    qs = SalesOrder.objects.filter(customer=customer).annotate(line_count=Count("lines"))
    if status == "open":
        qs = qs.filter(status__in=OPEN_ORDER_STATUSES)
    return _sorted(qs, ORDER_SORTS, sort)


def customer_invoices(
    customer: Customer,
    *,
    status: str = "",
    sort: str = "",
    month: datetime.date | None = None,
    today: datetime.date | None = None,
) -> QuerySet[Invoice]:
    """The customer's invoices; ``status`` "unpaid" (not cancelled, total above the paid
    amount) or "overdue" (unpaid and due before today); ``month`` (its first day) keeps the
    invoices of that month that count as sales (not cancelled), as the chart does."""
    today = today or timezone.localdate()
    qs = Invoice.objects.filter(customer=customer).annotate(
        outstanding_amount=F("total") - F("paid_amount")
    )
    if status in ("unpaid", "overdue"):
        qs = qs.exclude(status=InvoiceStatus.CANCELLED).filter(total__gt=F("paid_amount"))
    if status == "overdue":
        qs = qs.filter(due_date__lt=today)
    if month is not None:
        qs = qs.exclude(status=InvoiceStatus.CANCELLED).filter(
            date__year=month.year, date__month=month.month
        )
    return _sorted(qs, INVOICE_SORTS, sort)


def customer_deliveries(
    customer: Customer, *, status: str = "", sort: str = ""
) -> QuerySet[Delivery]:
    """The customer's deliveries; ``status`` "pending" keeps those not yet delivered."""
    qs = Delivery.objects.filter(customer=customer).select_related("order")
    if status == "pending":
        qs = qs.exclude(status=DeliveryStatus.DELIVERED)
    return _sorted(qs, DELIVERY_SORTS, sort)


def order_get(user: User, pk: int) -> SalesOrder:
    """One order the user may see, with its lines' products (raises DoesNotExist)."""
    return (
        order_queryset(user)
        .select_related("customer__entity")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=SalesOrderLine.objects.select_related("product__family").order_by(
                    "line_number"
                ),
            )
        )
        .get(pk=pk)
    )


def invoice_get(user: User, pk: int) -> Invoice:
    """One invoice the user may see, with its lines' products (raises DoesNotExist)."""
    return (
        invoice_queryset(user)
        .select_related("customer__entity")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=InvoiceLine.objects.select_related("product__family").order_by(
                    "line_number"
                ),
            )
        )
        .get(pk=pk)
    )
