"""Forms of Settings → Products and Product families, and the product list's filters.

They only shape input for :mod:`relata.products.services`; the services decide.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from relata.core.forms import StyledFormMixin, currency_choices
from relata.products.models import Product, ProductFamily
from relata.products.services import FAMILY_FIELDS, PRODUCT_FIELDS


class FamilyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name if obj.is_active else _("%(name)s (inactive)") % {"name": obj.name}


class ProductForm(StyledFormMixin, forms.ModelForm):
    family = FamilyChoiceField(
        label=_("Family"), queryset=ProductFamily.objects.none(), required=False
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=currency_choices)

    class Meta:
        model = Product
        fields = list(PRODUCT_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "unit_price": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.instance.family_id
        family = self.fields["family"]
        assert isinstance(family, forms.ModelChoiceField)
        family.queryset = ProductFamily.objects.filter(
            Q(is_active=True) | Q(pk=current or 0)
        ).order_by("order", "name_en")
        self.fields["external_id"].help_text = _(
            "The product's key in the ERP, for imports; leave empty if there is none."
        )

    def _post_clean(self) -> None:
        # The service validates the model; the form only checks its inputs.
        pass


class FamilyForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = ProductFamily
        fields = list(FAMILY_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["external_id"].help_text = _(
            "The family's key in the ERP, for imports; leave empty if there is none."
        )

    def _post_clean(self) -> None:
        pass


ACTIVE_CHOICES = (
    ("", _("Active")),
    ("inactive", _("Inactive")),
    ("all", _("All")),
)


class ProductFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    family = forms.ModelChoiceField(
        label=_("Family"),
        queryset=ProductFamily.objects.order_by("order", "name_en"),
        required=False,
        empty_label=_("All families"),
    )
    state = forms.ChoiceField(label=_("State"), choices=ACTIVE_CHOICES, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update({"placeholder": _("Code or name"), "type": "search"})
