"""Saving, applying and deleting the saved views of list pages.

A list page includes ``partials/saved_views.html`` with the context of
:func:`saved_views_context`; the partial's forms post here and come back to the list.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relata.core import saved_views
from relata.core.models import SavedView
from relata.core.types import AuthenticatedHttpRequest


def saved_views_context(request: AuthenticatedHttpRequest, view: str) -> dict[str, Any]:
    """Return what ``partials/saved_views.html`` needs for list ``view`` on this request."""
    current = saved_views.query_normalize(request.GET.urlencode())
    items = []
    for saved in saved_views.saved_view_list(user=request.user, view=view):
        items.append(
            {
                "view": saved,
                "is_own": saved.user_id == request.user.pk,
                "can_delete": saved_views.can_delete(request.user, saved),
                "is_active": bool(current) and saved.query == current,
            }
        )
    return {
        "saved_view_name": view,
        "saved_views": items,
        "saved_view_active": next((item["view"] for item in items if item["is_active"]), None),
        "saved_view_query": current,
        "saved_view_list_url": request.path,
    }


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@login_required
@require_POST
def saved_view_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    back = _back(request)
    query = request.POST.get("query", "")
    try:
        saved = saved_views.saved_view_save(
            user=request.user,
            view=request.POST.get("view", ""),
            name=request.POST.get("name", ""),
            query=query,
            is_shared=request.POST.get("is_shared") in ("1", "on", "true"),
        )
    except ValidationError as error:
        messages.error(
            request, _("The view was not saved: %(reason)s") % {"reason": " ".join(error.messages)}
        )
        return redirect(back)
    messages.success(request, _("The view “%(name)s” was saved.") % {"name": saved.name})
    base = back.split("?", 1)[0]
    return redirect(f"{base}?{saved.query}" if saved.query else base)


@login_required
@require_POST
def saved_view_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    try:
        saved = saved_views.saved_view_get(user=request.user, pk=pk)
    except SavedView.DoesNotExist as error:
        raise Http404 from error
    # Someone else's shared view: 403 (PermissionDenied from the service).
    saved_views.saved_view_delete(user=request.user, saved_view=saved)
    messages.success(request, _("The view “%(name)s” was deleted.") % {"name": saved.name})
    return redirect(_back(request))
