"""Settings → Products and Product families: administrators only; everyone else gets 403.

Nothing is deleted here: old case lines keep pointing at products, so products and
families are switched off instead.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel import Locale
from babel.numbers import format_currency
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from relata.core import permissions
from relata.core.selectors import parameters_get
from relata.core.types import AuthenticatedHttpRequest
from relata.entities.forms.common import apply_service_errors
from relata.products import selectors, services
from relata.products.forms import FamilyForm, ProductFilterForm, ProductForm
from relata.products.models import Product, ProductFamily

PAGE_SIZE = 25


def _forbid_unless(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def price_display(amount: Decimal, currency: str) -> str:
    """Return ``amount`` in ``currency`` as the reader's language writes money."""
    return format_currency(amount, currency, locale=Locale.parse(get_language() or "en", sep="-"))


def _changed(form: Any) -> dict[str, Any]:
    return {name: value for name, value in form.cleaned_data.items() if name in form.changed_data}


@login_required
@require_GET
def product_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _forbid_unless(permissions.can_configure(request.user))
    filters = ProductFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    qs = selectors.product_list(
        state=values.get("state") or "",
        family=values.get("family"),
        search=values.get("q") or "",
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(product, price_display(product.unit_price, product.currency)) for product in page]
    return render(
        request,
        "products/product_list.html",
        {
            "filters": filters,
            "page_obj": page,
            "rows": rows,
            "filtered": any(values.get(name) for name in ("q", "family", "state")),
            "has_families": ProductFamily.objects.exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    _forbid_unless(permissions.can_configure(request.user))
    product = get_object_or_404(Product, pk=pk) if pk else None
    initial = None if product else {"currency": parameters_get().default_currency}
    form = ProductForm(request.POST or None, instance=product, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if product is None:
                product = services.product_create(user=request.user, data=form.cleaned_data)
            else:
                # Re-read: a refused change must not leave the form's copy half changed.
                product = services.product_update(
                    user=request.user,
                    product=Product.objects.get(pk=product.pk),
                    data=_changed(form),
                )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("“%(name)s” was saved.") % {"name": product.name})
            return redirect("products:product_list")
    return render(request, "products/product_form.html", {"form": form, "product": product})


@login_required
@require_GET
def family_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _forbid_unless(permissions.can_configure(request.user))
    return render(request, "products/family_list.html", {"families": selectors.family_list()})


@login_required
@require_http_methods(["GET", "POST"])
def family_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    _forbid_unless(permissions.can_configure(request.user))
    family = get_object_or_404(ProductFamily, pk=pk) if pk else None
    form = FamilyForm(request.POST or None, instance=family)
    if request.method == "POST" and form.is_valid():
        try:
            if family is None:
                family = services.family_create(user=request.user, data=form.cleaned_data)
            else:
                family = services.family_update(
                    user=request.user,
                    family=ProductFamily.objects.get(pk=family.pk),
                    data=_changed(form),
                )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("“%(name)s” was saved.") % {"name": family.name})
            return redirect("products:family_list")
    return render(request, "products/family_form.html", {"form": form, "family": family})
