"""Outbound webhooks: signed CRM events for the ERP (entity created/changed, opportunity won).

The entities and cases services publish their events (:mod:`relata.core.events`) inside
the write's transaction; :func:`connect` subscribes to them and calls :func:`emit`, which
writes one :class:`~relata.sales.models.WebhookDelivery` row per subscribed endpoint and
queues a Huey job after the commit (nothing is sent if the write rolls back). Each POST carries

* ``X-Relata-Event``: the event; ``X-Relata-Delivery``: the delivery id (the receiver's
  idempotency key: a retried delivery keeps its id);
* ``X-Relata-Signature: t=<unix time>,v1=<hex>``: HMAC-SHA256 with the endpoint's secret
  over ``"<t>.<body>"``. Receivers recompute it and refuse old timestamps (replays).

A 2xx answer delivers; anything else (or no answer within :data:`TIMEOUT` seconds) is
retried after :data:`BACKOFF` seconds (1 min, 5 min, 30 min, 2 h, 12 h), then marked failed.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import decimal
import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.core import events, permissions
from relata.core.effects import on_commit
from relata.core.models import User
from relata.sales.models import (
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEvent,
)

TIMEOUT = 10
BACKOFF = (60, 300, 1_800, 7_200, 43_200)
MAX_ATTEMPTS = len(BACKOFF) + 1
SIGNATURE_HEADER = "X-Relata-Signature"
SUBSCRIBED_CACHE_KEY = "relata:webhooks:subscribed:v1"
_suppressed: contextvars.ContextVar[bool] = contextvars.ContextVar("webhooks_off", default=False)


@contextlib.contextmanager
def suppressed() -> Iterator[None]:
    """Emit nothing inside: changes that come from the ERP are not echoed back to it."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def _json_default(value: Any) -> str:
    if isinstance(value, decimal.Decimal | datetime.date | datetime.datetime):
        return str(value) if isinstance(value, decimal.Decimal) else value.isoformat()
    raise TypeError(type(value).__name__)


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """Return the signature header's value for ``body`` sent at ``timestamp``."""
    message = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, body: bytes, header: str, tolerance: int = 300) -> bool:
    """Check a signature header (what a receiver does; used by the tests and the docs)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, body, timestamp), header)


def subscribed_events() -> frozenset[str]:
    """Return the events some active endpoint subscribes to (cached: with no endpoint
    configured, a CRM write pays no query for its webhooks)."""
    subscribed = cache.get(SUBSCRIBED_CACHE_KEY)
    if subscribed is None:
        subscribed = frozenset(
            event
            for events_list in WebhookEndpoint.objects.filter(is_active=True).values_list(
                "events", flat=True
            )
            for event in events_list
        )
        cache.set(SUBSCRIBED_CACHE_KEY, subscribed, 300)
    return frozenset(subscribed)


def _subscribed_cache_clear() -> None:
    cache.delete(SUBSCRIBED_CACHE_KEY)


def _endpoints_changed() -> None:
    # Now, for this transaction's own emits, and after the commit, for everyone else's
    # (another process may have cached the old list in between).
    _subscribed_cache_clear()
    on_commit(_subscribed_cache_clear)


@transaction.atomic
def endpoint_create(*, user: User, name: str, url: str, events: list[str]) -> WebhookEndpoint:
    """Register an endpoint (administrators only); its secret is generated here."""
    permissions.ensure(permissions.can_configure(user))
    errors: dict[str, str] = {}
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        errors["url"] = _("Enter a valid http(s) URL.")
    unknown = [e for e in events if e not in WebhookEvent.values]
    if unknown or not events:
        errors["events"] = _("Choose at least one of the known events.")
    if not name.strip():
        errors["name"] = _("Enter a name.")
    if errors:
        raise ValidationError(errors)
    endpoint = WebhookEndpoint.objects.create(
        name=name.strip()[:100], url=url, secret=secrets.token_hex(32), events=sorted(set(events))
    )
    _endpoints_changed()
    return endpoint


@transaction.atomic
def endpoint_deactivate(*, user: User, endpoint: WebhookEndpoint) -> None:
    permissions.ensure(permissions.can_configure(user))
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    _endpoints_changed()


def emit(event: str, payload: dict[str, Any]) -> list[WebhookDelivery]:
    """Queue ``event`` with ``payload`` to every active endpoint subscribed to it.

    Call it inside the service's transaction: nothing is sent if the write rolls back.
    """
    if event not in WebhookEvent.values:
        raise ValueError(f"Unknown webhook event {event!r}")
    if _suppressed.get() or event not in subscribed_events():
        return []
    data = json.loads(json.dumps(payload, default=_json_default))
    deliveries = [
        WebhookDelivery(endpoint=endpoint, event=event, payload=data)
        for endpoint in WebhookEndpoint.objects.filter(is_active=True)
        if event in endpoint.events
    ]
    WebhookDelivery.objects.bulk_create(deliveries)
    from relata.sales.tasks import deliver_webhook

    for delivery in deliveries:
        on_commit(deliver_webhook, delivery.pk)
    return deliveries


def attempt(delivery: WebhookDelivery) -> int | None:
    """POST the delivery once; record the outcome; return the seconds until the next
    attempt, or None when it is delivered or has failed for good."""
    if delivery.status != WebhookDeliveryStatus.PENDING:
        return None
    endpoint = delivery.endpoint
    body = json.dumps(
        {
            "id": delivery.pk,
            "event": delivery.event,
            "created_at": delivery.created_at.isoformat(),
            "data": delivery.payload,
        },
        separators=(",", ":"),
    ).encode()
    request = urllib.request.Request(  # noqa: S310 (http(s) only, checked on creation)
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Relata-Webhooks/1",
            "X-Relata-Event": delivery.event,
            "X-Relata-Delivery": str(delivery.pk),
            SIGNATURE_HEADER: sign(endpoint.secret, body, int(time.time())),
        },
    )
    delivery.attempts += 1
    delivery.last_attempt_at = timezone.now()
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            delivery.response_code = response.status
            delivery.last_error = ""
    except urllib.error.HTTPError as error:
        delivery.response_code, delivery.last_error = error.code, str(error.reason)[:500]
    except (urllib.error.URLError, OSError) as error:
        delivery.response_code, delivery.last_error = None, str(error)[:500]
    delay = None
    if delivery.response_code and 200 <= delivery.response_code < 300:
        delivery.status, delivery.delivered_at = WebhookDeliveryStatus.DELIVERED, timezone.now()
    elif delivery.attempts >= MAX_ATTEMPTS or not endpoint.is_active:
        delivery.status = WebhookDeliveryStatus.FAILED
    else:
        delay = BACKOFF[delivery.attempts - 1]
    delivery.save()
    return delay


# --- Payloads ---------------------------------------------------------------------------


def entity_payload(entity: Any) -> dict[str, Any]:
    """The entity as the ERP sees it, with its linked ERP customer's external id."""
    customer = getattr(entity, "erp_customer", None)
    main = entity.addresses.filter(is_main=True).first()
    return {
        "id": entity.pk,
        "legal_name": entity.legal_name,
        "trade_name": entity.trade_name,
        "tax_id": entity.tax_id,
        "kind": entity.kind.code,
        "customer_external_id": customer.external_id if customer else None,
        "address": {
            f: getattr(main, f) for f in ("street", "postal_code", "city", "province", "country")
        }
        if main
        else None,
        "updated_at": entity.updated_at,
    }


