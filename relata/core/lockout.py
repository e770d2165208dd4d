"""The answer given to a locked-out login (django-axes): JSON for the API, a page otherwise."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

LOCKED_STATUS = 429


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "detail": _("Too many failed attempts: logging in is blocked for 15 minutes."),
                "code": "locked_out",
            },
            status=LOCKED_STATUS,
        )
    return render(request, "registration/locked_out.html", status=LOCKED_STATUS)
