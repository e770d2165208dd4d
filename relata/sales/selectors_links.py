"""Reads for linking cases to the ERP documents of their customer (R27): a case's linked
orders, deliveries and invoices, and the customer's documents a user may link.

The documents belong to the ERP customer linked to the case's entity; a user reads them
only when they see that entity (as on the entity's "Sales (ERP)" card). Callers have
already checked that the user sees the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Model, Q, QuerySet
from django.urls import reverse

from relata.cases.models import Case
from relata.core import permissions
from relata.core.models import User
from relata.sales.models import (
    CaseSalesLink,
    Customer,
    Delivery,
    Invoice,
    SalesDocumentKind,
    SalesOrder,
)

CANDIDATE_PAGE_SIZE = 8
# The ``kind`` of a link → the model of its document (and the link's field of the same name).
DOCUMENT_MODELS: dict[str, type[SalesOrder | Delivery | Invoice]] = {
    SalesDocumentKind.ORDER: SalesOrder,
    SalesDocumentKind.DELIVERY: Delivery,
    SalesDocumentKind.INVOICE: Invoice,
}


@dataclass(frozen=True)
class DocumentRow:
    """One order, delivery or invoice as the panel and the API show it."""

    kind: str
    kind_label: str
    pk: int
    number: str
    date: Any
    amount: Any  # Decimal, or None for a delivery
    currency: str
    status: str
    status_label: str
    url: str
    document: SalesOrder | Delivery | Invoice


def case_customer(user: User, case: Case) -> Customer | None:
    """The ERP customer of the case's entity, if the user may see the entity."""
    if not permissions.can_view(user, case.entity):
        return None
    return Customer.objects.filter(entity_id=case.entity_id).first()


def document_url(document: Model, entity_id: int | None) -> str:
    """Where a document is shown: an order's or invoice's detail page; a delivery in its
    entity's list of deliveries."""
    if isinstance(document, SalesOrder):
        return reverse("sales:order_detail", args=[document.pk])
    if isinstance(document, Invoice):
        return reverse("sales:invoice_detail", args=[document.pk])
    if entity_id is None:
        return ""
    return reverse("sales:entity_deliveries", args=[entity_id])


def document_row(document: SalesOrder | Delivery | Invoice, entity_id: int | None) -> DocumentRow:
    if isinstance(document, SalesOrder):
        kind = SalesDocumentKind.ORDER
    elif isinstance(document, Delivery):
        kind = SalesDocumentKind.DELIVERY
    else:
        kind = SalesDocumentKind.INVOICE
    return DocumentRow(
        kind=str(kind),
        kind_label=str(kind.label),
        pk=document.pk,
        number=document.number,
        date=document.date,
        amount=getattr(document, "total", None),
        currency=getattr(document, "currency", ""),
        status=document.status,
        status_label=str(document.get_status_display()),
        url=document_url(document, entity_id),
        document=document,
    )


def link_queryset(case: Case) -> QuerySet[CaseSalesLink]:
    """The links of a case with their documents, newest first (one query).

    Only documents of the customer of the case's *current* entity: when a case is moved to
    another entity, its old links stay in the database but are neither shown nor counted
    (they come back if the case returns to the first entity), so that nobody sees another
    customer's documents through a case.
    """
    entity_id = case.entity_id
    return (
        CaseSalesLink.objects.filter(case=case)
        .filter(
            Q(order__customer__entity_id=entity_id)
            | Q(delivery__customer__entity_id=entity_id)
            | Q(invoice__customer__entity_id=entity_id)
        )
        .select_related("order", "delivery", "invoice", "created_by")
    )


def case_links(user: User, case: Case) -> list[tuple[CaseSalesLink, DocumentRow]]:
    """The case's linked documents with their rows; none when the user does not see the
    entity (its sales documents are the entity's)."""
    if not permissions.can_view(user, case.entity):
        return []
    rows = []
    for link in link_queryset(case):
        document = link.document
        if document is not None:
            rows.append((link, document_row(document, case.entity_id)))
    return rows


def candidate_queryset(customer: Customer, kind: str, search: str = "") -> QuerySet[Any]:
    """The customer's documents of one kind, newest first, whose number contains
    ``search``."""
    model = DOCUMENT_MODELS[kind]
    qs: QuerySet[Any] = model.objects.filter(customer=customer).order_by("-date", "-id")
    search = search.strip()
    if search:
        qs = qs.filter(number__icontains=search)
    return qs


def candidate_page(customer: Customer, *, kind: str, search: str = "", page: Any = 1) -> Page[Any]:
    """One page of :func:`candidate_queryset` (on the (customer, date) index)."""
    return Paginator(candidate_queryset(customer, kind, search), CANDIDATE_PAGE_SIZE).get_page(page)
