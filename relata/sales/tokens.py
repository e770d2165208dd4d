"""Integration tokens: the only credential the ERP integration endpoints accept.

A raw token reads ``rit_<random>``; the prefix lets :class:`IntegrationTokenAuthentication`
claim it while every other endpoint's authentication (``relata.api.auth``) does not know
it and answers 401. A user's API token or session reaches /api/v1/sales/ authenticated,
and :class:`IsIntegration` answers 403.
"""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from relata.api.models import token_digest
from relata.core import permissions as core_permissions
from relata.core.models import User
from relata.sales.models import IntegrationToken

TOKEN_PREFIX = "rit_"  # noqa: S105 (not a secret: marks integration tokens)


@transaction.atomic
def integration_token_create(
    *,
    user: User,
    name: str,
    acts_as: User | None = None,
    expires_at: datetime.datetime | None = None,
) -> tuple[IntegrationToken, str]:
    """Create a token and return it with its clear text: the only time that is seen."""
    core_permissions.ensure(core_permissions.can_configure(user))
    acts_as = acts_as or user
    if not core_permissions.is_administrator(acts_as):
        raise ValidationError({"acts_as": _("The integration must act as an administrator.")})
    if not name.strip():
        raise ValidationError({"name": _("Enter a name.")})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = IntegrationToken.objects.create(
        name=name.strip()[:100],
        digest=token_digest(raw),
        prefix=raw[:12],
        acts_as=acts_as,
        created_by=user,
        expires_at=expires_at,
    )
    return token, raw


@transaction.atomic
def integration_token_revoke(*, user: User, token: IntegrationToken) -> None:
    core_permissions.ensure(core_permissions.can_configure(user))
    IntegrationToken.objects.filter(pk=token.pk).update(is_active=False)


def integration_token_authenticate(raw: str) -> IntegrationToken | None:
    """Return the live token matching ``raw``, recording its use, or None."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        IntegrationToken.objects.select_related("acts_as")
        .filter(digest=token_digest(raw), is_active=True)
        .first()
    )
    now = timezone.now()
    if token is None or (token.expires_at and token.expires_at <= now):
        return None
    if not core_permissions.is_administrator(token.acts_as):
        return None
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        IntegrationToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def ensure_integration(token: Any) -> None:
    """Raise PermissionDenied unless ``token`` is a live integration token."""
    if not isinstance(token, IntegrationToken) or not token.is_active:
        raise PermissionDenied(_("Only the ERP integration may do this."))


class IntegrationTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).split()
        if len(header) != 2 or header[0].lower() != self.keyword.lower().encode():
            return None
        try:
            raw = header[1].decode()
        except UnicodeError:
            return None
        if not raw.startswith(TOKEN_PREFIX):
            return None  # a user's token: the next authentication class decides
        token = integration_token_authenticate(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(gettext_lazy("Invalid or expired token."))
        return token.acts_as, token

    def authenticate_header(self, request: Any) -> str:
        return self.keyword


class IsIntegration(permissions.BasePermission):
    """Allow only requests authenticated by an integration token."""

    message = gettext_lazy("These endpoints accept only an integration token.")

    def has_permission(self, request: Any, view: Any) -> bool:
        return isinstance(request.auth, IntegrationToken)


class IntegrationTokenScheme(OpenApiAuthenticationExtension):
    target_class = "relata.sales.tokens.IntegrationTokenAuthentication"
    name = "integrationToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An integration token (rit_…), created by an administrator.",
        }


def command_line_token(user: User) -> IntegrationToken:
    """An unsaved token for ``relata import-sales``: whoever runs the command on the server
    holds the database already; its writes are recorded as the given administrator's."""
    if not core_permissions.is_administrator(user):
        raise PermissionDenied(_("The import must run as an active administrator."))
    return IntegrationToken(name="import-sales", acts_as=user, is_active=True)
