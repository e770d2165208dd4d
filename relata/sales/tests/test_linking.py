"""Master linking: customer first, entity first, CRM-owned fields, the setting."""

import pytest

from relata.entities import services as entity_services
from relata.entities.models import Entity
from relata.sales import upsert
from relata.sales.linking import link_setting_update
from relata.sales.models import Customer, Master, Supplier

from .conftest import customer_payload

pytestmark = pytest.mark.django_db


def _put(token, payload, partial=False):
    return upsert.upsert_batch(token=token, kind="customers", records=[payload], partial=partial)


def test_customer_first_creates_entity_with_the_erp_fields(token, kinds):
    result = _put(token, customer_payload())
    assert result.created == 1 and not result.errors
    customer = Customer.objects.get(external_id="C001")
    entity = customer.entity
    assert entity is not None
    assert entity.kind == kinds["customer"]
    assert entity.legal_name == "Ferreterías Norte SL"
    assert entity.tax_id == "B12345674"
    main = entity.addresses.get(is_main=True)
    assert (main.street, main.city, main.postal_code) == ("Calle Mayor 1", "Madrid", "28001")
    assert entity.addresses.filter(kind="delivery", city="Getafe").exists()
    assert list(entity.emails.filter(contact=None).values_list("email", flat=True)) == [
        "compras@ferreterias.example"
    ]
    assert list(entity.phones.values_list("number", flat=True)) == ["+34912345678"]
    assert entity.contacts.get().full_name == "Lucía Gómez"
    assert customer.tax_id == "B12345674"
    assert customer.addresses.count() == 2


def test_entity_first_prospect_is_linked_and_becomes_customer(token, kinds, agent, team):
    prospect = entity_services.entity_create(
        user=agent,
        data={"kind": kinds["prospect"], "legal_name": "Ferreterias Norte", "tax_id": "B12345674"},
        addresses=[{"street": "Old street 3", "city": "Madrid", "is_main": True}],
    )
    result = _put(token, customer_payload())
    assert result.created == 1 and not result.errors
    assert Entity.objects.count() == 1
    prospect.refresh_from_db()
    assert Customer.objects.get().entity == prospect
    assert prospect.kind == kinds["customer"]
    assert prospect.owner == agent and prospect.team == team  # CRM-owned, untouched
    assert prospect.legal_name == "Ferreterías Norte SL"
    assert prospect.addresses.get(is_main=True).street == "Calle Mayor 1"
    assert prospect.contacts.count() == 1


def test_crm_edits_survive_later_erp_updates(token, kinds, admin_user):
    _put(token, customer_payload())
    entity = Customer.objects.get().entity
    # A CRM user renames the entity and fixes the street after linking.
    address = entity.addresses.get(is_main=True)
    entity_services.entity_update(
        user=admin_user,
        entity=entity,
        data={"legal_name": "Ferreterías del Norte", "notes": "VIP"},
        addresses=[
            {
                "street": "Calle Mayor 1, 2º",
                "city": address.city,
                "postal_code": "28001",
                "province": "Madrid",
                "is_main": True,
                "kind": "billing",
            },
        ],
    )
    payload = customer_payload(name="Ferreterías Norte Sociedad Limitada")
    payload["addresses"][0].update(street="Calle Mayor 99", city="Alcalá", postal_code="28801")
    result = _put(token, payload)
    assert result.updated == 1 and not result.errors
    entity.refresh_from_db()
    main = entity.addresses.get(is_main=True)
    assert entity.legal_name == "Ferreterías del Norte"  # the CRM's edit stays
    assert main.street == "Calle Mayor 1, 2º"  # the CRM's edit stays
    assert (main.city, main.postal_code) == ("Alcalá", "28801")  # ERP-owned, unedited: updated
    assert entity.notes == "VIP"
    customer = Customer.objects.get()
    assert customer.name == "Ferreterías Norte Sociedad Limitada"


def test_untouched_erp_fields_follow_the_erp(token, kinds):
    _put(token, customer_payload())
    history_before = Customer.objects.get().entity.history.count()
    _put(token, customer_payload(name="Nuevo Nombre SA"))
    entity = Customer.objects.get().entity
    assert entity.legal_name == "Nuevo Nombre SA"
    assert entity.history.count() == history_before + 1


def test_setting_off_creates_no_entity(token, admin_user, kinds):
    link_setting_update(user=admin_user, master=Master.CUSTOMERS, creates_entity=False)
    result = _put(token, customer_payload())
    assert result.created == 1
    assert Customer.objects.get().entity is None
    assert not Entity.objects.exists()


def test_suppliers_create_no_entity_by_default(token, kinds):
    result = upsert.upsert_batch(
        token=token,
        kind="suppliers",
        records=[{"external_id": "S1", "name": "Aceros SA", "tax_id": "A58818501"}],
    )
    assert result.created == 1
    assert Supplier.objects.get().entity is None
    assert not Entity.objects.exists()


def test_setting_owner_and_team_for_created_entities(token, admin_user, agent, team, kinds):
    link_setting_update(
        user=admin_user,
        master=Master.CUSTOMERS,
        creates_entity=True,
        default_owner=agent,
        default_team=team,
    )
    _put(token, customer_payload())
    entity = Customer.objects.get().entity
    assert (entity.owner, entity.team) == (agent, team)


def test_setting_is_for_administrators(agent):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        link_setting_update(user=agent, master=Master.CUSTOMERS, creates_entity=False)


def test_second_customer_with_same_tax_id_stays_unlinked(token, kinds):
    _put(token, customer_payload())
    result = _put(token, customer_payload("C002", code="C002"))
    assert result.created == 1 and not result.errors
    assert Customer.objects.get(external_id="C002").entity is None
    assert Entity.objects.count() == 1
