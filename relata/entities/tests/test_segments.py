"""Segments: condition trees to ``Q`` for each operator family, validation messages, the
history registry, services and permission-scoped selectors."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from relata.customfields.models import FieldType, Target
from relata.customfields.services import field_definition_create
from relata.entities import services
from relata.entities.models import Entity, EntityKind, KindMeaning, Source, Tag, Zone
from relata.entities.segments import (
    definition_clean,
    definition_q,
    register_history_field,
)
from relata.entities.segments.fields import INTEGER, HistoryCondition

pytestmark = pytest.mark.django_db

COLOURS = [
    {"value": "red", "label_en": "Red"},
    {"value": "green", "label_en": "Green"},
    {"value": "blue", "label_en": "Blue"},
]


@pytest.fixture
def kinds(db):
    return {
        "customer": EntityKind.objects.create(
            code="seg-customer", label_en="Customer", meaning=KindMeaning.CUSTOMER
        ),
        "prospect": EntityKind.objects.create(
            code="seg-prospect", label_en="Prospect", meaning=KindMeaning.PROSPECT
        ),
    }


@pytest.fixture
def custom_fields(admin_user):
    specs = {
        "employees": FieldType.INTEGER,
        "rating": FieldType.DECIMAL,
        "revenue": FieldType.MONEY,
        "founded": FieldType.DATE,
        "last_visit": FieldType.DATETIME,
        "exporter": FieldType.BOOLEAN,
        "colour": FieldType.CHOICE,
        "palette": FieldType.MULTIPLE_CHOICE,
        "motto": FieldType.TEXT,
    }
    for key, field_type in specs.items():
        field_definition_create(
            user=admin_user,
            target=Target.ENTITY,
            key=key,
            label_en=key.replace("_", " ").capitalize(),
            field_type=field_type,
            choices=COLOURS if field_type in (FieldType.CHOICE, FieldType.MULTIPLE_CHOICE) else [],
        )


def make(user, kind, name, *, emails=(), addresses=(), tags=(), custom=None, **data):
    return services.entity_create(
        user=user,
        data={"kind": kind, "legal_name": name, **data},
        emails=[{"email": e} for e in emails],
        addresses=addresses,
        tags=tags,
        custom=custom,
    )


def names(definition, user=None):
    q = definition_q(definition, user=user)
    return sorted(Entity.objects.filter(q).values_list("legal_name", flat=True))


def cond(field, operator, value=None, **extra):
    data = {"field": field, "operator": operator, **extra}
    if value is not None:
        data["value"] = value
    return {"op": "and", "conditions": [data]}


def messages(definition):
    with pytest.raises(ValidationError) as error:
        definition_clean(definition)
    return error.value.message_dict["definition"]


# --- Classification ----------------------------------------------------------------------


@pytest.fixture
def world(admin_user, agent, kinds):
    north = Zone.objects.create(code="north", label_en="North")
    web = Source.objects.create(code="web", label_en="Website")
    make(
        admin_user,
        kinds["customer"],
        "Aceros Norte",
        zone=north,
        source=web,
        tags=["VIP", "Export"],
        emails=["info@aceros.es"],
        addresses=[{"street": "Mayor 1", "city": "Bilbao", "province": "Bizkaia"}],
    )
    make(
        admin_user,
        kinds["prospect"],
        "Bodegas Sur",
        trade_name="Vinos Sur",
        tags=["VIP"],
        emails=["hola@bodegas.com"],
        addresses=[{"street": "Real 2", "city": "Sevilla"}],
        is_company=False,
    )
    make(agent, kinds["customer"], "Construcciones Este", is_active=False)
    return {"north": north, "web": web}


def test_choice_fields_by_id_or_code(world, kinds):
    assert names(cond("kind", "eq", kinds["customer"].pk)) == [
        "Aceros Norte",
        "Construcciones Este",
    ]
    assert names(cond("kind", "eq", "seg-prospect")) == ["Bodegas Sur"]
    assert names(cond("kind", "in", [kinds["prospect"].pk, "seg-customer"])) == [
        "Aceros Norte",
        "Bodegas Sur",
        "Construcciones Este",
    ]


def test_ne_and_not_in_include_empty_values(world):
    assert names(cond("zone", "ne", "north")) == ["Bodegas Sur", "Construcciones Este"]
    assert names(cond("source", "not_in", ["web"])) == ["Bodegas Sur", "Construcciones Este"]
    assert names(cond("zone", "is_empty")) == ["Bodegas Sur", "Construcciones Este"]
    assert names(cond("zone", "is_not_empty")) == ["Aceros Norte"]


def test_owner_me_is_whoever_evaluates(world, admin_user, agent):
    definition = cond("owner", "eq", "me")

    assert names(definition, user=agent) == ["Construcciones Este"]
    assert names(definition, user=admin_user) == []  # the administrator owns none
    assert names(cond("owner", "eq", agent.username)) == ["Construcciones Este"]


def test_tags_any_all_none_and_empty(world):
    vip, export = Tag.objects.get(name="VIP"), Tag.objects.get(name="Export")

    assert names(cond("tags", "in", [export.pk])) == ["Aceros Norte"]
    assert names(cond("tags", "all", ["VIP", "Export"])) == ["Aceros Norte"]
    assert names(cond("tags", "in", [vip.pk, export.pk])) == ["Aceros Norte", "Bodegas Sur"]
    assert names(cond("tags", "not_in", [export.pk])) == ["Bodegas Sur", "Construcciones Este"]
    assert names(cond("tags", "is_empty")) == ["Construcciones Este"]


def test_booleans(world):
    assert names(cond("is_active", "eq", False)) == ["Construcciones Este"]
    assert names(cond("is_company", "eq", "false")) == ["Bodegas Sur"]


# --- Text -------------------------------------------------------------------------------


def test_text_operators_ignore_case(world):
    assert names(cond("legal_name", "eq", "aceros norte")) == ["Aceros Norte"]
    assert names(cond("legal_name", "contains", "SUR")) == ["Bodegas Sur"]
    assert names(cond("legal_name", "not_contains", "sur")) == [
        "Aceros Norte",
        "Construcciones Este",
    ]
    assert names(cond("legal_name", "starts_with", "cons")) == ["Construcciones Este"]
    assert names(cond("legal_name", "in", ["ACEROS NORTE", "bodegas sur"])) == [
        "Aceros Norte",
        "Bodegas Sur",
    ]
    assert names(cond("trade_name", "is_empty")) == ["Aceros Norte", "Construcciones Este"]
    assert names(cond("trade_name", "ne", "vinos sur")) == ["Aceros Norte", "Construcciones Este"]


def test_main_address_fields(world):
    assert names(cond("address.city", "eq", "bilbao")) == ["Aceros Norte"]
    assert names(cond("address.city", "ne", "Bilbao")) == ["Bodegas Sur", "Construcciones Este"]
    assert names(cond("address.province", "is_empty")) == ["Bodegas Sur", "Construcciones Este"]
    assert names(cond("address.city", "in", ["Sevilla", "Madrid"])) == ["Bodegas Sur"]


def test_email_domain(world):
    assert names(cond("email_domain", "eq", "ACEROS.ES")) == ["Aceros Norte"]
    assert names(cond("email_domain", "eq", "@bodegas.com")) == ["Bodegas Sur"]
    assert names(cond("email_domain", "not_in", ["aceros.es"])) == [
        "Bodegas Sur",
        "Construcciones Este",
    ]
    assert names(cond("email_domain", "is_empty")) == ["Construcciones Este"]


# --- Dates ------------------------------------------------------------------------------


def test_created_dates_by_day_and_relative(world):
    now = timezone.now()
    Entity.objects.filter(legal_name="Aceros Norte").update(
        created_at=now - datetime.timedelta(days=40)
    )
    Entity.objects.filter(legal_name="Bodegas Sur").update(
        created_at=now - datetime.timedelta(days=10)
    )
    ten_days_ago = timezone.localdate(now - datetime.timedelta(days=10)).isoformat()
    today = timezone.localdate(now).isoformat()

    assert names(cond("created_at", "in_last_days", 30)) == ["Bodegas Sur", "Construcciones Este"]
    assert names(cond("created_at", "not_in_last_days", 30)) == ["Aceros Norte"]
    assert names(cond("created_at", "eq", ten_days_ago)) == ["Bodegas Sur"]
    assert names(cond("created_at", "gt", ten_days_ago)) == ["Construcciones Este"]
    assert names(cond("created_at", "lte", ten_days_ago)) == ["Aceros Norte", "Bodegas Sur"]
    assert names(cond("created_at", "between", [ten_days_ago, today])) == [
        "Bodegas Sur",
        "Construcciones Este",
    ]
    # The same through the history registry.
    assert names(cond("history.created", "in_last_days", 30)) == [
        "Bodegas Sur",
        "Construcciones Este",
    ]


# --- Custom fields -----------------------------------------------------------------------


@pytest.fixture
def custom_world(admin_user, kinds, custom_fields):
    customer = kinds["customer"]
    make(
        admin_user,
        customer,
        "Alpha",
        custom={
            "employees": 5,
            "rating": "4.5",
            "revenue": {"amount": "1000.00", "currency": "EUR"},
            "founded": "1990-05-01",
            "last_visit": "2025-03-01T08:30:00+00:00",
            "exporter": True,
            "colour": "red",
            "palette": ["red", "blue"],
            "motto": "Steel for everyone",
        },
    )
    make(
        admin_user,
        customer,
        "Beta",
        custom={
            "employees": 50,
            "rating": "10",
            "revenue": {"amount": "99.50", "currency": "EUR"},
            "founded": "2010-01-01",
            "exporter": False,
            "colour": "blue",
            "palette": ["green"],
        },
    )
    make(admin_user, customer, "Gamma")


def test_custom_numbers(custom_world):
    assert names(cond("custom.employees", "gt", 10)) == ["Beta"]
    assert names(cond("custom.employees", "between", ["1", "5"])) == ["Alpha"]
    assert names(cond("custom.employees", "ne", 5)) == ["Beta", "Gamma"]
    assert names(cond("custom.employees", "is_empty")) == ["Gamma"]
    # Decimals are compared as numbers, not as text ("10" > "4.5").
    assert names(cond("custom.rating", "gt", 5)) == ["Beta"]
    assert names(cond("custom.rating", "lte", "4.5")) == ["Alpha"]
    assert names(cond("custom.revenue", "gte", 500)) == ["Alpha"]


def test_custom_dates_and_datetimes(custom_world):
    assert names(cond("custom.founded", "lt", "2000-01-01")) == ["Alpha"]
    assert names(cond("custom.founded", "between", ["2000-01-01", "2010-01-01"])) == ["Beta"]
    assert names(cond("custom.last_visit", "eq", "2025-03-01")) == ["Alpha"]
    assert names(cond("custom.last_visit", "gt", "2025-03-01")) == []
    assert names(cond("custom.last_visit", "not_in_last_days", 10)) == ["Alpha", "Beta", "Gamma"]


def test_custom_boolean_choice_multiple_choice_and_text(custom_world):
    assert names(cond("custom.exporter", "eq", True)) == ["Alpha"]
    assert names(cond("custom.exporter", "eq", False)) == ["Beta"]
    assert names(cond("custom.colour", "in", ["red", "green"])) == ["Alpha"]
    assert names(cond("custom.colour", "ne", "red")) == ["Beta", "Gamma"]
    assert names(cond("custom.palette", "in", ["blue", "green"])) == ["Alpha", "Beta"]
    assert names(cond("custom.palette", "all", ["red", "blue"])) == ["Alpha"]
    assert names(cond("custom.palette", "not_in", ["red"])) == ["Beta", "Gamma"]
    assert names(cond("custom.motto", "contains", "STEEL")) == ["Alpha"]
    assert names(cond("custom.motto", "is_not_empty")) == ["Alpha"]


# --- History --------------------------------------------------------------------------------


def test_number_of_contacts_with_and_without_period(admin_user, kinds):
    two = make(admin_user, kinds["customer"], "Two")
    one = make(admin_user, kinds["customer"], "One")
    make(admin_user, kinds["customer"], "None")
    for entity, first in ((two, "A"), (two, "B"), (one, "C")):
        services.contact_create(user=admin_user, entity=entity, data={"first_name": first})
    two.contacts.filter(first_name="A").update(
        created_at=timezone.now() - datetime.timedelta(days=100)
    )

    assert names(cond("history.contacts", "gte", 2)) == ["Two"]
    assert names(cond("history.contacts", "eq", 0)) == ["None"]
    assert names(cond("history.contacts", "between", [1, 2])) == ["One", "Two"]
    assert names(cond("history.contacts", "eq", 1, period={"last_days": 30})) == ["One", "Two"]


def test_other_apps_register_history_fields(admin_user, kinds):
    make(admin_user, kinds["customer"], "Short")
    make(admin_user, kinds["customer"], "A much longer name")

    def name_length(condition: HistoryCondition) -> Q:
        from django.db.models.functions import Length

        return condition.compare(Length("legal_name"), kind=INTEGER)

    register_history_field("test_name_length", "Name length", name_length)

    assert names(cond("history.test_name_length", "lt", 10)) == ["Short"]
    assert definition_clean(cond("history.test_name_length", "gt", "3")) == cond(
        "history.test_name_length", "gt", 3
    )


# --- Groups -------------------------------------------------------------------------------


def test_nested_or_inside_and(world, kinds):
    definition = {
        "op": "and",
        "conditions": [
            {"field": "kind", "operator": "eq", "value": kinds["customer"].pk},
            {
                "op": "or",
                "conditions": [
                    {"field": "address.city", "operator": "eq", "value": "Bilbao"},
                    {"field": "is_active", "operator": "eq", "value": False},
                ],
            },
        ],
    }

    assert names(definition) == ["Aceros Norte", "Construcciones Este"]


def test_or_of_conditions(world):
    definition = {
        "op": "or",
        "conditions": [
            {"field": "legal_name", "operator": "starts_with", "value": "bod"},
            {"field": "legal_name", "operator": "starts_with", "value": "con"},
        ],
    }

    assert names(definition) == ["Bodegas Sur", "Construcciones Este"]


def test_empty_groups_match_everything(world):
    everything = ["Aceros Norte", "Bodegas Sur", "Construcciones Este"]

    assert names({}) == everything
    assert names({"op": "and", "conditions": []}) == everything
    assert (
        names(
            {
                "op": "or",
                "conditions": [
                    {"field": "legal_name", "operator": "eq", "value": "Aceros Norte"},
                    {"op": "and", "conditions": []},
                ],
            }
        )
        == everything
    )
