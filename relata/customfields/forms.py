"""Form fields for custom values, the mixin that adds them to record forms, and the form
that administrators use to define a field."""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from relata.core.forms import StyledFormMixin, currency_choices, style_widgets
from relata.core.normalize import PHONE_MAX_LENGTH, URL_MAX_LENGTH
from relata.customfields import selectors, services
from relata.customfields.models import CHOICE_TYPES, FieldDefinition, FieldType, Target
from relata.customfields.values import LONG_TEXT_MAX_LENGTH, TEXT_MAX_LENGTH, default_currency

PREFIX = "cf_"


class MoneyWidget(forms.MultiWidget):
    """An amount and a currency side by side in a Bootstrap input group."""

    template_name = "customfields/widgets/money.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            [forms.NumberInput(attrs={"step": "any"}), forms.Select(choices=currency_choices())],
            attrs,
        )

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dict):
            return [value.get("amount"), value.get("currency") or default_currency()]
        return [None, default_currency()]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict:
        context = super().get_context(name, value, attrs)
        invalid = (
            " is-invalid" if "is-invalid" in context["widget"]["attrs"].get("class", "") else ""
        )
        amount, currency = context["widget"]["subwidgets"]
        amount["attrs"]["class"] = f"form-control{invalid}"
        currency["attrs"]["class"] = f"form-select flex-grow-0 w-auto{invalid}"
        currency["attrs"]["aria-label"] = str(_("Currency"))
        return context


class MoneyFormField(forms.MultiValueField):
    widget = MoneyWidget

    def __init__(self, **kwargs: Any) -> None:
        fields = (
            forms.DecimalField(required=False),
            forms.ChoiceField(choices=currency_choices, required=False),
        )
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def compress(self, data_list: list[Any]) -> dict[str, Any] | None:
        if not data_list or data_list[0] in (None, ""):
            return None
        return {"amount": data_list[0], "currency": data_list[1] or default_currency()}


def _initial(definition: FieldDefinition, value: Any) -> Any:
    """Return a stored value in the form a form field shows."""
    if value is None:
        return None
    if definition.field_type == FieldType.DATETIME and isinstance(value, str):
        try:
            return datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
    if definition.field_type == FieldType.DATE and isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def form_field(definition: FieldDefinition) -> forms.Field:
    """Return the Django form field for ``definition``, with the widget its type needs."""
    kind = definition.field_type
    common: dict[str, Any] = {
        "label": definition.label,
        "help_text": definition.help_text,
        "required": definition.required,
    }
    if kind == FieldType.TEXT:
        return forms.CharField(max_length=TEXT_MAX_LENGTH, **common)
    if kind == FieldType.LONG_TEXT:
        return forms.CharField(
            max_length=LONG_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}), **common
        )
    if kind == FieldType.INTEGER:
        return forms.IntegerField(widget=forms.NumberInput(attrs={"step": "1"}), **common)
    if kind == FieldType.DECIMAL:
        return forms.DecimalField(widget=forms.NumberInput(attrs={"step": "any"}), **common)
    if kind == FieldType.MONEY:
        return MoneyFormField(**common)
    if kind == FieldType.DATE:
        widget: forms.Widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        return forms.DateField(widget=widget, **common)
    if kind == FieldType.DATETIME:
        widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
        return forms.DateTimeField(widget=widget, **common)
    if kind == FieldType.BOOLEAN:
        # A checkbox always answers yes or no, so "required" cannot ask for more here.
        return forms.BooleanField(**{**common, "required": False})
    if kind == FieldType.CHOICE:
        choices = [("", "—"), *definition.choice_options]
        return forms.ChoiceField(choices=choices, **common)
    if kind == FieldType.MULTIPLE_CHOICE:
        options = definition.choice_options
        widget = forms.SelectMultiple(attrs={"size": min(max(len(options), 2), 6)})
        return forms.MultipleChoiceField(choices=options, widget=widget, **common)
    if kind == FieldType.EMAIL:
        from relata.core.emailaddress import EmailAddressFormField

        return EmailAddressFormField(**common)
    if kind == FieldType.URL:
        return forms.CharField(max_length=URL_MAX_LENGTH, widget=forms.URLInput, **common)
    if kind == FieldType.PHONE:
        widget = forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})
        return forms.CharField(max_length=PHONE_MAX_LENGTH, widget=widget, **common)
    raise ValueError(f"Unknown field type {kind!r}")


