"""Show stored custom-field values to people, in the active language."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from babel import Locale
from babel.numbers import format_currency, format_decimal
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from relata.customfields.models import FieldDefinition, FieldType

EMPTY = "—"


def _locale() -> Locale:
    return Locale.parse(get_language() or "en", sep="-")


def _choice_label(definition: FieldDefinition, value: Any) -> str:
    return dict(definition.choice_options).get(value, str(value))


def _number(value: Any) -> str:
    try:
        return format_decimal(Decimal(str(value)), locale=_locale(), decimal_quantization=False)
    except (InvalidOperation, ValueError):
        return str(value)


def _money(value: Any) -> str:
    if not isinstance(value, dict):
        return str(value)
    try:
        return format_currency(Decimal(str(value["amount"])), value["currency"], locale=_locale())
    except (InvalidOperation, KeyError, ValueError):
        return f"{value.get('amount', '')} {value.get('currency', '')}".strip()


def _date(value: Any) -> str:
    try:
        return date_format(datetime.date.fromisoformat(value), "DATE_FORMAT")
    except (TypeError, ValueError):
        return str(value)


def _datetime(value: Any) -> str:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment, "DATETIME_FORMAT")


def _phone(value: Any) -> str:
    try:
        number = phonenumbers.parse(str(value), None)
    except phonenumbers.NumberParseException:
        return str(value)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def value_display(*, definition: FieldDefinition, value: Any) -> str:
    """Return ``value`` (in its stored form) as text for people; "—" when empty."""
    if value is None or value == "" or value == []:
        return EMPTY
    kind = definition.field_type
    if kind in (FieldType.INTEGER, FieldType.DECIMAL):
        return _number(value)
    if kind == FieldType.MONEY:
        return _money(value)
    if kind == FieldType.DATE:
        return _date(value)
    if kind == FieldType.DATETIME:
        return _datetime(value)
    if kind == FieldType.BOOLEAN:
        return _("Yes") if value else _("No")
    if kind == FieldType.CHOICE:
        return _choice_label(definition, value)
    if kind == FieldType.MULTIPLE_CHOICE:
        items = value if isinstance(value, list) else [value]
        return ", ".join(_choice_label(definition, item) for item in items)
    if kind == FieldType.PHONE:
        return _phone(value)
    return str(value)


def values_display(
    *, definitions: Iterable[FieldDefinition], values: dict[str, Any] | None
) -> list[tuple[FieldDefinition, str]]:
    """Return ``(definition, text)`` for each definition, in order, for a detail page."""
    values = values or {}
    return [(d, value_display(definition=d, value=values.get(d.key))) for d in definitions]
