"""Turn raw custom-field input into the stored, typed form (see :mod:`.models`).

Raw input comes from forms (Python values: ``int``, ``Decimal``, ``date``, …) and from the
API (JSON: strings, numbers, booleans, lists, objects); both go through :func:`clean_value`.
Errors are Django ``ValidationError`` with Django's own wording where one exists, so that
they arrive already translated.
"""

from __future__ import annotations

import copy
import datetime
import math
import re
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import get_currency_precision, list_currencies
from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator, MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.core.normalize import normalize_phone, normalize_url
from relata.customfields.models import FieldDefinition, FieldType

TEXT_MAX_LENGTH = 255
LONG_TEXT_MAX_LENGTH = 10_000

DECIMAL_MAX_DIGITS, DECIMAL_MAX_PLACES = 30, 10
MONEY_MAX_DIGITS = 18
INTEGER_LIMIT = 2**63 - 1

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTEGER_RE = re.compile(r"^[+-]?\d+$")
_TRUE = {"true", "1", "yes", "on", "y", "si", "sí"}
_FALSE = {"false", "0", "no", "off", "n"}

Raw = Any


def is_empty(value: Raw) -> bool:
    """Return whether ``value`` means "no value" (None, blank text, empty list or amount)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set):
        return not value
    if isinstance(value, dict):
        return is_empty(value.get("amount"))
    return False


def _required_message() -> str:
    return _("This field is required.")


def _check_length(value: str, limit: int) -> str:
    MaxLengthValidator(limit)(value)
    return value


def _as_text(value: Raw) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValidationError(_("Enter a text."), code="invalid")
    return str(value).strip()


def _clean_text(definition: FieldDefinition, value: Raw) -> str:
    return _check_length(" ".join(_as_text(value).split()), TEXT_MAX_LENGTH)


def _clean_long_text(definition: FieldDefinition, value: Raw) -> str:
    text = _as_text(value).replace("\r\n", "\n").replace("\r", "\n")
    return _check_length(text, LONG_TEXT_MAX_LENGTH)


def _clean_integer(definition: FieldDefinition, value: Raw) -> int:
    message = _("Enter a whole number.")
    if isinstance(value, bool):
        raise ValidationError(message, code="invalid")
    if isinstance(value, float | Decimal):
        if not math.isfinite(value) or value != int(value):
            raise ValidationError(message, code="invalid")
        value = int(value)
    elif isinstance(value, str):
        if not _INTEGER_RE.match(value.strip()):
            raise ValidationError(message, code="invalid")
        value = int(value.strip())
    if not isinstance(value, int):
        raise ValidationError(message, code="invalid")
    if abs(value) > INTEGER_LIMIT:
        raise ValidationError(_("The number is too large."), code="max_value")
    return value


def _to_decimal(value: Raw) -> Decimal:
    message = _("Enter a number.")
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValidationError(message, code="invalid")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as error:
        raise ValidationError(message, code="invalid") from error
    if not number.is_finite():
        raise ValidationError(message, code="invalid")
    return number


def _clean_decimal(definition: FieldDefinition, value: Raw) -> str:
    number = _to_decimal(value)
    DecimalValidator(DECIMAL_MAX_DIGITS, DECIMAL_MAX_PLACES)(number.normalize())
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def default_currency() -> str:
    from relata.core.selectors import parameters_get

    return parameters_get().default_currency


def _clean_money(definition: FieldDefinition, value: Raw) -> dict[str, str]:
    if isinstance(value, dict):
        unknown = set(value) - {"amount", "currency"}
        if unknown:
            raise ValidationError(_("Enter an amount and a currency."), code="invalid")
        amount, currency = value.get("amount"), value.get("currency")
    else:
        amount, currency = value, None
    if is_empty(amount):
        raise ValidationError(_("Enter an amount."), code="invalid")
    if currency in (None, ""):
        currency = default_currency()
    if not isinstance(currency, str) or currency.strip().upper() not in list_currencies():
        raise ValidationError(
            _("“%(code)s” is not an ISO 4217 currency code.") % {"code": currency},
            code="invalid_currency",
        )
    currency = currency.strip().upper()
    number = _to_decimal(amount)
    places = get_currency_precision(currency)
    normal = number.normalize()
    DecimalValidator(MONEY_MAX_DIGITS, places)(normal)
    quantized = number.quantize(Decimal(1).scaleb(-places))
    return {"amount": format(quantized, "f"), "currency": currency}


def _clean_date(definition: FieldDefinition, value: Raw) -> str:
    message = _("Enter a valid date.")
    if isinstance(value, datetime.datetime):
        raise ValidationError(message, code="invalid")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if not isinstance(value, str) or not _DATE_RE.match(value.strip()):
        raise ValidationError(message, code="invalid")
    try:
        return datetime.date.fromisoformat(value.strip()).isoformat()
    except ValueError as error:
        raise ValidationError(message, code="invalid") from error


def _clean_datetime(definition: FieldDefinition, value: Raw) -> str:
    message = _("Enter a valid date/time.")
    if isinstance(value, str):
        text = value.strip()
        if not re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", text):
            raise ValidationError(message, code="invalid")
        try:
            value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as error:
            raise ValidationError(message, code="invalid") from error
    if not isinstance(value, datetime.datetime):
        raise ValidationError(message, code="invalid")
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_current_timezone())
    return value.astimezone(datetime.UTC).isoformat(timespec="seconds")


def _clean_boolean(definition: FieldDefinition, value: Raw) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise ValidationError(_("Enter yes or no."), code="invalid")


def _check_choice(definition: FieldDefinition, value: Raw) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    allowed = {c["value"] for c in definition.choices or []}
    if not isinstance(value, str) or value.strip() not in allowed:
        raise ValidationError(
            _("“%(value)s” is not one of the choices.") % {"value": value}, code="invalid_choice"
        )
    return value.strip()


def _clean_choice(definition: FieldDefinition, value: Raw) -> str:
    return _check_choice(definition, value)


def _clean_multiple_choice(definition: FieldDefinition, value: Raw) -> list[str]:
    if not isinstance(value, list | tuple | set):
        raise ValidationError(_("Enter a list of values."), code="invalid_list")
    chosen = {_check_choice(definition, item) for item in value}
    return [c["value"] for c in definition.choices if c["value"] in chosen]


def _clean_email(definition: FieldDefinition, value: Raw) -> str:
    from relata.core.emailaddress import normalize_email_address, validate_email_address

    if not isinstance(value, str):
        raise ValidationError(_("Enter a valid email address."), code="invalid")
    text = normalize_email_address(value)
    validate_email_address(text)
    return text


def _clean_url(definition: FieldDefinition, value: Raw) -> str:
    return normalize_url(value)


def _clean_phone(definition: FieldDefinition, value: Raw) -> str:
    return normalize_phone(value)


CLEANERS: dict[str, Callable[[FieldDefinition, Raw], Any]] = {
    FieldType.TEXT: _clean_text,
    FieldType.LONG_TEXT: _clean_long_text,
    FieldType.INTEGER: _clean_integer,
    FieldType.DECIMAL: _clean_decimal,
    FieldType.MONEY: _clean_money,
    FieldType.DATE: _clean_date,
    FieldType.DATETIME: _clean_datetime,
    FieldType.BOOLEAN: _clean_boolean,
    FieldType.CHOICE: _clean_choice,
    FieldType.MULTIPLE_CHOICE: _clean_multiple_choice,
    FieldType.EMAIL: _clean_email,
    FieldType.URL: _clean_url,
    FieldType.PHONE: _clean_phone,
}


def clean_value(definition: FieldDefinition, value: Raw) -> Any:
    """Return ``value`` in the stored form of ``definition``'s type, or None when empty.

    Raise ``ValidationError`` (a message list, no field key) when the value is not valid.
    """
    if is_empty(value):
        return None
    return CLEANERS[definition.field_type](definition, value)


def clean_values(
    *, definitions: Iterable[FieldDefinition], data: dict[str, Raw], partial: bool
) -> dict[str, Any]:
    """Validate ``data`` against ``definitions``; see ``services.values_clean``."""
    if not isinstance(data, dict):
        raise ValidationError(_("Enter an object of field values."), code="invalid")
    by_key = {d.key: d for d in definitions}
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for key in data:
        if key not in by_key:
            errors[str(key)] = [_("There is no custom field “%(key)s” here.") % {"key": key}]
    for key, definition in by_key.items():
        if key in data:
            try:
                value = clean_value(definition, data[key])
            except ValidationError as error:
                errors[key] = error.messages
                continue
        elif partial:
            continue
        else:
            value = copy.deepcopy(definition.default)
        if value is None and definition.required:
            errors[key] = [_required_message()]
        elif value is not None or partial:
            cleaned[key] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def merge_values(*, current: dict[str, Any] | None, cleaned: dict[str, Any]) -> dict[str, Any]:
    """Return ``current`` updated with ``cleaned``; a None in ``cleaned`` removes the key."""
    merged = {**(current or {}), **cleaned}
    return {key: value for key, value in merged.items() if value is not None}
