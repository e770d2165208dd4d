"""Forms of the entity list: search and filters, columns, bulk actions."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from relata.core.forms import StyledFormMixin, style_widgets
from relata.core.models import Team, User
from relata.customfields import selectors as field_selectors
from relata.customfields.models import FieldDefinition, FieldType, Target
from relata.entities import selectors
from relata.entities.forms.common import (
    PAGE_SIZES,
)
from relata.entities.models import (
    EntityKind,
    Sector,
    Source,
    Tag,
    Zone,
)

# --- The entity list ---------------------------------------------------------------------

ACTIVE_CHOICES = [("", _("Active and inactive")), ("1", _("Active")), ("0", _("Inactive"))]
# Custom types with no useful "equals" filter: amounts and moments belong to segments.
UNFILTERABLE_TYPES = {FieldType.MONEY, FieldType.DATETIME, FieldType.LONG_TEXT}


def _filter_field(definition: FieldDefinition) -> forms.Field | None:
    label = definition.label
    kind = definition.field_type
    if kind in UNFILTERABLE_TYPES:
        return None
    if kind == FieldType.BOOLEAN:
        choices = [("", _("Any")), ("1", _("Yes")), ("0", _("No"))]
        return forms.ChoiceField(label=label, choices=choices, required=False)
    if kind in (FieldType.CHOICE, FieldType.MULTIPLE_CHOICE):
        return forms.ChoiceField(
            label=label, choices=[("", _("Any")), *definition.choice_options], required=False
        )
    if kind == FieldType.INTEGER:
        return forms.IntegerField(label=label, required=False)
    if kind == FieldType.DATE:
        widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        return forms.DateField(label=label, required=False, widget=widget)
    return forms.CharField(label=label, required=False, max_length=255)


class EntityFilterForm(StyledFormMixin, forms.Form):
    """The search box and filters of the entity list; read from the query string.

    The parameter names are the selector's (and the API's): ``q``, ``kind``, ``source``,
    ``sector``, ``zone``, ``owner``, ``team``, ``tags``, ``is_active``, ``cf_<key>``, plus
    ``sort`` and ``page_size``. Values that do not validate are ignored, never an error.
    """

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    kind = forms.ModelChoiceField(
        label=_("Kind"), queryset=EntityKind.objects.all(), required=False, empty_label=_("Any")
    )
    source = forms.ModelChoiceField(
        label=_("Source"), queryset=Source.objects.all(), required=False, empty_label=_("Any")
    )
    sector = forms.ModelChoiceField(
        label=_("Sector"), queryset=Sector.objects.all(), required=False, empty_label=_("Any")
    )
    zone = forms.ModelChoiceField(
        label=_("Zone"), queryset=Zone.objects.all(), required=False, empty_label=_("Any")
    )
    owner = forms.ModelChoiceField(
        label=_("Assigned agent"),
        queryset=User.objects.filter(is_active=True).order_by("first_name", "username"),
        required=False,
        empty_label=_("Anyone"),
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.filter(is_active=True),
        required=False,
        empty_label=_("Any"),
    )
    tags = forms.ModelChoiceField(
        label=_("Tag"), queryset=Tag.objects.all(), required=False, empty_label=_("Any")
    )
    is_active = forms.ChoiceField(label=_("Status"), choices=ACTIVE_CHOICES, required=False)
    page_size = forms.TypedChoiceField(
        label=_("Per page"),
        choices=[(str(n), str(n)) for n in PAGE_SIZES],
        coerce=int,
        required=False,
    )

    FILTER_NAMES = ("kind", "source", "sector", "zone", "owner", "team", "tags", "is_active")

    def __init__(self, data: QueryDict, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        added = {}
        for definition in field_selectors.filter_fields(target=Target.ENTITY):
            field = _filter_field(definition)
            if field is not None:
                added[f"cf_{definition.key}"] = field
        style_widgets(SimpleNamespace(fields=added))  # type: ignore[arg-type]
        self.fields.update(added)
        for name, field in self.fields.items():
            if name != "q":  # the filter panel is dense: small inputs
                css = field.widget.attrs.get("class", "")
                size = "form-select-sm" if "form-select" in css else "form-control-sm"
                field.widget.attrs["class"] = f"{css} {size}"
        self.is_valid()

    def filter_bound_fields(self) -> list[forms.BoundField]:
        """Return the inputs of the filter panel, custom fields and page size included."""
        names = (*self.FILTER_NAMES, *self.custom_filter_names, "page_size")
        return [self[name] for name in names]

    @property
    def custom_filter_names(self) -> list[str]:
        return [name for name in self.fields if name.startswith("cf_")]

    def _value(self, name: str) -> Any:
        return None if name in self.errors else self.cleaned_data.get(name)

    @property
    def search(self) -> str:
        return self._value("q") or ""

    @property
    def per_page(self) -> int:
        return int(self._value("page_size") or PAGE_SIZES[0])

    def filters(self) -> dict[str, Any]:
        """Return the valid filters, as ``selectors.entity_list`` takes them."""
        filters: dict[str, Any] = {}
        for name in (*self.FILTER_NAMES, *self.custom_filter_names):
            value = self._value(name)
            if value in (None, ""):
                continue
            if isinstance(value, Model):
                value = value.pk
            elif hasattr(value, "isoformat"):
                value = value.isoformat()
            filters[name] = value
        return filters

    def active_filter_count(self) -> int:
        return len(self.filters())


def columns_available() -> list[tuple[str, str]]:
    """Return the optional columns of the entity list: ``(key, label)``."""
    columns = [
        ("tax_id", gettext("Tax id")),
        ("kind", gettext("Kind")),
        ("email", gettext("Main email")),
        ("phone", gettext("Main phone")),
        ("city", gettext("City")),
        ("owner", gettext("Assigned agent")),
        ("team", gettext("Team")),
        ("tags", gettext("Tags")),
    ]
    columns += [
        (f"cf_{d.key}", d.label) for d in field_selectors.list_columns(target=Target.ENTITY)
    ]
    return columns


DEFAULT_COLUMNS = ("kind", "email", "phone", "city", "owner")


# --- Bulk actions -------------------------------------------------------------------------


class BulkAssignForm(StyledFormMixin, forms.Form):
    owner = forms.ModelChoiceField(
        label=_("Assigned agent"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Same agent"),
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("Same team"),
    )

    def __init__(self, data: QueryDict | None = None, *, user: User, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["owner"].queryset = selectors.assignable_users(user=user)  # type: ignore[attr-defined]
        self.fields["team"].queryset = selectors.assignable_teams(user=user)  # type: ignore[attr-defined]
        for name, field in self.fields.items():
            field.widget.attrs["aria-label"] = str(field.label)
            field.widget.attrs["id"] = f"bulk-{name}"

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if not cleaned.get("owner") and not cleaned.get("team"):
            raise ValidationError(_("Choose an agent, a team or both."))
        return cleaned


class BulkTagForm(StyledFormMixin, forms.Form):
    tag = forms.CharField(label=_("Tag"), max_length=50)
