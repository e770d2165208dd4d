"""The product lines of an opportunity's form: one row per line, blank rows ignored,
and the service's ``lines.<i>.<field>`` errors put back on their rows."""

from __future__ import annotations

import decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from relata.core.forms import StyledFormMixin
from relata.products.models import Product


class ProductSelect(forms.Select):
    """A product select whose options carry the list price, for the live line amount."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.prices: dict[str, str] = {}

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        price = self.prices.get(str(value))
        if price is not None:
            option["attrs"]["data-price"] = price
        return option


def product_choices(current: list[int] | None = None) -> QuerySet[Product]:
    q = Q(is_active=True)
    if current:
        q |= Q(pk__in=current)
    return Product.objects.filter(q).select_related("family").order_by("name_en", "pk")


class LineForm(StyledFormMixin, forms.Form):
    """One product line. Ranges (quantity above zero, discount 0–100) are the service's."""

    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.none(), required=False, widget=ProductSelect
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    quantity = forms.DecimalField(
        label=_("Quantity"),
        max_digits=12,
        decimal_places=3,
        required=False,
        initial=decimal.Decimal("1"),
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    unit_price = forms.DecimalField(
        label=_("Unit price"),
        max_digits=14,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    discount = forms.DecimalField(
        label=_("Discount (%)"),
        max_digits=5,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )

    def __init__(self, *args: Any, products: list[Product] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["product"]
        items = products if products is not None else list(product_choices())
        field.queryset = product_choices([p.pk for p in items])  # type: ignore[attr-defined]
        field.choices = [("", "---------"), *((p.pk, f"{p.name} · {p.code}") for p in items)]  # type: ignore[attr-defined]
        widget = field.widget
        assert isinstance(widget, ProductSelect)
        widget.prices = {str(p.pk): str(p.unit_price) for p in items}
        self.fields["unit_price"].widget.attrs["placeholder"] = _("List price")
        self.fields["discount"].widget.attrs["placeholder"] = "0"

    def is_blank(self) -> bool:
        cleaned = getattr(self, "cleaned_data", {})
        return not any(
            cleaned.get(name) not in (None, "")
            for name in ("product", "description", "unit_price", "discount")
        )


class BaseLineFormSet(forms.BaseFormSet):
    """The product lines; blank rows are ignored, deleted rows dropped."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        current = kwargs.pop("current_products", None) or []
        self.products = list(product_choices(current))
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "products": self.products}

    def kept_forms(self) -> list[LineForm]:
        """Return the forms that are lines to save, in order."""
        kept = []
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            if form.is_blank():
                continue
            kept.append(form)
        return kept

    def lines_data(self) -> list[dict[str, Any]]:
        lines = []
        for form in self.kept_forms():
            cleaned = form.cleaned_data
            lines.append(
                {
                    "product": cleaned.get("product"),
                    "description": cleaned.get("description") or "",
                    "quantity": cleaned.get("quantity"),
                    "unit_price": cleaned.get("unit_price"),
                    "discount": cleaned.get("discount"),
                }
            )
        return lines

    def apply_service_errors(self, error: ValidationError) -> list[str]:
        """Put ``lines.<i>.<field>`` errors on the rows; return the other messages."""
        kept = self.kept_forms()
        others: list[str] = []
        for key, messages in error.message_dict.items():
            parts = key.split(".")
            if len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit():
                index = int(parts[1])
                if index < len(kept):
                    name = parts[2] if parts[2] in kept[index].fields else None
                    kept[index].add_error(name, messages)
                    continue
            if key == "lines":
                others.extend(messages)
        return others


LineFormSet = cast(
    "type[BaseLineFormSet]",
    forms.formset_factory(LineForm, formset=BaseLineFormSet, extra=0, can_delete=True),
)
