"""CRM events that become outbound webhooks: entity created or changed, opportunity won —
published by the entities and cases services (relata.core.events), delivered signed to a
real local HTTP server after the commit, and nothing (not even a query) without a
subscribed endpoint."""

from __future__ import annotations

import decimal
import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from relata.cases import services as case_services
from relata.core import events
from relata.entities import services as entity_services
from relata.entities.models import EntityKind, KindMeaning
from relata.sales import webhooks
from relata.sales.models import WebhookDelivery, WebhookDeliveryStatus
from relata.sales.tests.test_webhooks import receiver  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
D = decimal.Decimal
ALL_EVENTS = ["entity.created", "entity.changed", "opportunity.won"]


@pytest.fixture
def endpoint(admin_user, receiver):
    return webhooks.endpoint_create(
        user=admin_user, name="ERP", url=receiver["url"], events=ALL_EVENTS
    )


def sent(receiver, endpoint):
    """Return the bodies received, checking each one's signature and event header."""
    bodies = []
    for request in receiver["received"]:
        headers = request["headers"]
        assert webhooks.verify(endpoint.secret, request["body"], headers["X-Relata-Signature"])
        body = json.loads(request["body"])
        assert headers["X-Relata-Event"] == body["event"]
        bodies.append(body)
    return bodies


def create(user, entity_kind, name="Acme Trading SL", **data):
    return entity_services.entity_create(
        user=user,
        data={"kind": entity_kind, "legal_name": name, **data},
        addresses=[{"street": "Calle Mayor 1", "city": "Madrid", "is_main": True}],
    )


