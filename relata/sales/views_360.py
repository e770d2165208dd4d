"""Read-only pages behind the entity page's "Sales (ERP)" card: an entity's orders,
deliveries and invoices (paginated, sortable, filtered) and an order's or invoice's
detail with its lines.

Whoever may see the entity may see these; anyone else gets a 404, as for a missing record.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from relata.core.types import AuthenticatedHttpRequest
from relata.entities import selectors as entity_selectors
from relata.entities.models import Entity
from relata.sales import selectors
from relata.sales.models import Customer, Invoice, SalesOrder

PAGE_SIZE = 25

# (value, label) of each list's status filter; "" is "all".
ORDER_FILTERS = [("", gettext_lazy("All")), ("open", gettext_lazy("Open"))]
INVOICE_FILTERS = [
    ("", gettext_lazy("All")),
    ("unpaid", gettext_lazy("Unpaid")),
    ("overdue", gettext_lazy("Overdue")),
]
DELIVERY_FILTERS = [("", gettext_lazy("All")), ("pending", gettext_lazy("Pending"))]


def _entity(request: AuthenticatedHttpRequest, pk: int) -> tuple[Entity, Customer | None]:
    try:
        entity = entity_selectors.entity_get(user=request.user, pk=pk)
    except Entity.DoesNotExist as error:
        raise Http404 from error
    return entity, selectors.entity_customer(request.user, entity)


def _choice(request: AuthenticatedHttpRequest, filters: list[tuple[str, Any]]) -> str:
    value = request.GET.get("status", "")
    return value if value in {v for v, _label in filters} else ""


def _month(request: AuthenticatedHttpRequest) -> datetime.date | None:
    try:
        return datetime.datetime.strptime(request.GET.get("month", ""), "%Y-%m").date()
    except ValueError:
        return None


def _list(
    request: AuthenticatedHttpRequest,
    *,
    kind: str,
    title: str,
    entity: Entity,
    customer: Customer | None,
    qs: QuerySet[Any] | None,
    filters: list[tuple[str, Any]],
    status: str,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    rows: QuerySet[Any] = qs if qs is not None else SalesOrder.objects.none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "sales/360/list.html",
        {
            "kind": kind,
            "title": title,
            "entity": entity,
            "customer": customer,
            "page_obj": page,
            "filters": filters,
            "status": status,
            "today": timezone.localdate(),
            **(extra or {}),
        },
    )


@login_required
@require_GET
def entity_orders(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    entity, customer = _entity(request, pk)
    status = _choice(request, ORDER_FILTERS)
    qs = None
    if customer is not None:
        qs = selectors.customer_orders(customer, status=status, sort=request.GET.get("sort", ""))
    return _list(
        request,
        kind="orders",
        title=_("Sales orders"),
        entity=entity,
        customer=customer,
        qs=qs,
        filters=ORDER_FILTERS,
        status=status,
    )


@login_required
@require_GET
def entity_invoices(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    entity, customer = _entity(request, pk)
    status = _choice(request, INVOICE_FILTERS)
    month = _month(request)
    qs = None
    if customer is not None:
        qs = selectors.customer_invoices(
            customer, status=status, month=month, sort=request.GET.get("sort", "")
        )
    return _list(
        request,
        kind="invoices",
        title=_("Invoices"),
        entity=entity,
        customer=customer,
        qs=qs,
        filters=INVOICE_FILTERS,
        status=status,
        extra={"month": month},
    )


@login_required
@require_GET
def entity_deliveries(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    entity, customer = _entity(request, pk)
    status = _choice(request, DELIVERY_FILTERS)
    qs = None
    if customer is not None:
        qs = selectors.customer_deliveries(
            customer, status=status, sort=request.GET.get("sort", "")
        )
    return _list(
        request,
        kind="deliveries",
        title=_("Deliveries"),
        entity=entity,
        customer=customer,
        qs=qs,
        filters=DELIVERY_FILTERS,
        status=status,
    )


@login_required
@require_GET
def order_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    try:
        order = selectors.order_get(request.user, pk)
    except SalesOrder.DoesNotExist as error:
        raise Http404 from error
    return render(
        request,
        "sales/360/order_detail.html",
        {
            "order": order,
            "entity": order.customer.entity,
            "deliveries": list(order.deliveries.order_by("-date", "-id")[:50]),
            "invoices": list(order.invoices.order_by("-date", "-id")[:50]),
        },
    )


@login_required
@require_GET
def invoice_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    try:
        invoice = selectors.invoice_get(request.user, pk)
    except Invoice.DoesNotExist as error:
        raise Http404 from error
    today = timezone.localdate()
    return render(
        request,
        "sales/360/invoice_detail.html",
        {
            "invoice": invoice,
            "entity": invoice.customer.entity,
            "overdue": bool(
                invoice.status != "cancelled"
                and invoice.outstanding > 0
                and invoice.due_date
                and invoice.due_date < today
            ),
        },
    )
