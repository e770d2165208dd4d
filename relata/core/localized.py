"""Administrator-written text kept in English and Spanish (type names, labels…)."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

COLOUR_VALIDATOR = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB, for example #0d6efd.")
)


def in_spanish() -> bool:
    """Return whether the current request (or override) speaks Spanish."""
    return (get_language() or "").lower().startswith("es")


def localized(english: str, spanish: str) -> str:
    """Return the Spanish text in Spanish when there is one, else the English."""
    return (spanish if in_spanish() else "") or english
