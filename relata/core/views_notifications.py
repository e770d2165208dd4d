"""The user's in-app notifications: the list behind the bell, marking read, following one."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from relata.core import services
from relata.core.models import Notification
from relata.core.types import AuthenticatedHttpRequest

PAGE_SIZE = 25


def safe_local_url(url: str) -> str:
    """Return ``url`` if it is a path on this site, else "": a notification never sends
    anyone to another site, whatever its link says."""
    url = (url or "").strip()
    if (
        url.startswith("/")
        and not url.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(url, allowed_hosts=set())
    ):
        return url
    return ""


def _back(request: HttpRequest) -> str:
    """Return the list page to go back to (the page number kept), never another site."""
    target = safe_local_url(request.POST.get("next", ""))
    list_url = reverse("core:notifications")
    return target if target.startswith(list_url) else list_url


@login_required
@require_safe
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    notifications = Notification.objects.filter(user=request.user).order_by("-created_at", "-pk")
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "core/notifications.html",
        {"page_obj": page, "notifications": page.object_list},
    )


def _own(request: AuthenticatedHttpRequest, pk: int) -> Notification:
    found = Notification.objects.filter(user=request.user, pk=pk).first()
    if found is None:  # someone else's is as missing as one that does not exist
        raise Http404
    return found


@login_required
@require_POST
def notification_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark a notification read and go to what it is about (only a page of this site)."""
    notification = _own(request, pk)
    services.notifications_mark_read(user=request.user, pks=[notification.pk])
    return redirect(safe_local_url(notification.url) or reverse("core:notifications"))


@login_required
@require_POST
def notification_read(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    notification = _own(request, pk)
    services.notifications_mark_read(user=request.user, pks=[notification.pk])
    return redirect(_back(request))


@login_required
@require_POST
def notifications_read_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    services.notifications_mark_read(user=request.user)
    return redirect(_back(request))
