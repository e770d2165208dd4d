"""The "Orders, deliveries and invoices" card of the case page (R27).

An after-sales case (a type that is not a sales opportunity: complaints, incidents,
service requests…) shows the documents it is linked to and its customer's recent orders,
deliveries and invoices, each with a "Link" button; opportunities show the card only when
their entity is an ERP customer or they already have links.

The card is re-rendered by :mod:`relata.sales.views_links` after each link, unlink, tab,
search or page (htmx), with the same context; its state travels in the ``sales_kind``,
``sales_q`` and ``sales_page`` parameters, which also work on the case page without
JavaScript.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db import models
from django.http import HttpRequest, QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy

from relata.cases.models import Case
from relata.core import panels, permissions
from relata.core.models import User
from relata.sales import selectors_links
from relata.sales.models import SalesDocumentKind

KIND_PARAM, SEARCH_PARAM, PAGE_PARAM = "sales_kind", "sales_q", "sales_page"
TABS = [
    (SalesDocumentKind.ORDER, gettext_lazy("Orders"), "cart"),
    (SalesDocumentKind.DELIVERY, gettext_lazy("Deliveries"), "truck"),
    (SalesDocumentKind.INVOICE, gettext_lazy("Invoices"), "receipt"),
]


def panel_state(params: QueryDict) -> dict[str, Any]:
    """The card's tab, search and page from a request's GET or POST parameters."""
    kind = params.get(KIND_PARAM, "")
    if kind not in selectors_links.DOCUMENT_MODELS:
        kind = SalesDocumentKind.ORDER
    return {
        "kind": str(kind),
        "search": params.get(SEARCH_PARAM, "").strip()[:50],
        "page": params.get(PAGE_PARAM, "1"),
    }


def state_query(kind: str, search: str, page: int | str = 1) -> str:
    params: dict[str, Any] = {KIND_PARAM: kind}
    if search:
        params[SEARCH_PARAM] = search
    if str(page) != "1":
        params[PAGE_PARAM] = page
    return urlencode(params)


def panel_context(
    request: HttpRequest, case: Case, state: dict[str, Any], error: str = ""
) -> dict[str, Any] | None:
    """What the card shows to ``request.user``; None when it is not shown at all."""
    user = request.user
    assert isinstance(user, User)
    sees_entity = permissions.can_view(user, case.entity)
    customer = selectors_links.case_customer(user, case)
    links = selectors_links.case_links(user, case)
    if case.case_type.is_opportunity and customer is None and not links:
        return None
    kind, search = state["kind"], state["search"]
    page = None
    if customer is not None:
        page = selectors_links.candidate_page(
            customer, kind=kind, search=search, page=state["page"]
        )
    linked = {(row.kind, row.pk) for _link, row in links}
    panel_url = reverse("sales:case_documents", args=[case.pk])
    detail_url = reverse("cases:detail", args=[case.pk])
    candidates = []
    if page is not None:
        candidates = [
            (row, (row.kind, row.pk) in linked)
            for row in (selectors_links.document_row(doc, case.entity_id) for doc in page)
        ]
    return {
        "case": case,
        "customer": customer,
        "sees_entity": sees_entity,
        "links": links,
        "can_link": bool(
            customer is not None and sees_entity and permissions.can_change(user, case)
        ),
        "kind": kind,
        "search": search,
        "page_obj": page,
        "candidates": candidates,
        "error": error,
        "tabs": [
            {
                "kind": str(value),
                "label": label,
                "icon": icon,
                "active": value == kind,
                "query": state_query(str(value), ""),
            }
            for value, label, icon in TABS
        ],
        "panel_url": panel_url,
        "detail_url": detail_url,
        "previous_query": (
            state_query(kind, search, page.previous_page_number())
            if page is not None and page.has_previous()
            else ""
        ),
        "next_query": (
            state_query(kind, search, page.next_page_number())
            if page is not None and page.has_next()
            else ""
        ),
        "params": {"kind": KIND_PARAM, "search": SEARCH_PARAM, "page": PAGE_PARAM},
        "current_page": page.number if page is not None else 1,
    }


def render_panel(request: HttpRequest, case: Case, state: dict[str, Any], error: str = "") -> str:
    context = panel_context(request, case, state, error)
    if context is None:
        return ""
    return render_to_string("sales/case_links/panel.html", context, request=request)


def render_results(request: HttpRequest, case: Case, state: dict[str, Any]) -> str:
    """Only the candidates' list (the search box's target, so that typing keeps focus)."""
    context = panel_context(request, case, state)
    if context is None:
        return ""
    return render_to_string("sales/case_links/_results.html", context, request=request)


@panels.register("case_detail", order=30)
def case_panel(request: HttpRequest, obj: models.Model) -> str:
    if not isinstance(obj, Case) or not isinstance(request.user, User):
        return ""
    return render_panel(request, obj, panel_state(request.GET))
