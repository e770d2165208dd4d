"""Settings → Action types: administrators only; everyone else gets 403."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from relata.actions import selectors, services
from relata.actions.forms import ActionTypeForm, apply_service_errors
from relata.actions.models import ActionType
from relata.actions.views.agenda import text_colour
from relata.actions.views.pages import forbid_unless
from relata.core import permissions
from relata.core.types import AuthenticatedHttpRequest


@login_required
@require_GET
def type_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    forbid_unless(permissions.can_configure(request.user))
    types = selectors.action_types(active_only=False)
    return render(
        request,
        "actions/type_list.html",
        {"types": [(t, text_colour(t.colour)) for t in types]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def type_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    forbid_unless(permissions.can_configure(request.user))
    action_type = get_object_or_404(ActionType, pk=pk) if pk else None
    form = ActionTypeForm(request.POST or None, instance=action_type)
    if request.method == "POST" and form.is_valid():
        data = {
            name: value for name, value in form.cleaned_data.items() if name in form.changed_data
        }
        try:
            if action_type is None:
                action_type = services.action_type_create(user=request.user, data=form.cleaned_data)
            else:
                # Re-read: a failed full_clean must not leave the form's copy half changed.
                action_type = services.action_type_update(
                    user=request.user,
                    action_type=ActionType.objects.get(pk=action_type.pk),
                    data=data,
                )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("“%(name)s” was saved.") % {"name": action_type.name})
            return redirect("actions:type_list")
    return render(request, "actions/type_form.html", {"form": form, "action_type": action_type})