def custom_form_fields(
    *, target: str, scope: str = "", initial: dict[str, Any] | None = None
) -> dict[str, forms.Field]:
    """Return a form field named ``cf_<key>`` for each active field of ``target``/``scope``.

    ``initial`` is the record's stored ``custom`` object; None means a new record, whose
    fields start at their defaults.
    """
    fields: dict[str, forms.Field] = {}
    for definition in selectors.field_definitions(target=target, scope=scope):
        field = form_field(definition)
        value = definition.default if initial is None else initial.get(definition.key)
        field.initial = _initial(definition, value)
        fields[f"{PREFIX}{definition.key}"] = field
    return fields


class CustomFieldsFormMixin:
    """Add the custom fields of ``custom_fields_target`` to a (model) form.

    After validation, ``cleaned_data["custom"]`` holds the complete ``custom`` object to
    store: for a new record the cleaned values with defaults; for an existing one its
    stored values updated with the form's. Pass ``custom_fields_scope`` when the scope is
    not the instance's ``custom_fields_scope`` (e.g. a new case of a chosen type).
    """

    custom_fields_target: str = ""

    def __init__(self, *args: Any, custom_fields_scope: str | None = None, **kwargs: Any) -> None:
        self._custom_ready = False
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        self._custom_is_new = instance is None or instance._state.adding
        self._custom_current: dict[str, Any] = (
            {} if instance is None or self._custom_is_new else dict(instance.custom or {})
        )
        if custom_fields_scope is None:
            custom_fields_scope = getattr(instance, "custom_fields_scope", "") or ""
        self.custom_fields_scope = custom_fields_scope
        target = self.custom_fields_target or getattr(instance, "custom_fields_target", "")
        self.custom_fields_target = target
        added = custom_form_fields(
            target=target,
            scope=custom_fields_scope,
            initial=None if self._custom_is_new else self._custom_current,
        )
        style_widgets(SimpleNamespace(fields=added))  # type: ignore[arg-type]
        self.fields.update(added)  # type: ignore[attr-defined]
        self._custom_ready = True

    @property
    def custom_field_names(self) -> list[str]:
        return [name for name in self.fields if name.startswith(PREFIX)]  # type: ignore[attr-defined]

    def custom_bound_fields(self) -> list[forms.BoundField]:
        """Return the bound custom fields, for templates that place them apart."""
        return [self[name] for name in self.custom_field_names]  # type: ignore[index]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()  # type: ignore[misc]
        if not self._custom_ready:
            return cleaned
        names = self.custom_field_names
        failed = {name for name in names if name in self.errors}  # type: ignore[attr-defined]
        raw = {name[len(PREFIX) :]: cleaned.get(name) for name in names if name not in failed}
        try:
            # With fields already in error, check the others too, so that every error
            # shows at once; nothing is kept then.
            values = services.values_clean(
                target=self.custom_fields_target,
                scope=self.custom_fields_scope,
                data=raw,
                partial=not self._custom_is_new or bool(failed),
            )
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                name = f"{PREFIX}{key}"
                self.add_error(name if name in self.fields else None, messages)  # type: ignore[attr-defined]
            return cleaned
        if failed:
            return cleaned
        if not self._custom_is_new:
            values = services.values_merge(current=self._custom_current, cleaned=values)
        cleaned["custom"] = values
        return cleaned


# --- The administrators' form ------------------------------------------------------------


def default_as_text(definition: FieldDefinition) -> str:
    """Return a stored default as the administrator types it."""
    value = definition.default
    if value is None:
        return ""
    if isinstance(value, dict):
        return f"{value.get('amount', '')} {value.get('currency', '')}".strip()
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def choices_as_text(choices: list[dict[str, str]]) -> str:
    return "\n".join(
        " | ".join(part for part in (c["value"], c["label_en"], c.get("label_es", "")) if part)
        for c in choices or []
    )