def test_creating_an_entity_sends_entity_created(
    endpoint, receiver, agent, entity_kind, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        entity = create(agent, entity_kind, tax_id="B12345674")
        assert receiver["received"] == []  # nothing leaves before the commit
    [body] = sent(receiver, endpoint)
    assert body["event"] == "entity.created"
    assert body["data"]["id"] == entity.pk
    assert body["data"]["legal_name"] == "Acme Trading SL"
    assert body["data"]["kind"] == entity_kind.code
    assert body["data"]["address"]["city"] == "Madrid"
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDeliveryStatus.DELIVERED and body["id"] == delivery.pk


def test_changing_what_the_erp_sees_sends_entity_changed(
    endpoint, receiver, agent, entity_kind, django_capture_on_commit_callbacks
):
    entity = create(agent, entity_kind)
    WebhookDelivery.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        entity_services.entity_update(user=agent, entity=entity, data={"legal_name": "Acme SA"})
    [body] = sent(receiver, endpoint)
    assert body["event"] == "entity.changed" and body["data"]["legal_name"] == "Acme SA"

    with django_capture_on_commit_callbacks(execute=True):
        entity_services.entity_update(
            user=agent,
            entity=entity,
            data={},
            addresses=[{"street": "Gran Vía 2", "city": "Bilbao", "is_main": True}],
        )
    assert sent(receiver, endpoint)[-1]["data"]["address"]["city"] == "Bilbao"
    assert WebhookDelivery.objects.filter(event="entity.changed").count() == 2


def test_saving_without_changes_or_with_crm_only_changes_sends_nothing(
    endpoint, receiver, agent, entity_kind
):
    entity = create(agent, entity_kind)
    same = [{"street": "Calle Mayor 1", "city": "Madrid", "is_main": True}]
    entity_services.entity_update(
        user=agent, entity=entity, data={"legal_name": entity.legal_name}, addresses=same
    )
    entity_services.entity_update(user=agent, entity=entity, data={"notes": "Call on Mondays"})
    assert not WebhookDelivery.objects.filter(event="entity.changed").exists()
    entity.refresh_from_db()
    assert entity.notes == "Call on Mondays"
    assert entity.addresses.get().street == "Calle Mayor 1"


def test_converting_a_prospect_sends_entity_changed(endpoint, agent):
    prospect, _ = EntityKind.objects.get_or_create(
        code="prospect",
        defaults={"label_en": "Prospect", "label_es": "Posible", "meaning": KindMeaning.PROSPECT},
    )
    EntityKind.objects.get_or_create(
        code="customer",
        defaults={"label_en": "Customer", "label_es": "Cliente", "meaning": KindMeaning.CUSTOMER},
    )
    entity = create(agent, prospect)
    entity_services.entity_convert_lead(user=agent, entity=entity)
    delivery = WebhookDelivery.objects.get(event="entity.changed")
    assert delivery.payload["kind"] == "customer" and delivery.payload["id"] == entity.pk


def test_winning_an_opportunity_sends_it_with_its_lines(
    endpoint,
    receiver,
    agent,
    make_case,
    statuses,
    products,
    django_capture_on_commit_callbacks,
):
    case = make_case(amount=D("20.00"))
    product = products["licence"]
    case_services.case_lines_set(
        user=agent,
        case=case,
        lines=[{"product": product, "quantity": 2, "unit_price": "10.00", "discount": 0}],
    )
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_move(user=agent, case=case, status=statuses("opportunity", "won"))
    [body] = sent(receiver, endpoint)
    assert body["event"] == "opportunity.won"
    assert body["data"]["number"] == case.number
    assert body["data"]["entity"]["id"] == case.entity_id
    [line] = body["data"]["lines"]
    assert line["product_code"] == product.code and D(line["quantity"]) == 2
    assert body["data"]["closed_at"]


def test_other_moves_and_other_case_types_send_nothing(
    endpoint, agent, make_case, statuses, case_types
):
    lost = make_case(amount=D("10.00"))
    case_services.case_move(
        user=agent, case=lost, status=statuses("opportunity", "lost"), lost_reason="Price"
    )
    complaint = make_case(case_type="complaint")
    closing = next(s for s in complaint.case_type.statuses.all() if not s.is_open and s.is_active)
    case_services.case_move(user=agent, case=complaint, status=closing, resolution="Solved")
    assert not WebhookDelivery.objects.filter(event="opportunity.won").exists()


def test_a_rolled_back_write_sends_nothing(
    endpoint, receiver, agent, entity_kind, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        create(agent, entity_kind)
        raise RuntimeError("the request failed")
    assert callbacks == [] and receiver["received"] == []
    assert not WebhookDelivery.objects.exists()


def test_without_a_subscribed_endpoint_nothing_is_queued_nor_queried(
    admin_user,
    receiver,
    agent,
    entity_kind,
):
    def webhook_queries(queries):
        return [q["sql"] for q in queries if "sales_" in q["sql"]]

    entity = create(agent, entity_kind)  # fills the cache of subscribed events
    with CaptureQueriesContext(connection) as queries:
        create(agent, entity_kind, name="Second SL")
        entity_services.entity_update(user=agent, entity=entity, data={"legal_name": "Renamed"})
    assert webhook_queries(queries.captured_queries) == []
    assert not WebhookDelivery.objects.exists()

    # An endpoint for another event only: still nothing for entities, no payload built.
    webhooks.endpoint_create(
        user=admin_user, name="Orders", url=receiver["url"], events=["opportunity.won"]
    )
    assert webhooks.subscribed_events() == {"opportunity.won"}  # read once, then cached
    with CaptureQueriesContext(connection) as queries:
        entity_services.entity_update(user=agent, entity=entity, data={"legal_name": "Again"})
    assert webhook_queries(queries.captured_queries) == []
    assert not WebhookDelivery.objects.exists()


def test_endpoints_changes_are_seen_at_once(admin_user, receiver, agent, entity_kind):
    create(agent, entity_kind)  # nothing subscribed yet (and cached so)
    endpoint = webhooks.endpoint_create(
        user=admin_user, name="ERP", url=receiver["url"], events=["entity.created"]
    )
    create(agent, entity_kind, name="Second SL")
    assert WebhookDelivery.objects.get().endpoint == endpoint
    webhooks.endpoint_deactivate(user=admin_user, endpoint=endpoint)
    create(agent, entity_kind, name="Third SL")
    assert WebhookDelivery.objects.count() == 1


def test_changes_coming_from_the_erp_are_not_echoed(endpoint, erp, kinds):
    from relata.sales.tests.conftest import customer_payload

    response = erp.put("/api/v1/sales/customers/C001", customer_payload(), format="json")
    assert response.status_code in (200, 201), response.content
    renamed = customer_payload(name="Ferreterías Norte SA")
    assert erp.put("/api/v1/sales/customers/C001", renamed, format="json").status_code == 200
    assert not WebhookDelivery.objects.exists()


def test_events_reach_every_subscriber_once(agent, entity_kind):
    seen: list[events.Event] = []
    events.subscribe(events.ENTITY_CREATED, seen.append)
    events.subscribe(events.ENTITY_CREATED, seen.append)
    try:
        entity = create(agent, entity_kind)
    finally:
        events.unsubscribe(events.ENTITY_CREATED, seen.append)
    assert [(e.name, e.obj, e.user) for e in seen] == [("entity.created", entity, agent)]
    create(agent, entity_kind, name="Unseen SL")
    assert len(seen) == 1
