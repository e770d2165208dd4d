"""Entity and contact services: validation, normalisation, permissions, search text."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from relata.entities import services
from relata.entities.models import Contact, EmailAddress, Entity, PhoneNumber

pytestmark = pytest.mark.django_db


def make(user, kinds, **data):
    data.setdefault("legal_name", "Aceros del Norte S.L.")
    data.setdefault("kind", kinds["customer"])
    return services.entity_create(user=user, data=data)


def test_create_normalises_tax_id_phone_email_and_website(agent, kinds):
    entity = services.entity_create(
        user=agent,
        data={
            "kind": kinds["customer"],
            "legal_name": "  Aceros del Norte S.L. ",
            "tax_id": "b-1234567 4",
            "website": "aceros.example",
        },
        emails=[{"email": " Info@Aceros.EXAMPLE "}],
        phones=[{"number": "944 123 456"}],
    )

    assert entity.legal_name == "Aceros del Norte S.L."
    assert entity.tax_id == "B12345674"
    assert entity.website == "https://aceros.example"
    assert list(EmailAddress.objects.values_list("email", "is_main")) == [
        ("Info@aceros.example", True)
    ]
    assert list(PhoneNumber.objects.values_list("number", flat=True)) == ["+34944123456"]
    assert entity.owner == agent
    assert entity.team is not None and entity.team.name == "North"
    assert entity.search_text == "aceros del norte s.l. b12345674 info@aceros.example +34944123456"


@pytest.mark.parametrize("tax_id", ["ES-B12345674", "12345678Z", "X1234567L", "FR40303265045"])
def test_valid_tax_ids_of_every_kind(agent, kinds, tax_id):
    entity = make(agent, kinds, tax_id=tax_id)

    assert (
        entity.tax_id
        == {
            "ES-B12345674": "B12345674",
            "12345678Z": "12345678Z",
            "X1234567L": "X1234567L",
            "FR40303265045": "FR40303265045",
        }[tax_id]
    )


def test_bad_input_is_refused_with_every_message_and_nothing_saved(agent, kinds):
    with pytest.raises(ValidationError) as caught:
        services.entity_create(
            user=agent,
            data={"kind": kinds["customer"], "legal_name": "X", "tax_id": "B1234"},
            emails=[{"email": "not-an-address"}],
            phones=[{"number": "12"}],
        )

    assert caught.value.message_dict == {
        "tax_id": ["“B1234” is not a valid NIF, NIE, CIF or EU VAT number."],
        "emails": ["An email address needs an @ before the domain, as in name@example.com."],
        "phones": ["“12” is not a valid phone number."],
    }
    assert Entity.objects.count() == 0


def test_tax_id_is_unique(agent, kinds):
    make(agent, kinds, tax_id="B12345674")

    with pytest.raises(ValidationError) as caught:
        make(agent, kinds, legal_name="Otra", tax_id="b12345674")

    assert caught.value.message_dict == {
        "tax_id": ["Aceros del Norte S.L. already has the tax id B12345674."]
    }


def test_read_only_user_cannot_create(reader, kinds):
    with pytest.raises(PermissionDenied):
        make(reader, kinds)

    assert Entity.objects.count() == 0


def test_agent_cannot_update_a_colleagues_entity(agent, kinds, manager):
    entity = make(manager, kinds)

    with pytest.raises(PermissionDenied):
        services.entity_update(user=agent, entity=entity, data={"legal_name": "Hijacked"})

    assert Entity.objects.get().legal_name == "Aceros del Norte S.L."


def test_manager_reassigns_within_the_team_only(manager, agent, other_agent, kinds):
    entity = make(agent, kinds)

    assert (
        services.entity_assign(user=manager, entities=[entity], owner=manager, team=entity.team)
        == 1
    )
    with pytest.raises(PermissionDenied):
        services.entity_assign(user=manager, entities=[entity], owner=other_agent, team=None)
    assert Entity.objects.get().owner == manager


def test_update_keeps_history(agent, kinds):
    entity = make(agent, kinds)

    services.entity_update(user=agent, entity=entity, data={"trade_name": "Aceros"})

    assert [h.history_type for h in entity.history.all()] == ["~", "+"]
    assert entity.history.first().history_user == agent


def test_lead_conversion_keeps_the_same_record(agent, kinds):
    entity = make(agent, kinds, kind=kinds["prospect"])

    converted = services.entity_convert_lead(user=agent, entity=entity)

    assert converted.pk == entity.pk
    assert Entity.objects.get().kind == kinds["customer"]
    with pytest.raises(ValidationError):
        services.entity_convert_lead(user=agent, entity=converted)


def test_contact_create_move_and_search_text(agent, kinds):
    first = make(agent, kinds)
    second = make(agent, kinds, legal_name="Bodegas Sur")
    contact = services.contact_create(
        user=agent,
        entity=first,
        data={"first_name": "Lucía", "last_name": "García"},
        emails=[{"email": "lucia@aceros.example"}],
        phones=[{"number": "+34 612 345 678"}],
    )

    services.contact_move(user=agent, contact=contact, to_entity=second)
    first.refresh_from_db()
    second.refresh_from_db()

    assert Contact.objects.get().entity == second
    assert set(EmailAddress.objects.filter(contact=contact).values_list("entity", flat=True)) == {
        second.pk
    }
    assert "lucía garcía" not in first.search_text
    assert "lucía garcía" in second.search_text
    assert "+34612345678" in second.search_text


def test_contact_opt_in_records_the_date(agent, kinds):
    entity = make(agent, kinds)

    contact = services.contact_create(
        user=agent,
        entity=entity,
        data={"first_name": "Ana", "email_opt_in": True, "email_opt_in_source": "web form"},
    )

    assert contact.email_opt_in_at is not None
    services.contact_update(user=agent, contact=contact, data={"email_opt_in": False})
    contact.refresh_from_db()
    assert contact.email_opt_in_at is None


def test_tax_id_clash_with_an_invisible_entity_does_not_reveal_it(agent, other_agent, kinds):
    make(other_agent, kinds, legal_name="Secret S.L.", tax_id="B12345674")

    with pytest.raises(ValidationError) as caught:
        make(agent, kinds, tax_id="B12345674")

    assert caught.value.message_dict == {
        "tax_id": ["Another entity, which you cannot see, already has the tax id B12345674."]
    }
