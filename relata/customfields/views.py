"""Settings → Custom fields: every user may look, administrators change."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from relata.core import permissions
from relata.core.forms import apply_service_errors
from relata.core.timeline import timeline_for
from relata.core.types import AuthenticatedHttpRequest
from relata.customfields import selectors, services
from relata.customfields.forms import FieldDefinitionForm
from relata.customfields.models import FieldDefinition, Target


def _forbid_unless(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


_apply_errors = apply_service_errors


@login_required
def definition_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    definitions = list(selectors.field_definition_list())
    groups: list[dict[str, Any]] = []
    for value, label in Target.choices:
        items = [d for d in definitions if d.target == value]
        groups.append({"target": value, "label": label, "definitions": items})
    return render(
        request,
        "customfields/definition_list.html",
        {
            "groups": groups,
            "has_definitions": bool(definitions),
            "can_configure": permissions.can_configure(request.user),
        },
    )


@login_required
def definition_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    definition = get_object_or_404(selectors.field_definition_list(), pk=pk)
    return render(
        request,
        "customfields/definition_detail.html",
        {
            "definition": definition,
            "default_display": services.value_display(
                definition=definition, value=definition.default
            ),
            "events": timeline_for(definition, limit=20),
            "can_configure": permissions.can_configure(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def definition_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    _forbid_unless(permissions.can_configure(request.user))
    initial = {
        "target": request.GET.get("target", Target.ENTITY),
        "scope": request.GET.get("scope", ""),
    }
    form = FieldDefinitionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            definition = services.field_definition_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request, _("The field “%(label)s” was created.") % {"label": definition.label}
            )
            return redirect(definition)
    return render(request, "customfields/definition_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def definition_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _forbid_unless(permissions.can_configure(request.user))
    definition = get_object_or_404(FieldDefinition, pk=pk)
    form = FieldDefinitionForm(request.POST or None, definition=definition)
    if request.method == "POST" and form.is_valid():
        try:
            services.field_definition_update(
                user=request.user, definition=definition, data=form.cleaned_data
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request, _("The field “%(label)s” was saved.") % {"label": definition.label}
            )
            return redirect(definition)
    return render(
        request, "customfields/definition_form.html", {"form": form, "definition": definition}
    )


@login_required
@require_POST
def definition_deactivate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _forbid_unless(permissions.can_configure(request.user))
    definition = get_object_or_404(FieldDefinition, pk=pk)
    services.field_definition_delete(user=request.user, definition=definition)
    messages.success(
        request,
        _("The field “%(label)s” was deactivated; the values already stored are kept.")
        % {"label": definition.label},
    )
    return redirect("customfields:list")


@login_required
@require_POST
def definition_move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _forbid_unless(permissions.can_configure(request.user))
    definition = get_object_or_404(FieldDefinition, pk=pk)
    offset = -1 if request.POST.get("direction") == "up" else 1
    services.field_definition_move(user=request.user, definition=definition, offset=offset)
    return redirect(f"{reverse('customfields:list')}#field-{definition.pk}")
