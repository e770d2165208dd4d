"""Global search: entities and contacts, limited by the permission layer."""

from __future__ import annotations

import pytest
from django.urls import reverse

from relata.core.search import search
from relata.entities import services

pytestmark = pytest.mark.django_db


def make_entity(user, kind, name, **data):
    return services.entity_create(user=user, data={"kind": kind, "legal_name": name, **data})


def groups_of(user, query):
    return {g.label: [hit.title for hit in g.hits] for g in search(user=user, query=query)}


def test_search_finds_permitted_entities_and_contacts_only(agent, other_agent, admin_user, kinds):
    mine = make_entity(agent, kinds["customer"], "Aceros del Norte S.L.", tax_id="B12345674")
    foreign = make_entity(other_agent, kinds["customer"], "Aceros del Sur S.A.")
    services.contact_create(
        user=agent, entity=mine, data={"first_name": "Ana", "last_name": "Acero"}
    )
    services.contact_create(
        user=other_agent, entity=foreign, data={"first_name": "Olga", "last_name": "Acero"}
    )

    assert groups_of(agent, "acero") == {
        "Entities": ["Aceros del Norte S.L."],
        "Contacts": ["Ana Acero"],
    }
    assert groups_of(other_agent, "acero") == {
        "Entities": ["Aceros del Sur S.A."],
        "Contacts": ["Olga Acero"],
    }
    assert groups_of(admin_user, "acero")["Entities"] == [
        "Aceros del Norte S.L.",
        "Aceros del Sur S.A.",
    ]
    assert groups_of(agent, "b12345674") == {"Entities": ["Aceros del Norte S.L."]}


def test_search_page_links_to_the_entity_and_the_contact(client, agent, kinds):
    entity = make_entity(agent, kinds["customer"], "Bodegas Riojanas")
    contact = services.contact_create(
        user=agent, entity=entity, data={"first_name": "Rioja", "job_title": "Owner"}
    )
    client.force_login(agent)

    body = client.get(reverse("search"), {"q": "rioja"}).content.decode()

    assert f'href="{entity.get_absolute_url()}"' in body
    assert f'href="{contact.get_absolute_url()}"' in body
    assert "Owner · Bodegas Riojanas" in body