def opportunity_won_payload(case: Any) -> dict[str, Any]:
    """A won opportunity with its product lines, so that the ERP can create the order."""
    lines = case.lines.select_related("product").order_by("order", "id")
    return {
        "id": case.pk,
        "number": case.number,
        "subject": case.subject,
        "entity": entity_payload(case.entity),
        "amount": case.amount,
        "currency": case.currency,
        "closed_at": case.closed_at,
        "lines": [
            {
                "product_external_id": line.product.external_id,
                "product_code": line.product.code,
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "discount": line.discount,
                "amount": line.amount,
            }
            for line in lines
        ],
    }


# --- The CRM events that become webhooks (subscribed in SalesConfig.ready) --------------

# The entity fields the ERP receives (see entity_payload): other changes are not sent.
ENTITY_PAYLOAD_FIELDS = frozenset({"legal_name", "trade_name", "tax_id", "kind", "addresses"})


def _wanted(event: str) -> bool:
    """Whether an event is to be emitted; checked before building its payload (queries)."""
    return not _suppressed.get() and event in subscribed_events()


def _entity_created(event: events.Event) -> None:
    if _wanted(WebhookEvent.ENTITY_CREATED):
        emit(WebhookEvent.ENTITY_CREATED, entity_payload(event.obj))


def _entity_changed(event: events.Event) -> None:
    if event.changed & ENTITY_PAYLOAD_FIELDS and _wanted(WebhookEvent.ENTITY_CHANGED):
        emit(WebhookEvent.ENTITY_CHANGED, entity_payload(event.obj))


def _opportunity_won(event: events.Event) -> None:
    if _wanted(WebhookEvent.OPPORTUNITY_WON):
        emit(WebhookEvent.OPPORTUNITY_WON, opportunity_won_payload(event.obj))


def connect() -> None:
    """Turn the CRM's events into webhooks; called once from ``SalesConfig.ready``."""
    events.subscribe(events.ENTITY_CREATED, _entity_created)
    events.subscribe(events.ENTITY_CHANGED, _entity_changed)
    events.subscribe(events.OPPORTUNITY_WON, _opportunity_won)
