"""Validate and normalise the identifiers every app stores: phones, URLs and tax ids.

Each function returns the stored form or raises a ``ValidationError`` with a message a
user understands; one place, so that a phone typed in an entity, a contact or a custom
field is stored the same way.
"""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.es import cif, nie, nif
from stdnum.eu import vat

PHONE_MAX_LENGTH = 40
URL_MAX_LENGTH = 2_000


def default_region() -> str:
    from relata.core.selectors import parameters_get

    return parameters_get().default_country


def normalize_phone(value: str, region: str | None = None) -> str:
    """Return ``value`` in E.164 (``+34912345678``); national numbers use ``region``."""
    message = _("Enter a valid phone number.")
    if not isinstance(value, str) or len(value) > PHONE_MAX_LENGTH:
        raise ValidationError(message, code="invalid_phone")
    try:
        number = phonenumbers.parse(value.strip(), region or default_region())
    except phonenumbers.NumberParseException as error:
        raise ValidationError(message, code="invalid_phone") from error
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(message, code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_url(value: str, max_length: int = URL_MAX_LENGTH) -> str:
    """Return an http(s) URL, adding ``https://`` when no scheme was typed."""
    if not isinstance(value, str):
        raise ValidationError(_("Enter a valid URL."), code="invalid")
    text = value.strip()
    if "://" not in text:
        text = f"https://{text}"
    if len(text) > max_length:
        raise ValidationError(
            _("Use at most %(limit)d characters.") % {"limit": max_length}, code="max_length"
        )
    URLValidator(schemes=["http", "https"])(text)
    return text


def normalize_tax_id(value: str) -> str:
    """Return a Spanish NIF/CIF/NIE or an EU VAT number, compact and upper case.

    Spanish numbers are stored without a country prefix (``B12345674``); other EU VAT
    numbers keep theirs (``FR40303265045``), so that the two never collide.
    """
    text = "".join(value.split()).upper().replace("-", "").replace(".", "")
    if not text:
        return ""
    spanish = text[2:] if text.startswith("ES") else text
    for module in (nif, nie, cif):
        if module.is_valid(spanish):
            return str(module.compact(spanish))
    if text[:2].isalpha():
        try:
            return str(vat.validate(text))
        except stdnum_exceptions.ValidationError:
            pass
    raise ValidationError(
        _("“%(value)s” is not a valid NIF, NIE, CIF or EU VAT number.") % {"value": value},
        code="invalid_tax_id",
    )
