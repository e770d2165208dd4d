"""Writes for the product catalogue; only administrators change it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Model

from relata.core import permissions
from relata.core.history import set_history_user
from relata.core.models import User
from relata.products.models import Product, ProductFamily

PRODUCT_FIELDS = (
    "code",
    "name_en",
    "name_es",
    "family",
    "description",
    "unit_price",
    "currency",
    "external_id",
    "is_active",
)
FAMILY_FIELDS = ("code", "name_en", "name_es", "external_id", "order", "is_active")


def _save(user: User, obj: Model, data: dict[str, Any], fields: tuple[str, ...]) -> None:
    permissions.ensure(permissions.can_configure(user))
    for name, value in data.items():
        if name in fields:
            setattr(obj, name, value)
    if getattr(obj, "external_id", None) == "":
        obj.external_id = None  # type: ignore[attr-defined]
    obj.full_clean()
    set_history_user(obj, user)
    obj.save()


@transaction.atomic
def product_create(*, user: User, data: dict[str, Any]) -> Product:
    product = Product()
    _save(user, product, data, PRODUCT_FIELDS)
    return product


@transaction.atomic
def product_update(*, user: User, product: Product, data: dict[str, Any]) -> Product:
    _save(user, product, data, PRODUCT_FIELDS)
    return product


@transaction.atomic
def family_create(*, user: User, data: dict[str, Any]) -> ProductFamily:
    family = ProductFamily()
    _save(user, family, data, FAMILY_FIELDS)
    return family


@transaction.atomic
def family_update(*, user: User, family: ProductFamily, data: dict[str, Any]) -> ProductFamily:
    _save(user, family, data, FAMILY_FIELDS)
    return family
