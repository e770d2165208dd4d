"""Writes for the product catalogue; only administrators change it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.text import slugify
from django.utils.translation import gettext as _

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


# --- ERP integration ---------------------------------------------------------------------
# The ERP's upserts by external id. They check the integration permission (an integration
# token, see relata.sales.tokens) instead of the administrator's, and save nothing (no
# history row) when the payload changes nothing.


def _upsert(
    token: Any,
    model: type[Model],
    data: dict[str, Any],
    fields: tuple[str, ...],
) -> tuple[Any, str]:
    from relata.sales.tokens import ensure_integration

    ensure_integration(token)
    external_id = data["external_id"]
    obj = model._default_manager.filter(external_id=external_id).first()
    status = "updated"
    if obj is None:
        # A row the CRM created with the same code is adopted rather than duplicated.
        obj = model._default_manager.filter(code=data["code"], external_id=None).first()
    if obj is None:
        obj, status = model(), "created"
    changed = [f for f in fields if f in data and getattr(obj, f) != data[f]]
    if status == "updated" and not changed:
        return obj, "unchanged"
    clash = model._default_manager.filter(code=data["code"]).exclude(pk=obj.pk).first()
    if clash is not None:
        raise ValidationError(
            {
                "code": _("Another record with external id %(id)s has the code %(code)s.")
                % {"id": getattr(clash, "external_id", None) or "—", "code": data["code"]}
            }
        )
    for name in changed:
        setattr(obj, name, data[name])
    obj.full_clean()
    set_history_user(obj, token.acts_as)
    obj.save()
    return obj, status


@transaction.atomic
def family_upsert(*, token: Any, data: dict[str, Any]) -> tuple[ProductFamily, str]:
    """Create or update the family with ``data["external_id"]``; return it and
    ``"created"``, ``"updated"`` or ``"unchanged"``."""
    data = {k: v for k, v in data.items() if k in FAMILY_FIELDS}
    data["code"] = data.get("code") or slugify(data["external_id"])[:50] or "family"
    return _upsert(token, ProductFamily, data, FAMILY_FIELDS)


@transaction.atomic
def product_upsert(*, token: Any, data: dict[str, Any]) -> tuple[Product, str]:
    """Create or update the product with ``data["external_id"]`` (``family`` is a
    ProductFamily or None; ``unit_price`` None keeps the current price)."""
    data = {k: v for k, v in data.items() if k in PRODUCT_FIELDS}
    if data.get("unit_price") is None:
        data.pop("unit_price", None)
    return _upsert(token, Product, data, PRODUCT_FIELDS)
