"""Segment conditions on an entity's ERP sales: sales volume, last order date, product
families bought and overdue amount. Registered with the entities app's history-field
registry.

The sales data reach an entity through its linked ERP customer (``Customer.entity``); an
entity without one has no sales: a volume and an overdue amount of 0, no last order date,
no families. As in the 360° view (:mod:`relata.sales.selectors`), "sales" are invoiced
amounts of the invoices not cancelled, by invoice date, and amounts are summed as the ERP
sent them (mixed currencies are not converted). Each condition is one correlated subquery
per entity, so a segment stays one SQL query whatever the number of entities.
"""

from __future__ import annotations

import datetime
from typing import Any, cast

from django.db.models import (
    DecimalField,
    Exists,
    Expression,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relata.entities.segments import register_history_field
from relata.entities.segments.history import HistoryCondition
from relata.entities.segments.operators import DATE, DECIMAL, MULTI
from relata.products.models import ProductFamily
from relata.sales.models import Invoice, InvoiceLine, InvoiceStatus, OrderStatus, SalesOrder

MONEY = DecimalField(max_digits=16, decimal_places=2)
AMOUNT_OPERATORS = ("eq", "ne", "gt", "gte", "lt", "lte", "between")
FAMILY_OPERATORS = ("in", "all", "not_in", "is_empty", "is_not_empty")


def _day(instant: datetime.datetime) -> datetime.date:
    """Return the local day of a period bound (documents are dated by day)."""
    return timezone.localdate(instant)


def _invoices(condition: HistoryCondition, prefix: str = "") -> dict[str, Any]:
    """Return the filters of an entity's invoices that count as sales in the period;
    ``prefix`` reaches the invoice from another model (``"invoice__"`` from its lines)."""
    filters: dict[str, Any] = {f"{prefix}customer__entity": OuterRef("pk")}
    if condition.start is not None:
        filters[f"{prefix}date__gte"] = _day(condition.start)
    if condition.end is not None:
        filters[f"{prefix}date__lt"] = _day(condition.end)
    return filters


def _not_cancelled(queryset: QuerySet[Any], prefix: str = "") -> QuerySet[Any]:
    return queryset.exclude(**{f"{prefix}status": InvoiceStatus.CANCELLED})


def _sum(queryset: QuerySet[Any], amount: Any) -> Expression:
    """Return the sum of ``amount`` over ``queryset`` per customer, 0 when there is none."""
    totals = queryset.order_by().values("customer").annotate(t=Sum(amount)).values("t")[:1]
    return Coalesce(Subquery(totals, output_field=MONEY), Value(0, output_field=MONEY))


def _sales_volume(condition: HistoryCondition) -> Q:
    invoices = _not_cancelled(Invoice.objects.filter(**_invoices(condition)))
    return condition.compare(_sum(invoices, "total"), kind=DECIMAL)


def _overdue(condition: HistoryCondition) -> Q:
    today = timezone.localdate(condition.context.now)
    invoices = _not_cancelled(
        Invoice.objects.filter(
            customer__entity=OuterRef("pk"), due_date__lt=today, total__gt=F("paid_amount")
        )
    )
    return condition.compare(_sum(invoices, F("total") - F("paid_amount")), kind=DECIMAL)


def _last_order(condition: HistoryCondition) -> Q:
    orders = (
        SalesOrder.objects.filter(customer__entity=OuterRef("pk"))
        .exclude(status=OrderStatus.CANCELLED)
        .order_by()
        .values("customer")
    )
    last = cast(Expression, Subquery(orders.annotate(d=Max("date")).values("d")[:1]))
    return condition.compare(last, kind=DATE)


def _families(condition: HistoryCondition) -> Q:
    """An entity bought a family when a line of one of its invoices (not cancelled, dated
    in the period) is of a product of that family."""
    lines = _not_cancelled(
        InvoiceLine.objects.filter(**_invoices(condition, "invoice__")), "invoice__"
    )

    def bought(families: list[Any] | None) -> Q:
        if families is None:
            return Q(Exists(lines.filter(product__family__isnull=False)))
        # A family removed since the segment was saved stays as written: it matches nothing.
        ids = [family for family in families if isinstance(family, int)]
        return Q(Exists(lines.filter(product__family__in=ids))) if ids else Q(pk__in=[])

    operator, value = condition.operator, condition.value
    if operator == "is_empty":
        return ~bought(None)
    if operator == "is_not_empty":
        return bought(None)
    if operator == "all":
        q = Q()
        for family in value:
            q &= bought([family])
        return q
    if operator == "not_in":
        return ~bought(value)
    if operator == "in":
        return bought(value)
    raise ValueError(f"operator {operator!r} does not apply to product families")


def _family_options() -> list[tuple[Any, str]]:
    return [(family.pk, family.name) for family in ProductFamily.objects.all()]


def _family_resolve(raw: Any) -> int:
    """Accept a family's id, code or external id."""
    if isinstance(raw, bool):
        raise LookupError(raw)
    families = ProductFamily.objects.values_list("pk", flat=True)
    number = isinstance(raw, int) or (isinstance(raw, str) and raw.strip().isdigit())
    # Beyond 2**31 no row has it (and PostgreSQL would refuse to compare it).
    if number and 0 < int(raw) < 2**31:
        for pk in families.filter(pk=int(raw))[:1]:
            return int(pk)
    if isinstance(raw, str) and raw.strip():
        text = raw.strip()
        for pk in families.filter(Q(code=text) | Q(external_id=text))[:1]:
            return int(pk)
    raise LookupError(raw)


register_history_field(
    "sales_volume",
    _("Sales volume (invoiced)"),
    _sales_volume,
    kind=DECIMAL,
    operators=AMOUNT_OPERATORS,
    period=True,
    help_text=_(
        "The total of the ERP invoices not cancelled, by invoice date; with a period, those "
        "dated in it. 0 without ERP data."
    ),
)
register_history_field(
    "last_order",
    _("Last ERP order"),
    _last_order,
    kind=DATE,
    help_text=_("The date of the latest ERP sales order not cancelled; empty when none."),
)
register_history_field(
    "product_families",
    _("Product families bought"),
    _families,
    kind=MULTI,
    operators=FAMILY_OPERATORS,
    period=True,
    options=_family_options,
    resolve=_family_resolve,
    help_text=_(
        "Families of the products on the ERP invoices not cancelled; with a period, "
        "invoices dated in it."
    ),
)
register_history_field(
    "overdue_amount",
    _("Overdue amount"),
    _overdue,
    kind=DECIMAL,
    operators=AMOUNT_OPERATORS,
    help_text=_("What is still unpaid of the ERP invoices whose due date has passed. 0 when none."),
)
