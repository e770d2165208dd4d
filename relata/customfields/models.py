"""Custom fields: definitions written by an administrator, values kept on the records.

A :class:`FieldDefinition` describes one field for a *target* (entity, contact, case) and
optionally a *scope* within it (for cases, the code of a case type; empty means every
record of the target). A record that carries values inherits :class:`CustomFieldsModel` and
keeps them in its ``custom`` JSON object, keyed by the definition's ``key``.

Stored form of each value (what :func:`relata.customfields.services.values_clean` returns)
--------------------------------------------------------------------------------------
=================  ==================================================================
type               stored JSON value
=================  ==================================================================
text, long text    ``str`` (stripped; long text keeps its line breaks as ``\\n``)
integer            ``int``
decimal            ``str`` holding the exact decimal, canonical: ``"1.5"``, ``"10"``
money              ``{"amount": "12.50", "currency": "EUR"}``: the amount as an exact
                   decimal string with the currency's minor-unit digits; the currency an
                   ISO 4217 code, by default the parameters' default currency
date               ``"YYYY-MM-DD"``
datetime           ISO 8601 in UTC with its offset, to the second:
                   ``"2025-03-01T08:30:00+00:00"`` (naive input is read in the current
                   time zone)
yes/no             ``bool``
single choice      ``str``: the choice's value
multiple choice    ``list[str]``: choice values, in the order the choices are defined
email              ``str``: the normalised address (RFC 3696 validator)
URL                ``str``: an http or https URL (``https://`` added when no scheme given)
phone              ``str`` in E.164, e.g. ``"+34912345678"`` (the parameters' default
                   country is the region for numbers written without a prefix)
=================  ==================================================================

Empty values are not stored: the key is absent. A definition's ``default`` is stored in the
same form as the values.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from relata.core.localized import in_spanish, localized

KEY_PATTERN = r"^[a-z][a-z0-9_]{0,49}$"
SCOPE_PATTERN = r"^[A-Za-z0-9_.-]{0,50}$"
CHOICE_VALUE_MAX_LENGTH = 50

key_validator = RegexValidator(
    KEY_PATTERN,
    _(
        "Use a lowercase letter followed by lowercase letters, digits or underscores "
        "(at most 50 characters)."
    ),
    code="invalid_key",
)
scope_validator = RegexValidator(
    SCOPE_PATTERN,
    _("Use letters, digits, dots, hyphens or underscores (at most 50 characters)."),
    code="invalid_scope",
)


class Target(models.TextChoices):
    """The kind of record a field belongs to."""

    ENTITY = "entity", _("Entity")
    CONTACT = "contact", _("Contact")
    CASE = "case", _("Case")


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    LONG_TEXT = "long_text", _("Long text")
    INTEGER = "integer", _("Whole number")
    DECIMAL = "decimal", _("Decimal number")
    MONEY = "money", _("Money")
    DATE = "date", _("Date")
    DATETIME = "datetime", _("Date and time")
    BOOLEAN = "boolean", _("Yes/no")
    CHOICE = "choice", _("Single choice")
    MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
    EMAIL = "email", _("Email")
    URL = "url", _("URL")
    PHONE = "phone", _("Phone")


CHOICE_TYPES = frozenset({FieldType.CHOICE, FieldType.MULTIPLE_CHOICE})


class FieldDefinition(models.Model):
    """One administrator-defined field of a target (and optionally of one scope in it)."""

    target = models.CharField(_("record type"), max_length=20, choices=Target.choices)
    scope = models.CharField(
        _("scope"),
        max_length=50,
        blank=True,
        default="",
        validators=[scope_validator],
        help_text=_("For cases, the code of one case type; empty applies to every record."),
    )
    key = models.CharField(
        _("key"),
        max_length=50,
        validators=[key_validator],
        help_text=_("Identifier in the API, imports and exports; cannot change later."),
    )
    label_en = models.CharField(_("label (English)"), max_length=100)
    label_es = models.CharField(
        _("label (Spanish)"), max_length=100, blank=True, help_text=_("Empty uses the English.")
    )
    field_type = models.CharField(_("type"), max_length=20, choices=FieldType.choices)
    required = models.BooleanField(_("required"), default=False)
    default = models.JSONField(_("default value"), null=True, blank=True, default=None)
    help_text_en = models.CharField(_("help text (English)"), max_length=255, blank=True)
    help_text_es = models.CharField(_("help text (Spanish)"), max_length=255, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    choices = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_('A list of {"value", "label_en", "label_es"} for choice fields.'),
    )
    show_in_list = models.BooleanField(_("show in lists"), default=False)
    show_in_filters = models.BooleanField(_("show in filters"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        ordering = ["target", "scope", "order", "id"]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        indexes = [
            models.Index(fields=["target", "scope", "is_active"], name="customfield_target_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["target", "scope", "key"], name="customfield_unique_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.key})"

    def get_absolute_url(self) -> str:
        return reverse("customfields:detail", args=[self.pk])

    def clean(self) -> None:
        """Check the choices against the type, and store the default in its typed form."""
        self.scope = (self.scope or "").strip()
        errors: dict[str, list[str]] = {}
        try:
            self.choices = self._clean_choices(self.choices)
        except ValidationError as error:
            errors["choices"] = error.messages
        if self.default not in (None, "", [], {}) and "choices" not in errors:
            from relata.customfields.values import clean_value

            try:
                self.default = clean_value(self, self.default)
            except ValidationError as error:
                errors["default"] = error.messages
        elif self.default in ("", [], {}):
            self.default = None
        if errors:
            raise ValidationError(errors)

    def _clean_choices(self, raw: Any) -> list[dict[str, str]]:
        if not self.is_choice:
            if raw:
                raise ValidationError(_("Only choice fields have choices."))
            return []
        if not isinstance(raw, list) or not raw:
            raise ValidationError(_("Add at least one choice."))
        cleaned: list[dict[str, str]] = []
        seen: set[str] = set()
        for item in raw:
            if not isinstance(item, dict):
                raise ValidationError(_("Each choice needs a value and an English label."))
            value = str(item.get("value") or "").strip()
            label_en = str(item.get("label_en") or "").strip()
            label_es = str(item.get("label_es") or "").strip()
            if not value or not label_en:
                raise ValidationError(_("Each choice needs a value and an English label."))
            if len(value) > CHOICE_VALUE_MAX_LENGTH:
                raise ValidationError(
                    _("The choice value “%(value)s” is longer than %(max)d characters.")
                    % {"value": value, "max": CHOICE_VALUE_MAX_LENGTH}
                )
            if value in seen:
                raise ValidationError(
                    _("The choice value “%(value)s” appears more than once.") % {"value": value}
                )
            seen.add(value)
            cleaned.append({"value": value, "label_en": label_en, "label_es": label_es})
        return cleaned

    @property
    def label(self) -> str:
        """Return the label in the active language (Spanish falls back to English)."""
        return localized(self.label_en, self.label_es)

    @property
    def help_text(self) -> str:
        return localized(self.help_text_en, self.help_text_es)

    @property
    def is_choice(self) -> bool:
        return self.field_type in CHOICE_TYPES

    @property
    def choice_options(self) -> list[tuple[str, str]]:
        """Return ``(value, label)`` pairs with labels in the active language."""
        spanish = in_spanish()
        return [
            (c["value"], (c.get("label_es") if spanish else "") or c["label_en"])
            for c in self.choices or []
        ]


class CustomFieldsModel(models.Model):
    """Base for records that carry custom-field values in their ``custom`` JSON object.

    Subclasses name their target in ``custom_fields_target`` and, when their fields depend
    on a scope (a case's type), override :attr:`custom_fields_scope`.
    """

    custom_fields_target: ClassVar[str] = ""

    custom = models.JSONField(_("custom fields"), default=dict, blank=True)

    class Meta:
        abstract = True

    @property
    def custom_fields_scope(self) -> str:
        return ""
