"""Types for requests whose user is known to be logged in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from rest_framework.request import Request

from relata.core.models import User

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a ``@login_required`` view: its user is a logged-in :class:`User`.

    Only an annotation for the type checker; Django still passes a plain ``HttpRequest``.
    ``htmx`` is set by django-htmx's middleware.
    """

    user: User
    htmx: HtmxDetails


def request_user(request: HttpRequest | Request) -> User:
    """Return the logged-in user of a request that authentication has already let through.

    For API views behind ``IsAuthenticated`` (or a stricter permission) and the Django
    admin, where an anonymous user never arrives.
    """
    user = request.user
    assert isinstance(user, User), "the request has no logged-in user"
    return user
