"""Reading the text of import cells: lists, users, teams, countries, languages, money,
choices; the lenient part of an import, before the services check the values.

Lists (kind, source, sector, zone) match by code or label in English or Spanish, ignoring
case and accents; users by username or email; teams by name; countries by ISO code or
name; languages by code or name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from babel import Locale
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from relata.core import permissions
from relata.core.models import Team, User
from relata.customfields.models import FieldDefinition, FieldType
from relata.entities.io.cells import decimal_text, fold_text, parse_bool, parse_date
from relata.entities.models import ClassificationValue, Contact, Entity, EntityKind

EMAIL_SPLIT = re.compile(r"[;,\s]+")
PHONE_SPLIT = re.compile(r"[;/]+")
LIST_SPLIT = re.compile(r"[;,]+")
_MONEY = re.compile(
    r"^(?P<pre>[A-Za-z]{3}|€|\$|£)?\s*(?P<amount>[-+]?[\d.,\s\u00a0]+?)\s*(?P<post>[A-Za-z]{3}|€|\$|£)?$"
)
_CURRENCY_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP"}
COMPANY_WORDS = {"company", "empresa", "sociedad", "juridica", "persona juridica", "organisation"}
PERSON_WORDS = {"person", "persona", "individual", "fisica", "persona fisica", "autonomo"}


def _choices_text(objects: Iterable[Any]) -> str:
    codes = [o.code for o in objects]
    return ", ".join(codes[:12]) + (" …" if len(codes) > 12 else "")


class Lookups:
    """The lists a row's text is matched against, read once per import."""

    def __init__(self) -> None:
        self._lists: dict[type[ClassificationValue], tuple[dict[str, Any], list[Any]]] = {}
        self._users: dict[str, User | None] = {}
        self._teams: dict[str, Team | None] = {}
        self._entities: dict[tuple[str, str], list[Entity]] = {}
        self._countries: dict[str, str] | None = None
        self._languages: dict[str, str] | None = None

    def classification(self, model: type[ClassificationValue], raw: str) -> Any:
        """Return the active value of ``model`` whose code or label is ``raw``."""
        if model not in self._lists:
            rows = list(model._default_manager.filter(is_active=True))
            index: dict[str, Any] = {}
            for row in rows:
                for name in (row.label_es, row.label_en, row.code):
                    if name:
                        index[fold_text(name)] = row
            self._lists[model] = (index, rows)
        index, rows = self._lists[model]
        found = index.get(fold_text(raw))
        if found is None:
            raise ValidationError(
                _("“%(value)s” is not in the list of %(list)s. Use one of: %(codes)s.")
                % {
                    "value": raw,
                    "list": model._meta.verbose_name_plural,
                    "codes": _choices_text(rows),
                }
            )
        return found

    def first_kind(self) -> EntityKind | None:
        return EntityKind.objects.filter(is_active=True).first()

    def user(self, raw: str) -> User:
        key = raw.lower()
        if key not in self._users:
            self._users[key] = (
                User.objects.filter(is_active=True)
                .filter(Q(username__iexact=raw) | Q(email__iexact=raw))
                .order_by("pk")
                .first()
            )
        found = self._users[key]
        if found is None:
            raise ValidationError(_("There is no active user “%(value)s”.") % {"value": raw})
        return found

    def team(self, raw: str) -> Team:
        key = raw.lower()
        if key not in self._teams:
            self._teams[key] = Team.objects.filter(is_active=True, name__iexact=raw).first()
        found = self._teams[key]
        if found is None:
            raise ValidationError(_("There is no active team “%(value)s”.") % {"value": raw})
        return found

    def country(self, raw: str) -> str:
        if self._countries is None:
            self._countries = {}
            for language in ("en", "es"):
                for code, name in Locale.parse(language).territories.items():
                    if len(code) == 2 and code.isalpha():
                        self._countries[fold_text(name)] = code
        text = raw.strip()
        if len(text) == 2 and text.isalpha():
            return text.upper()
        code = self._countries.get(fold_text(text))
        if code is None:
            raise ValidationError(
                _("“%(value)s” is not a country: use its two-letter code, such as ES.")
                % {"value": raw}
            )
        return code

    def language(self, raw: str) -> str:
        allowed = dict(Contact._meta.get_field("language").choices or [])
        if self._languages is None:
            self._languages = {}
            for code, label in allowed.items():
                self._languages[fold_text(str(label))] = code
                for language in ("en", "es"):
                    name = Locale.parse(language).languages.get(code)
                    if name:
                        self._languages[fold_text(name)] = code
        text = raw.strip().lower().replace("_", "-")
        if text.split("-")[0] in allowed:
            return text.split("-")[0]
        code = self._languages.get(fold_text(raw))
        if code is None:
            raise ValidationError(
                _("“%(value)s” is not one of the languages: %(codes)s.")
                % {"value": raw, "codes": ", ".join(allowed)}
            )
        return code

    def entities(self, user: User, *, tax_id: str = "", name: str = "") -> list[Entity]:
        """Return the entities ``user`` may see with this tax id, or this legal (else trade)
        name, ignoring case."""
        key = (tax_id, name.lower())
        if key not in self._entities:
            visible = permissions.scope(user, Entity.objects.all())
            if tax_id:
                found = list(visible.filter(tax_id=tax_id)[:2])
            else:
                found = list(visible.filter(legal_name__iexact=name)[:2]) or list(
                    visible.filter(trade_name__iexact=name)[:2]
                )
            self._entities[key] = found
        return self._entities[key]


def parse_company(raw: str) -> bool | None:
    """Return whether ``raw`` says company (True) or person (False), or None if neither."""
    folded = fold_text(raw)
    if folded in COMPANY_WORDS:
        return True
    if folded in PERSON_WORDS:
        return False
    return parse_bool(raw)


def split_values(values: list[str], pattern: re.Pattern[str]) -> list[str]:
    return [part.strip() for value in values for part in pattern.split(value) if part.strip()]


def _money_input(raw: str) -> Any:
    match = _MONEY.match(raw.strip())
    if not match:
        return raw
    currency = match["pre"] or match["post"]
    value: dict[str, str] = {"amount": decimal_text(match["amount"])}
    if currency:
        value["currency"] = _CURRENCY_SYMBOLS.get(currency, currency.upper())
    return value


def _choice_input(definition: FieldDefinition, raw: str) -> str:
    folded = fold_text(raw)
    for choice in definition.choices or []:
        if raw == choice["value"] or folded in {
            fold_text(choice["value"]),
            fold_text(choice.get("label_en") or ""),
            fold_text(choice.get("label_es") or ""),
        }:
            return str(choice["value"])
    return raw


def custom_input(definition: FieldDefinition, raw: str) -> Any:
    """Return cell text as the input :func:`values_clean` takes for ``definition``."""
    kind = definition.field_type
    if kind == FieldType.MONEY:
        return _money_input(raw)
    if kind == FieldType.DECIMAL:
        return decimal_text(raw)
    if kind == FieldType.DATE:
        date = parse_date(raw)
        return date.isoformat() if date else raw
    if kind == FieldType.BOOLEAN:
        flag = parse_bool(raw)
        return raw if flag is None else flag
    if kind == FieldType.CHOICE:
        return _choice_input(definition, raw)
    if kind == FieldType.MULTIPLE_CHOICE:
        return [_choice_input(definition, part) for part in split_values([raw], LIST_SPLIT)]
    return raw
