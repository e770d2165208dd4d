"""values_display and the definitions' labels in English and Spanish."""

from __future__ import annotations

import pytest
from django.utils import translation

from relata.customfields.models import FieldType, Target
from relata.customfields.selectors import field_definitions
from relata.customfields.services import value_display, values_display

pytestmark = pytest.mark.django_db

T = FieldType


@pytest.mark.parametrize(
    ("field_type", "value", "english", "spanish"),
    [
        (T.INTEGER, 1234567, "1,234,567", "1.234.567"),
        (T.DECIMAL, "1234.5", "1,234.5", "1.234,5"),
        (T.MONEY, {"amount": "1234.50", "currency": "EUR"}, "€1,234.50", "1.234,50\xa0€"),
        (T.MONEY, {"amount": "5.00", "currency": "USD"}, "$5.00", "5,00\xa0US$"),
        (T.DATE, "2025-03-01", "March 1, 2025", "1 de marzo de 2025"),
        (
            T.DATETIME,
            "2025-03-01T08:30:00+00:00",
            "March 1, 2025, 9:30 a.m.",
            "1 de marzo de 2025 a las 09:30",
        ),
        (T.BOOLEAN, True, "Yes", "Sí"),
        (T.BOOLEAN, False, "No", "No"),
        (T.CHOICE, "red", "Red", "Rojo"),
        (T.CHOICE, "blue", "Blue", "Blue"),  # no Spanish label: the English one
        (T.CHOICE, "retired", "retired", "retired"),  # a choice removed later: its value
        (T.MULTIPLE_CHOICE, ["red", "green"], "Red, Green", "Rojo, Verde"),
        (T.PHONE, "+34912345678", "+34 912 34 56 78", "+34 912 34 56 78"),
        (T.TEXT, "Acme", "Acme", "Acme"),
        (T.URL, "https://example.com", "https://example.com", "https://example.com"),
        (T.TEXT, None, "—", "—"),
        (T.MULTIPLE_CHOICE, [], "—", "—"),
    ],
)
def test_value_display_is_localised(make_field, field_type, value, english, spanish):
    definition = make_field("value", field_type)

    with translation.override("en"):
        shown_en = value_display(definition=definition, value=value)
    with translation.override("es"):
        shown_es = value_display(definition=definition, value=value)

    assert (shown_en, shown_es) == (english, spanish)


def test_values_display_lists_every_field_in_order(make_field):
    make_field("sector", label_en="Sector", label_es="Sector ES")
    make_field("employees", T.INTEGER, label_en="Employees", label_es="Empleados")
    make_field("vip", T.BOOLEAN, label_en="VIP")

    with translation.override("es"):
        rows = [
            (d.label, text)
            for d, text in values_display(
                definitions=field_definitions(target=Target.ENTITY),
                values={"employees": 1500, "vip": False, "unknown": "ignored"},
            )
        ]

    assert rows == [("Sector ES", "—"), ("Empleados", "1.500"), ("VIP", "No")]


def test_label_and_help_text_follow_the_language(make_field):
    definition = make_field(
        "tier",
        label_en="Tier",
        label_es="Nivel",
        help_text_en="Customer tier",
        help_text_es="",
    )

    with translation.override("es"):
        spanish = (definition.label, definition.help_text)
    with translation.override("en"):
        english = (definition.label, definition.help_text)

    assert spanish == ("Nivel", "Customer tier")
    assert english == ("Tier", "Customer tier")
