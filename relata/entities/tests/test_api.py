"""Entities and contacts API: validation, permissions, filters, custom fields."""

from __future__ import annotations

import pytest
from django.urls import reverse

from relata.customfields.models import FieldType, Target
from relata.customfields.services import field_definition_create
from relata.entities import services
from relata.entities.models import Contact, Entity

pytestmark = pytest.mark.django_db


@pytest.fixture
def employees_field(admin_user):
    return field_definition_create(
        user=admin_user,
        target=Target.ENTITY,
        key="employees",
        label_en="Employees",
        field_type=FieldType.INTEGER,
        show_in_filters=True,
    )


def entity(user, kinds, name="Aceros del Norte S.L.", custom=None, **data):
    return services.entity_create(
        user=user, custom=custom, data={"kind": kinds["customer"], "legal_name": name, **data}
    )


def test_create_with_custom_fields_and_contact_points(
    api_client, agent, kinds, zone, employees_field
):
    api_client.force_authenticate(agent)

    response = api_client.post(
        reverse("entity-list"),
        {
            "kind": "customer",
            "legal_name": "Aceros del Norte S.L.",
            "tax_id": "B12345674",
            "zone": "north",
            "tags": ["VIP"],
            "custom_fields": {"employees": "42"},
            "emails": [{"email": "info@aceros.example"}],
            "phones": [{"number": "944123456", "label": "switchboard"}],
            "addresses": [{"street": "Calle Mayor 1", "city": "Bilbao", "postal_code": "48001"}],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["custom_fields"] == {"employees": 42}
    assert body["emails"] == [{"email": "info@aceros.example", "label": "", "is_main": True}]
    assert body["phones"] == [{"number": "+34944123456", "label": "switchboard", "is_main": True}]
    assert body["tags"] == ["VIP"]
    assert body["owner"] == agent.pk
    assert body["addresses"][0]["city"] == "Bilbao"


def test_bad_nif_email_phone_give_400_with_field_messages_and_save_nothing(
    api_client, agent, kinds
):
    api_client.force_authenticate(agent)

    response = api_client.post(
        reverse("entity-list"),
        {
            "kind": "customer",
            "legal_name": "X",
            "tax_id": "B12345670",
            "emails": [{"email": "a@b"}],
            "phones": [{"number": "555"}],
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "tax_id": ["“B12345670” is not a valid NIF, NIE, CIF or EU VAT number."],
        "emails": ["The domain after the @ needs a dot and an ending, as in example.com."],
        "phones": ["“555” is not a valid phone number."],
    }
    assert Entity.objects.count() == 0


def test_bad_custom_value_is_reported_under_custom_fields(
    api_client, agent, kinds, employees_field
):
    api_client.force_authenticate(agent)

    response = api_client.post(
        reverse("entity-list"),
        {"kind": "customer", "legal_name": "X", "custom_fields": {"employees": "many"}},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"custom_fields": {"employees": ["Enter a whole number."]}}
    assert Entity.objects.count() == 0


def test_agent_sees_only_permitted_entities_in_list_and_detail(
    api_client, agent, other_agent, manager, kinds
):
    own = entity(agent, kinds, "Own")
    colleague = entity(manager, kinds, "Colleague")
    outside = entity(other_agent, kinds, "Outside")
    api_client.force_authenticate(agent)

    listed = api_client.get(reverse("entity-list")).json()["results"]

    assert sorted(e["legal_name"] for e in listed) == ["Colleague", "Own"]
    assert api_client.get(reverse("entity-detail", args=[outside.pk])).status_code == 404
    assert api_client.get(reverse("entity-detail", args=[colleague.pk])).status_code == 200
    denied = api_client.patch(
        reverse("entity-detail", args=[colleague.pk]), {"legal_name": "Mine now"}, format="json"
    )
    assert denied.status_code == 403
    assert Entity.objects.get(pk=colleague.pk).legal_name == "Colleague"
    assert api_client.delete(reverse("entity-detail", args=[own.pk])).status_code == 204


def test_search_filters_ordering_and_custom_filter(
    api_client, admin_user, kinds, zone, employees_field
):
    entity(admin_user, kinds, "Zeta Logística", zone=zone, custom={"employees": 10})
    entity(admin_user, kinds, "Alfa Logística", custom={"employees": 20})
    entity(admin_user, kinds, "Bodegas Beta", zone=zone)
    api_client.force_authenticate(admin_user)

    def names(**params):
        return [
            e["legal_name"]
            for e in api_client.get(reverse("entity-list"), params).json()["results"]
        ]

    assert names(search="logística") == ["Alfa Logística", "Zeta Logística"]
    assert names(search="logística", ordering="-name") == ["Zeta Logística", "Alfa Logística"]
    assert names(zone="north") == ["Bodegas Beta", "Zeta Logística"]
    assert names(zone=str(zone.pk), search="zeta") == ["Zeta Logística"]
    assert names(cf_employees="20") == ["Alfa Logística"]
    assert names(owner="not-a-number") == []


def test_list_query_count_does_not_depend_on_page_size(
    api_client, admin_user, kinds, django_assert_max_num_queries
):
    for n in range(30):
        services.entity_create(
            user=admin_user,
            data={"kind": kinds["customer"], "legal_name": f"Entity {n:02}"},
            emails=[{"email": f"e{n}@example.com"}],
            tags=["VIP"],
        )
    api_client.force_authenticate(admin_user)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        api_client.get(reverse("entity-list"), {"page_size": 5})
    with CaptureQueriesContext(connection) as large:
        api_client.get(reverse("entity-list"), {"page_size": 30})

    assert len(small.captured_queries) == len(large.captured_queries)


def test_contacts_api_scoping_and_move(api_client, agent, other_agent, kinds):
    mine = entity(agent, kinds, "Mine")
    second = entity(agent, kinds, "Second")
    theirs = entity(other_agent, kinds, "Theirs")
    services.contact_create(user=other_agent, entity=theirs, data={"first_name": "Hidden"})
    api_client.force_authenticate(agent)

    created = api_client.post(
        reverse("contact-list"),
        {
            "entity": mine.pk,
            "first_name": "Lucía",
            "last_name": "García",
            "emails": [{"email": "lucia@example.com"}],
        },
        format="json",
    )
    into_theirs = api_client.post(
        reverse("contact-list"), {"entity": theirs.pk, "first_name": "Sneaky"}, format="json"
    )
    moved = api_client.patch(
        reverse("contact-detail", args=[created.json()["id"]]), {"entity": second.pk}, format="json"
    )
    listed = api_client.get(reverse("contact-list")).json()["results"]

    assert created.status_code == 201
    assert into_theirs.status_code == 400
    assert moved.status_code == 200
    assert Contact.objects.get(first_name="Lucía").entity == second
    assert [c["first_name"] for c in listed] == ["Lucía"]


def test_read_only_user_cannot_write(api_client, reader, kinds):
    api_client.force_authenticate(reader)

    response = api_client.post(
        reverse("entity-list"), {"kind": "customer", "legal_name": "X"}, format="json"
    )

    assert response.status_code == 403
    assert Entity.objects.count() == 0
