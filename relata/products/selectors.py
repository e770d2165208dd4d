"""Reads of the product catalogue (every signed-in user may read it)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from relata.products.models import Product, ProductFamily


def families(*, active_only: bool = True) -> QuerySet[ProductFamily]:
    qs = ProductFamily.objects.all()
    return qs.filter(is_active=True) if active_only else qs


def products(
    *, active_only: bool = True, family: ProductFamily | int | None = None, search: str = ""
) -> QuerySet[Product]:
    """Return catalogue products, optionally of one family or matching code/name."""
    qs = Product.objects.select_related("family")
    if active_only:
        qs = qs.filter(is_active=True)
    if family:
        qs = qs.filter(family=family)
    if search:
        qs = qs.filter(
            Q(code__icontains=search) | Q(name_en__icontains=search) | Q(name_es__icontains=search)
        )
    return qs.order_by("name_en", "pk")
