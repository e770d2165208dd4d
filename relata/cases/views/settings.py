"""Settings → Case types: the types, their statuses and their order.

Administrators only; everyone else gets 403. Nothing is deleted here: types and statuses
are switched off, because cases and their status history keep pointing at them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from relata.cases import services_settings as services
from relata.cases.forms_settings import CaseStatusForm, CaseTypeForm
from relata.cases.models import Case, CaseStatus, CaseType
from relata.core import permissions
from relata.core.types import AuthenticatedHttpRequest
from relata.customfields.models import FieldDefinition, Target
from relata.entities.forms.common import apply_service_errors


def _forbid_unless(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _count(model: Any, field: str) -> Coalesce:
    """Return a per-row count of ``model`` rows pointing at the outer row by ``field``."""
    rows = (
        model.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _types_overview() -> QuerySet[CaseType]:
    # Subqueries rather than joins: counting cases and statuses through two joins would
    # multiply the rows of one by the other.
    return CaseType.objects.annotate(
        status_count=_count(CaseStatus, "case_type"), case_count=_count(Case, "case_type")
    ).order_by("order", "name_en")


def _changed(form: Any) -> dict[str, Any]:
    return {name: value for name, value in form.cleaned_data.items() if name in form.changed_data}


@login_required
@require_GET
def type_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _forbid_unless(permissions.can_configure(request.user))
    return render(request, "cases/settings/type_list.html", {"types": _types_overview()})


@login_required
@require_GET
def type_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _forbid_unless(permissions.can_configure(request.user))
    case_type = get_object_or_404(_types_overview(), pk=pk)
    statuses = list(
        CaseStatus.objects.filter(case_type=case_type)
        .annotate(case_count=_count(Case, "status"))
        .prefetch_related("allowed_next")
        .order_by("order", "pk")
    )
    fields = FieldDefinition.objects.filter(target=Target.CASE, scope=case_type.code).order_by(
        "order", "pk"
    )
    add_field_url = reverse("customfields:create") + f"?target={Target.CASE}&scope={case_type.code}"
    return render(
        request,
        "cases/settings/type_detail.html",
        {
            "case_type": case_type,
            "statuses": statuses,
            "fields": fields,
            "add_field_url": add_field_url,
            "has_open": any(s.is_open and s.is_active for s in statuses),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def type_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    _forbid_unless(permissions.can_configure(request.user))
    case_type = get_object_or_404(CaseType, pk=pk) if pk else None
    form = CaseTypeForm(request.POST or None, instance=case_type)
    if request.method == "POST" and form.is_valid():
        try:
            if case_type is None:
                case_type = services.case_type_create(user=request.user, data=form.cleaned_data)
                message = _("“%(name)s” was created with its first statuses; adjust them below.")
            else:
                # Re-read: a refused change must not leave the form's copy half changed.
                case_type = services.case_type_update(
                    user=request.user,
                    case_type=CaseType.objects.get(pk=case_type.pk),
                    data=_changed(form),
                )
                message = _("“%(name)s” was saved.")
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, message % {"name": case_type.name})
            return redirect("cases:settings_type_detail", case_type.pk)
    return render(request, "cases/settings/type_form.html", {"form": form, "case_type": case_type})


@login_required
@require_http_methods(["GET", "POST"])
def status_edit(
    request: AuthenticatedHttpRequest, type_pk: int, pk: int | None = None
) -> HttpResponse:
    _forbid_unless(permissions.can_configure(request.user))
    case_type = get_object_or_404(CaseType, pk=type_pk)
    status = get_object_or_404(CaseStatus, pk=pk, case_type=case_type) if pk else None
    form = CaseStatusForm(request.POST or None, instance=status, case_type=case_type)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        allowed_next = list(data.pop("allowed_next"))
        try:
            if status is None:
                status = services.status_create(
                    user=request.user, case_type=case_type, data=data, allowed_next=allowed_next
                )
            else:
                status = services.status_update(
                    user=request.user,
                    status=CaseStatus.objects.get(pk=status.pk),
                    data={k: v for k, v in data.items() if k in form.changed_data},
                    allowed_next=allowed_next,
                )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("“%(name)s” was saved.") % {"name": status.name})
            return redirect(
                reverse("cases:settings_type_detail", args=[case_type.pk]) + f"#status-{status.pk}"
            )
    return render(
        request,
        "cases/settings/status_form.html",
        {"form": form, "case_type": case_type, "status": status},
    )


@login_required
@require_POST
def status_move(request: AuthenticatedHttpRequest, type_pk: int, pk: int) -> HttpResponse:
    _forbid_unless(permissions.can_configure(request.user))
    status = get_object_or_404(CaseStatus, pk=pk, case_type_id=type_pk)
    offset = -1 if request.POST.get("direction") == "up" else 1
    services.status_move(user=request.user, status=status, offset=offset)
    return redirect(reverse("cases:settings_type_detail", args=[type_pk]) + f"#status-{pk}")
