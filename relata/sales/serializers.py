"""Validation of the integration payloads (API and importer share them).

References to other records are external ids (``customer``, ``order``, ``product``); they
are resolved in bulk by :mod:`relata.sales.upsert`, which reports unknown ones per record.
"""

from __future__ import annotations

import decimal
from typing import Any

from django.core.validators import validate_slug
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from relata.core.emailaddress import validate_email_address
from relata.sales.linking import entity_tax_id, loose_tax_id
from relata.sales.models import (
    CustomerAddress,
    DeliveryStatus,
    InvoiceStatus,
    OrderStatus,
)

CENT = decimal.Decimal("0.01")
MAX_LINES = 1_000


def _choice_field(choices: Any, **kwargs: Any) -> serializers.ChoiceField:
    """A choice field documented inline: several payloads have a ``status`` with different
    choices, which drf-spectacular would otherwise name as colliding enums."""
    values = [value for value, _label in choices]
    field_class = extend_schema_field({"type": "string", "enum": values})(
        type("ErpChoiceField", (serializers.ChoiceField,), {})
    )
    return field_class(choices=choices, **kwargs)


def money(value: decimal.Decimal) -> decimal.Decimal:
    return value.quantize(CENT, rounding=decimal.ROUND_HALF_UP)


def _money_field(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


def _quantity_field(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=3, **kwargs)


def _email_field() -> serializers.CharField:
    """An optional email address checked by the one RFC 3696 validator of the project (a
    DRF EmailField with an empty default would describe an invalid ``format: email``)."""
    return serializers.CharField(
        max_length=320,
        required=False,
        default="",
        allow_blank=True,
        validators=[validate_email_address],
    )


class _Base(serializers.Serializer):
    external_id = serializers.CharField(max_length=100)


class ErpAddressSerializer(serializers.Serializer):
    external_id = serializers.CharField(
        max_length=100, required=False, default="", allow_blank=True
    )
    kind = _choice_field(CustomerAddress.Kind.choices, default="billing")
    street = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    postal_code = serializers.CharField(max_length=20, required=False, default="", allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    province = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    country = serializers.CharField(max_length=2, required=False, default="ES", allow_blank=True)


class ErpContactSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=150, required=False, default="", allow_blank=True)
    job_title = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    email = _email_field()
    phone = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)


class _MasterSerializer(_Base):
    code = serializers.CharField(max_length=50, required=False, default="", allow_blank=True)
    name = serializers.CharField(max_length=200)
    tax_id = serializers.CharField(max_length=32, required=False, default="", allow_blank=True)
    is_active = serializers.BooleanField(required=False, default=True)
    email = _email_field()
    phone = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)
    addresses = ErpAddressSerializer(many=True, required=False, default=list)
    contacts = ErpContactSerializer(many=True, required=False, default=list)

    def validate_tax_id(self, value: str) -> str:
        return entity_tax_id(value) or loose_tax_id(value)


class ErpCustomerSerializer(_MasterSerializer):
    payment_terms = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True
    )
    price_list = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    credit_limit = _money_field(required=False, default=None, allow_null=True)
    currency = serializers.CharField(max_length=3, min_length=3, required=False, default="EUR")
    commercial_conditions = serializers.JSONField(required=False, default=None, allow_null=True)


class ErpSupplierSerializer(_MasterSerializer):
    pass


def _slug_or_empty(value: str) -> None:
    if value:
        validate_slug(value)


class ErpFamilySerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=100)
    # Optional: a slug, or empty (made from the external id). A SlugField with an empty
    # default would describe a schema its own default does not match.
    code = serializers.CharField(
        max_length=50,
        required=False,
        default="",
        allow_blank=True,
        validators=[_slug_or_empty],
    )
    name = serializers.CharField(max_length=100)
    name_es = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)


class ErpProductSerializer(_Base):
    code = serializers.CharField(max_length=50)
    name = serializers.CharField(max_length=200)
    name_es = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    description = serializers.CharField(required=False, default="", allow_blank=True)
    unit_price = _money_field(min_value=decimal.Decimal("0"), required=False, default=None)
    currency = serializers.CharField(max_length=3, min_length=3, required=False, default="EUR")
    is_active = serializers.BooleanField(required=False, default=True)
    family = ErpFamilySerializer(required=False, default=None, allow_null=True)


class _LineSerializer(serializers.Serializer):
    line_number = serializers.IntegerField(min_value=1, max_value=2_000_000_000)
    product = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    description = serializers.CharField(
        max_length=300, required=False, default="", allow_blank=True
    )
    quantity = _quantity_field()
    unit_price = _money_field(required=False, default=decimal.Decimal("0"))
    amount = _money_field(required=False, default=None, allow_null=True)


class ErpOrderLineSerializer(_LineSerializer):
    discount = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=decimal.Decimal("0"),
        max_value=decimal.Decimal("100"),
        required=False,
        default=decimal.Decimal("0"),
    )
    delivered_quantity = _quantity_field(required=False, default=decimal.Decimal("0"))


def _complete_lines(lines: list[dict[str, Any]]) -> decimal.Decimal:
    """Fill each line's amount when absent (quantity × price less discount); return the sum."""
    seen: set[int] = set()
    for index, line in enumerate(lines):
        if line["line_number"] in seen:
            raise serializers.ValidationError(
                {"lines": {str(index): {"line_number": [_("Line numbers must be unique.")]}}}
            )
        seen.add(line["line_number"])
        if line.get("amount") is None:
            discount = line.get("discount", decimal.Decimal("0"))
            gross = line["quantity"] * line["unit_price"]
            line["amount"] = money(gross * (100 - discount) / 100)
    return sum((line["amount"] for line in lines), decimal.Decimal("0.00"))


class _DocumentSerializer(_Base):
    number = serializers.CharField(max_length=50)
    customer = serializers.CharField(max_length=100)
    date = serializers.DateField()


class ErpOrderSerializer(_DocumentSerializer):
    status = _choice_field(OrderStatus.choices, default=OrderStatus.OPEN)
    currency = serializers.CharField(max_length=3, min_length=3, required=False, default="EUR")
    total = _money_field(required=False, default=None, allow_null=True)
    lines = ErpOrderLineSerializer(  # type: ignore[call-arg]
        many=True, required=False, default=list, max_length=MAX_LINES
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        total = _complete_lines(attrs["lines"])
        if attrs.get("total") is None:
            attrs["total"] = money(total)
        return attrs


class ErpDeliverySerializer(_DocumentSerializer):
    order = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    status = _choice_field(DeliveryStatus.choices, default=DeliveryStatus.PENDING)


class ErpInvoiceLineSerializer(_LineSerializer):
    pass


class ErpInvoiceSerializer(_DocumentSerializer):
    order = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    due_date = serializers.DateField(required=False, default=None, allow_null=True)
    currency = serializers.CharField(max_length=3, min_length=3, required=False, default="EUR")
    total = _money_field(required=False, default=None, allow_null=True)
    paid_amount = _money_field(required=False, default=decimal.Decimal("0.00"))
    status = _choice_field(InvoiceStatus.choices, default=InvoiceStatus.OPEN)
    lines = ErpInvoiceLineSerializer(  # type: ignore[call-arg]
        many=True, required=False, default=list, max_length=MAX_LINES
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        total = _complete_lines(attrs["lines"])
        if attrs.get("total") is None:
            attrs["total"] = money(total)
        if attrs.get("due_date") and attrs["due_date"] < attrs["date"]:
            raise serializers.ValidationError(
                {"due_date": [_("The due date cannot be before the invoice date.")]}
            )
        return attrs
