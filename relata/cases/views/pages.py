"""Case pages: the list (filters, sorting, saved views), the detail page and reassignment.

The form (create and edit, with product lines) is in :mod:`relata.cases.views.forms`, the
documents in :mod:`relata.cases.views.documents`. Every write goes through the services;
an invisible case is a 404, a refused change a 403.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from relata.cases import selectors, services
from relata.cases.forms import PAGE_SIZE, CaseFilterForm, DocumentForm, ReassignForm
from relata.cases.models import Case, CaseStatusChange, StatusMeaning
from relata.core import permissions
from relata.core.panels import render_panels
from relata.core.timeline import timeline_for
from relata.core.types import AuthenticatedHttpRequest
from relata.core.views_saved_views import saved_views_context
from relata.customfields import selectors as field_selectors
from relata.customfields.display import values_display
from relata.customfields.models import Target

SAVED_VIEW_NAME = "cases"
TIMELINE_LIMIT = 30
# Sortable columns: the ``sort`` parameter (``-`` for descending) → the ordering.
SORTS: dict[str, tuple[Any, ...]] = {
    "number": ("number",),
    "type": ("case_type__order", "case_type__name_en"),
    "subject": ("subject",),
    "entity": ("entity__legal_name",),
    "status": ("status__order",),
    "owner": ("owner__first_name", "owner__username"),
    "amount": ("amount",),
    "close": ("expected_close_date", "due_at"),
    "opened": ("opened_at",),
}
DEFAULT_SORT = "-opened"


def forbid_unless(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def case_or_404(request: AuthenticatedHttpRequest, pk: int) -> Case:
    """Return the case ``pk`` if the user may see it; 404 otherwise, as for a missing one."""
    try:
        return selectors.case_get(user=request.user, pk=pk)
    except Case.DoesNotExist as error:
        raise Http404 from error


def duration_text(seconds: int | None) -> str:
    """Return a duration the way people say it: "3 days, 4 hours", "25 minutes"."""
    if seconds is None:
        return "—"
    minutes = seconds // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts: list[str] = []
    if days:
        parts.append(ngettext("%(count)d day", "%(count)d days", days) % {"count": days})
    if hours:
        parts.append(ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours})
    if minutes and not days:
        parts.append(
            ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
        )
    return ", ".join(parts[:2]) if parts else _("less than a minute")


# --- List ---------------------------------------------------------------------------------


def _ordering(sort: str) -> tuple[Any, ...]:
    descending = sort.startswith("-")
    columns = SORTS.get(sort.lstrip("-"))
    if columns is None:
        return ("-opened_at", "-pk")
    if descending:
        return (*(F(c).desc(nulls_last=True) for c in columns), "-pk")
    return (*(F(c).asc(nulls_last=True) for c in columns), "pk")


def filtered_cases(request: AuthenticatedHttpRequest, form: CaseFilterForm) -> QuerySet[Case]:
    """Return the visible cases matching the list's filters, in the chosen order."""
    status = form.value("status")
    owner_kind, owner_id = form.owner_filter()
    entity = form.chosen_entity
    qs = selectors.case_list(
        user=request.user,
        case_type=form.value("case_type"),
        statuses=[status] if status else None,
        owner="none" if owner_kind == "none" else owner_id if owner_kind == "user" else None,
        team=form.value("team"),
        entity=entity,
        campaign=form.value("campaign"),
        open_only=form.open_only,
        search=form.value("q") or "",
    )
    if form.value("entity") and entity is None:
        qs = qs.none()  # an entity out of reach matches nothing rather than everything
    return qs.order_by(*_ordering(request.GET.get("sort", DEFAULT_SORT)))


@login_required
@require_GET
def case_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET, user=request.user)
    cases = filtered_cases(request, form)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "form": form,
        "page_obj": page,
        "filtered": not form.is_default,
        "chosen_entity": form.chosen_entity,
        "now": timezone.now(),
        "today": timezone.localdate(),
        **saved_views_context(request, SAVED_VIEW_NAME),
    }
    rows_only = request.htmx and request.htmx.target == "case-rows"
    template = "cases/case_list.html#rows" if rows_only else "cases/case_list.html"
    return render(request, template, context)


# --- Detail -------------------------------------------------------------------------------


def _status_history(case: Case) -> list[dict[str, Any]]:
    changes = list(
        CaseStatusChange.objects.filter(case=case)
        .select_related("from_status", "to_status", "changed_by")
        .order_by("changed_at", "pk")
    )
    rows = []
    for index, change in enumerate(changes):
        # The time spent in this status: until the next change, or until now.
        following = changes[index + 1] if index + 1 < len(changes) else None
        if following is not None and following.seconds_in_previous is not None:
            spent = following.seconds_in_previous
        elif following is not None:
            spent = int((following.changed_at - change.changed_at).total_seconds())
        else:
            spent = int((timezone.now() - change.changed_at).total_seconds())
        rows.append(
            {
                "change": change,
                "spent": duration_text(max(0, spent)),
                "is_current": following is None,
            }
        )
    return list(reversed(rows))


def detail_context(request: AuthenticatedHttpRequest, case: Case) -> dict[str, Any]:
    user = request.user
    can_change = permissions.can_change(user, case)
    lines = list(case.lines.select_related("product"))
    now = timezone.now()
    definitions = field_selectors.field_definitions(target=Target.CASE, scope=case.case_type.code)
    weighted = (case.amount * case.effective_probability / 100).quantize(Decimal("0.01"))
    return {
        "case": case,
        "can_change": can_change,
        "lines": lines,
        "lines_total": sum((line.amount for line in lines), Decimal("0.00")),
        "weighted_amount": weighted,
        "probability_is_default": case.probability is None,
        "is_overdue": bool(case.is_open and case.due_at and case.due_at < now),
        "is_late": bool(
            case.is_open
            and case.expected_close_date
            and case.expected_close_date < timezone.localdate()
        ),
        "custom_values": values_display(definitions=definitions, values=case.custom),
        "history": _status_history(case),
        "events": timeline_for(case, limit=TIMELINE_LIMIT, user=user),
        "documents": list(case.documents.select_related("uploaded_by")),
        "document_form": DocumentForm() if can_change else None,
        "panels": render_panels("case_detail", request, case),
        "is_won": case.status.meaning == StatusMeaning.WON,
        "is_lost": case.status.meaning == StatusMeaning.LOST,
    }


@login_required
@require_GET
def case_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    return render(request, "cases/case_detail.html", detail_context(request, case))


# --- Reassign -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def case_reassign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    forbid_unless(permissions.can_change(request.user, case))
    form = ReassignForm(request.POST or None, user=request.user, case=case)
    detail_url = reverse("cases:detail", args=[case.pk])
    if request.method == "POST" and form.is_valid():
        try:
            services.case_reassign(
                user=request.user,
                case=case,
                owner=form.cleaned_data["owner"],
                team=form.cleaned_data["team"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        except PermissionDenied as error:
            form.add_error(None, str(error) or _("You cannot give this case to that user."))
        else:
            messages.success(request, _("The case was reassigned."))
            return redirect(detail_url)
    return render(
        request,
        "cases/case_confirm_reassign.html",
        {"case": case, "form": form, "detail_url": detail_url},
    )
