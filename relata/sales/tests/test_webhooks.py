"""Outbound webhooks: signature, delivery through a real HTTP server, retries, the log."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from relata.sales import webhooks
from relata.sales.models import WebhookDelivery, WebhookDeliveryStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    """A real HTTP server answering with the statuses queued in ``answers`` (200 when empty)."""
    received = []
    answers = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"headers": dict(self.headers), "body": body})
            self.send_response(answers.pop(0) if answers else 200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {
        "url": f"http://127.0.0.1:{server.server_port}/hook",
        "received": received,
        "answers": answers,
    }
    server.shutdown()
    server.server_close()


@pytest.fixture
def endpoint(admin_user, receiver):
    return webhooks.endpoint_create(
        user=admin_user,
        name="ERP",
        url=receiver["url"],
        events=["entity.created", "opportunity.won"],
    )


def test_sign_and_verify():
    body = b'{"a":1}'
    header = webhooks.sign("s3cret", body, 1_700_000_000)
    assert header.startswith("t=1700000000,v1=")
    assert not webhooks.verify("s3cret", body, header)  # too old: a replay
    import time

    now = int(time.time())
    fresh = webhooks.sign("s3cret", body, now)
    assert webhooks.verify("s3cret", body, fresh)
    assert not webhooks.verify("other", body, fresh)
    assert not webhooks.verify("s3cret", b'{"a":2}', fresh)
    assert not webhooks.verify("s3cret", body, "garbage")


def test_emit_delivers_signed_after_commit(endpoint, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        deliveries = webhooks.emit("entity.created", {"id": 7, "legal_name": "Acme"})
        assert receiver["received"] == []  # nothing before the commit
    assert len(deliveries) == 1
    request = receiver["received"][0]
    assert request["headers"]["X-Relata-Event"] == "entity.created"
    assert webhooks.verify(
        endpoint.secret, request["body"], request["headers"]["X-Relata-Signature"]
    )
    body = json.loads(request["body"])
    assert body["data"] == {"id": 7, "legal_name": "Acme"}
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDeliveryStatus.DELIVERED and delivery.attempts == 1
    assert body["id"] == delivery.pk


def test_unsubscribed_events_and_inactive_endpoints_get_nothing(endpoint, admin_user):
    assert webhooks.emit("entity.changed", {"id": 1}) == []
    webhooks.endpoint_deactivate(user=admin_user, endpoint=endpoint)
    assert webhooks.emit("entity.created", {"id": 1}) == []


def test_retries_with_back_off_then_fails(endpoint, receiver):
    receiver["answers"].extend([500] * 10)
    delivery = webhooks.emit("entity.created", {"id": 1})[0]
    delays = []
    for _attempt in range(webhooks.MAX_ATTEMPTS):
        delays.append(webhooks.attempt(delivery))
    assert delays == [*webhooks.BACKOFF, None]
    delivery.refresh_from_db()
    assert delivery.status == WebhookDeliveryStatus.FAILED
    assert delivery.attempts == webhooks.MAX_ATTEMPTS and delivery.response_code == 500
    assert len(receiver["received"]) == webhooks.MAX_ATTEMPTS
    # Every retry is the same delivery: same id for the receiver's idempotency.
    ids = {r["headers"]["X-Relata-Delivery"] for r in receiver["received"]}
    assert ids == {str(delivery.pk)}


def test_a_retry_that_succeeds(endpoint, receiver):
    receiver["answers"].extend([503])
    delivery = webhooks.emit("entity.created", {"id": 1})[0]
    assert webhooks.attempt(delivery) == webhooks.BACKOFF[0]
    assert webhooks.attempt(delivery) is None
    delivery.refresh_from_db()
    assert delivery.status == WebhookDeliveryStatus.DELIVERED and delivery.attempts == 2


def test_unreachable_endpoint_is_retried(admin_user):
    endpoint = webhooks.endpoint_create(
        user=admin_user, name="down", url="http://127.0.0.1:9/nothing", events=["entity.created"]
    )
    delivery = webhooks.emit("entity.created", {"id": 1})[0]
    assert delivery.endpoint == endpoint
    assert webhooks.attempt(delivery) == webhooks.BACKOFF[0]
    delivery.refresh_from_db()
    assert delivery.response_code is None and delivery.last_error


def test_opportunity_won_payload_has_the_lines(endpoint, make_case, products):
    from relata.cases import services as case_services

    case = make_case()
    product = products["licence"]
    case_services.case_lines_set(
        user=case.owner,
        case=case,
        lines=[{"product": product, "quantity": 2, "unit_price": "10.00", "discount": 0}],
    )
    payload = webhooks.opportunity_won_payload(case)
    assert payload["number"] == case.number
    assert payload["lines"][0]["product_code"] == product.code
    assert payload["entity"]["legal_name"] == case.entity.legal_name
    assert len(webhooks.emit("opportunity.won", payload)) == 1
    assert float(WebhookDelivery.objects.get().payload["lines"][0]["quantity"]) == 2


def test_endpoints_are_for_administrators_and_validated(agent, admin_user):
    with pytest.raises(PermissionDenied):
        webhooks.endpoint_create(
            user=agent, name="x", url="https://a.example", events=["entity.created"]
        )
    with pytest.raises(ValidationError) as error:
        webhooks.endpoint_create(user=admin_user, name="x", url="ftp://a", events=["nope"])
    assert set(error.value.message_dict) == {"url", "events"}


def test_changes_from_the_erp_are_not_echoed(endpoint):
    with webhooks.suppressed():
        assert webhooks.emit("entity.created", {"id": 1}) == []
    assert len(webhooks.emit("entity.created", {"id": 1})) == 1
