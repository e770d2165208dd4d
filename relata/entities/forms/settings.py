"""The form of a classification-list value (settings)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Model
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from relata.core.forms import StyledFormMixin
from relata.entities.models import EntityKind, KindMeaning


class ClassificationForm(StyledFormMixin, forms.Form):
    """Create or change a value of a classification list (kind, source, sector, zone)."""

    code = forms.SlugField(
        label=_("Code"),
        max_length=50,
        help_text=_("Letters, digits and hyphens; used by imports and the API."),
    )
    label_en = forms.CharField(label=_("Label (English)"), max_length=100)
    label_es = forms.CharField(
        label=_("Label (Spanish)"),
        max_length=100,
        required=False,
        help_text=_("Empty uses the English."),
    )
    meaning = forms.ChoiceField(
        label=_("Meaning"),
        choices=KindMeaning.choices,
        help_text=_("What the kind means to Relata: prospects can be converted into customers."),
    )
    order = forms.IntegerField(label=_("Order"), min_value=0, initial=0)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        model: type[Model],
        instance: Model | None = None,
        **kwargs: Any,
    ) -> None:
        if instance is not None:
            kwargs["initial"] = {
                name: getattr(instance, name)
                for name in ("code", "label_en", "label_es", "order", "is_active", "meaning")
                if hasattr(instance, name)
            }
        super().__init__(data, **kwargs)
        if model is not EntityKind:
            del self.fields["meaning"]
        if instance is None:
            del self.fields["is_active"]
        else:
            # Imports and the API name values by code: changing it would break them.
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("The code cannot change once the value exists.")
