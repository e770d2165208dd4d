"""Cell values of spreadsheets going out and coming in: formula neutralising, text forms of
custom values, and the lenient readers of yes/no, dates and decimal numbers."""

from __future__ import annotations

import datetime
import re
import unicodedata
from typing import Any

from django.utils.translation import gettext as _

from relata.customfields.models import FieldDefinition, FieldType

# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV
# injection"): =HYPERLINK(…) or +cmd|… could run or leak something when the file is opened.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NEUTRAL_PREFIX = "'"

_TRUE = {"1", "true", "yes", "y", "on", "x", "si", "sí", "s", "verdadero", "activo", "activa"}
_FALSE = {"0", "false", "no", "n", "off", "falso", "inactivo", "inactiva"}


def neutralise(value: str) -> str:
    """Return ``value`` with a leading quote if a spreadsheet would take it for a formula."""
    return NEUTRAL_PREFIX + value if value.startswith(FORMULA_STARTS) else value


def unneutralise(value: str) -> str:
    """Undo :func:`neutralise`, so that a file Relata exported imports as it was."""
    if value.startswith(NEUTRAL_PREFIX) and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def fold_text(value: str) -> str:
    """Return ``value`` lower case, without accents and with single spaces, for matching."""
    text = unicodedata.normalize("NFKD", value.strip().lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def parse_bool(value: str) -> bool | None:
    """Return the yes/no that ``value`` writes (English or Spanish), or None if it is neither."""
    text = value.strip().lower()
    if text in _TRUE or text == _("yes").lower():
        return True
    if text in _FALSE or text == _("no").lower():
        return False
    return None


_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00)?)?$")


def parse_date(value: str) -> datetime.date | None:
    """Return the date in ``value``: ISO ``2025-03-31`` or day first ``31/03/2025``.

    Day first because that is how Spain and most of Europe write dates; None when the
    text is not a date.
    """
    text = value.strip()
    try:
        if match := _ISO_DATE.match(text):
            return datetime.date(int(match[1]), int(match[2]), int(match[3]))
        if match := _DAY_FIRST.match(text):
            return datetime.date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return None
    return None


def decimal_text(value: str) -> str:
    """Return a number typed with a decimal comma or thousands separators as ``1234.5``.

    With both ``.`` and ``,`` the last one is the decimal separator; a lone ``,`` is a
    decimal comma. Anything else is returned as typed for the field's own check.
    """
    text = value.strip().replace(" ", "").replace("\u00a0", "")
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif "," in text:
        text = text.replace(",", ".")
    return text


def custom_value_text(definition: FieldDefinition, value: Any) -> str:
    """Return a stored custom value as export text: the stored form, money as ``12.50 EUR``.

    Choices export their stored values (not labels), so that a file imports back as it was
    whatever the language of the person who exported it.
    """
    if value is None or value == "" or value == []:
        return ""
    kind = definition.field_type
    if kind == FieldType.MONEY and isinstance(value, dict):
        return f"{value.get('amount', '')} {value.get('currency', '')}".strip()
    if kind == FieldType.BOOLEAN:
        return yes_no(bool(value))
    if kind == FieldType.MULTIPLE_CHOICE and isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)
