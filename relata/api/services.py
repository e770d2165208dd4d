"""Issue and revoke API tokens."""

from __future__ import annotations

import datetime
import secrets

from django.db import transaction
from django.utils import timezone

from relata.api.models import ApiToken, token_digest
from relata.core.models import User

TOKEN_LIFETIME = datetime.timedelta(days=90)


@transaction.atomic
def token_create(*, user: User, name: str = "") -> str:
    """Create a token for ``user`` and return it in clear: the only time it is seen."""
    raw = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        digest=token_digest(raw),
        prefix=raw[:8],
        name=name,
        expires_at=timezone.now() + TOKEN_LIFETIME,
    )
    return raw


def token_authenticate(raw: str) -> ApiToken | None:
    """Return the live token matching ``raw``, recording its use, or None."""
    token = ApiToken.objects.select_related("user").filter(digest=token_digest(raw)).first()
    if token is None or (token.expires_at and token.expires_at <= timezone.now()):
        return None
    now = timezone.now()
    # Write the last-use time at most once a minute, so that reads stay reads.
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
