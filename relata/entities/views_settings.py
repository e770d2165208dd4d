"""Settings → Classification lists: entity kinds, sources, sectors and zones.

Administrators only (``permissions.can_configure``); everyone else gets 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from relata.core import permissions
from relata.core.types import AuthenticatedHttpRequest
from relata.entities import classifications
from relata.entities.classifications import ClassificationList
from relata.entities.forms import ClassificationForm, apply_service_errors
from relata.entities.views import forbid_unless


def _list_or_404(request: AuthenticatedHttpRequest, list_name: str) -> ClassificationList:
    forbid_unless(permissions.can_configure(request.user))
    try:
        return classifications.LISTS[list_name]
    except KeyError as error:
        raise Http404 from error


@login_required
def settings_list(request: AuthenticatedHttpRequest, list_name: str) -> HttpResponse:
    current = _list_or_404(request, list_name)
    return render(
        request,
        "entities/settings_list.html",
        {
            "current": current,
            "lists": classifications.LISTS.values(),
            "values": classifications.classification_values(model=current.model),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_edit(
    request: AuthenticatedHttpRequest, list_name: str, pk: int | None = None
) -> HttpResponse:
    current = _list_or_404(request, list_name)
    value = get_object_or_404(current.model, pk=pk) if pk else None
    form = ClassificationForm(request.POST or None, model=current.model, instance=value)
    if request.method == "POST" and form.is_valid():
        try:
            if value is None:
                value = classifications.classification_create(
                    user=request.user, model=current.model, data=form.cleaned_data
                )
            else:
                classifications.classification_update(
                    user=request.user, value=value, data=form.cleaned_data
                )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("“%(label)s” was saved.") % {"label": value.label})
            return redirect("entities:settings_list", list_name=current.slug)
    return render(
        request,
        "entities/settings_form.html",
        {"current": current, "form": form, "value": value},
    )


@login_required
@require_POST
def settings_deactivate(request: AuthenticatedHttpRequest, list_name: str, pk: int) -> HttpResponse:
    current = _list_or_404(request, list_name)
    value = get_object_or_404(current.model, pk=pk)
    classifications.classification_deactivate(user=request.user, value=value)
    messages.success(
        request,
        _("“%(label)s” was deactivated: forms no longer offer it; entities keep it.")
        % {"label": value.label},
    )
    return redirect("entities:settings_list", list_name=current.slug)
