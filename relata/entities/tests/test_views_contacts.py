"""Contact pages: list, detail, create, edit, move and delete, with the permission layer."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from relata.customfields.models import FieldType, Target
from relata.customfields.services import field_definition_create
from relata.entities import services
from relata.entities.models import Contact, EmailAddress

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def make_entity(user, kind, name, **data):
    return services.entity_create(user=user, data={"kind": kind, "legal_name": name, **data})


def make_contact(user, entity, first, last="", **kwargs):
    return services.contact_create(
        user=user, entity=entity, data={"first_name": first, "last_name": last}, **kwargs
    )


def test_contact_list_shows_only_contacts_of_visible_entities(client, agent, other_agent, kinds):
    mine = make_entity(agent, kinds["customer"], "Mine")
    foreign = make_entity(other_agent, kinds["customer"], "Foreign")
    make_contact(agent, mine, "Ana", "Ruiz", emails=[{"email": "ana@mine.example"}])
    make_contact(other_agent, foreign, "Olaf", "Berg")
    client.force_login(agent)

    response = client.get(reverse("entities:contact_list"))

    body = response.content.decode()
    assert [c.full_name for c in response.context["page_obj"]] == ["Ana Ruiz"]
    assert "ana@mine.example" in body
    assert "Olaf" not in body
    assert response.context["nav_current"] == "contacts"


def test_contact_search_answers_htmx_with_the_rows(client, agent, kinds):
    entity = make_entity(agent, kinds["customer"], "Mine")
    make_contact(agent, entity, "Ana", "Ruiz")
    make_contact(agent, entity, "Bruno", "Sanz")
    client.force_login(agent)

    response = client.get(
        reverse("entities:contact_list"), {"q": "sanz"}, HTTP_HX_TARGET="contact-rows", **HTMX
    )

    body = response.content.decode()
    assert "<html" not in body
    assert "Bruno Sanz" in body
    assert "Ana Ruiz" not in body


def test_contact_list_of_one_entity(client, agent, kinds):
    first = make_entity(agent, kinds["customer"], "First")
    second = make_entity(agent, kinds["customer"], "Second")
    make_contact(agent, first, "Ana")
    make_contact(agent, second, "Bruno")
    client.force_login(agent)

    response = client.get(reverse("entities:contact_list"), {"entity": first.pk})

    assert [c.first_name for c in response.context["page_obj"]] == ["Ana"]


def test_contact_of_another_team_is_404(client, agent, other_agent, kinds):
    contact = make_contact(other_agent, make_entity(other_agent, kinds["customer"], "F"), "Olaf")
    client.force_login(agent)

    for name in ("contact_detail", "contact_edit", "contact_delete", "contact_move"):
        assert client.get(reverse(f"entities:{name}", args=[contact.pk])).status_code == 404
    assert Contact.objects.count() == 1


def test_add_a_contact_with_custom_field_emails_and_phones(client, agent, kinds, admin_user):
    field_definition_create(
        user=admin_user,
        target=Target.CONTACT,
        key="hobby",
        label_en="Hobby",
        field_type=FieldType.TEXT,
    )
    entity = make_entity(agent, kinds["customer"], "Aceros")
    client.force_login(agent)

    page = client.get(reverse("entities:contact_create", args=[entity.pk]))
    response = client.post(
        reverse("entities:contact_create", args=[entity.pk]),
        {
            "first_name": "Lucía",
            "last_name": "Ibáñez",
            "job_title": "Buyer",
            "email_0": "lucia@aceros.example",
            "phone_0": "600123456",
            "phone_0_label": "mobile",
            "email_opt_in": "on",
            "email_opt_in_source": "trade fair",
            "cf_hobby": "sailing",
        },
    )

    contact = Contact.objects.get()
    assert 'name="cf_hobby"' in page.content.decode()
    assert response.status_code == 302
    assert response["Location"] == reverse("entities:contact_detail", args=[contact.pk])
    assert (contact.entity, contact.full_name, contact.custom) == (
        entity,
        "Lucía Ibáñez",
        {"hobby": "sailing"},
    )
    assert contact.is_active is True
    assert contact.email_opt_in_at is not None
    assert list(contact.emails.values_list("email", "entity")) == [
        ("lucia@aceros.example", entity.pk)
    ]
    assert list(contact.phones.values_list("number", "label")) == [("+34600123456", "mobile")]
    entity.refresh_from_db()
    assert "lucía ibáñez" in entity.search_text


def test_contact_with_a_bad_email_is_not_saved(client, agent, kinds):
    entity = make_entity(agent, kinds["customer"], "Aceros")
    client.force_login(agent)

    response = client.post(
        reverse("entities:contact_create", args=[entity.pk]),
        {"first_name": "Ana", "email_0": "ana@@example", "is_active": "on"},
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["email_0"]
    assert Contact.objects.count() == 0


def test_reader_cannot_add_contacts(client, reader, agent, kinds):
    entity = make_entity(agent, kinds["customer"], "Aceros")
    client.force_login(reader)

    response = client.post(
        reverse("entities:contact_create", args=[entity.pk]), {"first_name": "Ana"}
    )

    assert response.status_code == 403
    assert Contact.objects.count() == 0


def test_edit_a_contact_keeps_its_other_emails(client, agent, kinds):
    entity = make_entity(agent, kinds["customer"], "Aceros")
    contact = make_contact(
        agent, entity, "Ana", emails=[{"email": f"a{n}@example.com"} for n in range(3)]
    )
    client.force_login(agent)
    url = reverse("entities:contact_edit", args=[contact.pk])

    form = client.get(url).context["form"]
    data = {f"email_{n}": f"a{n}@example.com" for n in range(3)}
    response = client.post(
        url, {**data, "first_name": "Anna", "last_name": "Ruiz", "is_active": "on"}
    )

    contact.refresh_from_db()
    assert form.email_count == 4
    assert response.status_code == 302
    assert contact.full_name == "Anna Ruiz"
    assert EmailAddress.objects.filter(contact=contact).count() == 3


def test_detail_shows_entity_link_custom_values_and_history(client, agent, kinds, admin_user):
    field_definition_create(
        user=admin_user,
        target=Target.CONTACT,
        key="shoe_size",
        label_en="Shoe size",
        field_type=FieldType.INTEGER,
    )
    entity = make_entity(agent, kinds["customer"], "Aceros")
    contact = make_contact(agent, entity, "Ana", custom={"shoe_size": 38})
    client.force_login(agent)

    response = client.get(reverse("entities:contact_detail", args=[contact.pk]))

    body = response.content.decode()
    assert entity.get_absolute_url() in body
    assert [(d.key, text) for d, text in response.context["custom_values"]] == [("shoe_size", "38")]
    assert [e.kind for e in response.context["events"]] == ["created"]


def test_move_a_contact_by_searching_the_new_entity(client, agent, other_agent, kinds):
    old = make_entity(agent, kinds["customer"], "Old Home")
    new = make_entity(agent, kinds["customer"], "New Home")
    make_entity(other_agent, kinds["customer"], "New Foreign Home")
    contact = make_contact(agent, old, "Ana", emails=[{"email": "ana@example.com"}])
    client.force_login(agent)
    url = reverse("entities:contact_move", args=[contact.pk])

    found = client.get(url, {"q": "home"}, HTTP_HX_TARGET="candidates", **HTMX)
    response = client.post(url, {"entity": new.pk})

    candidates = found.content.decode()
    assert "<html" not in candidates
    assert f'name="entity" value="{new.pk}"' in candidates
    assert candidates.count('name="entity"') == 1  # neither the foreign nor the current one
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.entity == new
    assert EmailAddress.objects.get(contact=contact).entity == new
    assert contact.history.count() == 2


def test_moving_to_an_entity_out_of_reach_is_refused(client, agent, other_agent, kinds):
    home = make_entity(agent, kinds["customer"], "Home")
    foreign = make_entity(other_agent, kinds["customer"], "Foreign")
    contact = make_contact(agent, home, "Ana")
    client.force_login(agent)

    response = client.post(
        reverse("entities:contact_move", args=[contact.pk]), {"entity": foreign.pk}
    )

    contact.refresh_from_db()
    assert response.status_code == 200
    assert response.context["error"] == "Choose the entity to move the contact to."
    assert contact.entity == home


def test_delete_a_contact_after_confirmation(client, agent, kinds):
    entity = make_entity(agent, kinds["customer"], "Aceros")
    contact = make_contact(agent, entity, "Ana")
    client.force_login(agent)
    url = reverse("entities:contact_delete", args=[contact.pk])

    assert "Delete Ana?" in client.get(url).content.decode()
    response = client.post(url)

    assert response.status_code == 302
    assert response["Location"] == entity.get_absolute_url()
    assert Contact.objects.count() == 0


def test_contact_list_runs_the_same_queries_whatever_the_page_size(
    client, agent, kinds, django_assert_num_queries
):
    entity = make_entity(agent, kinds["customer"], "Aceros")
    for number in range(110):
        make_contact(
            agent,
            entity,
            f"Person {number:03}",
            emails=[{"email": f"p{number}@example.com"}],
            phones=[{"number": "600123456"}],
        )
    client.force_login(agent)
    url = reverse("entities:contact_list")

    with CaptureQueriesContext(connection) as small:
        response_25 = client.get(url, {"page_size": 25})
    with django_assert_num_queries(len(small.captured_queries)):
        response_100 = client.get(url, {"page_size": 100})

    assert len(response_25.context["page_obj"]) == 25
    assert len(response_100.context["page_obj"]) == 100
