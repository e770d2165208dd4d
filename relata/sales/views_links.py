"""The case page's "Orders, deliveries and invoices" card: its tabs, search and pages, and
linking and unlinking a document (htmx; each answer is the re-rendered card or its list).

Without JavaScript the same URLs work as plain pages: GET goes back to the case page with
the card's state, a link POST redirects there with a message, unlink asks for confirmation
on a page of its own. An invisible case is a 404; linking without the right to change the
case a 403. htmx does not swap 4xx answers, so a refused link (a document of another
customer…) comes back as the card with the error shown in it.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from relata.cases.models import Case
from relata.cases.views.pages import case_or_404, forbid_unless
from relata.core import permissions
from relata.core.types import AuthenticatedHttpRequest
from relata.sales import panels_case, selectors_links, services_links
from relata.sales.models import CaseSalesLink

RESULTS_TARGET = "case-sales-results"


def _detail_url(case: Case, state: dict[str, object]) -> str:
    query = panels_case.state_query(str(state["kind"]), str(state["search"]), str(state["page"]))
    return f"{reverse('cases:detail', args=[case.pk])}?{query}#case-sales-panel"


def _panel(
    request: AuthenticatedHttpRequest, case: Case, state: dict[str, object], error: str = ""
) -> HttpResponse:
    return HttpResponse(panels_case.render_panel(request, case, state, error))


def _may_link(request: AuthenticatedHttpRequest, case: Case) -> None:
    """403 unless the user may change the case (read-only users never may)."""
    forbid_unless(permissions.can_change(request.user, case))


@login_required
@require_GET
def case_documents(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The card (or, for the search box and the pages, only its list)."""
    case = case_or_404(request, pk)
    state = panels_case.panel_state(request.GET)
    if not request.htmx:
        return redirect(_detail_url(case, state))
    if request.htmx.target == RESULTS_TARGET:
        return HttpResponse(panels_case.render_results(request, case, state))
    return _panel(request, case, state)


@login_required
@require_POST
def case_document_link(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    _may_link(request, case)
    state = panels_case.panel_state(request.POST)
    try:
        link = services_links.case_document_link(
            user=request.user,
            case=case,
            kind=request.POST.get("kind", ""),
            document_id=request.POST.get("document", ""),
        )
    except ValidationError as error:
        message = " ".join(error.messages)
        if request.htmx:
            return _panel(request, case, state, message)
        messages.error(request, message)
        return redirect(_detail_url(case, state))
    if request.htmx:
        return _panel(request, case, state)
    document = link.document
    messages.success(
        request,
        _("%(document)s is now linked to this case.")
        % {"document": document.number if document else ""},
    )
    return redirect(_detail_url(case, state))


def _link_or_404(request: AuthenticatedHttpRequest, case: Case, link_pk: int) -> CaseSalesLink:
    """A link of ``case`` whose document the user may see (its entity's)."""
    if not permissions.can_view(request.user, case.entity):
        raise Http404
    link = selectors_links.link_queryset(case).filter(pk=link_pk).first()
    if link is None:
        raise Http404
    return link


@login_required
@require_http_methods(["GET", "POST"])
def case_document_unlink(request: AuthenticatedHttpRequest, pk: int, link_pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    link = _link_or_404(request, case, link_pk)
    _may_link(request, case)
    document = link.document
    number = document.number if document else ""
    if request.method == "GET":
        row = selectors_links.document_row(document, case.entity_id) if document else None
        return render(
            request,
            "sales/case_links/confirm_unlink.html",
            {"case": case, "link": link, "row": row},
        )
    state = panels_case.panel_state(request.POST)
    services_links.case_document_unlink(user=request.user, link=link)
    if request.htmx:
        return _panel(request, case, state)
    messages.success(
        request, _("%(document)s is no longer linked to this case.") % {"document": number}
    )
    return redirect(_detail_url(case, state))
