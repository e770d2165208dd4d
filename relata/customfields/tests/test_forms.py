"""Form fields for values, the record-form mixin, and the administrators' definition form."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django import forms

from relata.core.emailaddress import EmailAddressFormField
from relata.core.forms import StyledFormMixin
from relata.customfields.forms import (
    CustomFieldsFormMixin,
    FieldDefinitionForm,
    MoneyFormField,
    custom_form_fields,
)
from relata.customfields.models import FieldType, Target

pytestmark = pytest.mark.django_db

T = FieldType


class RecordForm(CustomFieldsFormMixin, StyledFormMixin, forms.Form):
    """A stand-in for the entity form: a plain form with an ``instance``."""

    custom_fields_target = Target.ENTITY
    name = forms.CharField()

    def __init__(self, *args: Any, instance: Any = None, **kwargs: Any) -> None:
        self.instance = instance
        super().__init__(*args, **kwargs)


def _stored(custom: dict[str, Any]) -> SimpleNamespace:
    state = SimpleNamespace(adding=False)
    return SimpleNamespace(custom=custom, custom_fields_scope="", _state=state)


def test_custom_form_fields_give_each_type_its_field_and_widget(make_field):
    for key, kind in [
        ("text", T.TEXT),
        ("notes", T.LONG_TEXT),
        ("count", T.INTEGER),
        ("rate", T.DECIMAL),
        ("price", T.MONEY),
        ("since", T.DATE),
        ("meeting", T.DATETIME),
        ("vip", T.BOOLEAN),
        ("colour", T.CHOICE),
        ("colours", T.MULTIPLE_CHOICE),
        ("mail", T.EMAIL),
        ("web", T.URL),
        ("phone", T.PHONE),
    ]:
        make_field(key, kind, required=kind == T.BOOLEAN)

    fields = custom_form_fields(target=Target.ENTITY)

    kinds = {name: (type(f).__name__, type(f.widget).__name__) for name, f in fields.items()}
    assert kinds == {
        "cf_text": ("CharField", "TextInput"),
        "cf_notes": ("CharField", "Textarea"),
        "cf_count": ("IntegerField", "NumberInput"),
        "cf_rate": ("DecimalField", "NumberInput"),
        "cf_price": ("MoneyFormField", "MoneyWidget"),
        "cf_since": ("DateField", "DateInput"),
        "cf_meeting": ("DateTimeField", "DateTimeInput"),
        "cf_vip": ("BooleanField", "CheckboxInput"),
        "cf_colour": ("ChoiceField", "Select"),
        "cf_colours": ("MultipleChoiceField", "SelectMultiple"),
        "cf_mail": (EmailAddressFormField.__name__, "EmailInput"),
        "cf_web": ("CharField", "URLInput"),
        "cf_phone": ("CharField", "TextInput"),
    }
    assert fields["cf_since"].widget.input_type == "date"
    assert fields["cf_meeting"].widget.input_type == "datetime-local"
    assert fields["cf_phone"].widget.input_type == "tel"
    assert fields["cf_count"].widget.attrs["step"] == "1"
    assert fields["cf_vip"].required is False  # a checkbox always answers
    assert list(fields["cf_colour"].choices) == [
        ("", "—"),
        ("red", "Red"),
        ("green", "Green"),
        ("blue", "Blue"),
    ]


def test_custom_form_fields_start_new_records_at_the_defaults(make_field):
    make_field("count", T.INTEGER, default=3, label_en="Count", help_text_en="How many")
    make_field("since", T.DATE, default="2025-01-31")

    fields = custom_form_fields(target=Target.ENTITY)

    assert (fields["cf_count"].initial, fields["cf_count"].label) == (3, "Count")
    assert fields["cf_count"].help_text == "How many"
    assert fields["cf_since"].initial == datetime.date(2025, 1, 31)


def test_custom_form_fields_show_stored_values_of_existing_records(make_field):
    make_field("count", T.INTEGER, default=3)
    make_field("meeting", T.DATETIME)

    fields = custom_form_fields(
        target=Target.ENTITY, initial={"meeting": "2025-03-01T08:30:00+00:00"}
    )

    assert fields["cf_count"].initial is None
    assert fields["cf_meeting"].initial == datetime.datetime(2025, 3, 1, 8, 30, tzinfo=datetime.UTC)


def test_the_mixin_turns_posted_strings_into_stored_values(make_field):
    make_field("count", T.INTEGER)
    make_field("price", T.MONEY)
    make_field("since", T.DATE)
    make_field("meeting", T.DATETIME)
    make_field("colours", T.MULTIPLE_CHOICE)
    make_field("vip", T.BOOLEAN)
    make_field("tier", T.CHOICE, default="green")

    form = RecordForm(
        {
            "name": "Acme",
            "cf_count": "12",
            "cf_price_0": "10.5",
            "cf_price_1": "USD",
            "cf_since": "2025-03-01",
            "cf_meeting": "2025-03-01T09:30",
            "cf_colours": ["blue", "red"],
            "cf_vip": "on",
            "cf_tier": "",
        }
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["custom"] == {
        "count": 12,
        "price": {"amount": "10.50", "currency": "USD"},
        "since": "2025-03-01",
        "meeting": "2025-03-01T08:30:00+00:00",
        "colours": ["red", "blue"],
        "vip": True,
    }


def test_the_mixin_puts_engine_errors_on_the_custom_field(make_field):
    make_field("phone", T.PHONE)
    make_field("sector", T.TEXT, required=True)

    form = RecordForm({"name": "Acme", "cf_phone": "12345", "cf_sector": ""})

    assert form.is_valid() is False
    assert form.errors == {
        "cf_sector": ["This field is required."],
        "cf_phone": ["Enter a valid phone number."],
    }
    assert "custom" not in form.cleaned_data
    assert "is-invalid" in form.fields["cf_phone"].widget.attrs["class"]


def test_the_mixin_merges_changes_into_the_stored_values(make_field):
    make_field("count", T.INTEGER)
    make_field("notes", T.TEXT)

    form = RecordForm(
        {"name": "Acme", "cf_count": "", "cf_notes": "New"},
        instance=_stored({"count": 4, "notes": "Old", "retired_field": "kept"}),
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["custom"] == {"notes": "New", "retired_field": "kept"}


def test_the_money_field_uses_the_default_currency_and_needs_an_amount(make_field):
    make_field("price", T.MONEY)
    field = custom_form_fields(target=Target.ENTITY)["cf_price"]

    assert isinstance(field, MoneyFormField)
    assert field.clean(["", "EUR"]) is None
    assert field.clean(["3", ""]) == {"amount": Decimal("3"), "currency": "EUR"}
    assert field.widget.decompress(None) == [None, "EUR"]


def test_the_money_widget_renders_an_input_group(make_field):
    make_field("price", T.MONEY)
    form = RecordForm(initial={"name": "x"})

    html = str(form["cf_price"])

    assert '<div class="input-group">' in html
    assert 'name="cf_price_0"' in html and 'class="form-control"' in html
    assert 'name="cf_price_1"' in html and 'class="form-select flex-grow-0 w-auto"' in html


def test_definition_form_reads_choice_lines_and_a_money_default():
    form = FieldDefinitionForm(
        {
            "target": Target.ENTITY,
            "key": "tier",
            "field_type": T.MULTIPLE_CHOICE,
            "label_en": "Tier",
            "choices": "gold | Gold | Oro\n\nsilver | Silver\nbronze",
            "default": "gold, silver",
        }
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["choices"] == [
        {"value": "gold", "label_en": "Gold", "label_es": "Oro"},
        {"value": "silver", "label_en": "Silver", "label_es": ""},
        {"value": "bronze", "label_en": "bronze", "label_es": ""},
    ]
    assert form.cleaned_data["default"] == ["gold", "silver"]


def test_definition_form_refuses_a_choice_line_with_too_many_parts():
    form = FieldDefinitionForm(
        {
            "target": Target.ENTITY,
            "key": "tier",
            "field_type": T.CHOICE,
            "label_en": "Tier",
            "choices": "a | A | A | A",
        }
    )

    assert form.errors == {"choices": ["Line 1: write “value | English label | Spanish label”."]}


def test_definition_form_shows_a_stored_definition_and_locks_key_and_type(make_field):
    definition = make_field(
        "price", T.MONEY, default={"amount": "9.5", "currency": "USD"}, label_en="Price"
    )

    form = FieldDefinitionForm(
        {
            "target": Target.CONTACT,
            "key": "changed",
            "field_type": T.TEXT,
            "label_en": "Cost",
            "default": "12 EUR",
            "is_active": "on",
        },
        definition=definition,
    )

    assert form.is_valid(), form.errors
    assert {k: form.cleaned_data[k] for k in ("target", "key", "field_type", "default")} == {
        "target": Target.ENTITY,
        "key": "price",
        "field_type": T.MONEY,
        "default": {"amount": "12", "currency": "EUR"},
    }
    assert FieldDefinitionForm(definition=definition)["default"].initial == "9.50 USD"
