"""Error pages: JSON under /api/, the product's own pages elsewhere."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception or Exception(), "404.html")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"detail": _("You do not have permission to do this."), "code": "permission_denied"},
            status=403,
        )
    return defaults.permission_denied(request, exception or Exception(), "403.html")


def server_error(request: HttpRequest, *args: Any) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {
                "detail": _("Something went wrong on our side; it has been logged."),
                "code": "server_error",
            },
            status=500,
        )
    return defaults.server_error(request, "500.html")