def parse_choices(text: str) -> list[dict[str, str]]:
    """Read "value | English label | Spanish label" lines; the labels may be left out."""
    choices = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) > 3:
            raise ValidationError(
                _("Line %(number)d: write “value | English label | Spanish label”.")
                % {"number": number}
            )
        value, label_en, label_es = [*parts, "", ""][:3]
        choices.append({"value": value, "label_en": label_en or value, "label_es": label_es})
    return choices


def parse_default(field_type: str, text: str) -> Any:
    """Turn the default typed by an administrator into input for the value cleaner."""
    text = text.strip()
    if not text:
        return None
    if field_type == FieldType.MONEY:
        parts = text.split()
        currency = next((p for p in parts if p.isalpha()), None)
        amount = " ".join(p for p in parts if p != currency)
        return {"amount": amount, "currency": currency}
    if field_type == FieldType.MULTIPLE_CHOICE:
        return [item.strip() for item in text.split(",") if item.strip()]
    return text


class FieldDefinitionForm(StyledFormMixin, forms.Form):
    """Define or change a custom field; the service does the checking against the model."""

    target = forms.ChoiceField(label=_("Record type"), choices=Target.choices)
    scope = forms.CharField(
        label=_("Scope"),
        max_length=50,
        required=False,
        help_text=_("For cases, the code of one case type; empty applies to every record."),
    )
    key = forms.CharField(
        label=_("Key"),
        max_length=50,
        help_text=_(
            "Lowercase letters, digits and underscores, starting with a letter, e.g. "
            "budget_2025. Used by the API, imports and exports; it cannot change later."
        ),
    )
    field_type = forms.ChoiceField(label=_("Type"), choices=FieldType.choices)
    label_en = forms.CharField(label=_("Label (English)"), max_length=100)
    label_es = forms.CharField(
        label=_("Label (Spanish)"),
        max_length=100,
        required=False,
        help_text=_("Empty uses the English."),
    )
    help_text_en = forms.CharField(label=_("Help text (English)"), max_length=255, required=False)
    help_text_es = forms.CharField(label=_("Help text (Spanish)"), max_length=255, required=False)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "north | North | Norte"}),
        help_text=_(
            "For choice fields, one choice per line: value | English label | Spanish label."
        ),
    )
    default = forms.CharField(
        label=_("Default value"),
        required=False,
        help_text=_(
            "Given to new records. Dates as 2025-12-31, money as 12.50 EUR, yes/no as yes or "
            "no, several choices separated by commas."
        ),
    )
    required = forms.BooleanField(label=_("Required"), required=False)
    show_in_list = forms.BooleanField(label=_("Show in lists"), required=False)
    show_in_filters = forms.BooleanField(label=_("Show in filters"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, definition: FieldDefinition | None = None, **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        if definition is not None:
            kwargs["initial"] = {
                **{name: getattr(definition, name) for name in self.base_fields},
                "default": default_as_text(definition),
                "choices": choices_as_text(definition.choices),
                **(kwargs.get("initial") or {}),
            }
        super().__init__(*args, **kwargs)
        if definition is None:
            del self.fields["is_active"]
        else:
            for name in ("target", "key", "field_type"):
                self.fields[name].disabled = True

    def clean_choices(self) -> list[dict[str, str]]:
        return parse_choices(self.cleaned_data.get("choices") or "")

    def clean(self) -> dict[str, Any]:
        super().clean()  # Form.clean() returns self.cleaned_data
        cleaned = self.cleaned_data
        if "field_type" in cleaned:
            cleaned["default"] = parse_default(cleaned["field_type"], cleaned.get("default", ""))
            if cleaned["field_type"] not in CHOICE_TYPES:
                # The page hides the choices of other types; lines left there mean nothing.
                cleaned["choices"] = []
        return cleaned
