"""Reads of the product catalogue (every signed-in user may read it)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

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


def product_list(
    *, state: str = "", family: ProductFamily | int | None = None, search: str = ""
) -> QuerySet[Product]:
    """Return the products of the settings list: ``state`` "" (active), "inactive" or "all"."""
    qs = products(active_only=False, family=family, search=search.strip())
    if state == "inactive":
        return qs.filter(is_active=False)
    if state == "all":
        return qs
    return qs.filter(is_active=True)


def family_list() -> QuerySet[ProductFamily]:
    """Return every family with the number of its products (``product_count``)."""
    return ProductFamily.objects.annotate(product_count=Count("products")).order_by(
        "order", "name_en"
    )
