"""Entity pages through the test client: create, edit, delete and convert."""

from __future__ import annotations

import pytest
from django.urls import reverse

from relata.customfields.models import FieldType, Target
from relata.customfields.services import field_definition_create
from relata.entities import services
from relata.entities.models import Entity, KindMeaning
from relata.entities.tests.test_views_entities import (  # noqa: F401
    HTMX,
    employees,
    entity_form,
    make_entity,
)

pytestmark = pytest.mark.django_db


# --- Create and edit ---------------------------------------------------------------------


def test_reader_cannot_create(client, reader, kinds):
    client.force_login(reader)

    get = client.get(reverse("entities:create"))
    post = client.post(reverse("entities:create"), entity_form(kinds["customer"]))

    assert get.status_code == 403
    assert post.status_code == 403
    assert Entity.objects.count() == 0


def test_create_with_bad_tax_id_shows_the_message_and_saves_nothing(client, agent, kinds):
    client.force_login(agent)

    response = client.post(
        reverse("entities:create"), entity_form(kinds["customer"], tax_id="B12345670")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["tax_id"] == [
        "“B12345670” is not a valid NIF, NIE, CIF or EU VAT number."
    ]
    assert "Nothing was saved" in response.content.decode()
    assert Entity.objects.count() == 0


def test_create_with_bad_email_and_phone_marks_those_inputs(client, agent, kinds):
    client.force_login(agent)

    response = client.post(
        reverse("entities:create"),
        entity_form(
            kinds["customer"], email_0="info@example.com", email_1="not-an-address", phone_0="12"
        ),
    )

    errors = response.context["form"].errors
    assert set(errors) == {"email_1", "phone_0"}
    assert errors["phone_0"] == ["“12” is not a valid phone number."]
    assert Entity.objects.count() == 0


def test_agent_creates_an_entity_that_is_theirs(client, agent, team, kinds, zone, employees):
    client.force_login(agent)

    response = client.post(
        reverse("entities:create"),
        entity_form(
            kinds["customer"],
            legal_name=" Aceros del Norte S.L. ",
            tax_id="b-12345674",
            website="aceros.example",
            zone=zone.pk,
            tags="VIP, Newsletter",
            email_0="Info@Aceros.EXAMPLE",
            email_0_label="general",
            phone_0="944 12 34 56",
            phone_1="600123456",
            address_0_street="Calle Mayor 1",
            address_0_city="Bilbao",
            address_0_postal_code="48001",
            cf_employees="42",
            is_active="",
        ),
    )

    entity = Entity.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("entities:detail", args=[entity.pk])
    assert entity.is_active is True  # a new entity is active: the form does not ask
    assert (entity.legal_name, entity.tax_id, entity.website) == (
        "Aceros del Norte S.L.",
        "B12345674",
        "https://aceros.example",
    )
    assert (entity.owner, entity.team, entity.zone) == (agent, team, zone)
    assert entity.custom == {"employees": 42}
    assert sorted(entity.tags.values_list("name", flat=True)) == ["Newsletter", "VIP"]
    assert list(entity.emails.values_list("email", "label", "is_main")) == [
        ("Info@aceros.example", "general", True)
    ]
    assert list(entity.phones.values_list("number", "is_main")) == [
        ("+34944123456", True),
        ("+34600123456", False),
    ]
    assert list(entity.addresses.values_list("street", "city", "is_main")) == [
        ("Calle Mayor 1", "Bilbao", True)
    ]


def test_agent_form_has_no_owner_or_team_but_a_manager_form_does(client, agent, manager, kinds):
    client.force_login(agent)
    agent_form = client.get(reverse("entities:create")).context["form"]
    client.force_login(manager)
    manager_form = client.get(reverse("entities:create")).context["form"]

    assert "owner" not in agent_form.fields
    assert "team" not in agent_form.fields
    assert list(manager_form.fields["owner"].queryset) == [agent, manager]
    assert manager_form.fields["owner"].initial == manager


def test_required_custom_field_error_shows_next_to_its_input(client, agent, kinds, admin_user):
    field_definition_create(
        user=admin_user,
        target=Target.ENTITY,
        key="budget_code",
        label_en="Budget code",
        field_type=FieldType.TEXT,
        required=True,
    )
    client.force_login(agent)

    response = client.post(reverse("entities:create"), entity_form(kinds["customer"]))

    assert response.context["form"].errors["cf_budget_code"] == ["This field is required."]
    assert Entity.objects.count() == 0


def test_edit_in_place_answers_fragments(client, agent, kinds):
    entity = make_entity(agent, kinds["customer"], "Old Name", tax_id="B12345674")
    client.force_login(agent)
    url = reverse("entities:edit", args=[entity.pk])

    form = client.get(url, **HTMX)
    saved = client.post(url, entity_form(kinds["customer"], legal_name="New Name"), **HTMX)

    form_body, saved_body = form.content.decode(), saved.content.decode()
    assert form.status_code == 200
    assert "<html" not in form_body
    assert f'hx-post="{url}"' in form_body
    assert 'value="B12345674"' in form_body
    assert saved.status_code == 200
    assert "<html" not in saved_body
    assert 'id="entity-main"' in saved_body
    assert "New Name" in saved_body
    assert (
        'id="entity-timeline" aria-labelledby="timeline-heading" hx-swap-oob="true"' in saved_body
    )
    entity.refresh_from_db()
    assert (entity.legal_name, entity.tax_id) == ("New Name", "")


def test_edit_without_javascript_redirects_to_the_detail(client, agent, kinds):
    entity = make_entity(
        agent,
        kinds["customer"],
        "Old Name",
    )
    services.entity_update(
        user=agent,
        entity=entity,
        data={},
        emails=[{"email": f"e{n}@example.com"} for n in range(4)],
    )
    client.force_login(agent)
    url = reverse("entities:edit", args=[entity.pk])

    form = client.get(url).context["form"]
    data = entity_form(kinds["customer"], legal_name="Kept")
    data.update({f"email_{n}": f"e{n}@example.com" for n in range(4)})
    response = client.post(url, data)

    assert form.email_count == 5  # every address the entity has, and one free
    assert response.status_code == 302
    assert response["Location"] == reverse("entities:detail", args=[entity.pk])
    assert entity.emails.count() == 4


def test_manager_edit_keeps_an_owner_outside_their_teams(client, manager, other_agent, team, kinds):
    entity = make_entity(other_agent, kinds["customer"], "Shared", team=team)
    client.force_login(manager)

    response = client.post(
        reverse("entities:edit", args=[entity.pk]),
        entity_form(kinds["customer"], legal_name="Renamed", owner=other_agent.pk, team=team.pk),
    )

    entity.refresh_from_db()
    assert response.status_code == 302
    assert (entity.legal_name, entity.owner) == ("Renamed", other_agent)


def test_reader_sees_the_detail_without_edit_buttons(client, reader, agent, kinds):
    entity = make_entity(agent, kinds["prospect"], "Prospect Co")
    client.force_login(reader)

    response = client.get(reverse("entities:detail", args=[entity.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["can_change"] is False
    assert reverse("entities:edit", args=[entity.pk]) not in body
    assert "Convert into customer" not in body
    assert client.get(reverse("entities:edit", args=[entity.pk])).status_code == 403


def test_detail_shows_key_data_custom_values_contacts_and_history(client, agent, kinds, employees):
    entity = services.entity_create(
        user=agent,
        data={"kind": kinds["customer"], "legal_name": "Aceros", "website": "aceros.example"},
        emails=[{"email": "info@aceros.example"}],
        phones=[{"number": "944123456"}],
        addresses=[{"street": "Calle Mayor 1", "postal_code": "48001", "city": "Bilbao"}],
        tags=["VIP"],
        custom={"employees": 1200},
    )
    services.contact_create(
        user=agent, entity=entity, data={"first_name": "Ana", "last_name": "Ruiz"}
    )
    services.entity_update(user=agent, entity=entity, data={"legal_name": "Aceros S.L."})
    client.force_login(agent)

    response = client.get(reverse("entities:detail", args=[entity.pk]))

    body = response.content.decode()
    assert "info@aceros.example" in body
    assert "+34 944 12 34 56" in body
    assert "Calle Mayor 1, 48001 Bilbao" in body
    assert 'href="https://aceros.example"' in body
    assert [(d.key, text) for d, text in response.context["custom_values"]] == [
        ("employees", "1,200")
    ]
    assert [c.full_name for c in response.context["contacts"]] == ["Ana Ruiz"]
    assert [e.kind for e in response.context["events"]] == ["changed", "created"]
    assert "Aceros S.L." in body


# --- Delete and convert ------------------------------------------------------------------


def test_delete_asks_then_deletes(client, agent, kinds):
    entity = make_entity(agent, kinds["customer"], "Doomed")
    client.force_login(agent)
    url = reverse("entities:delete", args=[entity.pk])

    confirmation = client.get(url)
    assert confirmation.status_code == 200
    assert "Doomed" in confirmation.content.decode()
    assert Entity.objects.count() == 1

    response = client.post(url)

    assert response.status_code == 302
    assert response["Location"] == reverse("entities:list")
    assert Entity.objects.count() == 0


def test_convert_a_prospect_into_a_customer(client, agent, kinds):
    entity = make_entity(agent, kinds["prospect"], "Lead Co")
    client.force_login(agent)

    page = client.get(reverse("entities:detail", args=[entity.pk]))
    response = client.post(reverse("entities:convert", args=[entity.pk]))

    entity.refresh_from_db()
    assert "Convert into customer" in page.content.decode()
    assert response.status_code == 302
    assert entity.kind.meaning == KindMeaning.CUSTOMER
    assert entity.history.count() == 2


def test_convert_refuses_a_customer(client, agent, kinds):
    entity = make_entity(agent, kinds["customer"], "Customer Co")
    client.force_login(agent)

    response = client.post(reverse("entities:convert", args=[entity.pk]), follow=True)

    assert "Only a prospect can be converted into a customer." in response.content.decode()
    assert entity.history.count() == 1


def test_convert_needs_post(client, agent, kinds):
    entity = make_entity(agent, kinds["prospect"], "Lead Co")
    client.force_login(agent)

    assert client.get(reverse("entities:convert", args=[entity.pk])).status_code == 405


def test_navigation_points_at_the_entity_pages(client, agent):
    client.force_login(agent)

    response = client.get(reverse("home"))

    items = {item.key: item.url for item in response.context["nav_items"]}
    assert items["entities"] == "/entities/"
    assert items["contacts"] == "/entities/contacts/"


def test_settings_page_offers_classification_lists_to_administrators_only(
    client, admin_user, agent
):
    url = reverse("entities:settings_list", args=["kinds"])
    client.force_login(admin_user)
    admin_page = client.get(reverse("core:settings")).content.decode()
    client.force_login(agent)
    agent_page = client.get(reverse("core:settings")).content.decode()

    assert url in admin_page
    assert url not in agent_page


def test_list_links_to_segments_duplicates_and_import(client, agent, reader):
    client.force_login(agent)
    agent_page = client.get(reverse("entities:list")).content.decode()
    client.force_login(reader)
    reader_page = client.get(reverse("entities:list")).content.decode()

    for url in ("/entities/segments/", "/entities/duplicates/", "/entities/import/"):
        assert f'href="{url}"' in agent_page
    assert 'href="/entities/import/"' not in reader_page
    assert 'href="/entities/segments/"' in reader_page
