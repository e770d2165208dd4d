"""The bulk linking path (relata.sales.bulk) against the one-by-one path (master_link
through the entities services): same rows, same rules, a fixed number of queries."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from relata.core import events
from relata.customfields.models import FieldDefinition
from relata.customfields.selectors import field_definitions_cache_clear
from relata.entities import services as entity_services
from relata.entities.models import Contact, Entity
from relata.sales import linking, serializers, upsert
from relata.sales.linking import link_setting_update
from relata.sales.models import Customer, Master

from .conftest import customer_payload

pytestmark = pytest.mark.django_db

IGNORED = {"id", "created_at", "updated_at", "history_id", "history_date", "entity", "contact"}


def _rich_payload(external_id: str = "C001", **overrides: Any) -> dict[str, Any]:
    """Two contacts to copy (accented names, sorted by the database's collation), one
    with the master's own email and one with a name already taken: both skipped."""
    payload = customer_payload(external_id, **overrides)
    payload["contacts"] = [
        {"first_name": "Zoe", "last_name": "Álvarez", "email": "zoe@ferreterias.example"},
        {"first_name": "Lucía", "last_name": "Gómez", "phone": "+34 600 111 222"},
        {"first_name": "Compras", "email": "COMPRAS@ferreterias.example"},
        {"first_name": "lucía", "last_name": "gómez", "email": "otra@ferreterias.example"},
        {"first_name": "Ángel", "last_name": "Zapata", "job_title": "CFO"},
    ]
    return payload


def _row(obj: Any, extra: set[str] = frozenset()) -> dict[str, Any]:  # type: ignore[assignment]
    data = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    return {k: v for k, v in data.items() if k not in IGNORED | extra and not k.endswith("_ptr")}


def _snapshot(customer: Customer) -> dict[str, Any]:
    """Everything linking wrote for ``customer``, without ids and timestamps."""
    customer.refresh_from_db()
    entity = customer.entity
    assert entity is not None

    def owner(point: Any) -> str:
        return point.contact.full_name if point.contact_id else ""

    return {
        "entity": _row(entity, {"id"}),
        "addresses": [_row(a, {"entity_id"}) for a in entity.addresses.all()],
        "emails": [(owner(e), _row(e, {"entity_id", "contact_id"})) for e in entity.emails.all()],
        "phones": [(owner(p), _row(p, {"entity_id", "contact_id"})) for p in entity.phones.all()],
        "contacts": [_row(c, {"entity_id"}) for c in entity.contacts.all()],
        "entity_history": [_row(h) for h in entity.history.order_by("history_id")],
        "contact_history": [
            _row(h, {"entity_id"})
            for h in Contact.history.filter(entity_id=entity.pk).order_by("history_id")
        ],
        "snapshot": customer.erp_snapshot,
        "tags": list(entity.tags.all()),
    }


def _single_path(token: Any, payload: dict[str, Any]) -> Customer:
    """The one-by-one path: an unlinked customer, then master_link (entity_create,
    contact_create)."""
    setting = linking.link_setting(Master.CUSTOMERS)

    def switch(on: bool) -> None:
        link_setting_update(
            user=token.acts_as,
            master=Master.CUSTOMERS,
            creates_entity=on,
            default_owner=setting.default_owner,
            default_team=setting.default_team,
        )

    switch(False)
    assert upsert.upsert_batch(token=token, kind="customers", records=[payload]).created == 1
    switch(True)
    customer = Customer.objects.get(external_id=payload["external_id"])
    data = serializers.ErpCustomerSerializer().run_validation(payload)
    linking.master_link(
        actor=token.acts_as,
        master=customer,
        addresses=data["addresses"],
        contacts=data["contacts"],
        email=data["email"],
        phone=data["phone"],
    )
    return customer


def test_bulk_path_writes_what_entity_create_writes(token, kinds, admin_user, agent, team):
    link_setting_update(
        user=admin_user,
        master=Master.CUSTOMERS,
        creates_entity=True,
        default_owner=agent,
        default_team=team,
    )
    FieldDefinition.objects.create(
        target="entity", key="segment", label_en="Segment", field_type="text", default="SME"
    )
    FieldDefinition.objects.create(
        target="contact", key="vip", label_en="VIP", field_type="boolean", default=False
    )
    field_definitions_cache_clear()
    created: list[Entity] = []

    def listen(event: events.Event) -> None:
        created.append(event.obj)

    events.subscribe(events.ENTITY_CREATED, listen)
    try:
        one = _snapshot(_single_path(token, _rich_payload()))
        Entity.objects.all().delete()
        Customer.objects.all().delete()
        result = upsert.upsert_batch(token=token, kind="customers", records=[_rich_payload()])
    finally:
        events.unsubscribe(events.ENTITY_CREATED, listen)
    assert result.created == 1 and not result.errors
    bulk = _snapshot(Customer.objects.get())
    assert bulk == one
    # Not vacuous: what the comparison covered.
    assert bulk["entity"]["owner_id"] == agent.pk and bulk["entity"]["team_id"] == team.pk
    assert bulk["entity"]["custom"] == {"segment": "SME"}
    assert {c["first_name"] for c in bulk["contacts"]} == {"Zoe", "Lucía", "Ángel"}
    assert bulk["contacts"][0]["custom"] == {"vip": False}
    assert len(bulk["addresses"]) == 2 and len(bulk["emails"]) == 2 and len(bulk["phones"]) == 2
    assert "zoe álvarez" in bulk["entity"]["search_text"]
    assert [h["history_type"] for h in bulk["entity_history"]] == ["+"]
    assert {h["history_user_id"] for h in bulk["contact_history"]} == {admin_user.pk}
    assert len(created) == 2  # entity.created, once per path


def test_bulk_path_matches_with_one_contact_and_without_tax_id(token, kinds):
    payload = customer_payload(tax_id="", email="", phone="")
    one = _snapshot(_single_path(token, payload))
    Entity.objects.all().delete()
    Customer.objects.all().delete()
    assert upsert.upsert_batch(token=token, kind="customers", records=[payload]).created == 1
    bulk = _snapshot(Customer.objects.get())
    assert bulk == one
    assert (
        bulk["entity"]["search_text"]
        == "ferreterías norte sl lucia@ferreterias.example lucía gómez"
    )


def _batch(token, records, partial=False):
    return upsert.upsert_batch(token=token, kind="customers", records=records, partial=partial)


def test_a_mixed_batch_follows_the_one_by_one_rules(token, kinds, agent):
    # An existing prospect (linked, turned into a customer), an entity already linked to
    # another customer (the new one stays unlinked), two new customers with one tax id
    # (the first gets the entity), one without a tax id.
    prospect = entity_services.entity_create(
        user=agent,
        data={"kind": kinds["prospect"], "legal_name": "Aceros", "tax_id": "A58818501"},
    )
    assert _batch(token, [customer_payload("OLD", tax_id="B12345674")]).created == 1
    records = [
        customer_payload("P1", name="Aceros SA", tax_id="A58818501"),
        customer_payload("DUP", name="Copia", tax_id="B12345674"),
        customer_payload("N1", name="Nuevo Uno", tax_id="Q2826000H"),
        customer_payload("N2", name="Nuevo Dos", tax_id="Q2826000H"),
        customer_payload("N3", name="Sin NIF", tax_id=""),
    ]
    result = _batch(token, records)
    assert result.created == 5 and not result.errors
    linked = {c.external_id: c.entity for c in Customer.objects.select_related("entity")}
    prospect.refresh_from_db()
    assert linked["P1"] == prospect and prospect.kind == kinds["customer"]
    assert prospect.legal_name == "Aceros SA" and prospect.owner == agent
    assert linked["DUP"] is None
    assert linked["N1"] is not None and linked["N1"].tax_id == "Q2826000H"
    assert linked["N2"] is None
    assert linked["N3"] is not None and linked["N3"].legal_name == "Sin NIF"
    assert Entity.objects.count() == 4
    # Sending the batch again changes nothing; a changed name follows the ERP.
    assert _batch(token, records).unchanged == 5
    records[2]["name"] = "Nuevo Uno SL"
    result = _batch(token, records)
    assert (result.updated, result.unchanged) == (1, 4)
    linked["N1"].refresh_from_db()
    assert linked["N1"].legal_name == "Nuevo Uno SL"


def test_new_customers_cost_a_fixed_number_of_queries(token, kinds):
    def queries(first: int, count: int) -> int:
        records = [
            _rich_payload(f"Q{n}", name=f"Cliente {n}", tax_id="", email=f"c{n}@x.example")
            for n in range(first, first + count)
        ]
        with CaptureQueriesContext(connection) as captured:
            assert _batch(token, records).created == count
        return len(captured)

    queries(0, 1)  # caches (parameters, custom-field definitions) warm up
    small = queries(10, 3)
    # The same queries whatever the batch's size; SQLite splits the longest inserts in
    # batches of 999 parameters, hence a few more there.
    assert small <= queries(100, 30) <= small + (0 if connection.vendor == "postgresql" else 6)
    assert small < 30
    assert Entity.objects.count() == 34
    assert Contact.objects.count() == 34 * 4  # the master's email differs: 4 contacts


def test_entity_errors_are_per_record_and_all_or_nothing(token, kinds):
    FieldDefinition.objects.create(
        target="entity", key="sector_code", label_en="Sector", field_type="text", required=True
    )
    field_definitions_cache_clear()
    records = [customer_payload("E1", tax_id=""), customer_payload("E2", tax_id="")]
    result = _batch(token, records)
    assert not result.saved
    assert [(e["index"], e["external_id"], e["field"]) for e in result.errors] == [
        (0, "E1", "entity.custom.sector_code"),
        (1, "E2", "entity.custom.sector_code"),
    ]
    assert not Customer.objects.exists() and not Entity.objects.exists()
    # With partial success the customers are saved, unlinked, and retried next time.
    result = _batch(token, records, partial=True)
    assert result.created == 2 and len(result.errors) == 2
    assert list(Customer.objects.values_list("entity", "payload_hash")) == [(None, "")] * 2
    FieldDefinition.objects.all().delete()
    field_definitions_cache_clear()
    result = _batch(token, records, partial=True)
    assert result.updated == 2 and not result.errors
    assert Entity.objects.count() == 2


def test_a_bad_record_keeps_the_good_ones_only_with_partial(token, kinds):
    records = [customer_payload("G1", tax_id=""), {"external_id": "B1", "credit_limit": "x"}]
    result = _batch(token, records)
    assert {(e["index"], e["field"]) for e in result.errors} == {(1, "name"), (1, "credit_limit")}
    assert not Customer.objects.exists() and not Entity.objects.exists()
    result = _batch(token, records, partial=True)
    assert result.created == 1
    assert Customer.objects.get().entity.legal_name == "Ferreterías Norte SL"
